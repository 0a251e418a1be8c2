"""Rate limits (DRF's cache-backed throttles) for the sign-in page and the token endpoint, per address."""

from rest_framework.throttling import SimpleRateThrottle


class AddressRateThrottle(SimpleRateThrottle):
    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginRateThrottle(AddressRateThrottle):
    scope = "login"


class TokenRateThrottle(AddressRateThrottle):
    scope = "api-token"
