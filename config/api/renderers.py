"""camelCase on the wire: a renderer and parser over djangorestframework-camel-case."""

from datetime import datetime

from djangorestframework_camel_case.parser import CamelCaseJSONParser
from djangorestframework_camel_case.render import CamelCaseJSONRenderer
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


class JSONParser(CamelCaseJSONParser):
    pass
