"""Authorization: scopes per view action, and owner/admin-only (JWT) management."""

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from accounts.principal import Principal
from accounts.scopes import MANAGER_ROLES
from config.api.exceptions import MissingScope


def required_scopes_for(view, request: Request) -> list[str]:
    """Return the scopes a view requires for this request.

    Views declare `required_scopes` as a list (every method) or a dict keyed by viewset
    action or HTTP method, e.g. {"list": ["orders:read"], "create": ["orders:write"]}.
    """
    declared = getattr(view, "required_scopes", None)
    if declared is None:
        return []
    if isinstance(declared, dict):
        action = getattr(view, "action", None)
        if action and action in declared:
            return list(declared[action])
        return list(declared.get(request.method, declared.get("*", [])))
    return list(declared)


class HasCompanyScopes(BasePermission):
    """Require an authenticated principal holding every scope the view declares."""

    def has_permission(self, request: Request, view) -> bool:
        principal = request.auth
        if not isinstance(principal, Principal):
            return False  # DRF turns this into 401 for unauthenticated requests
        missing = [s for s in required_scopes_for(view, request) if s not in principal.scopes]
        if missing:
            raise MissingScope(missing)
        return True


class IsCompanyManager(BasePermission):
    """Only an owner or admin signed in with a JWT; API keys can never pass."""

    message = "Only a company owner or admin, signed in with a JWT, may do this; API keys cannot."

    def has_permission(self, request: Request, view) -> bool:
        principal = request.auth
        if not isinstance(principal, Principal):
            return False
        return principal.kind == "user" and principal.role in MANAGER_ROLES
