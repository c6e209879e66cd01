"""OpenAPI post-processing: operation ids that say what an operation answers, and the error envelope on every error."""

from typing import Any

_SCALARS = {"string", "integer", "number", "boolean"}


def _is_rows(prop: dict[str, Any]) -> bool:
    """An array of objects: the rows of a list answer."""
    items = prop.get("items") or {}
    return prop.get("type") == "array" and ("$ref" in items or items.get("type") == "object" or "allOf" in items)


def _is_plain(name: str, prop: dict[str, Any]) -> bool:
    """A scalar, an array of scalars, or the standard `pagination` block: what a list envelope may hold besides rows."""
    if name == "pagination":
        return True
    if prop.get("type") in _SCALARS:
        return True
    return prop.get("type") == "array" and (prop.get("items") or {}).get("type") in _SCALARS


def _answers_a_list(operation: dict[str, Any], components: dict[str, Any]) -> bool:
    schema = (((operation.get("responses") or {}).get("200") or {}).get("content") or {}).get("application/json", {})
    ref = (schema.get("schema") or {}).get("$ref", "")
    props = (components.get(ref.rsplit("/", 1)[-1]) or {}).get("properties") or {} if ref else {}
    rows = [name for name, prop in props.items() if _is_rows(prop)]
    return len(rows) == 1 and all(_is_plain(name, prop) for name, prop in props.items() if name != rows[0])


def name_list_operations(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Rename a GET `*_retrieve` to `*_list` when it answers an envelope of rows (`{"logs": [...], "pagination"}`).

    drf-spectacular names `_list` only what a ListModelMixin or a `many=True` serializer answers; the hub's
    APIViews answer named envelopes, which SDK generators would otherwise expose as `..._retrieve`.
    """
    components = (result.get("components") or {}).get("schemas") or {}
    taken = {
        op.get("operationId") for ops in result.get("paths", {}).values() for op in ops.values() if isinstance(op, dict)
    }
    for ops in result.get("paths", {}).values():
        operation = ops.get("get")
        # a path that is also PUT/PATCH/DELETE is one resource (e.g. a settings object), never a list
        if not isinstance(operation, dict) or {"put", "patch", "delete"} & set(ops):
            continue
        current = operation.get("operationId", "")
        if not current.endswith("_retrieve") or not _answers_a_list(operation, components):
            continue
        renamed = current.removesuffix("_retrieve") + "_list"
        if renamed not in taken:
            operation["operationId"] = renamed
            taken.add(renamed)
    return result


ERROR_ENVELOPE = {
    "type": "object",
    "description": "The error envelope every 4xx/5xx answers with (docs/architecture.md).",
    "properties": {
        "statusCode": {"type": "integer"},
        "error": {"type": "string"},
        "message": {"type": "string"},
        "details": {"type": "object", "additionalProperties": {}},
    },
    "required": ["statusCode", "error", "message", "details"],
}


def describe_error_answers(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Give every 4xx/5xx declared without a body (or as a free-form object) the `Error` envelope.

    Every error the hub answers is the envelope; a view that declares only a status would otherwise leave
    generated clients with an untyped `None` for it.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR_ENVELOPE)
    envelope = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for ops in result.get("paths", {}).values():
        for operation in ops.values():
            if not isinstance(operation, dict):
                continue
            for code, answer in (operation.get("responses") or {}).items():
                if not str(code).startswith(("4", "5")):
                    continue
                schema = ((answer.get("content") or {}).get("application/json") or {}).get("schema")
                if schema is None or schema == {"type": "object", "additionalProperties": {}}:
                    answer["content"] = envelope
    return result
