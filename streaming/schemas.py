"""JSON Schemas of the built-in event types, and validation of event data with the jsonschema library."""

from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

from core.errors import InvalidInput
from webhooks import catalog

DIALECT = "https://json-schema.org/draft/2020-12/schema"

_STR = {"type": "string"}
_ID = {"type": "string", "minLength": 1}
_AMOUNT = {"type": ["string", "number"]}

# One schema per group: the fields every built-in type of the group carries (examples in webhooks/catalog.py).
# Other fields are allowed, so adding a field to an event never breaks a consumer's validation.
_GROUP_SCHEMAS: dict[str, dict[str, Any]] = {
    "order": {
        "required": ["orderId", "status"],
        "properties": {"orderId": _ID, "status": _STR, "provider": _STR, "total": _AMOUNT, "currency": _STR},
    },
    "payment": {
        "required": ["paymentId", "status"],
        "properties": {"paymentId": _ID, "status": _STR, "amount": _AMOUNT, "currency": _STR, "provider": _STR},
    },
    "message": {
        "required": ["messageId", "status"],
        "properties": {"messageId": _ID, "status": _STR, "channel": _STR, "provider": _STR},
    },
    "sync": {
        "required": ["syncId", "status"],
        "properties": {"syncId": _ID, "status": _STR, "integrationId": _STR, "processed": {"type": "integer"}},
    },
    "integration": {
        "required": ["integrationId", "status"],
        "properties": {"integrationId": _ID, "status": _STR, "integrationType": _STR, "name": _STR},
    },
    "webhook": {"required": ["message"], "properties": {"message": _STR, "endpointId": _STR}},
}


def builtin_schema(name: str) -> dict[str, Any]:
    """Return the JSON Schema of a built-in type's `data`."""
    group = _GROUP_SCHEMAS[catalog.CATALOG[name].group]
    return {"$schema": DIALECT, "title": name, "type": "object", **group}


def schema_check(schema: Any) -> None:
    """Raise InvalidInput (on `schema`) unless it is a valid JSON Schema object."""
    if not isinstance(schema, dict):
        raise InvalidInput(details={"schema": "The schema must be a JSON Schema object."})
    validator = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise InvalidInput(details={"schema": f"Not a valid JSON Schema: {exc.message}"}) from None
    except Exception:  # a malformed $ref or regex can raise outside SchemaError; never a 5xx
        raise InvalidInput(details={"schema": "Not a valid JSON Schema."}) from None


def _path(parts: Any) -> str:
    path = "data"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def data_validate(schema: dict[str, Any], data: Any) -> None:
    """Raise InvalidInput naming the failing path (e.g. `data.quantity`) unless `data` satisfies the schema."""
    if not schema:
        return
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        error = best_match(validator_class(schema).iter_errors(data))
    except Exception:  # a schema that validates but cannot be applied (e.g. an unresolvable $ref)
        raise InvalidInput(details={"data": "The event type's schema cannot be applied."}) from None
    if error is not None:
        path = _path(error.absolute_path)
        raise InvalidInput(f"{path}: {error.message}", details={path: error.message})
