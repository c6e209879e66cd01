"""Who is calling: one Principal per authenticated request, from a JWT or an API key."""

from dataclasses import dataclass, field
from uuid import UUID

from rest_framework.request import Request


@dataclass(frozen=True)
class Principal:
    """The caller of a request, resolved to exactly one company."""

    kind: str  # "user" or "api_key"
    company_id: UUID
    scopes: frozenset[str]
    user_id: int | None = None
    role: str | None = None
    api_key_id: UUID | None = None
    rate_limit: int | None = None
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def is_api_key(self) -> bool:
        return self.kind == "api_key"

    @property
    def rate_limit_id(self) -> str:
        """Return a stable id for per-principal rate-limit buckets."""
        return f"k:{self.api_key_id}" if self.is_api_key else f"u:{self.user_id}:{self.company_id}"


class ApiKeyUser:
    """The request.user of an API-key request: authenticated, never staff, no database row."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, principal: Principal) -> None:
        self.principal = principal

    def __str__(self) -> str:
        return f"api-key:{self.principal.api_key_id}"


def get_principal(request: Request) -> Principal:
    """Return the request's Principal (authentication guarantees one on protected views)."""
    principal = getattr(request, "auth", None)
    if not isinstance(principal, Principal):
        from rest_framework.exceptions import NotAuthenticated

        raise NotAuthenticated()
    return principal
