"""Django's model backend, refusing sign-ins while the account or the client IP is locked out."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from accounts.lockout import login_lockout_seconds, request_username
from accounts.throttling import client_ip


class LoginLockoutBackend(ModelBackend):
    """ModelBackend with the lockout checked first: while locked, no password is checked.

    Raising PermissionDenied stops Django's backend loop, so even the right password fails
    until the failures age out (the API token view and the admin login form say so).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is not None:  # management commands and shells have no client to lock out
            credentials = {"username": username, **kwargs}
            if login_lockout_seconds(username=request_username(credentials), ip=client_ip(request)):
                request.login_locked = True
                raise PermissionDenied("Too many failed sign-ins.")
        return super().authenticate(request, username=username, password=password, **kwargs)
