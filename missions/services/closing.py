"""Closing a mission on an officer's device: completed once its dose is served in the box, ended early
with a reason before that, reported whole after being offline; and tactics corrected until the
shift ends. The dose is the minutes of the mission's visits, measured on the server."""

from __future__ import annotations

from datetime import datetime

from missions import state
from missions.models import END_EARLY_REASONS, Mission, ReasonCode, Visit, tactics_version
from tactics.models import Tactic, TacticUse

from .common import (
    REASON_MIN_CHARS,
    Conflict,
    MissionError,
    close_open_visits,
    event_time,
    self_reported_minutes,
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
    notes: str | None = None,
    at: datetime | None = None,
    queued: bool = False,
    offline_since: datetime | None = None,
    now: datetime | None = None,
) -> Mission:
    """Close the open visit, mark the mission completed and record the tactics the officer used.
    Refused (Conflict) until the dose is served: the officer ends early instead, with a reason.
    Timed by the server's clock unless `queued` offline (common.event_time)."""
    with state.transition(
        mission_id,
        state.COMPLETE,
        actor=user,
        at=at,
        device_time=True,
        queued=queued,
        offline_since=offline_since,
        now=now,
    ) as move:
        mission = move.mission
        served = served_minutes(mission, at=move.at)
        if not dose_met(mission, served):
            raise Conflict(
                f"The dose is not met: {_minutes(served)} of {mission.dose_minutes} minutes served in the box. "
                "Stay until the dose is met, or end the mission early with a reason.",
                mission=mission,
                code="dose_not_met",
            )
        tactics = _tactics(tactic_ids)
        _close_visits(mission, move.at)
        _close(move, user=user, notes=notes, tactics=tactics, served=served)
    return mission


def end_mission_early(
    *,
    user,
    mission_id: int,
    reason_code: str,
    reason: str = "",
    tactic_ids: list[int] | None = None,
    notes: str | None = None,
    at: datetime | None = None,
    queued: bool = False,
    offline_since: datetime | None = None,
    now: datetime | None = None,
) -> Mission:
    """Close an active mission before its dose is met: recorded as ended early, with the minutes
    served and why (a reason code; words too when the code is "other")."""
    state.require_actor(user, state.END_EARLY)
    code, text = end_early_reason(reason_code, reason)
    with state.transition(
        mission_id,
        state.END_EARLY,
        actor=user,
        at=at,
        device_time=True,
        queued=queued,
        offline_since=offline_since,
        now=now,
        reason_code=code,
        reason=text,
    ) as move:
        mission = move.mission
        served = served_minutes(mission, at=move.at)
        if dose_met(mission, served):
            raise Conflict(
                f"The dose is met ({_minutes(served)} of {mission.dose_minutes} minutes): "
                "complete the mission instead.",
                mission=mission,
                code="dose_met",
            )
        tactics = _tactics(tactic_ids)
        _close_visits(mission, move.at)
        move.set(ended_reason_code=code, ended_reason=text)
        _close(move, user=user, notes=notes, tactics=tactics, served=served)
    return mission


def report_offline(
    *,
    user,
    mission_id: int,
    visits: list[tuple[datetime, datetime]],
    offline_since: datetime | None,
    tactic_ids=None,
    notes: str = "",
    completed_at: datetime | None = None,
    reason_code: str = "",
    reason: str = "",
) -> Mission:
    """A device that was offline sends the whole mission at once, with its original times: completed
    when its visits serve the dose, ended early when they do not and a reason is given. The times
    are a queued action's (common.event_time): within the shift, after `offline_since`."""
    state.require_actor(user, state.REPORT)
    if not visits:
        raise MissionError(
            "An offline report needs at least one visit (start and end time).", field="visits"
        )
    with state.transition(
        mission_id, state.REPORT, actor=user, scope_at=min(start for start, _ in visits)
    ) as move:
        mission = move.mission
        if mission.visits.filter(ended_at__isnull=True).exists():
            raise Conflict(
                "Someone is in this mission's box right now.", mission=mission, code="visit_running"
            )
        spans = sorted(
            (
                event_time(s, mission, queued=True, offline_since=offline_since),
                event_time(e, mission, queued=True, offline_since=offline_since),
            )
            for s, e in visits
        )
        if any(end < start for start, end in spans):
            raise MissionError("A visit ends before it starts.", field="visits")
        completed_at = event_time(
            completed_at or spans[-1][1], mission, queued=True, offline_since=offline_since
        )
        tactics = _tactics(tactic_ids)
        Visit.objects.bulk_create(
            Visit(
                mission=mission,
                officer=user,
                started_at=s,
                ended_at=e,
                start_method=Visit.Method.OFFLINE,
                end_reason=Visit.EndReason.REPORTED,
                # The device's own geofence times them (docs/adr/0026): measured, as reported.
                last_position_at=e,
                measured_seconds=(e - s).total_seconds(),
            )
            for s, e in spans
        )
        served = served_minutes(mission, at=completed_at)
        if not dose_met(mission, served):
            if not (reason_code or reason):
                raise Conflict(
                    f"The visits serve {_minutes(served)} of {mission.dose_minutes} minutes: send a reason "
                    "(reason_code) to report the mission as ended early.",
                    mission=mission,
                    code="dose_not_met",
                )
            code, text = end_early_reason(reason_code, reason)
            move.set(ended_reason_code=code, ended_reason=text)
            move.reason_code, move.reason = code, text
            move.end_in(Mission.Status.ENDED_EARLY)
        else:
            move.end_in(Mission.Status.COMPLETED)
        move.at = completed_at
        move.set(started_at=min(mission.started_at or spans[0][0], spans[0][0]))
        move.audit_extra["visits"] = len(spans)
        _close(move, user=user, notes=notes, tactics=tactics, served=served)
    return mission


