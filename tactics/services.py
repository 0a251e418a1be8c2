"""Writes to the tactics list (the admin and the API call these): each one an audit event
config.tactic.create|change|delete with before/after."""

from django.db import transaction

from audit.actions import Action
from audit.services import record
from audit.snapshots import snapshot, stored_snapshot

from .models import Tactic


def save_tactic(*, tactic: Tactic, actor, crime_types=None) -> Tactic:
    """Save a new or changed tactic; `crime_types` (if given) replaces the ones it suits."""
    tactic.full_clean(exclude=["crime_types"])
    with transaction.atomic():
        before = stored_snapshot(tactic)
        tactic.save()
        if crime_types is not None:
            tactic.crime_types.set(crime_types)
        record(
            action=Action.CONFIG_TACTIC_CHANGE if before else Action.CONFIG_TACTIC_CREATE,
            actor=actor,
            object_type="tactics.tactic",
            object_id=str(tactic.pk),
            before=before,
            after=snapshot(tactic),
        )
    return tactic


def delete_tactic(*, tactic: Tactic, actor) -> None:
    with transaction.atomic():
        before, pk = snapshot(tactic), tactic.pk
        tactic.delete()
        record(
            action=Action.CONFIG_TACTIC_DELETE,
            actor=actor,
            object_type="tactics.tactic",
            object_id=str(pk),
            before=before,
        )
