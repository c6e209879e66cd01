"""Atomic rate limiting: a sliding-window counter in one Redis Lua script, or a database fallback.

The sliding-window counter keeps one counter per fixed window and weighs the previous
window by how much of it still overlaps the sliding window. The whole check-and-increment
runs inside Redis as one script, so concurrent requests can never over-admit (DRF's cache
throttles read, decide and write in separate round trips and do over-admit).
"""

import math
import time
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from accounts.redis_client import get_redis

# hit() returns {allowed, remaining, reset_ms, retry_ms}. It uses the server clock (TIME) so web
# processes on different machines agree on window boundaries.
# wait_ms() is how long from now until one more request fits: within this window once the
# previous window's weight has decayed enough, or else in the next window, where this
# window's count becomes the weighted previous one (the end of this window is not enough
# after a burst). reset_ms is the end of the window while requests remain, and the moment
# the next request fits once none remain, so X-RateLimit-Reset agrees with Retry-After.
SLIDING_WINDOW_FN = """
local function wait_ms(limit, window, elapsed, cur, prev)
  if cur + 1 <= limit then
    if prev <= 0 then return 0 end
    local t = math.ceil(window - (limit - cur - 1) * window / prev)
    if t > elapsed then return t - elapsed end
    return 0
  end
  local t = math.ceil(window - (limit - 1) * window / cur)
  if t < 0 then t = 0 end
  return window - elapsed + t
end
local function hit(base, limit, window, dry)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local cur_win = math.floor(now / window)
  local elapsed = now - cur_win * window
  local cur_key = base .. ':' .. cur_win
  local prev_key = base .. ':' .. (cur_win - 1)
  local cur = tonumber(redis.call('GET', cur_key) or '0')
  local prev = tonumber(redis.call('GET', prev_key) or '0')
  local weighted = prev * (window - elapsed) / window + cur
  local reset = (cur_win + 1) * window
  if dry then
    local remaining = math.max(0, math.floor(limit - weighted))
    if remaining == 0 then reset = now + math.max(wait_ms(limit, window, elapsed, cur, prev), 1) end
    return {1, remaining, reset, 0}
  end
  if weighted + 1 > limit then
    local retry = math.max(wait_ms(limit, window, elapsed, cur, prev), 1)
    return {0, 0, now + retry, retry}
  end
  redis.call('INCR', cur_key)
  redis.call('PEXPIRE', cur_key, window * 2)
  local remaining = math.floor(limit - weighted - 1)
  if remaining <= 0 then reset = now + math.max(wait_ms(limit, window, elapsed, cur + 1, prev), 1) end
  return {1, remaining, reset, 0}
end
"""

SLIDING_WINDOW_LUA = (
    SLIDING_WINDOW_FN
    + """
return hit(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1')
"""
)


@dataclass(frozen=True)
class Verdict:
    """The outcome of one rate-limit check."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: int  # epoch seconds when the current window ends
    retry_after: int  # seconds to wait when not allowed

    def tighter(self, other: "Verdict | None") -> "Verdict":
        """Return whichever of the two verdicts leaves the caller less room."""
        if other is None:
            return self
        if not other.allowed:
            return other
        if not self.allowed:
            return self
        return self if self.remaining <= other.remaining else other


def verdict_from_script(result: list[int], limit: int) -> Verdict:
    """Build a Verdict from the Lua script's reply."""
    allowed, remaining, reset_ms, retry_ms = (int(v) for v in result[:4])
    return Verdict(
        allowed=bool(allowed),
        limit=limit,
        remaining=max(remaining, 0),
        reset_at=math.ceil(reset_ms / 1000),
        retry_after=max(1, math.ceil(retry_ms / 1000)) if not allowed else 0,
    )


_script = None


def _redis_script():
    global _script
    if _script is None:
        _script = get_redis().register_script(SLIDING_WINDOW_LUA)
    return _script


def rate_limit_hit(bucket: str, *, limit: int, window_seconds: int = 60) -> Verdict:
    """Count one request against `bucket` and return whether it is admitted."""
    client = get_redis()
    if client is not None:
        result = _redis_script()(keys=[f"rl:{bucket}"], args=[limit, window_seconds * 1000, "0"])
        return verdict_from_script(result, limit)
    return _database_hit(bucket, limit=limit, window_seconds=window_seconds)


def rate_limit_peek(bucket: str, *, limit: int, window_seconds: int = 60) -> Verdict:
    """Return the bucket's current standing without counting a request."""
    client = get_redis()
    if client is not None:
        result = _redis_script()(keys=[f"rl:{bucket}"], args=[limit, window_seconds * 1000, "1"])
        return verdict_from_script(result, limit)
    return _database_hit(bucket, limit=limit, window_seconds=window_seconds, dry=True)


def _database_hit(bucket: str, *, limit: int, window_seconds: int, dry: bool = False) -> Verdict:
    """The embedded-mode fallback: the same algorithm over rows, serialized by the database.

    SQLite runs with transaction_mode=IMMEDIATE here, so each transaction takes the write
    lock at BEGIN and the read-decide-increment below cannot interleave between processes.
    """
    from accounts.models import RateLimitBucket

    window_ms = window_seconds * 1000
    now = int(time.time() * 1000)
    cur_win = now // window_ms
    elapsed = now - cur_win * window_ms
    with transaction.atomic():
        rows = dict(
            RateLimitBucket.objects.select_for_update()
            .filter(key=bucket, window__in=[cur_win, cur_win - 1])
            .values_list("window", "count")
        )
        cur, prev = rows.get(cur_win, 0), rows.get(cur_win - 1, 0)
        weighted = prev * (window_ms - elapsed) / window_ms + cur
        reset = (cur_win + 1) * window_ms
        if dry:
            remaining = max(0, math.floor(limit - weighted))
            if remaining == 0:
                reset = now + max(_wait_ms(limit, window_ms, elapsed, cur, prev), 1)
            return verdict_from_script([1, remaining, reset, 0], limit)
        if weighted + 1 > limit:
            retry = max(_wait_ms(limit, window_ms, elapsed, cur, prev), 1)
            return verdict_from_script([0, 0, now + retry, retry], limit)
        updated = RateLimitBucket.objects.filter(key=bucket, window=cur_win).update(count=F("count") + 1)
        if not updated:
            RateLimitBucket.objects.create(key=bucket, window=cur_win, count=1)
        if cur_win % 50 == 0:
            RateLimitBucket.objects.filter(window__lt=cur_win - 1).delete()
        remaining = math.floor(limit - weighted - 1)
        if remaining <= 0:
            reset = now + max(_wait_ms(limit, window_ms, elapsed, cur + 1, prev), 1)
        return verdict_from_script([1, remaining, reset, 0], limit)


def _wait_ms(limit: int, window: int, elapsed: int, cur: int, prev: int) -> int:
    """Return the milliseconds until one more request fits (the Lua wait_ms, for the fallback)."""
    if cur + 1 <= limit:
        if prev <= 0:
            return 0
        t = math.ceil(window - (limit - cur - 1) * window / prev)
        return max(t - elapsed, 0)
    t = max(math.ceil(window - (limit - 1) * window / cur), 0)
    return window - elapsed + t
