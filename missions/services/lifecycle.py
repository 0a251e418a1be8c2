"""The mission lifecycle on officers' devices: start (arrival or by hand), position pings that start
and stop visits, and expiry at shift end. Closing a mission (dose met or ended early) is in closing.py."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from agency.models import MissionPolicy
from geo.placement import distance_to_cell_m
from missions import (
    state,
)
from missions.models import Mission, PositionPing, Visit

from .common import (
    Conflict,
    MissionError,
    close_open_visits,
    position_gap_s,
    self_reported_minutes,
    served_minutes,
)

MAX_ACCURACY_ALLOWANCE_M = 75.0  # a fix worse than this cannot start a mission by itself
EXIT_MARGIN_M = 25.0  # leave the box by this much beyond the accuracy before a visit stops


@dataclass(frozen=True)
class Position:
    latitude: float
    longitude: float
    accuracy_m: float = 0.0
    at: datetime | None = None

    def __post_init__(self):
        if not (-90 <= self.latitude <= 90 and -180 <= self.longitude <= 180):
            raise MissionError("The position is not a valid latitude/longitude.", field="latitude")
        if not (math.isfinite(self.accuracy_m) and self.accuracy_m >= 0):
            raise MissionError("The accuracy must be a number of metres >= 0.", field="accuracy_m")


@dataclass
class PingResult:
    started: list[int] = field(default_factory=list)
    stopped: list[int] = field(default_factory=list)
    stored: bool = False


def start_mission(
    *,
    user,
    mission_id: int,
    position: Position | None = None,
    reason: str = "",
    at: datetime | None = None,
    queued: bool = False,
    offline_since: datetime | None = None,
    now: datetime | None = None,
) -> Visit:
    """Start a visit: on arrival (position inside the box, allowing its accuracy) or by hand with a
    reason. Exactly one of two devices starting at once wins; the other gets `Conflict`. Timed by
    the server's clock unless `queued` offline (common.event_time)."""
    with state.transition(
        mission_id,
        state.START,
        actor=user,
        at=at or (position.at if position else None),
        device_time=True,
        queued=queued,
        offline_since=offline_since,
        now=now,
    ) as move:
        inside = position is not None and distance_to_box_m(move.mission, position) <= _allowance(
            position
        )
        reason = (reason or "").strip()
        if not inside and not reason:
            raise MissionError(
                "You are not inside the box (or no position was sent): a manual start needs a reason.",
                field="reason",
            )
        method = Visit.Method.GEOFENCE if inside else Visit.Method.MANUAL
        return _open_visit(move, user=user, method=method, reason="" if inside else reason)


def record_ping(
    *, user, position: Position, missions: list[Mission], now: datetime | None = None
) -> PingResult:
    """Start the mission whose box the officer is in, stop visits whose box they have left.

    `missions` are the officer's missions of the shift (selectors.officer_missions). The position
    itself is stored only when the agency's policy keeps tracks. `now`: the server's clock (the
    demo's history replays past shifts with it).
    """
    state.require_actor(user, state.START)
    result = PingResult()
    now = now or timezone.now()
    if MissionPolicy.current().store_officer_tracks:
        PositionPing.objects.create(
            officer=user,
            recorded_at=position.at or now,
            accuracy_m=position.accuracy_m,
            location=Point(position.longitude, position.latitude, srid=4326),
        )
        result.stored = True
    # Pings are never queued: the server's clock times them, whatever the fix's own time.
    candidates = [m for m in missions if m.status in Mission.LIVE and m.ends_at > now]
    distances = {m.pk: distance_to_box_m(m, position) for m in candidates}
    allowance = _allowance(position)
    for mission in candidates:
        left = distances[mission.pk] > position.accuracy_m + EXIT_MARGIN_M
        # The visits came with the missions: most pings are from outside boxes nobody is in.
        mine = next(
            (v for v in mission.visits.all() if v.ended_at is None and v.officer_id == user.pk),
            None,
        )
        if mine is None:
            continue
        if left:
            if _close_open_visit(mission, user=user, at=now, reason=Visit.EndReason.LEFT_BOX):
                result.stopped.append(mission.pk)
        elif distances[mission.pk] <= allowance:  # a fix good enough to start one keeps it measured
            _note_position(mine.pk, at=now)
    inside = sorted((d, m.pk) for m in candidates if (d := distances[m.pk]) <= allowance)
    if inside:
        nearest = inside[0][1]
        if not Visit.objects.filter(mission_id=nearest, ended_at__isnull=True).exists():
            try:
                with state.transition(nearest, state.START, actor=user, at=now, now=now) as move:
                    _open_visit(move, user=user, method=Visit.Method.GEOFENCE, reason="")
                result.started.append(nearest)
            except (Conflict, PermissionDenied):
                pass  # finished, taken or out of scope meanwhile: nothing to start
    return result


