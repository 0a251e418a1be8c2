"""What the mission services share: their errors, permission and reason checks, and the audit write."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from audit.actions import registered
from audit.models import AuditEvent
from audit.services import record
from missions.models import AUDIT_PREFIX, Mission, ReasonCode, Visit

REASON_MIN_CHARS = 3
# A device's time, corrected by its measured clock offset, may still differ from the server's by a
# request's travel: a time further ahead than this is refused, and a live action's time further back.
CLOCK_SKEW_ALLOWANCE = timedelta(seconds=60)
# Officers may start a mission this long before their shift begins (briefing, driving out).
EARLY_START_ALLOWANCE = timedelta(minutes=30)


class MissionError(ValueError):
    """Invalid input for a mission action; `field` names the input at fault (for a 400)."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Conflict(Exception):  # noqa: N818 - the HTTP word, which is what callers map it to
    """The mission is not in a state that allows the action (another device got there first)."""

    def __init__(self, message: str, *, mission: Mission, code: str = "state_conflict"):
        super().__init__(message)
        self.message = message
        self.mission = mission
        self.code = code  # the API problem's code (docs/api.md)


def require_perm(user, perm: str) -> None:
    if user is None or not user.has_perm(perm):
        raise PermissionDenied(f"You need the permission {perm!r} for this.")


def require_reason(
    reason_code: str | None, reason: str | None, *, code_required: bool = True
) -> tuple[str, str]:
    """The (code, text) of an override; both are required so the audit says why."""
    code = (reason_code or "").strip()
    text = (reason or "").strip()
    if code_required and not code:
        raise MissionError(
            "A reason code is required: one of " + ", ".join(ReasonCode.values) + ".",
            field="reason_code",
        )
    if code and code not in ReasonCode.values:
        raise MissionError(
            f"Unknown reason code {code!r}: use one of " + ", ".join(ReasonCode.values) + ".",
            field="reason_code",
        )
    if len(text) < REASON_MIN_CHARS:
        raise MissionError(
            "A reason is required: say in a few words why (it is kept in the audit log).",
            field="reason",
        )
    return code, text


def event_time(
    at: datetime | None,
    mission: Mission,
    *,
    queued: bool = False,
    offline_since: datetime | None = None,
    now: datetime | None = None,
) -> datetime:
    """When an officer's action happened (docs/adr/0026). Live, the server's clock decides: a
    device time sent with it must be within CLOCK_SKEW_ALLOWANCE of now. Queued offline, the
    device's time counts, within the shift and not before the device went offline (`offline_since`);
    such an action is sent at the latest QUEUED_ACTION_GRACE_S after the shift's end."""
    now = now or timezone.now()
    for name, value in (("at", at), ("offline_since", offline_since)):
        if value is not None and timezone.is_naive(value):
            raise MissionError(
                "Timestamps need a time zone offset, e.g. 2025-03-01T14:05:00-05:00.", field=name
            )
    if at is not None and at > now + CLOCK_SKEW_ALLOWANCE:
        raise MissionError("That time is in the future; check the device clock.", field="at")
    if not queued:
        if at is not None and at < now - CLOCK_SKEW_ALLOWANCE:
            raise MissionError(
                "A time in the past is accepted only for an action queued offline "
                "(queued: true, with offline_since: when the device went offline).",
                field="at",
            )
        return min(now, mission.ends_at)
    if at is None or offline_since is None:
        raise MissionError(
            "A queued action needs its time (at) and when the device went offline (offline_since).",
            field="at" if at is None else "offline_since",
        )
    if at < offline_since:
        raise MissionError(
            "That time is before the device went offline: only what was queued offline keeps "
            "its own time.",
            field="at",
        )
    if not mission.starts_at <= at <= mission.ends_at + CLOCK_SKEW_ALLOWANCE:
        raise MissionError("That time is outside the mission's shift.", field="at")
    if now > mission.ends_at + timedelta(seconds=settings.QUEUED_ACTION_GRACE_S):
        raise PermissionDenied(
            "The shift ended too long ago: actions queued during it were due within "
            f"{settings.QUEUED_ACTION_GRACE_S // 60} minutes of its end."
        )
    return min(at, mission.ends_at)


def locked_mission(mission_id: int) -> Mission:
    """The mission, row-locked for the rest of the transaction; a MissionError (404) if there is none."""
    try:
        return Mission.objects.select_for_update().select_related("cell").get(pk=mission_id)
    except Mission.DoesNotExist:
        raise MissionError("No such mission.", field="mission") from None


def position_gap_s() -> float:
    """A silence in an officer's positions longer than this ends a visit's measured time."""
    return settings.VISIT_POSITION_GAP_S


def served_minutes(mission: Mission, *, at: datetime) -> float:
    """Minutes officers were measured in the mission's box up to `at`: its visits' time backed by
    positions (Visit.measured), a running one counted to `at`. The dose is measured here, on the
    server, never from a device's timer; time without positions does not count."""
    gap = position_gap_s()
    seconds = 0.0
    for visit in Visit.objects.filter(mission=mission):
        visit.mission = mission
        seconds += visit.measured(at, gap)
    return round(seconds / 60, 2)


def self_reported_minutes(mission: Mission, *, at: datetime) -> float:
    """Minutes of the mission's visits up to `at` without position evidence: a start by hand before
    its first position, time after a last position. Shown apart; never part of the dose."""
    gap = position_gap_s()
    seconds = 0.0
    for visit in Visit.objects.filter(mission=mission):
        visit.mission = mission
        seconds += visit.seconds(at) - visit.measured(at, gap)
    return round(max(0.0, seconds) / 60, 2)


def close_open_visits(mission: Mission, *, at: datetime, reason: str, officer=None) -> bool:
    """End the mission's open visit (the officer's, when given) at `at`, no later than the shift's
    end: its measured time becomes final. Whether there was one."""
    open_visits = Visit.objects.filter(mission=mission, ended_at__isnull=True)
    if officer is not None:
        open_visits = open_visits.filter(officer=officer)
    closed = False
    for visit in open_visits:
        visit.mission = mission
        visit.close(min(at, mission.ends_at), reason, position_gap_s())
        visit.save(update_fields=["ended_at", "end_reason", "measured_seconds"])
        closed = True
    return closed


def audit(
    *, actor, action: str, obj, before=None, after=None, reason_code: str = "", reason: str = ""
) -> AuditEvent:
    return record(
        action=registered(AUDIT_PREFIX + action),
        actor=actor,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
        reason_code=reason_code,
        reason=reason,
    )


def mission_state(mission: Mission) -> dict:
    """The audit's before/after picture of a mission."""
    return {
        "status": mission.status,
        "date": mission.date.isoformat(),
        "shift": mission.shift_id,
        "cell": mission.cell_id,
        "beat": mission.beat_id,
        "origin": mission.origin,
        "started_at": _iso(mission.started_at),
        "completed_at": _iso(mission.completed_at),
        "closed_at": _iso(mission.closed_at),
        "minutes_served": mission.minutes_served,
        "minutes_self_reported": mission.minutes_self_reported,
    }


def _iso(value):
    return value.isoformat() if value else None
