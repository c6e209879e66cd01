"""camelCase on the wire: a renderer and parser over djangorestframework-camel-case."""

import json
from datetime import datetime
from typing import Any

from django.conf import settings
from djangorestframework_camel_case.parser import CamelCaseJSONParser
from djangorestframework_camel_case.render import CamelCaseJSONRenderer
from djangorestframework_camel_case.util import underscoreize
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.utils.encoders import JSONEncoder as DRFJSONEncoder

from config.api.fields import isoformat_ms


class JSONEncoder(DRFJSONEncoder):
    """Encode bare datetimes (in hand-built dicts) in the wire timestamp format too."""

    def default(self, obj: object) -> object:
        if isinstance(obj, datetime):
            return isoformat_ms(obj)
        return super().default(obj)


class JSONRenderer(CamelCaseJSONRenderer):
    encoder_class = JSONEncoder


def _nul_path(value: Any, path: tuple = ()) -> tuple | None:
    """Return the path to the first string (key or value) holding a NUL character, if any."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in str(key):
                return path  # name the object holding the bad key, never the key itself
            found = _nul_path(item, (*path, key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, (*path, index))
            if found is not None:
                return found
    return None


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Return True when the objects/arrays of `value` (one) nest deeper than `limit`.

    Iterative, so the check itself cannot exhaust the stack.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class JSONParser(CamelCaseJSONParser):
    """camelCase JSON in; NUL characters and deep nesting refused once here.

    PostgreSQL stores no NUL; and every recursive walk after parsing (camelCase conversion,
    serializers, the JSON encoder) would raise RecursionError on a body nested ~1000 deep.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            raw = json.loads(stream.read().decode(encoding))
        except RecursionError:
            raise ParseError(f"JSON nests too deeply; the limit is {settings.MAX_JSON_DEPTH} levels.")
        except ValueError as exc:  # UnicodeDecodeError is one too
            raise ParseError(f"JSON parse error - {exc}")
        if isinstance(raw, (dict, list)) and json_depth_exceeds(raw, settings.MAX_JSON_DEPTH):
            raise ParseError(f"JSON nests too deeply; the limit is {settings.MAX_JSON_DEPTH} levels.")
        data = underscoreize(raw, **self.json_underscoreize)
        path = _nul_path(data)
        if path is not None:
            message = "JSON strings may not contain NUL (\\u0000) characters."
            if not path:
                raise ParseError(message)
            # A field error at the offending key, e.g. {"config": {"publishableKey": ["…"]}}.
            keys = [str(k) for k in path[: next((i for i, k in enumerate(path) if isinstance(k, int)), len(path))]]
            detail: Any = [message]
            for key in reversed(keys or [str(path[0])]):
                detail = {key: detail}
            raise ValidationError(detail)
        return data
