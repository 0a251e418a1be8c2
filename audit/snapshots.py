"""Before/after pictures of a model row for the audit log: JSON-safe, secrets hidden, shapes digested."""

from __future__ import annotations

import hashlib

from django.contrib.gis.geos import GEOSGeometry
from django.db import models

# Fields whose value must never reach the log (a password hash, a token key): a short digest of
# the stored value shows that it changed, and nothing else.
SECRET_FIELD_NAMES = frozenset({"password", "key", "secret", "token", "otp_secret"})


def snapshot(obj: models.Model) -> dict:
    """Every concrete field and many-to-many (as sorted primary keys) of a saved or unsaved row."""
    picture = {}
    for field in obj._meta.concrete_fields:
        picture[field.attname] = _json_safe(field, field.value_from_object(obj))
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            picture[field.name] = sorted(getattr(obj, field.name).values_list("pk", flat=True))
    return picture


def stored_snapshot(obj: models.Model) -> dict | None:
    """The row as the database holds it now (None for a new row): the `before` of a change."""
    if obj.pk is None:
        return None
    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    return snapshot(stored) if stored is not None else None


def _json_safe(field, value):
    if field.name in SECRET_FIELD_NAMES:
        return f"[hidden {hashlib.sha256(str(value).encode()).hexdigest()[:8]}]" if value else ""
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    if isinstance(value, GEOSGeometry):
        digest = hashlib.sha256(value.ewkb).hexdigest()[:16]
        return f"{value.geom_type} ({value.num_points} points, sha256 {digest})"
    if isinstance(value, models.Model):
        return value.pk
    return str(value)
