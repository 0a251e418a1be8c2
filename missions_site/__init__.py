"""Missions project package: settings, URLs, Celery app and WSGI/ASGI entry points."""

from .celery import app as celery_app

# The release (semantic versioning; CHANGELOG.md): shown in the footer and the API schema.
__version__ = "0.9.0"

__all__ = ("__version__", "celery_app")
