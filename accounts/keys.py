"""API key material: generation, hashing, and the cached lookup used on every request."""

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from uuid import UUID

from django.conf import settings

from accounts.ratelimit import SLIDING_WINDOW_FN, Verdict, verdict_from_script
from accounts.redis_client import get_redis

KEY_CACHE_TTL_SECONDS = 300
_BODY_CHARS = 43  # base64url of 32 random bytes, no padding


def api_key_generate() -> str:
    """Return a new key: the hub prefix plus 32 bytes of secure randomness (base64url)."""
    return settings.API_KEY_PREFIX + secrets.token_urlsafe(32)


def api_key_hash(raw: str) -> str:
    """Return the SHA-256 hex digest stored for a key (keys are high-entropy: no salt needed)."""
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_display_prefix(raw: str) -> str:
    """Return the visible part of a key shown in lists (prefix plus 8 characters)."""
    return raw[: len(settings.API_KEY_PREFIX) + 8]


def api_key_looks_valid(raw: str) -> bool:
    """Return True when the string has the shape of one of our keys."""
    prefix = settings.API_KEY_PREFIX
    return raw.startswith(prefix) and len(raw) == len(prefix) + _BODY_CHARS


@dataclass(frozen=True)
class KeyInfo:
    """What a request needs to know about its API key (cached in Redis)."""

    id: UUID
    company_id: UUID
    scopes: frozenset[str]
    rate_limit: int
    status: str
    expires_at: datetime | None
    company_active: bool

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": str(self.id),
                "company_id": str(self.company_id),
                "scopes": sorted(self.scopes),
                "rate_limit": self.rate_limit,
                "status": self.status,
                "expires_at": self.expires_at.timestamp() if self.expires_at else None,
                "company_active": self.company_active,
            }
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> "KeyInfo":
        data = json.loads(raw)
        expires = data["expires_at"]
        return cls(
            id=UUID(data["id"]),
            company_id=UUID(data["company_id"]),
            scopes=frozenset(data["scopes"]),
            rate_limit=int(data["rate_limit"]),
            status=data["status"],
            expires_at=datetime.fromtimestamp(expires, tz=UTC) if expires is not None else None,
            company_active=bool(data["company_active"]),
        )


# One round trip per request: read the cached key and count it against its own limit.
_AUTH_LUA = (
    SLIDING_WINDOW_FN
    + """
local d = redis.call('HMGET', KEYS[1], 'd', 'rl')
if not d[1] then return {-1} end
local r = hit(KEYS[2], tonumber(d[2]), tonumber(ARGV[1]), false)
table.insert(r, d[1])
return r
"""
)
_auth_script = None


@lru_cache(maxsize=4096)
def _parse_cached(raw: bytes) -> KeyInfo:
    """Parse a cached key's JSON once per distinct value (KeyInfo is immutable)."""
    return KeyInfo.from_json(raw)


def api_key_bucket(hashed: str) -> str:
    """Return the rate-limit bucket of a key (by hash: the script runs before the id is known)."""
    return f"key:{hashed[:24]}"


def _cache_key(hashed: str) -> str:
    return f"apikey:{hashed}"


def _load(hashed: str) -> KeyInfo | None:
    from accounts.models import ApiKey

    row = (
        ApiKey.objects.filter(hashed_key=hashed)
        .values("id", "company_id", "scopes", "rate_limit", "status", "expires_at", "company__is_active")
        .first()
    )
    if row is None:
        return None
    return KeyInfo(
        id=row["id"],
        company_id=row["company_id"],
        scopes=frozenset(row["scopes"]),
        rate_limit=row["rate_limit"],
        status=row["status"],
        expires_at=row["expires_at"],
        company_active=row["company__is_active"],
    )


def api_key_resolve(hashed: str, *, rate_limited: bool) -> tuple[KeyInfo | None, Verdict | None]:
    """Return the info of the key with this hash and, in Redis mode, its rate-limit verdict.

    In Redis mode the key's data is cached in a hash and the limit is counted in the same
    script call; in the embedded mode the key is read from the database and the caller
    counts the limit with the database fallback.
    """
    client = get_redis()
    if client is None or not rate_limited:
        return _load(hashed), None
    global _auth_script
    if _auth_script is None:
        _auth_script = client.register_script(_AUTH_LUA)
    keys = [_cache_key(hashed), f"rl:{api_key_bucket(hashed)}"]
    result = _auth_script(keys=keys, args=[60_000])
    if int(result[0]) == -1:
        info = _load(hashed)
        if info is None:
            return None, None
        pipe = client.pipeline()
        pipe.hset(keys[0], mapping={"d": info.to_json(), "rl": info.rate_limit})
        pipe.expire(keys[0], KEY_CACHE_TTL_SECONDS)
        pipe.execute()
        result = _auth_script(keys=keys, args=[60_000])
        if int(result[0]) == -1:  # evicted in between: answer from the row we hold
            return info, None
    info = _parse_cached(result[4])
    return info, verdict_from_script(result, info.rate_limit)


def api_key_cache_invalidate(hashed: str) -> None:
    """Drop a key's cached data so the next request reads the database."""
    client = get_redis()
    if client is not None:
        client.delete(_cache_key(hashed))
