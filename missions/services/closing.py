"""Closing a mission on an officer's device: completed once its dose is served in the box, ended early
with a reason before that, reported whole after being offline; and tactics corrected until the
shift ends. The dose is the minutes of the mission's visits, measured on the server."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from missions import scope  # the module, not its names: scope reads services.common
from missions.models import END_EARLY_REASONS, Mission, ReasonCode, Visit
from tactics.models import Tactic, TacticUse

from .common import (
    REASON_MIN_CHARS,
    Conflict,
    MissionError,
    audit,
    event_time,
    locked_mission,
    mission_state,
    require_perm,
    served_minutes,
)

# The device's timer and the server's may differ by a request's travel time: a "Complete" tapped
# as the device's timer reaches the dose is accepted this many seconds short of it.
DOSE_ALLOWANCE_SECONDS = 10


def complete_mission(
    *,
    user,
    mission_id: int,
    tactic_ids: list[int] | None = None,
    notes: str = "",
    at: datetime | None = None,
) -> Mission:
    """Close the open visit, mark the mission completed and record the tactics the officer used.
    Refused (Conflict) until the dose is served: the officer ends early instead, with a reason."""
    require_perm(user, "missions.patrol_mission")
    with transaction.atomic():
        mission = locked_mission(mission_id)
        acted_at = event_time(at, mission)  # bad times are refused before scope is judged at them
        scope.require_can_patrol(user, mission, action="complete", now=at)
        _require_active(mission, "completed")
        at = acted_at
        served = served_minutes(mission, at=at)
        if not dose_met(mission, served):
            raise Conflict(
                f"The dose is not met: {_minutes(served)} of {mission.dose_minutes} minutes served in the box. "
                "Stay until the dose is met, or end the mission early with a reason.",
                mission=mission,
            )
        tactics = _tactics(tactic_ids)
        before = mission_state(mission)
        _close_visits(mission, at)
        _close(
            mission,
            user=user,
            at=at,
            notes=notes,
            tactics=tactics,
            served=served,
            status=Mission.Status.COMPLETED,
        )
        audit(
            actor=user,
            action="complete",
            obj=mission,
            before=before,
            after={
                **mission_state(mission),
                "tactics": [t.name for t in tactics],
            },
        )
    return mission


def end_mission_early(
    *,
    user,
    mission_id: int,
    reason_code: str,
    reason: str = "",
    tactic_ids: list[int] | None = None,
    notes: str = "",
    at: datetime | None = None,
) -> Mission:
    """Close an active mission before its dose is met: recorded as ended early, with the minutes
    served and why (a reason code; words too when the code is "other")."""
    require_perm(user, "missions.patrol_mission")
    code, text = end_early_reason(reason_code, reason)
    with transaction.atomic():
        mission = locked_mission(mission_id)
        acted_at = event_time(at, mission)  # bad times are refused before scope is judged at them
        scope.require_can_patrol(user, mission, action="end", now=at)
        _require_active(mission, "ended early")
        at = acted_at
        served = served_minutes(mission, at=at)
        if dose_met(mission, served):
            raise Conflict(
                f"The dose is met ({_minutes(served)} of {mission.dose_minutes} minutes): "
                "complete the mission instead.",
                mission=mission,
            )
        tactics = _tactics(tactic_ids)
        before = mission_state(mission)
        _close_visits(mission, at)
        mission.ended_reason_code, mission.ended_reason = code, text
        _close(
            mission,
            user=user,
            at=at,
            notes=notes,
            tactics=tactics,
            served=served,
            status=Mission.Status.ENDED_EARLY,
        )
        audit(
            actor=user,
            action="end_early",
            obj=mission,
            before=before,
            after={
                **mission_state(mission),
                "tactics": [t.name for t in tactics],
            },
            reason_code=code,
            reason=text,
        )
    return mission


def report_offline(
    *,
    user,
    mission_id: int,
    visits: list[tuple[datetime, datetime]],
    tactic_ids=None,
    notes: str = "",
    completed_at: datetime | None = None,
    reason_code: str = "",
    reason: str = "",
) -> Mission:
    """A device that was offline sends the whole mission at once, with its original times: completed
    when its visits serve the dose, ended early when they do not and a reason is given."""
    require_perm(user, "missions.patrol_mission")
    if not visits:
        raise MissionError(
            "An offline report needs at least one visit (start and end time).", field="visits"
        )
    with transaction.atomic():
        mission = locked_mission(mission_id)
        scope.require_can_patrol(
            user, mission, action="report", now=min(start for start, _ in visits)
        )
        if mission.status not in Mission.OPEN:
            raise Conflict(f"The mission is already {mission.status}.", mission=mission)
        if mission.visits.filter(ended_at__isnull=True).exists():
            raise Conflict("Someone is in this mission's box right now.", mission=mission)
        spans = sorted((event_time(s, mission), event_time(e, mission)) for s, e in visits)
        if any(end < start for start, end in spans):
            raise MissionError("A visit ends before it starts.", field="visits")
        completed_at = event_time(completed_at or spans[-1][1], mission)
        tactics = _tactics(tactic_ids)
        before = mission_state(mission)
        Visit.objects.bulk_create(
            Visit(
                mission=mission,
                officer=user,
                started_at=s,
                ended_at=e,
                start_method=Visit.Method.OFFLINE,
                end_reason=Visit.EndReason.REPORTED,
            )
            for s, e in spans
        )
        served = served_minutes(mission, at=completed_at)
        status = Mission.Status.COMPLETED
        if not dose_met(mission, served):
            if not (reason_code or reason):
                raise Conflict(
                    f"The visits serve {_minutes(served)} of {mission.dose_minutes} minutes: send a reason "
                    "(reason_code) to report the mission as ended early.",
                    mission=mission,
                )
            mission.ended_reason_code, mission.ended_reason = end_early_reason(reason_code, reason)
            status = Mission.Status.ENDED_EARLY
        mission.started_at = min(mission.started_at or spans[0][0], spans[0][0])
        _close(
            mission,
            user=user,
            at=completed_at,
            notes=notes,
            tactics=tactics,
            served=served,
            status=status,
        )
        audit(
            actor=user,
            action="report",
            obj=mission,
            before=before,
            after={
                **mission_state(mission),
                "visits": len(spans),
                "tactics": [t.name for t in tactics],
            },
            reason_code=mission.ended_reason_code,
            reason=mission.ended_reason,
        )
    return mission


def correct_tactics(
    *,
    user,
    mission_id: int,
    tactic_ids: list[int],
    notes: str | None = None,
    at: datetime | None = None,
) -> Mission:
    """Replace the tactics reported on a mission (and its notes, when given): allowed to an officer
    who patrolled it until the shift ends, judged at the time of the act."""
    require_perm(user, "missions.patrol_mission")
    with transaction.atomic():
        mission = locked_mission(mission_id)
        if at is not None:
            event_time(at, mission)  # a device's time must be a real time within the shift
        acted_at = at or timezone.now()
        scope.require_can_correct(user, mission, now=acted_at)
        tactics = _tactics(tactic_ids)
        before = {**mission_state(mission), "tactics": _reported(mission), "notes": mission.notes}
        TacticUse.objects.filter(mission=mission).exclude(tactic__in=tactics).delete()
        TacticUse.objects.bulk_create(
            [
                TacticUse(mission=mission, tactic=t, reported_by=user, reported_at=acted_at)
                for t in tactics
            ],
            ignore_conflicts=True,
        )
        if notes is not None:
            mission.notes = notes.strip()
            mission.save(update_fields=["notes", "updated_at"])
        audit(
            actor=user,
            action="tactics",
            obj=mission,
            before=before,
            after={
                **mission_state(mission),
                "tactics": _reported(mission),
                "notes": mission.notes,
            },
        )
    return mission


def dose_met(mission: Mission, served: float) -> bool:
    return served * 60 + DOSE_ALLOWANCE_SECONDS >= mission.dose_minutes * 60


def end_early_reason(reason_code: str | None, reason: str | None) -> tuple[str, str]:
    """(code, words) of an early end: a code from END_EARLY_REASONS; words are required for "other"
    and default to the code's label otherwise (an officer in a car picks from a list)."""
    code, text = (reason_code or "").strip(), (reason or "").strip()
    allowed = [c.value for c in END_EARLY_REASONS]
    if code not in allowed:
        raise MissionError(
            ("Unknown reason code " + repr(code) if code else "Say why the mission ends early")
            + ": one of "
            + ", ".join(allowed)
            + ".",
            field="reason_code",
        )
    if code == ReasonCode.OTHER and len(text) < REASON_MIN_CHARS:
        raise MissionError(
            'With the reason "Other", say in a few words why the mission ends early.',
            field="reason",
        )
    return code, text or ReasonCode(code).label


