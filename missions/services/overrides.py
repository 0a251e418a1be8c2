"""Analyst overrides: add missions on boxes or a drawn area for a range of shifts, suppress boxes
for one shift, the rest of a day or a date range (previewed first), call off one mission, lift a
suppression. Each needs a reason and is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Date
from datetime import timedelta
from typing import cast

import shapely
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from agency.models import Agency, MissionPolicy, Shift
from agency.shift_windows import ShiftWindow
from forecasting.engine.reasons import note as analyst_note
from geo.models import GridCell
from missions import selectors, state
from missions.models import Mission, MissionAddition, Suppression, Visit

from .box_forecast import BoxForecast, box_forecasts, dose_minutes
from .common import MissionError, audit, close_open_visits, require_perm, require_reason

MAX_RANGE_DAYS = 31  # an override longer than a month is a policy question, not an override
MAX_CELLS_PER_OVERRIDE = 200
MIN_COVER_SHARE = 0.25  # a drawn area takes a box when it covers at least this share of it


def add_missions(
    *,
    user,
    reason_code: str,
    reason: str,
    date_from: Date,
    date_to: Date | None = None,
    shifts: list[Shift] | None = None,
    cell_ids: list[str] | None = None,
    area: GEOSGeometry | None = None,
) -> MissionAddition:
    """Missions on the given boxes (or the boxes a drawn area covers) for every shift in the range."""
    require_perm(user, "missions.add_mission")
    code, text = require_reason(reason_code, reason)
    date_to = date_to or date_from
    _check_range(date_from, date_to)
    cells = _cells(cell_ids=cell_ids, area=area)
    shifts = list(shifts) if shifts else list(Shift.objects.all())
    tz = Agency.current().tz
    policy = MissionPolicy.current()
    note = analyst_note(text)
    with transaction.atomic():
        addition = MissionAddition.objects.create(
            # The column holds one polygon: any other drawn shape is kept as its boxes' outline.
            area=area if isinstance(area, Polygon) else _outline(cells),
            date_from=date_from,
            date_to=date_to,
            reason_code=code,
            reason=text,
            created_by=user,
        )
        addition.cells.set(cells)
        addition.shifts.set(shifts)
        taken = set(
            Mission.objects.not_cancelled()
            .filter(date__range=(date_from, date_to), shift__in=shifts, cell__in=cells)
            .values_list("date", "shift_id", "cell_id")
        )
        missions = []
        day = date_from
        while day <= date_to:
            for shift in shifts:
                missions.extend(
                    _added_missions(
                        addition,
                        day=day,
                        shift=shift,
                        cells=[c for c in cells if (day, shift.pk, c.pk) not in taken],
                        note=note,
                        policy=policy,
                        tz=tz,
                    )
                )
            day += timedelta(days=1)
        Mission.objects.bulk_create(missions)
        audit(
            actor=user,
            action="add",
            obj=addition,
            reason_code=code,
            reason=text,
            after={
                "cells": [c.cell_id for c in cells],
                "date_from": date_from.isoformat(),
                "date_to": date_to.isoformat(),
                "shifts": [s.name for s in shifts],
                "missions_created": len(missions),
            },
        )
    return addition


SPAN_SHIFT, SPAN_DAY, SPAN_RANGE = "shift", "day", "range"
SPANS = (
    (SPAN_SHIFT, "This shift only"),
    (SPAN_DAY, "The rest of the day (this shift and those starting after it)"),
    (SPAN_RANGE, "Every shift of a date range"),
)


@dataclass(frozen=True)
class SuppressionPreview:
    """What a suppression would do, shown before it is made: its boxes, dates and shifts, and the
    live missions it would cancel (`under_way`: those already started, which need a confirmation)."""

    cells: list[GridCell]
    date_from: Date
    date_to: Date
    shifts: list[Shift]  # empty: every shift of each date
    missions: list[Mission]

    @property
    def under_way(self) -> list[Mission]:
        return [m for m in self.missions if m.status == Mission.Status.ACTIVE]

    @property
    def shift_names(self) -> str:
        return ", ".join(s.name for s in self.shifts) if self.shifts else "every shift"


def suppression_span(
    *, span: str, day: Date, shift: Shift | None, date_to: Date | None = None
) -> tuple[Date, Date, list[Shift]]:
    """(date_from, date_to, shifts) of the span an analyst picked: this shift, the rest of the day
    (this shift and the shifts that start after it that day), or every shift from `day` to
    `date_to`."""
    if span == SPAN_RANGE:
        return day, date_to or day, []
    if shift is None:
        raise MissionError("Pick the shift to suppress from.", field="span")
    if span == SPAN_SHIFT:
        return day, day, [shift]
    if span == SPAN_DAY:
        later = [s for s in Shift.objects.all() if s.start_time >= shift.start_time]
        return day, day, sorted(later, key=lambda s: (s.start_time, s.order, s.pk))
    raise MissionError(f"Unknown span {span!r}.", field="span")


def preview_suppression(
    *,
    date_from: Date,
    date_to: Date | None = None,
    shifts: list[Shift] | None = None,
    cell_ids: list[str] | None = None,
    area: GEOSGeometry | None = None,
) -> SuppressionPreview:
    """What suppress_boxes with the same arguments would cancel (writes nothing)."""
    date_to = date_to or date_from
    _check_range(date_from, date_to)
    cells = _cells(cell_ids=cell_ids, area=area)
    shifts = list(shifts or [])
    return SuppressionPreview(
        cells=cells,
        date_from=date_from,
        date_to=date_to,
        shifts=shifts,
        missions=selectors.missions_to_suppress(
            cells=cells, date_from=date_from, date_to=date_to, shifts=shifts
        ),
    )


def suppress_boxes(
    *,
    user,
    reason_code: str,
    reason: str,
    date_from: Date,
    date_to: Date | None = None,
    shifts: list[Shift] | None = None,
    cell_ids: list[str] | None = None,
    area: GEOSGeometry | None = None,
    cancel_under_way: bool = False,
) -> Suppression:
    """No missions on these boxes from `date_from` to `date_to` in `shifts` (none: every shift);
    their live missions are cancelled. A mission already under way is cancelled only when the
    caller says so (`cancel_under_way`), otherwise nothing is written and the error names them."""
    require_perm(user, "missions.add_suppression")
    code, text = require_reason(reason_code, reason)
    with transaction.atomic():
        preview = preview_suppression(
            date_from=date_from, date_to=date_to, shifts=shifts, cell_ids=cell_ids, area=area
        )
        under_way = preview.under_way
        if under_way and not cancel_under_way:
            names = ", ".join(f"#{m.pk} ({m.beat.code}, {m.shift.name})" for m in under_way[:10])
            raise MissionError(
                f"{len(under_way)} mission(s) under way in these boxes: {names}. "
                "Confirm that they are to be cancelled too, or narrow the suppression.",
                field="cancel_under_way",
            )
        suppression = Suppression.objects.create(
            scope=Suppression.Scope.BOXES,
            date_from=preview.date_from,
            date_to=preview.date_to,
            reason_code=code,
            reason=text,
            created_by=user,
        )
        suppression.cells.set(preview.cells)
        suppression.shifts.set(preview.shifts)
        ids = [m.pk for m in preview.missions]
        cancelled = _cancel(ids, user=user, reason_code=code, reason=f"Box suppressed: {text}")
        suppression.cancelled.set(ids)
        audit(
            actor=user,
            action="suppress",
            obj=suppression,
            reason_code=code,
            reason=text,
            after={
                "scope": "boxes",
                "cells": [c.cell_id for c in preview.cells],
                "date_from": preview.date_from.isoformat(),
                "date_to": preview.date_to.isoformat(),
                "shifts": [s.name for s in preview.shifts] or "all",
                "missions_cancelled": cancelled,
                "cancelled_missions": ids,
                "under_way_cancelled": [m.pk for m in under_way],
            },
        )
    return suppression


def cancel_mission(*, user, mission_id: int, reason_code: str, reason: str) -> Suppression:
    """Call off one mission (a suppression of that mission alone): it is cancelled and not re-planned."""
    state.require_actor(user, state.CANCEL)
    code, text = require_reason(reason_code, reason)
    with transaction.atomic():
        with state.transition(
            mission_id, state.CANCEL, actor=user, reason_code=code, reason=text
        ) as move:
            mission = move.mission
            _call_off(move)
        suppression = Suppression.objects.create(
            scope=Suppression.Scope.MISSION,
            mission=mission,
            date_from=mission.date,
            date_to=mission.date,
            reason_code=code,
            reason=text,
            created_by=user,
        )
        audit(
            actor=user,
            action="suppress",
            obj=suppression,
            reason_code=code,
            reason=text,
            after={"scope": "mission", "mission": mission.pk},
        )
    return suppression


def lift_suppression(*, user, suppression_id: int, reason: str) -> Suppression:
    """End a suppression early; later plans may pick its boxes again (cancelled missions stay so)."""
    require_perm(user, "missions.change_suppression")
    _, text = require_reason("", reason, code_required=False)
    with transaction.atomic():
        suppression = Suppression.objects.select_for_update().get(pk=suppression_id)
        if suppression.lifted_at is not None:
            raise MissionError("This suppression has already been lifted.")
        suppression.lifted_at, suppression.lifted_by, suppression.lift_reason = (
            timezone.now(),
            user,
            text,
        )
        suppression.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        audit(
            actor=user,
            action="lift",
            obj=suppression,
            reason=text,
            before={"lifted_at": None},
            after={"lifted_at": suppression.lifted_at.isoformat()},
        )
    return suppression


# --- helpers ---------------------------------------------------------------------------------------


def _added_missions(addition, *, day, shift, cells, note, policy, tz) -> list[Mission]:
    """Missions on `cells` for one shift, each with its box's top crime type, score and reasons from
    the shift's forecast (none yet: the plan fills them in), ranked after the beat's missions."""
    if not cells:
        return []
    window = ShiftWindow.of(shift, day, tz)
    forecasts = box_forecasts(date=day, shift=shift, cells=cells)
    ranks = dict(
        Mission.objects.not_cancelled()
        .filter(date=day, shift=shift)
        .values("beat_id")
        .annotate(top=Max("rank"))
        .values_list("beat_id", "top")
    )
    missions = []
    for cell in cells:
        box = forecasts.get(cell.pk, BoxForecast(score=0.0))
        ranks[cell.beat_id] = ranks.get(cell.beat_id, 0) + 1
        missions.append(
            Mission(
                date=day,
                shift=shift,
                starts_at=window.starts_at,
                ends_at=window.ends_at,
                cell=cell,
                beat_id=cell.beat_id,
                addition=addition,
                origin=Mission.Origin.ANALYST,
                forced=True,
                rank=ranks[cell.beat_id],
                score=box.score,
                raw_score=box.score,
                drivers=box.drivers,
                primary_crime_type=box.primary,
                reasons=[note, *box.reasons],
                dose_minutes=dose_minutes(box.primary, policy),
            )
        )
    return missions


def _cancel(mission_ids: list[int], *, user, reason_code: str, reason: str) -> int:
    for mission_id in mission_ids:
        with state.transition(
            mission_id, state.CANCEL, actor=user, reason_code=reason_code, reason=reason
        ) as move:
            _call_off(move)
    return len(mission_ids)


def _call_off(move: state.Move) -> None:
    """A cancelled mission's open visit ends now (or at the shift's end)."""
    mission = move.mission
    close_open_visits(mission, at=move.at, reason=Visit.EndReason.CANCELLED)
    move.set(closed_at=move.at)


def _check_range(date_from: Date, date_to: Date) -> None:
    if date_to < date_from:
        raise MissionError("The end date is before the start date.", field="date_to")
    if (date_to - date_from).days >= MAX_RANGE_DAYS:
        raise MissionError(f"A range may span at most {MAX_RANGE_DAYS} days.", field="date_to")


def _cells(*, cell_ids, area) -> list[GridCell]:
    """The active boxes named, or those a drawn area covers (by share of the box, in shapely)."""
    if bool(cell_ids) == (area is not None):
        raise MissionError(
            "Give either boxes (cell ids) or a drawn area, not both or neither.", field="cell_ids"
        )
    if cell_ids:
        cells = list(
            GridCell.objects.filter(active=True, cell_id__in=set(cell_ids)).order_by("cell_id")
        )
        missing = sorted(set(cell_ids) - {c.cell_id for c in cells})
        if missing:
            raise MissionError(
                f"Unknown or inactive boxes: {', '.join(missing[:10])}.", field="cell_ids"
            )
    else:
        if area.srid not in (None, 4326):
            area = area.transform(4326, clone=True)
        drawn = shapely.from_wkb(bytes(area.wkb))
        if drawn.is_empty or drawn.area == 0:
            raise MissionError("The drawn area is empty.", field="area")
        west, south, east, north = drawn.bounds
        candidates = GridCell.objects.filter(
            active=True, geom__bboverlaps=Polygon.from_bbox((west, south, east, north))
        )
        cells = []
        for cell in candidates.order_by("cell_id"):
            box = shapely.from_wkb(bytes(cell.geom.wkb))
            if box.area and drawn.intersection(box).area / box.area >= MIN_COVER_SHARE:
                cells.append(cell)
        if not cells:
            raise MissionError("The drawn area covers no box of the grid.", field="area")
    if len(cells) > MAX_CELLS_PER_OVERRIDE:
        raise MissionError(f"At most {MAX_CELLS_PER_OVERRIDE} boxes at once.", field="cell_ids")
    no_beat = [c.cell_id for c in cells if c.beat_id is None]
    if no_beat:
        raise MissionError(
            f"Boxes outside every beat: {', '.join(no_beat[:10])}.", field="cell_ids"
        )
    return cells


def _outline(cells: list[GridCell]) -> Polygon:
    hull = shapely.union_all([shapely.from_wkb(bytes(c.geom.wkb)) for c in cells]).envelope
    # GEOSGeometry answers with the class of the WKT's type; the stubs only know the base class.
    return cast(Polygon, GEOSGeometry(hull.wkt, srid=4326))
