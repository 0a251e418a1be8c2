"""What the browser may load and run: the Content-Security-Policy (django-csp) and the other
security headers. Pages run no inline script or style (docs/frontend.md), so the policy can be strict."""

from urllib.parse import urlsplit

from csp.constants import NONCE, NONE, SELF


def tile_source(tile_url: str) -> str | None:
    """The CSP source of a Leaflet tile URL template: its scheme and host, `{s}` subdomains as `*`."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url)
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}" if parts.scheme and host else None


def content_security_policy(tile_url: str) -> dict:
    tiles = tile_source(tile_url)
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            # NONCE only for django-leaflet's admin map widget, which writes its nonce on its script.
            "script-src": [SELF, NONCE],
            "style-src": [SELF],
            "img-src": [SELF, "data:"] + ([tiles] if tiles else []),
            "object-src": [NONE],
            "base-uri": [NONE],
            "frame-ancestors": [NONE],
            "form-action": [SELF],
            # the officer page as an installable app: its manifest and service worker (home/pwa.py)
            "manifest-src": [SELF],
            "worker-src": [SELF],
        },
    }


SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # for browsers without frame-ancestors
