"""An authentication backend that refuses sign-ins while the account or the client IP is locked out."""

from django.core.exceptions import PermissionDenied

from accounts.lockout import login_lockout_seconds, request_username
from accounts.throttling import client_ip


class LoginLockoutBackend:
    """First in AUTHENTICATION_BACKENDS: while locked, no backend checks the password.

    Raising PermissionDenied stops Django's backend loop, so even the right password fails
    until the failures age out. It never authenticates anyone itself.
    """

    def authenticate(self, request, **credentials):
        if request is None:
            return None  # management commands and shells: no client to lock out
        if login_lockout_seconds(username=request_username(credentials), ip=client_ip(request)):
            request.login_locked = True
            raise PermissionDenied("Too many failed sign-ins.")
        return None

    def get_user(self, user_id):
        return None
