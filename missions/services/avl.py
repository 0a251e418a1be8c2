"""Missions started and completed by the vehicle location feed (AVL), with nobody touching the MDT
(docs/adr/0028-missions-from-avl.md).

Missions of a beat are offered to the units rostered on that beat in the mission's shift. When such
a unit's positions enter the mission's box, the mission starts by itself (state AVL_START, start
method "avl", at the first instant in the box); its dose grows with the minutes the beat's rostered
units spend in the box (`minutes_avl`; two of them at once count twice); when those reach the dose
the mission completes by itself (AVL_COMPLETE), timed at the instant they did. Time other units
spend in the box counts toward the box's exposure (patrol.BoxExposure) and is shown apart
(`minutes_avl_other`), never toward the dose. An officer's own visits still count: the dose served
is the larger of the two measures, never their sum (the same car's minutes measured twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
from django.utils import timezone

from agency.models import Shift
from forecasting.engine.exposure import NS_PER_MINUTE, dose_served_at
from missions import state
from missions.models import Mission, Visit
from patrol.models import RosterEntry
from patrol.services import intervals_in_boxes

from .common import Conflict, close_open_visits, self_reported_minutes, served_minutes

START_METHOD_AVL = "avl"


@dataclass
class AvlProgress:
    started: list[int] = field(default_factory=list)
    completed: list[int] = field(default_factory=list)
    measured: int = 0  # missions whose AVL minutes were brought up to date


def follow_avl(
    *, day: date, shift: Shift, now: datetime | None = None, cells: set[int] | None = None
) -> AvlProgress:
    """Bring the shift's live missions (those in `cells`, if given: the boxes a push touched) up
    to date with the positions stored so far: start those a rostered unit has entered, record their
    minutes, complete those whose dose is served."""
    now = now or timezone.now()
    progress = AvlProgress()
    live = Mission.objects.live().filter(date=day, shift=shift)
    if cells is not None:
        live = live.filter(cell_id__in=cells)
    missions = list(live.order_by("pk"))
    if not missions:
        return progress
    rostered: dict[int, set[int]] = {}
    for beat_id, unit_id in RosterEntry.objects.filter(date=day, shift=shift).values_list(
        "beat_id", "unit_id"
    ):
        rostered.setdefault(beat_id, set()).add(unit_id)
    start, end = missions[0].starts_at, min(missions[0].ends_at, now)
    if end <= start:
        return progress
    found = intervals_in_boxes(start=start, end=end, cells={m.cell_id for m in missions})
    for mission in missions:
        in_box = found.cell == mission.cell_id
        own = in_box & np.isin(found.unit, list(rostered.get(mission.beat_id, ())))
        minutes = float((found.end_ns[own] - found.start_ns[own]).sum() / NS_PER_MINUTE)
        other = float(
            (found.end_ns[in_box & ~own] - found.start_ns[in_box & ~own]).sum() / NS_PER_MINUTE
        )
        if not own.any() and not other:
            continue
        _follow(
            mission,
            minutes=round(minutes, 2),
            other=round(other, 2),
            entered=_instant(int(found.start_ns[own].min())) if own.any() else None,
            served_at=_served_at(found, own, mission),
            progress=progress,
        )
    return progress


def _follow(mission: Mission, *, minutes, other, entered, served_at, progress) -> None:
    try:
        if mission.status == Mission.Status.PLANNED and entered is not None:
            with state.transition(mission.pk, state.AVL_START, actor=None, at=entered) as move:
                move.set(
                    started_at=entered,
                    start_method=START_METHOD_AVL,
                    minutes_avl=minutes,
                    minutes_avl_other=other,
                )
                move.audit_extra.update(method=START_METHOD_AVL, minutes_avl=minutes)
            progress.started.append(mission.pk)
            mission.refresh_from_db()
        if mission.status == Mission.Status.ACTIVE and served_at is not None:
            with state.transition(mission.pk, state.AVL_COMPLETE, actor=None, at=served_at) as move:
                live = move.mission
                close_open_visits(live, at=served_at, reason=Visit.EndReason.COMPLETED)
                move.set(
                    completed_at=served_at,
                    minutes_avl=minutes,
                    minutes_avl_other=other,
                    minutes_served=max(served_minutes(live, at=served_at), minutes),
                    minutes_self_reported=self_reported_minutes(live, at=served_at),
                )
                move.audit_extra.update(method=START_METHOD_AVL, minutes_avl=minutes)
            progress.completed.append(mission.pk)
            return
    except Conflict:
        return  # closed meanwhile (by an officer, an analyst or the shift's end)
    # Minutes only (no status change): the dose so far, for the board and the officer's card.
    updated = Mission.objects.filter(pk=mission.pk).update(
        minutes_avl=minutes, minutes_avl_other=other
    )
    progress.measured += updated


def _served_at(found, own: np.ndarray, mission: Mission) -> datetime | None:
    """When the rostered units' minutes in the box reached the dose (None: not yet)."""
    at = dose_served_at(found.start_ns[own], found.end_ns[own], mission.dose_minutes)
    return None if at is None else _instant(at)


def _instant(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, tz=UTC)