def expire_missions(*, now: datetime | None = None) -> int:
    """Close every mission whose shift ended more than QUEUED_ACTION_GRACE_S ago (planned or
    active ones): they expire. Not at the end itself: until the grace is over, a device that was
    offline may still send what it queued during the shift (ADR 0026)."""
    now = now or timezone.now()
    ended_before = now - timedelta(seconds=settings.QUEUED_ACTION_GRACE_S)
    due = list(
        Mission.objects.live()
        .filter(ends_at__lte=ended_before)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    expired = 0
    for mission_id in due:
        try:
            with state.transition(
                mission_id, state.EXPIRE, actor=None, reason="The shift ended."
            ) as move:
                mission = move.mission
                close_open_visits(mission, at=mission.ends_at, reason=Visit.EndReason.EXPIRED)
                move.set(
                    closed_at=mission.ends_at,
                    # The officers' measured visits or the rostered units' AVL minutes (ADR 0028)
                    minutes_served=max(
                        served_minutes(mission, at=mission.ends_at), mission.minutes_avl
                    ),
                    minutes_self_reported=self_reported_minutes(mission, at=mission.ends_at),
                )
            expired += 1
        except Conflict:
            pass  # closed meanwhile (completed, reported or called off): nothing to expire
    return expired


def distance_to_box_m(mission: Mission, position: Position) -> float:
    """Metres from the position to the mission's box (0 inside), in the box's metric CRS."""
    return distance_to_cell_m(
        mission.cell, longitude=position.longitude, latitude=position.latitude
    )


# --- helpers ---------------------------------------------------------------------------------------


def _allowance(position: Position) -> float:
    return min(position.accuracy_m, MAX_ACCURACY_ALLOWANCE_M)


def _open_visit(move: state.Move, *, user, method, reason) -> Visit:
    """A visit of the officer on the mission of a START move (which makes a planned one active)."""
    mission, at = move.mission, move.at
    if mission.visits.filter(ended_at__isnull=True).exists():
        raise Conflict(
            "The mission has already been started on another device.",
            mission=mission,
            code="already_started",
        )
    # An officer is in one box at a time: arriving here ends their visit elsewhere.
    for other in Mission.objects.filter(
        visits__officer=user, visits__ended_at__isnull=True
    ).exclude(pk=mission.pk):
        _close_open_visit(other, user=user, at=at, reason=Visit.EndReason.LEFT_BOX)
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                mission=mission,
                officer=user,
                started_at=at,
                start_method=method,
                start_reason=reason,
                # Arrival is a position in the box; a start by hand has none until a ping comes.
                last_position_at=at if method == Visit.Method.GEOFENCE else None,
            )
    except IntegrityError:  # the unique open-visit index: the other device won
        mission.refresh_from_db()
        raise Conflict(
            "The mission has already been started on another device.",
            mission=mission,
            code="already_started",
        ) from None
    if mission.started_at is None:
        move.set(started_at=at)
    move.reason = reason
    move.audit_extra.update(visit=visit.pk, method=method)
    return visit


def _close_open_visit(mission: Mission, *, user, at, reason) -> bool:
    return close_open_visits(mission, at=at or timezone.now(), reason=reason, officer=user)


def _note_position(visit_id: int, *, at) -> None:
    """A position in the box of the officer's open visit (locked: two pings at once add once)."""
    with transaction.atomic():
        visit = Visit.objects.select_for_update().filter(pk=visit_id, ended_at__isnull=True).first()
        if visit is not None:
            visit.note_position(at, position_gap_s())
            visit.save(update_fields=["last_position_at", "measured_seconds"])
