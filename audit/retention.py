"""Retention: remove events older than AUDIT_RETENTION_DAYS (never under the floor), itself audited.

On PostgreSQL the delete runs inside `audit_purge()` (owner's rights, checked by the trigger);
the purge event keeps the hash of the last removed event, where `verify_audit` lets the kept chain begin.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .actions import Action
from .database import RETENTION_FLOOR_DAYS
from .models import AuditEvent
from .services import lock_chain, record


def purge_expired(*, retention_days: int | None = None, actor=None, request=None) -> AuditEvent:
    days = max(retention_days or settings.AUDIT_RETENTION_DAYS, RETENTION_FLOOR_DAYS)
    with transaction.atomic():
        lock_chain()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT purged, anchor_hash FROM audit_purge(%s)", [days])
                purged, anchor = cursor.fetchone()
        else:
            purged, anchor = _purge_in_python(days)
        return record(
            action=Action.AUDIT_PURGE,
            actor=actor,
            request=request,
            object_type="audit.auditevent",
            after={"retention_days": days, "purged": purged, "anchor_hash": anchor or ""},
            reason=f"Retention: events older than {days} days removed.",
        )


def _purge_in_python(days: int) -> tuple[int, str | None]:
    """SpatiaLite has no trigger: the same oldest-first delete, bypassing the model's refusal."""
    cutoff = timezone.now() - timedelta(days=days)
    events = AuditEvent.objects.order_by("pk")
    boundary = events.filter(at__gte=cutoff).values_list("pk", flat=True).first()
    doomed = events if boundary is None else events.filter(pk__lt=boundary)
    anchor = doomed.order_by("-pk").values_list("hash", flat=True).first()
    return doomed._raw_delete(connection.alias), anchor
