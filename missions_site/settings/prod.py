"""Production: every secret from the environment, HTTPS-only cookies, HSTS, PostGIS and Redis."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, SECRET_KEY, env

DEBUG = False
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
if not DATABASES["default"]["ENGINE"].endswith("postgis"):
    raise ImproperlyConfigured("Production runs on PostGIS: set DATABASE_URL=postgis://…")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# __Host- cookies: the browser keeps them only if Secure, for path / and without a Domain.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
# Persistent connections, unless a pool holds them (Django refuses both at once).
_pooled = "pool" in DATABASES["default"].get("OPTIONS", {})
DATABASES["default"]["CONN_MAX_AGE"] = (
    0 if _pooled else env.int("DATABASE_CONN_MAX_AGE", default=60)
)
