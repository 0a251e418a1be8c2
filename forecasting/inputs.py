"""Engine inputs read from the database: the grid of active cells, incidents of enabled crime
types, risk-terrain layers, shifts (start and duration), holidays and time zone. Reads only; no writes here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from django.conf import settings

from agency.models import Agency, CrimeType, District, Shift
from geo.models import GridCell
from ingest.models import CalendarEvent, RiskLayerPoint
from ingest.selectors import counted_incidents
from missions.models import Visit  # the one upward read by design: patrol exposure (ADR 0010)
from patrol.selectors import box_minutes

from .engine.activity import cells_near, event_attendance, patrol_minutes
from .engine.events import EventTable, prepare_events
from .engine.grid import Grid
from .engine.history import build_history
from .engine.pipeline import CachedFeatureContext

# Days of incident history behind a training run or a forecast: a year of training rows, a month
# of calibration, a year of look-back for their features, and room for the back-test.
HISTORY_DAYS_DEFAULT = 800
ZERO_INCIDENTS_MESSAGE = (
    "No incidents of enabled crime types in the history window: import incidents first."
)


class InputsError(ValueError):
    """The database does not hold what the engine needs (no grid, no shifts, no incidents)."""


@dataclass(eq=False)
class EngineInputs:
    ctx: CachedFeatureContext
    events: EventTable
    cell_pks: np.ndarray  # GridCell primary key per engine cell (same order as the engine grid)
    crime_types: dict  # code -> CrimeType (enabled ones, in name order)
    shifts: list  # Shift rows in start-time order; position = engine shift_index
    tz: str
    history_start: dt.date

    @property
    def grid(self) -> Grid:
        return self.ctx.history.grid

    def shift_index(self, shift: Shift) -> int:
        return [s.pk for s in self.shifts].index(shift.pk)

    def bin_of(self, day: dt.date, shift: Shift) -> int:
        """Index of the bin of `shift` starting on local `day`."""
        bins = self.ctx.history.bins
        hit = np.flatnonzero(
            (bins["date"].to_numpy() == day)
            & (bins["shift_index"].to_numpy() == self.shift_index(shift))
        )
        if not len(hit):
            raise InputsError(f"{day} {shift.name} is outside the history's shifts")
        return int(hit[0])


def history_days() -> int:
    return int(getattr(settings, "FORECAST_HISTORY_DAYS", HISTORY_DAYS_DEFAULT))


def patrolled_row_weight() -> float:
    """Weight of training rows in boxes patrolled during the shift (1 = as any row, 0 = left out)."""
    return float(getattr(settings, "FORECAST_PATROLLED_ROW_WEIGHT", 1.0))


def load_inputs(*, anchor: dt.date, end: dt.date, days: int | None = None) -> EngineInputs:
    """Everything the engine needs for shifts up to local date `end` (exclusive), with history
    starting `days` before `anchor` (the day training runs, or the forecast shift's day)."""
    agency = Agency.current()
    tz = agency.timezone
    shifts = list(Shift.objects.order_by("start_time", "pk"))
    if not shifts:
        raise InputsError("No shifts are configured: add shifts in the admin first.")
    grid, cell_pks = load_grid()
    crime_types = {ct.code: ct for ct in CrimeType.objects.filter(enabled=True).order_by("name")}
    if not crime_types:
        raise InputsError("No crime type is enabled.")
    start = anchor - dt.timedelta(days=days or history_days())
    events = load_events(crime_types, start=start, end=end, tz=tz)
    history = build_history(
        events,
        grid,
        start_date=start,
        end_date=end,
        shift_starts=[s.shift_time for s in shifts],
        tz=tz,
    )
    ctx = CachedFeatureContext(
        history,
        layers=load_layers(),
        country=agency.country or None,
        subdivision=agency.subdivision or None,
        # Always given (zeros when there is none yet), so models trained before the first mission or
        # event still find every feature they were trained with.
        exposure=load_patrol_minutes(grid, cell_pks, history.bins, [s.pk for s in shifts]),
        event_load=load_event_attendance(grid, history.bins),
        patrolled_row_weight=patrolled_row_weight(),
    )
    return EngineInputs(ctx, events, cell_pks, crime_types, shifts, tz, start)


def load_grid() -> tuple[Grid, np.ndarray]:
    """The engine's Grid rebuilt from the active cells (no geometry work: ids are positions)."""
    rows = list(
        GridCell.objects.filter(active=True)
        .order_by("row", "col")
        .values_list("pk", "col", "row", "cell_size_m", "epsg", "center", "district_id", "beat_id")
    )
    if not rows:
        raise InputsError("The grid is empty: build the grid first (manage.py build_grid).")
    sizes = {(r[3], r[4]) for r in rows}
    if len(sizes) > 1:
        raise InputsError(
            f"Active cells mix sizes or projections {sorted(sizes)}: rebuild the grid."
        )
    size, epsg = sizes.pop()
    districts = list(District.objects.order_by("code").values_list("pk", "code"))
    d_index = {pk: i for i, (pk, _) in enumerate(districts)}
    beat_ids = sorted({r[7] for r in rows if r[7] is not None})
    b_index = {pk: i for i, pk in enumerate(beat_ids)}
    col = np.array([r[1] for r in rows], dtype=np.int64)
    row = np.array([r[2] for r in rows], dtype=np.int64)
    grid = Grid(
        epsg=int(epsg),
        cell_size=float(size),
        col=col,
        row=row,
        center_x=(col + 0.5) * size,
        center_y=(row + 0.5) * size,
        center_lon=np.array([r[5].x for r in rows], dtype=float),
        center_lat=np.array([r[5].y for r in rows], dtype=float),
        district=np.array([d_index.get(r[6], -1) for r in rows], dtype=np.int64),
        beat=np.array([b_index.get(r[7], -1) for r in rows], dtype=np.int64),
        district_names=tuple(code for _, code in districts),
        beat_names=tuple(str(pk) for pk in beat_ids),
    )
    return grid, np.array([r[0] for r in rows], dtype=np.int64)


def load_events(crime_types: dict, *, start: dt.date, end: dt.date, tz: str) -> EventTable:
    """Incidents of the enabled types in local days [start, end) as an engine EventTable.

    Which incidents count (mapped, in an active box, the officer-initiated rule per type, a
    from/to range that reaches into the days) is `ingest.selectors.counted_incidents`' rule, the
    same every report counts by; the engine then spreads a range's weight over its shifts.
    """
    zone = ZoneInfo(tz)
    since = dt.datetime.combine(start, dt.time(), zone)
    until = dt.datetime.combine(end, dt.time(), zone)
    qs = (
        counted_incidents(since, until, crime_types=crime_types)
        .order_by("pk")
        .values_list(
            "pk",
            "occurred_from",
            "occurred_to",
            "location",
            "crime_type__code",
            "officer_initiated",
        )
    )
    rows = list(qs)
    if not rows:
        raise InputsError(ZERO_INCIDENTS_MESSAGE)
    pk, t_from, t_to, loc, code, officer = zip(*rows, strict=True)
    raw = pd.DataFrame(
        {
            "id": [str(p) for p in pk],
            "occurred_at": [t.isoformat() for t in t_from],
            "occurred_to": [t.isoformat() if t else "" for t in t_to],
            "longitude": [p.x for p in loc],
            "latitude": [p.y for p in loc],
            "category": list(code),
            "officer_initiated": list(officer),
        }
    )
    return prepare_events(raw, tz)


def load_patrol_minutes(
    grid: Grid, cell_pks: np.ndarray, bins: pd.DataFrame, shift_pks: list[int]
) -> np.ndarray:
    """Minutes patrol spent in each box per shift bin: measured by AVL (patrol.BoxExposure, every
    unit) in the bins that have any measured exposure, from mission visits in the bins that have
    none (before the agency's AVL feed, or a shift it missed) — docs/adr/0024, Readers.

    `shift_pks[i]` is the Shift of the bins' `shift_index` i."""
    first, last = bins["start"].iloc[0], bins["end"].iloc[-1]
    out = np.zeros((len(grid), len(bins)), dtype=np.float32)
    rows = list(
        Visit.objects.filter(started_at__lt=last, ended_at__gt=first).values_list(
            "mission__cell_id", "started_at", "ended_at"
        )
    )
    position = {int(pk): i for i, pk in enumerate(cell_pks)}
    if rows:
        cells, starts, ends = zip(*rows, strict=True)
        index = np.array([position.get(pk, -1) for pk in cells], dtype=np.int64)
        out = patrol_minutes(
            grid,
            bins,
            index,
            pd.to_datetime(list(starts), utc=True),
            pd.to_datetime(list(ends), utc=True),
        )
    dates = list(bins["date"])
    measured = box_minutes(date_from=min(dates), date_to=max(dates))
    if not measured:
        return out
    bin_of = {
        (day, shift_pks[int(k)]): b
        for b, (day, k) in enumerate(zip(dates, bins["shift_index"], strict=True))
    }
    for key, cells_minutes in measured.items():
        b = bin_of.get(key)
        if b is None:
            continue
        out[:, b] = 0.0  # measured: the visits of this shift are not counted again
        for cell_pk, minutes in cells_minutes.items():
            i = position.get(cell_pk)
            if i is not None:
                out[i, b] += minutes
    return out


def load_event_attendance(grid: Grid, bins: pd.DataFrame) -> np.ndarray:
    """Expected attendance of planned events (ingest's calendar) around each box per shift bin;
    an event without a venue is spread over its district."""
    first, last = bins["start"].iloc[0], bins["end"].iloc[-1]
    events = list(
        CalendarEvent.objects.filter(starts_at__lt=last, ends_at__gt=first)
        .select_related("district")
        .order_by("starts_at", "pk")
    )
    district_position = {code: i for i, code in enumerate(grid.district_names)}
    masks, attendance, starts, ends = [], [], [], []
    for event in events:
        if event.location is not None:
            mask = cells_near(grid, event.location.x, event.location.y)
        elif event.district is not None:
            mask = grid.district == district_position.get(event.district.code, -2)
        else:
            continue
        masks.append(mask)
        attendance.append(float(event.expected_attendance or 0))
        starts.append(event.starts_at)
        ends.append(event.ends_at)
    return event_attendance(
        grid,
        bins,
        start_utc=pd.to_datetime(starts, utc=True),
        end_utc=pd.to_datetime(ends, utc=True),
        cell_masks=masks,
        attendance=np.array(attendance),
    )


def load_layers() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    by_layer: dict[str, list] = {}
    for name, location in RiskLayerPoint.objects.values_list("layer__name", "location").order_by(
        "layer__name", "pk"
    ):
        by_layer.setdefault(name, []).append((location.x, location.y))
    return {
        name: (np.array([p[0] for p in pts]), np.array([p[1] for p in pts]))
        for name, pts in by_layer.items()
    }
