"""camelCase on the wire: a renderer and parser over djangorestframework-camel-case."""

from datetime import datetime
from typing import Any

from djangorestframework_camel_case.parser import CamelCaseJSONParser
from djangorestframework_camel_case.render import CamelCaseJSONRenderer
from rest_framework.exceptions import ParseError
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


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class JSONParser(CamelCaseJSONParser):
    """camelCase JSON in; NUL characters refused once here, since PostgreSQL stores none."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if _has_nul(data):
            raise ParseError("JSON strings may not contain NUL (\\u0000) characters.")
        return data
