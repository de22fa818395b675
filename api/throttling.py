"""API throttles whose counters are shared by every web process, and that fail open.

DRF's throttles keep a request history in the default cache, which is per-process memory: with
N gunicorn workers a client gets N times the rate. These keep it in the `throttle` cache alias
(config/settings/base.py): Redis in production, so every worker and server counts together.

- **One round trip per request**: the sliding window (the same as DRF's: the timestamps of the
  requests allowed in the last `duration` seconds) is a sorted set updated by one Lua script
  (EVALSHA): drop the old entries, count, add this request if under the limit. Atomic, so
  concurrent requests in different processes cannot both take the last slot.
- **Fail open**: if Redis cannot be reached or does not answer within the cache's socket
  timeouts (0.3 s), the request is served unthrottled, a warning is logged (at most once per
  `WARN_EVERY` seconds per process) and Redis is not asked again for `RETRY_AFTER` seconds, so an
  outage costs no request more than one timeout. Throttling protects the service; it must never
  be the reason a park's report is refused.
- The token endpoint (api/auth.py) has its own two scopes: `token` per client address and
  `token_username` per username, so password guessing is slowed from one address and from many.
- Without Redis (`make run`'s embedded mode) the alias is a LocMemCache and DRF's own
  per-process algorithm runs on it unchanged.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
import uuid
from collections.abc import Mapping

from django.core.cache import caches
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from common.cache import redis_client

logger = logging.getLogger(__name__)

CACHE_ALIAS = "throttle"
WARN_EVERY = 60.0  # seconds between two "Redis unavailable" warnings of one process
RETRY_AFTER = 5.0  # seconds during which a process does not try Redis again after a failure

# KEYS[1] the window's sorted set; ARGV: now (s), duration (s), limit, a unique member.
# Returns {allowed (0/1), requests in the window, oldest timestamp in the window (string)}.
SLIDING_WINDOW = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local duration = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - duration)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('EXPIRE', key, math.ceil(duration))
  return {1, count + 1, ''}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, count, oldest[2] or ''}
"""

_state = threading.Lock()
_skip_until = 0.0  # monotonic time before which Redis is not tried (after a failure)
_last_warning = -WARN_EVERY
_script = None


def _failed(exc: Exception) -> None:
    global _skip_until, _last_warning
    now = time.monotonic()
    with _state:
        _skip_until = now + RETRY_AFTER
        warn = now - _last_warning >= WARN_EVERY
        if warn:
            _last_warning = now
    if warn:
        logger.warning(
            "API throttling is off: the throttle cache (Redis) is unavailable (%s: %s); requests are "
            "served unthrottled until it answers again",
            type(exc).__name__,
            exc,
        )


class SharedRateThrottleMixin:
    """Sliding-window throttle in the `throttle` cache; see the module docstring."""

    @property
    def cache(self):
        return caches[CACHE_ALIAS]

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        cache = self.cache
        client = redis_client(cache)  # common.cache's backend keeps one per pool
        if client is None:  # LocMem (no Redis configured): DRF's own algorithm, per process
            return SimpleRateThrottle.allow_request(self, request, view)
        if time.monotonic() < _skip_until:
            return True
        global _script
        self.now = self.timer()
        try:
            if _script is None:
                _script = client.register_script(SLIDING_WINDOW)
            allowed, count, oldest = _script(
                keys=[cache.make_key(self.key)],
                args=[repr(self.now), self.duration, self.num_requests, f"{self.now!r}:{uuid.uuid4().hex[:12]}"],
                client=client,
            )
        except Exception as exc:  # noqa: BLE001 (any Redis or socket error: fail open)
            _failed(exc)
            return True
        if allowed:
            return True
        oldest = float(oldest) if oldest else self.now
        self._wait = max(0.0, self.duration - (self.now - oldest))
        return False

    def wait(self):
        wait = getattr(self, "_wait", None)
        if wait is not None:
            return wait
        return SimpleRateThrottle.wait(self)


class SharedAnonRateThrottle(SharedRateThrottleMixin, AnonRateThrottle):
    """`anon` rate (API_THROTTLE_ANON) per client address, counted across all processes."""


class SharedUserRateThrottle(SharedRateThrottleMixin, UserRateThrottle):
    """`user` rate (API_THROTTLE_USER) per user (per address when anonymous), across all processes."""


class _RuntimeRateMixin:
    """Reads the rate of its scope when the throttle is made, not when DRF was imported
    (SimpleRateThrottle.THROTTLE_RATES is bound once), so the rate follows the settings."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class TokenAddressThrottle(_RuntimeRateMixin, SharedRateThrottleMixin, SimpleRateThrottle):
    """`token` rate (API_THROTTLE_TOKEN) for POST auth/token/ per client address."""

    scope = "token"

    def get_cache_key(self, request, view):
        if request.method != "POST":
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenUsernameThrottle(_RuntimeRateMixin, SharedRateThrottleMixin, SimpleRateThrottle):
    """`token_username` rate (API_THROTTLE_TOKEN_USERNAME) for POST auth/token/ per username,
    whatever the address, so guessing one account's password from many addresses is slowed too.
    The name is compared case-insensitively and hashed (the key stays short whatever is sent)."""

    scope = "token_username"

    def get_cache_key(self, request, view):
        if request.method != "POST":
            return None
        data = request.data
        username = data.get("username") if isinstance(data, Mapping) else None
        if not isinstance(username, str) or not username:
            return None
        ident = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}
