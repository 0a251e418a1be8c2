"""The one write path of the audit log: `record` appends an event to the hash chain.

Every app calls `record` (after its own write, in the same transaction, so a rolled-back action
leaves no event). Writers are serialised so the chain never forks.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .actions import Action, registered
from .chain import GENESIS_HASH, event_hash, to_json_value, utc_ms
from .context import current_request
from .models import AuditEvent
from .roles import role_of_user

# Any constant works; it names "the audit chain" among the advisory locks of the database.
CHAIN_LOCK_KEY = 0x417564_17
# What an event holds when a field is not given (as stored, so the hash matches on re-reading).
BLANK_EVENT = {
    "actor_id": None,
    "actor_username": "",
    "role": "",
    "source_address": None,
    "request_id": "",
    "object_type": "",
    "object_id": "",
    "outcome": "success",
    "reason_code": "",
    "reason": "",
    "before": None,
    "after": None,
}


def record(
    *,
    action: Action,
    request=None,
    actor=None,
    outcome: str = "success",
    object_type: str = "",
    object_id: str = "",
    before=None,
    after=None,
    reason_code: str = "",
    reason: str = "",
) -> AuditEvent:
    """Append one event. With `request`, the actor (unless given), role, address and request id come from it.

    Without it, the address and request id still come from the request being served, if any
    (a service called by a view); the actor then is only the one given (None: the system).
    `action` must be in audit/actions.py: a name that is not is refused (ValueError).
    """
    action = registered(action)
    if outcome not in AuditEvent.Outcome.values:
        raise ValueError(
            f"Unknown outcome {outcome!r}: use one of {', '.join(AuditEvent.Outcome.values)}."
        )
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    request = request or current_request()
    if not getattr(actor, "is_authenticated", False):
        actor = None
    return append(
        actor_id=actor.pk if actor else None,
        actor_username=actor.get_username() if actor else "",
        role=role_of_user(actor),
        source_address=source_address(request) if request is not None else None,
        request_id=getattr(request, "request_id", "") if request is not None else "",
        action=action.value,
        object_type=object_type,
        object_id=str(object_id),
        outcome=outcome,
        reason_code=reason_code or "",
        reason=reason or "",
        before=to_json_value(before),
        after=to_json_value(after),
    )


def append(*, at=None, **fields) -> AuditEvent:
    """Link the event to the last one and insert it, holding the chain lock until commit.

    The time is taken under the lock, so ids and times rise together (the purge relies on it);
    `at` is given only by tests that need an old event.
    """
    # No savepoint: if the insert fails, the caller's action must fail with it.
    with transaction.atomic(savepoint=False):
        lock_chain()
        last = AuditEvent.objects.order_by("-pk").values_list("hash", flat=True).first()
        fields = {
            **BLANK_EVENT,
            **fields,
            "at": utc_ms(at or timezone.now()),
            "previous_hash": last or GENESIS_HASH,
        }
        return AuditEvent.objects.create(**fields, hash=event_hash(fields))


def lock_chain() -> None:
    # SQLite has one writer at a time already; PostgreSQL needs the lock so two writers do not
    # both read the same last hash. The lock ends with the transaction.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def source_address(request) -> str | None:
    """REMOTE_ADDR, or the first X-Forwarded-For hop when a trusted proxy sets it (a setting)."""
    candidates = []
    if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        candidates.append(forwarded.split(",")[0].strip())
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None
