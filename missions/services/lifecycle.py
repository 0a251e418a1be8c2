"""The mission lifecycle on officers' devices: start (arrival or by hand), position pings that start
and stop visits, and expiry at shift end. Closing a mission (dose met or ended early) is in closing.py."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.gis.geos import Point
from django.db import IntegrityError, transaction
from django.utils import timezone

from agency.models import MissionPolicy
from geo.placement import distance_to_cell_m
from missions import scope  # the module, not its names: scope reads services.common
from missions.models import Mission, PositionPing, Visit

from .common import (
    Conflict,
    MissionError,
    audit,
    event_time,
    locked_mission,
    mission_state,
    require_perm,
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
) -> Visit:
    """Start a visit: on arrival (position inside the box, allowing its accuracy) or by hand with a
    reason. Exactly one of two devices starting at once wins; the other gets `Conflict`."""
    require_perm(user, "missions.patrol_mission")
    with transaction.atomic():
        mission = locked_mission(mission_id)
        # A time in the future or outside the shift is bad input, refused before judging scope at it.
        acted_at = event_time(at or (position.at if position else None), mission)
        scope.require_can_patrol(user, mission, action="start", now=at)  # the time of the act
        at = acted_at
        inside = position is not None and distance_to_box_m(mission, position) <= _allowance(
            position
        )
        reason = (reason or "").strip()
        if not inside and not reason:
            raise MissionError(
                "You are not inside the box (or no position was sent): a manual start needs a reason.",
                field="reason",
            )
        method = Visit.Method.GEOFENCE if inside else Visit.Method.MANUAL
        return _open_visit(
            mission, user=user, at=at, method=method, reason="" if inside else reason
        )


def record_ping(*, user, position: Position, missions: list[Mission]) -> PingResult:
    """Start the mission whose box the officer is in, stop visits whose box they have left.

    `missions` are the officer's missions of the shift (selectors.officer_missions). The position
    itself is stored only when the agency's policy keeps tracks.
    """
    require_perm(user, "missions.patrol_mission")
    result = PingResult()
    now = timezone.now()
    if MissionPolicy.current().store_officer_tracks:
        PositionPing.objects.create(
            officer=user,
            recorded_at=position.at or now,
            accuracy_m=position.accuracy_m,
            location=Point(position.longitude, position.latitude, srid=4326),
        )
        result.stored = True
    candidates = [
        m for m in missions if m.status in Mission.OPEN and m.ends_at > (position.at or now)
    ]
    distances = {m.pk: distance_to_box_m(m, position) for m in candidates}
    allowance = _allowance(position)
    for mission in candidates:
        left = distances[mission.pk] > position.accuracy_m + EXIT_MARGIN_M
        # The visits came with the missions: most pings are from outside boxes nobody is in.
        mine = any(v.ended_at is None and v.officer_id == user.pk for v in mission.visits.all())
        if (
            left
            and mine
            and _close_open_visit(
                mission, user=user, at=position.at, reason=Visit.EndReason.LEFT_BOX
            )
        ):
            result.stopped.append(mission.pk)
    inside = sorted((d, m.pk) for m in candidates if (d := distances[m.pk]) <= allowance)
    if inside:
        nearest = inside[0][1]
        try:
            with transaction.atomic():
                mission = locked_mission(nearest)
                if not mission.visits.filter(ended_at__isnull=True).exists():
                    _open_visit(
                        mission,
                        user=user,
                        at=event_time(position.at, mission),
                        method=Visit.Method.GEOFENCE,
                        reason="",
                    )
                    result.started.append(nearest)
        except Conflict:
            pass  # finished or taken meanwhile: nothing to start
    return result


def expire_missions(*, now: datetime | None = None) -> int:
    """Close every mission whose shift has ended (planned or active ones): they expire."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Mission.objects.select_for_update().filter(status__in=Mission.OPEN, ends_at__lte=now)
        )
        for mission in due:
            before = mission_state(mission)
            Visit.objects.filter(mission=mission, ended_at__isnull=True).update(
                ended_at=mission.ends_at, end_reason=Visit.EndReason.EXPIRED
            )
            mission.status, mission.closed_at = Mission.Status.EXPIRED, mission.ends_at
            mission.minutes_served = served_minutes(mission, at=mission.ends_at)
            audit(
                actor=None,
                action="expire",
                obj=mission,
                before=before,
                after=mission_state(mission),
                reason="The shift ended.",
            )
        Mission.objects.bulk_update(due, ["status", "closed_at", "minutes_served"])
    return len(due)


def distance_to_box_m(mission: Mission, position: Position) -> float:
    """Metres from the position to the mission's box (0 inside), in the box's metric CRS."""
    return distance_to_cell_m(
        mission.cell, longitude=position.longitude, latitude=position.latitude
    )


# --- helpers ---------------------------------------------------------------------------------------


def _allowance(position: Position) -> float:
    return min(position.accuracy_m, MAX_ACCURACY_ALLOWANCE_M)


def _open_visit(mission: Mission, *, user, at, method, reason) -> Visit:
    if mission.status not in Mission.OPEN:
        raise Conflict(f"The mission is {mission.status}.", mission=mission)
    if mission.visits.filter(ended_at__isnull=True).exists():
        raise Conflict("The mission has already been started on another device.", mission=mission)
    # An officer is in one box at a time: arriving here ends their visit elsewhere.
    for other in Mission.objects.filter(
        visits__officer=user, visits__ended_at__isnull=True
    ).exclude(pk=mission.pk):
        _close_open_visit(other, user=user, at=at, reason=Visit.EndReason.LEFT_BOX)
    before = mission_state(mission)
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                mission=mission,
                officer=user,
                started_at=at,
                start_method=method,
                start_reason=reason,
            )
    except IntegrityError:  # the unique open-visit index: the other device won
        mission.refresh_from_db()
        raise Conflict(
            "The mission has already been started on another device.", mission=mission
        ) from None
    if mission.status == Mission.Status.PLANNED:
        mission.status, mission.started_at = Mission.Status.ACTIVE, at
        mission.save(update_fields=["status", "started_at", "updated_at"])
    audit(
        actor=user,
        action="start",
        obj=mission,
        before=before,
        after={
            **mission_state(mission),
            "visit": visit.pk,
            "method": method,
        },
        reason=reason,
    )
    return visit


def _close_open_visit(mission: Mission, *, user, at, reason) -> bool:
    end = min(at or timezone.now(), mission.ends_at)
    visit = mission.visits.filter(ended_at__isnull=True, officer=user).first()
    if visit is None:
        return False
    visit.ended_at, visit.end_reason = max(end, visit.started_at), reason
    visit.save(update_fields=["ended_at", "end_reason"])
    return True