# --- helpers ---------------------------------------------------------------------------------------


def _require_active(mission: Mission, what: str) -> None:
    if mission.status != Mission.Status.ACTIVE:
        raise Conflict(
            f"Only an active mission can be {what}; this one is {mission.get_status_display().lower()}.",
            mission=mission,
        )


def _minutes(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _close_visits(mission: Mission, at: datetime) -> None:
    Visit.objects.filter(mission=mission, ended_at__isnull=True).update(
        ended_at=max(at, mission.started_at or at), end_reason=Visit.EndReason.COMPLETED
    )


def _tactics(tactic_ids) -> list[Tactic]:
    ids = {int(t) for t in tactic_ids or []}
    tactics = list(Tactic.objects.filter(pk__in=ids, enabled=True))
    if len(tactics) != len(ids):
        raise MissionError("Unknown or disabled tactic(s).", field="tactics")
    return tactics


def _reported(mission: Mission) -> list[str]:
    return sorted(TacticUse.objects.filter(mission=mission).values_list("tactic__name", flat=True))


def _close(mission: Mission, *, user, at, notes, tactics, served: float, status: str) -> None:
    mission.status, mission.completed_by, mission.minutes_served = status, user, served
    if status == Mission.Status.COMPLETED:
        mission.completed_at = at
    else:
        mission.closed_at = at
    mission.notes = (notes or "").strip()
    mission.save(
        update_fields=[
            "status",
            "started_at",
            "completed_at",
            "closed_at",
            "completed_by",
            "notes",
            "minutes_served",
            "ended_reason_code",
            "ended_reason",
            "updated_at",
        ]
    )
    TacticUse.objects.bulk_create(
        [TacticUse(mission=mission, tactic=t, reported_by=user, reported_at=at) for t in tactics],
        ignore_conflicts=True,
    )
