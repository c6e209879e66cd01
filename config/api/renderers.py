"""camelCase on the wire: a renderer and parser over djangorestframework-camel-case."""

from datetime import datetime
from typing import Any

from djangorestframework_camel_case.parser import CamelCaseJSONParser
from djangorestframework_camel_case.render import CamelCaseJSONRenderer
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


class JSONParser(CamelCaseJSONParser):
    """camelCase JSON in; NUL characters refused once here, since PostgreSQL stores none."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
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
