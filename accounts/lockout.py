"""Sign-in lockout: failed passwords counted per account and per client IP, for the API and the admin."""

import hashlib
import math
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from accounts.ratelimit import rate_limit_hit, rate_limit_peek
from accounts.throttling import client_ip


def _buckets(*, username: str, ip: str) -> list[tuple[str, int]]:
    # Usernames are hashed: a bucket name carries no personal data and has a bounded length.
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [
        (f"login:account:{account}", settings.LOGIN_FAILURES_PER_ACCOUNT),
        (f"login:ip:{ip}", settings.LOGIN_FAILURES_PER_IP),
    ]


def login_lockout_seconds(*, username: str, ip: str) -> int:
    """Return the seconds until this account and IP may try a password again (0: now)."""
    window = settings.LOGIN_LOCKOUT_MINUTES * 60
    wait = 0
    for bucket, limit in _buckets(username=username, ip=ip):
        verdict = rate_limit_peek(bucket, limit=limit, window_seconds=window)
        if verdict.remaining <= 0:
            wait = max(wait, math.ceil(verdict.reset_at - time.time()), 1)
    return wait


def login_failure_record(*, username: str, ip: str) -> None:
    """Count one failed password against the account and the IP."""
    window = settings.LOGIN_LOCKOUT_MINUTES * 60
    for bucket, limit in _buckets(username=username, ip=ip):
        rate_limit_hit(bucket, limit=limit, window_seconds=window)


def request_username(credentials: dict[str, Any]) -> str:
    """Return the username a sign-in attempt names (the user model's USERNAME_FIELD)."""
    from django.contrib.auth import get_user_model

    return str(credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or "")


@receiver(user_login_failed)
def _count_failed_login(sender, credentials: dict[str, Any], request=None, **kwargs) -> None:
    # Every failed authenticate() lands here: the API token view and the admin login alike.
    # An attempt refused because of the lock was never checked, so it does not extend it.
    if request is None or getattr(request, "login_locked", False):
        return
    login_failure_record(username=request_username(credentials), ip=client_ip(request))