def correct_tactics(
    *,
    user,
    mission_id: int,
    tactic_ids: list[int],
    notes: str | None = None,
    at: datetime | None = None,
    queued: bool = False,
    offline_since: datetime | None = None,
    now: datetime | None = None,
    base_version: str | None = None,
) -> Mission:
    """Replace the tactics reported on a mission (and its notes, when given): allowed to an officer
    who patrolled it until the shift ends, judged at the time of the act (the server's clock unless
    `queued` offline). An edit made from an older version of the report (`base_version` differs from
    the report's now: a stale offline edit) never overwrites the newer one: the tactics become the
    union of both, the notes keep both, and the audit says it merged (ADR 0032)."""
    with state.transition(
        mission_id,
        state.TACTICS,
        actor=user,
        at=at,
        device_time=True,
        queued=queued,
        offline_since=offline_since,
        now=now,
    ) as move:
        mission, acted_at = move.mission, move.at
        tactics = _tactics(tactic_ids)
        move.before.update(tactics=_reported(mission), notes=mission.notes)
        current = list(
            TacticUse.objects.filter(mission=mission).values_list("tactic_id", flat=True)
        )
        if base_version is not None and base_version != tactics_version(current, mission.notes):
            sent = [t.name for t in tactics]
            kept = list(Tactic.objects.filter(pk__in=current))  # a tactic disabled since stays
            tactics = list({t.pk: t for t in [*kept, *tactics]}.values())
            notes = _merged_notes(mission.notes, notes)
            move.audit_extra.update(
                merged=True,
                merge=(
                    "Stale edit (made from an older version of the report): tactics merged as "
                    "the union of the report and the edit, not replaced."
                ),
                stale_edit_tactics=sorted(sent),
                base_version=base_version,
            )
        TacticUse.objects.filter(mission=mission).exclude(tactic__in=tactics).delete()
        TacticUse.objects.bulk_create(
            [
                TacticUse(mission=mission, tactic=t, reported_by=user, reported_at=acted_at)
                for t in tactics
            ],
            ignore_conflicts=True,
        )
        if notes is not None:
            move.set(notes=notes.strip())
        move.audit_extra.update(tactics=_reported(mission), notes=mission.notes)
    return mission


def _merged_notes(current: str, sent: str | None) -> str | None:
    """Both notes, the newer first, when a stale edit brings other words; else the newer ones."""
    sent = (sent or "").strip()
    current = (current or "").strip()
    if not sent or sent == current or sent in current:
        return None  # nothing new: the notes stay as they are
    return f"{current}\n{sent}" if current else sent


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


def _minutes(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _close_visits(mission: Mission, at: datetime) -> None:
    close_open_visits(mission, at=at, reason=Visit.EndReason.COMPLETED)


def _tactics(tactic_ids) -> list[Tactic]:
    ids = {int(t) for t in tactic_ids or []}
    tactics = list(Tactic.objects.filter(pk__in=ids, enabled=True))
    if len(tactics) != len(ids):
        raise MissionError("Unknown or disabled tactic(s).", field="tactics")
    return tactics


def _reported(mission: Mission) -> list[str]:
    return sorted(TacticUse.objects.filter(mission=mission).values_list("tactic__name", flat=True))


def _close(move: state.Move, *, user, notes: str | None, tactics, served: float) -> None:
    """The closing fields of a completed or ended-early mission, and the tactics used; notes None
    keeps those already reported (with the tactics)."""
    mission, at = move.mission, move.at
    move.set(
        completed_by=user,
        minutes_served=served,
        minutes_self_reported=self_reported_minutes(mission, at=at),
    )
    if notes is not None:
        move.set(notes=notes.strip())
    if move.target == Mission.Status.COMPLETED:
        move.set(completed_at=at)
    else:
        move.set(closed_at=at)
    move.audit_extra["tactics"] = [t.name for t in tactics]
    TacticUse.objects.bulk_create(
        [TacticUse(mission=mission, tactic=t, reported_by=user, reported_at=at) for t in tactics],
        ignore_conflicts=True,
    )
