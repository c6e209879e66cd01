"""Validating an integration's config against its provider's declared fields, and masking secrets."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator, URLValidator
from rest_framework.exceptions import ValidationError

from core.masking import MASK, is_mask, mask_secret  # noqa: F401 (MASK re-exported)
from integrations.providers.base import ConfigField, Provider

_url = URLValidator(schemes=["http", "https"])
_email = EmailValidator()
_BOOL_WORDS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def _clean_value(spec: ConfigField, value: Any) -> Any:
    if spec.kind == "int":
        if isinstance(value, bool):
            raise DjangoValidationError("Enter an integer.")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise DjangoValidationError("Enter an integer.")
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
            return _BOOL_WORDS[value.strip().lower()]
        raise DjangoValidationError("Enter true or false.")
    if not isinstance(value, str):
        raise DjangoValidationError("Enter a string.")
    if "\x00" in value:
        raise DjangoValidationError("Null characters are not allowed.")
    value = value.strip()
    if spec.kind == "url":
        _url(value)  # "Enter a valid URL." for anything but an http(s) URL
    elif spec.kind == "email":
        _email(value)
    return value


def config_merge(
    *,
    provider: Provider,
    incoming: dict[str, Any],
    current_config: dict[str, Any] | None = None,
    current_credentials: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return (config, credentials) after applying `incoming`, or raise ValidationError (400).

    Omitted fields keep their current values; null removes a field; a secret sent back
    masked (as every response shows it) keeps the stored secret.
    """
    if not isinstance(incoming, dict):
        raise ValidationError({"config": "config must be an object."})
    errors: dict[str, str] = {}
    allowed = [f.name for f in provider.fields]
    for key in incoming:
        if key not in allowed:
            errors[key] = f"Unknown field for {provider.label}; allowed: {', '.join(allowed)}."
    current = {**(current_config or {}), **(current_credentials or {})}
    merged: dict[str, Any] = {}
    for spec in provider.fields:
        if spec.name in incoming:
            value = incoming[spec.name]
            if spec.secret and is_mask(value) and spec.name in current:
                value = current[spec.name]
        else:
            value = current.get(spec.name, spec.default)
        if value is None or value == "":
            if spec.required:
                errors[spec.name] = f"{spec.label} is required for {provider.label}."
            continue
        try:
            merged[spec.name] = _clean_value(spec, value)
        except DjangoValidationError as exc:
            errors[spec.name] = f"{spec.label}: " + " ".join(str(m) for m in exc.messages)
    if errors:
        raise ValidationError({"config": errors})
    secrets = provider.secret_fields
    return (
        {k: v for k, v in merged.items() if k not in secrets},
        {k: v for k, v in merged.items() if k in secrets},
    )


def config_masked(*, config: dict[str, Any], credentials: dict[str, Any]) -> dict[str, Any]:
    """Return the config as responses and admin pages show it: secrets masked."""
    return {**config, **{k: mask_secret(v) for k, v in (credentials or {}).items()}}
