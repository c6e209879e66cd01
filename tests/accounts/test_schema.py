"""The OpenAPI schema builds without a single warning and validates."""

import io

from django.core.management import call_command


def test_the_schema_has_no_warnings_and_validates():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "openapi: 3" in out.getvalue()
