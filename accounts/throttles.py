"""Rate limits (DRF's cache-backed throttles) for the sign-in page and the token endpoint, per address.

DRF's SimpleRateThrottle reads the address's history from the cache, decides, then writes it back:
two web processes between the read and the write both get through (33 of a limit of 30 passed in a
test of two processes). On Redis the decision is one Lua script — trim the window, count, add — so
it is atomic; a per-process cache (the one-process SpatiaLite demo) keeps DRF's own way.
"""

from __future__ import annotations

import functools
import uuid

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

# The address's requests as a sorted set scored by time: drop those older than the window, refuse
# when `limit` remain, else add this one. Returns {allowed, score of the oldest kept as a string}.
_SLIDING_WINDOW = """
local key, now, duration, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - duration)
local allowed = 0
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  allowed = 1
end
redis.call('EXPIRE', key, math.ceil(duration))
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {allowed, oldest[2] or ARGV[1]}
"""


@functools.cache
def _sliding_window_script():
    """The script on the cache's Redis server, or None when the cache is not Redis."""
    cache = settings.CACHES["default"]
    if not cache["BACKEND"].endswith(".RedisCache"):
        return None
    import redis

    location = cache["LOCATION"]
    server = (
        location[0] if isinstance(location, list | tuple) else location
    )  # writes go to the first
    return redis.Redis.from_url(server).register_script(_SLIDING_WINDOW)


class AddressRateThrottle(SimpleRateThrottle):
    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view):
        script = _sliding_window_script()
        if script is None or self.rate is None:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        self.now = self.timer()
        allowed, oldest = script(
            keys=[self.cache.make_key(self.key)],
            args=[self.now, self.duration, self.num_requests, f"{self.now}:{uuid.uuid4().hex}"],
        )
        self.oldest = float(oldest)
        return bool(allowed)

    def wait(self):
        if _sliding_window_script() is None:
            return super().wait()
        return max(0.0, self.duration - (self.now - self.oldest))  # until the oldest leaves


class LoginRateThrottle(AddressRateThrottle):
    scope = "login"


class TokenRateThrottle(AddressRateThrottle):
    scope = "api-token"
