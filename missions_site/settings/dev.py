"""Local development and `make demo`: debug on, embedded SpatiaLite and filesystem broker by default."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# The demo signs in without a second factor; the login page says "demo: second factor off".
MFA_ENABLED = env.bool("MFA_ENABLED", default=False)
# A development-only key, generated per checkout under var/ so none is committed.
if not SECRET_KEY:  # noqa: F405
    from .local_secret import local_secret_key

    SECRET_KEY = local_secret_key(VAR_DIR)  # noqa: F405
