"""Every write of measured patrol: positions in (placed on arrival), minutes per box measured from
them, and the purge of old positions. One write path each; the push API and the officer page call
`receive_positions`, the periodic task calls `measure_exposure` and `purge_positions`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import shapely
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agency.models import Agency, Shift
from agency.selectors import shift_window, shift_windows_between
from audit.actions import Action
from audit.services import record
from forecasting.engine.exposure import (
    ExposureRules,
    Intervals,
    box_intervals,
    minutes_by_window,
)
from geo.placement import NOWHERE, place_points

from .avl_rules import FIX_COLUMNS, check_fixes
from .models import BoxExposure, ExcludedArea, Position, RejectedPosition, Unit
from .signals import positions_stored

BATCH_MAX = 5000


@dataclass
class Received:
    """What became of a batch: stored fixes, fixes already stored (re-sent), and rejections."""

    stored: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class _Fix:
    row: int
    unit: Unit
    at: datetime
    lon: float
    lat: float
    speed_kmh: float | None
    heading_deg: float | None
    accuracy_m: float | None


def receive_positions(*, records: list[dict], actor, source: str = Position.Source.AVL) -> Received:
    """Validate, place and store a batch of fixes; a fix already stored (same unit and time) is
    counted as a duplicate, not stored twice. Each refused fix is kept with its row and reason."""
    if len(records) > BATCH_MAX:
        raise ValueError(
            f"A batch holds at most {BATCH_MAX} positions; this one has {len(records)}."
        )
    result = Received()
    fixes, seen = [], set()
    objects = [(row, raw) for row, raw in enumerate(records, start=1) if isinstance(raw, dict)]
    for row, raw in enumerate(records, start=1):
        if not isinstance(raw, dict):
            result.rejected.append(
                {
                    "row": row,
                    "field": "",
                    "reason": "Each position is an object with unit, at, latitude and longitude.",
                }
            )
    frame = pd.DataFrame(
        [{key: raw.get(key) for key in FIX_COLUMNS} for _, raw in objects],
        columns=list(FIX_COLUMNS),
        dtype=object,
    )
    units = _units_named(set(frame["unit"].dropna().astype(str).str.strip()))
    checked = check_fixes(
        frame,
        unit_ids={name: unit.pk for name, unit in units.items()},
        tz=Agency.current().tz,
        latest=timezone.now() + timedelta(seconds=settings.AVL_FUTURE_SKEW_S),
    )
    by_pk = {unit.pk: unit for unit in units.values()}
    at = checked.at.dt.to_pydatetime() if len(frame) else []
    for i, (row, _) in enumerate(objects):
        if not checked.ok[i]:
            result.rejected.append(
                {"row": row, "field": checked.field[i], "reason": checked.reason[i]}
            )
            continue
        fix = _Fix(
            row,
            by_pk[int(checked.unit_id[i])],
            at[i],
            float(checked.numbers["longitude"][i]),
            float(checked.numbers["latitude"][i]),
            *(_optional(checked.numbers[k][i]) for k in ("speed_kmh", "heading_deg", "accuracy_m")),
        )
        if (fix.unit.pk, fix.at) in seen:
            result.duplicates += 1
        else:
            seen.add((fix.unit.pk, fix.at))
            fixes.append(fix)
    cells = place_points([f.lon for f in fixes], [f.lat for f in fixes])
    for fix, cell in zip(fixes, cells, strict=True):
        if cell == NOWHERE:
            result.rejected.append(
                {
                    "row": fix.row,
                    "field": "latitude",
                    "reason": "Outside every box of the jurisdiction.",
                }
            )
    placed = [(fix, int(cell)) for fix, cell in zip(fixes, cells, strict=True) if cell != NOWHERE]
    excluded = _in_excluded_areas([f.lon for f, _ in placed], [f.lat for f, _ in placed])
    with transaction.atomic():
        already = _stored_keys([fix for fix, _ in placed])
        new = [
            Position(
                unit=fix.unit,
                at=fix.at,
                location=Point(fix.lon, fix.lat, srid=4326),
                cell_id=cell,
                in_excluded_area=bool(out),
                speed_kmh=fix.speed_kmh,
                heading_deg=fix.heading_deg,
                accuracy_m=fix.accuracy_m,
                source=source,
            )
            for (fix, cell), out in zip(placed, excluded, strict=True)
            if (fix.unit.pk, fix.at) not in already
        ]
        # A batch re-sent at the same moment: the database keeps one of each (unit, time).
        Position.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
        result.stored = len(new)
        result.duplicates += len(placed) - len(new)
        rejected_rows = sorted(result.rejected, key=lambda r: r["row"])
        RejectedPosition.objects.bulk_create(
            RejectedPosition(
                received_by=actor if getattr(actor, "is_authenticated", False) else None,
                row_number=r["row"],
                field=r["field"],
                reason=r["reason"][:300],
                raw=_jsonable(records[r["row"] - 1]),
            )
            for r in rejected_rows
        )
        result.rejected = rejected_rows
        if new:
            first, last = min(p.at for p in new), max(p.at for p in new)
            transaction.on_commit(
                lambda: positions_stored.send(sender=Position, first=first, last=last)
            )
        record(
            action=Action.AVL_POSITIONS_RECEIVED,
            actor=actor,
            object_type="patrol.position",
            after={
                "received": len(records),
                "stored": result.stored,
                "duplicates": result.duplicates,
                "rejected": len(rejected_rows),
            },
        )
    return result


def measure_exposure(*, day: date, shift: Shift) -> int:
    """Recompute the minutes each unit spent in each box during one shift from its positions
    (replacing that shift's rows); returns the number of (unit, box) rows."""
    window = shift_window(date=day, shift=shift)
    start, end = window.starts_at, window.ends_at
    rules = exposure_rules()
    # Fixes just outside the window link to those inside it, as they would with no shift change.
    margin = timedelta(seconds=rules.max_gap_s)
    rows = list(
        Position.objects.filter(at__gte=start - margin, at__lte=end + margin).values_list(
            "unit_id", "at", "cell_id", "accuracy_m", "in_excluded_area"
        )
    )
    exposure = _exposure(rows, rules, start, end)
    with transaction.atomic():
        BoxExposure.objects.filter(date=day, shift=shift).delete()
        BoxExposure.objects.bulk_create(
            BoxExposure(date=day, shift=shift, unit_id=int(u), cell_id=int(c), minutes=float(m))
            for u, c, m in zip(exposure.unit, exposure.cell, exposure.minutes, strict=True)
            if m > 0
        )
    return int((exposure.minutes > 0).sum())


def shifts_between(*, start: datetime, end: datetime) -> list:
    """The shift windows that overlap [start, end] (to measure after a file import)."""
    tz = Agency.current().tz
    first = start.astimezone(tz).date() - timedelta(days=1)
    windows = shift_windows_between(first=first, last=end.astimezone(tz).date())
    return [w for w in windows if w.starts_at <= end and w.ends_at >= start]


def exposure_rules() -> ExposureRules:
    return ExposureRules(
        max_gap_s=settings.AVL_MAX_GAP_S, max_accuracy_m=settings.AVL_MAX_ACCURACY_M
    )


def intervals_in_boxes(*, start: datetime, end: datetime, cells: set[int]) -> Intervals:
    """The time units spent in the given boxes between `start` and `end` (clipped to it), under the
    same rules as `measure_exposure`: every unit that had a fix in one of the boxes, with all its
    fixes of the window, so that leaving a box and coming back counts as it should. Unit and box
    are Unit and GridCell ids."""
    rules = exposure_rules()
    margin = timedelta(seconds=rules.max_gap_s)
    window = Position.objects.filter(at__gte=start - margin, at__lte=end + margin)
    units = window.filter(cell_id__in=cells).values_list("unit_id", flat=True).distinct()
    rows = list(
        window.filter(unit_id__in=units).values_list(
            "unit_id", "at", "cell_id", "accuracy_m", "in_excluded_area"
        )
    )
    found = _intervals(rows, rules)
    lo, hi = int(start.timestamp() * 1e9), int(end.timestamp() * 1e9)
    begin, finish = np.maximum(found.start_ns, lo), np.minimum(found.end_ns, hi)
    keep = (finish > begin) & np.isin(found.cell, list(cells))
    return Intervals(found.unit[keep], found.cell[keep], begin[keep], finish[keep])


def _intervals(rows, rules: ExposureRules) -> Intervals:
    if rows:
        unit, at, cell, accuracy, excluded = zip(*rows, strict=True)
    else:
        unit, at, cell, accuracy, excluded = (), (), (), (), ()
    t_ns = np.array([int(t.timestamp() * 1e9) for t in at], dtype=np.int64)
    return box_intervals(
        np.array(unit, dtype=np.int64),
        t_ns,
        np.array([NOWHERE if c is None else c for c in cell], dtype=np.int64),
        accuracy_m=np.array([np.nan if a is None else a for a in accuracy], dtype=np.float64),
        excluded=np.array(excluded, dtype=bool),
        rules=rules,
    )


def _exposure(rows, rules: ExposureRules, start: datetime, end: datetime):
    intervals = _intervals(rows, rules)
    return minutes_by_window(
        intervals,
        np.array([int(start.timestamp() * 1e9)], dtype=np.int64),
        np.array([int(end.timestamp() * 1e9)], dtype=np.int64),
    )


def purge_positions(*, now: datetime | None = None) -> int:
    """Delete raw positions older than AVL_RETENTION_DAYS (the per-box minutes stay); says how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AVL_RETENTION_DAYS)
    removed, _ = Position.objects.filter(at__lt=cutoff).delete()
    record(
        action=Action.AVL_POSITIONS_PURGED,
        object_type="patrol.position",
        after={"removed": removed, "older_than": cutoff.isoformat()},
    )
    return removed


def _units_named(names: set[str]) -> dict[str, Unit]:
    units = Unit.objects.filter(active=True).filter(
        Q(call_sign__in=names) | Q(vehicle_id__in=names)
    )
    found = {}
    for unit in units:
        found[unit.call_sign] = unit
        if unit.vehicle_id:
            found[unit.vehicle_id] = unit
    return found


def _optional(value) -> float | None:
    return None if np.isnan(value) else float(value)


def _stored_keys(fixes: list[_Fix]) -> set[tuple[int, datetime]]:
    if not fixes:
        return set()
    times = [f.at for f in fixes]
    stored = Position.objects.filter(
        unit__in={f.unit.pk for f in fixes}, at__gte=min(times), at__lte=max(times)
    ).values_list("unit_id", "at")
    return set(stored)


def _in_excluded_areas(lon: list[float], lat: list[float]) -> np.ndarray:
    areas = [
        shapely.from_wkb(bytes(a.wkb)) for a in ExcludedArea.objects.values_list("area", flat=True)
    ]
    if not areas or not lon:
        return np.zeros(len(lon), dtype=bool)
    points = shapely.points(np.column_stack([lon, lat]))
    return np.any([shapely.contains(area, points) for area in areas], axis=0)


def _jsonable(raw) -> dict:
    return raw if isinstance(raw, dict) else {"value": str(raw)[:200]}
