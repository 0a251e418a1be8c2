"""Every write of measured patrol: positions in (placed on arrival), minutes per box measured from
them, and the purge of old positions. One write path each; the push API and the officer page call
`receive_positions`, the periodic task calls `measure_exposure` and `purge_positions`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import shapely
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import IntegrityError, connection, transaction
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

from . import pg_binary
from .avl_rules import FIX_COLUMNS, CheckedFixes, check_fixes
from .models import BoxExposure, ExcludedArea, Position, RejectedPosition, Unit
from .signals import positions_stored

BATCH_MAX = 5000
OPTIONAL_NUMBERS = ("speed_kmh", "heading_deg", "accuracy_m")


@dataclass
class Received:
    """What became of a batch: stored fixes, fixes already stored (re-sent), and rejections."""

    stored: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)


def receive_positions(*, records: list[dict], actor, source: str = Position.Source.AVL) -> Received:
    """Validate, place and store a batch of fixes; a fix already stored (same unit and time) is
    counted as a duplicate, not stored twice. Each refused fix is kept with its row and reason."""
    if len(records) > BATCH_MAX:
        raise ValueError(
            f"A batch holds at most {BATCH_MAX} positions; this one has {len(records)}."
        )
    result = Received()
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
        {key: [raw.get(key) for _, raw in objects] for key in FIX_COLUMNS}, dtype=object
    )
    rows = np.array([row for row, _ in objects], dtype=np.int64)
    units = _units_named(set(frame["unit"].dropna().astype(str).str.strip()))
    checked = check_fixes(
        frame,
        unit_ids=units,
        tz=Agency.current().tz,
        latest=timezone.now() + timedelta(seconds=settings.AVL_FUTURE_SKEW_S),
    )
    table, twice = fixes_table(checked)
    result.duplicates += int(twice.sum())
    for i in np.flatnonzero(~checked.ok):
        result.rejected.append(
            {"row": int(rows[i]), "field": checked.field[i], "reason": checked.reason[i]}
        )
    with transaction.atomic():
        stored = store_fixes(table, source=source)
        # A fix already stored (re-sent, or a batch sent twice at once): the database keeps one.
        result.stored = stored
        result.duplicates += len(table) - stored
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
        if stored:
            first, last = table["at"].min().to_pydatetime(), table["at"].max().to_pydatetime()
            transaction.on_commit(
                lambda: positions_stored.send(sender=Position, first=first, last=last)
            )
    return result


def fixes_table(checked: CheckedFixes) -> tuple[pd.DataFrame, np.ndarray]:
    """The fixes that passed the rules, placed on the grid (geo.placement, whole arrays) and
    flagged inside excluded areas, as a table for `store_fixes`; a fix outside every box is
    refused (its `ok` turned off, its field and reason set, in `checked`). Also returns which rows
    repeat an earlier row's unit and time (duplicates, not stored)."""
    ok = checked.ok
    lon, lat = checked.numbers["longitude"], checked.numbers["latitude"]
    cell = np.full(ok.size, NOWHERE, dtype=np.int64)
    if ok.any():
        cell[ok] = place_points(lon[ok], lat[ok])
    outside = ok & (cell == NOWHERE)
    checked.field[outside] = "latitude"
    checked.reason[outside] = "Outside every box of the jurisdiction."
    ok &= ~outside
    twice = np.zeros(ok.size, dtype=bool)
    at_ns = checked.at.to_numpy(dtype="datetime64[ns]").view(np.int64)  # NaT only where refused
    if ok.any():
        keys = pd.DataFrame({"u": checked.unit_id[ok], "t": at_ns[ok]})
        twice[np.flatnonzero(ok)[keys.duplicated().to_numpy()]] = True
    keep = ok & ~twice
    excluded = np.zeros(ok.size, dtype=bool)
    if keep.any():
        excluded[keep] = in_excluded_areas(lon[keep], lat[keep])
    table = pd.DataFrame(
        {
            "unit_id": checked.unit_id[keep],
            "at": checked.at.iloc[np.flatnonzero(keep)].reset_index(drop=True),
            "lon": lon[keep],
            "lat": lat[keep],
            "cell_id": cell[keep],
            "excluded": excluded[keep],
            "speed_kmh": checked.numbers["speed_kmh"][keep],
            "heading_deg": checked.numbers["heading_deg"][keep],
            "accuracy_m": checked.numbers["accuracy_m"][keep],
        }
    )
    return table, twice


def store_fixes(table: pd.DataFrame, *, source: str = Position.Source.AVL) -> int:
    """Insert placed fixes (a `fixes_table`); those already stored (same unit and time) stay as
    they are. PostgreSQL: COPY into a temporary table, then one INSERT … ON CONFLICT DO NOTHING
    (no Python per row); a large batch none of whose units has a stored fix within its span of
    time is COPYed straight into the table. Returns how many were new."""
    if not len(table):
        return 0
    if connection.vendor != "postgresql":  # SpatiaLite: the ORM's bulk insert
        before = Position.objects.count()
        Position.objects.bulk_create(
            (
                Position(
                    unit_id=int(r.unit_id),
                    at=pd.Timestamp(r.at).to_pydatetime(),
                    location=Point(float(r.lon), float(r.lat), srid=4326),
                    cell_id=int(r.cell_id),
                    in_excluded_area=bool(r.excluded),
                    speed_kmh=_optional(r.speed_kmh),
                    heading_deg=_optional(r.heading_deg),
                    accuracy_m=_optional(r.accuracy_m),
                    source=source,
                )
                for r in table.itertuples()
            ),
            ignore_conflicts=True,
            batch_size=2000,
        )
        return Position.objects.count() - before
    with connection.cursor() as cursor:
        if len(table) >= DIRECT_COPY_ROWS and not _any_stored_in_span(cursor, table):
            # A backfill of times not yet stored: COPY straight into the table, without the
            # temporary table and the INSERT … ON CONFLICT (a fifth to a third of the database's
            # work; bench/RESULTS.md, "AVL backfill"). A fix pushed meanwhile for the same unit
            # and time fails it: that chunk then goes the way below.
            try:
                with transaction.atomic():
                    _copy_into_positions(cursor, table, source)
                return len(table)
            except (IntegrityError, psycopg.IntegrityError):
                pass
        data = pg_binary.encode(
            [
                ("int8", table["unit_id"].to_numpy()),
                ("timestamptz", table["at"].to_numpy(dtype="datetime64[ns]").view(np.int64)),
                ("float8", table["lon"].to_numpy()),
                ("float8", table["lat"].to_numpy()),
                ("int8", table["cell_id"].to_numpy()),
                ("bool", table["excluded"].to_numpy()),
                *(("float8", table[name].to_numpy()) for name in OPTIONAL_NUMBERS),
            ]
        )
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS avl_in (unit_id bigint, at timestamptz, lon float8, "
            "lat float8, cell_id bigint, excluded boolean, speed_kmh float8, heading_deg float8, "
            "accuracy_m float8) ON COMMIT DELETE ROWS"
        )
        with cursor.cursor.copy("COPY avl_in FROM STDIN WITH (FORMAT binary)") as copy:
            for start in range(0, len(data), 1 << 24):
                copy.write(data[start : start + (1 << 24)])
        # A missing number travels as NaN (binary rows have fixed widths): stored as NULL.
        cursor.execute(
            f"INSERT INTO {Position._meta.db_table} (unit_id, at, location, cell_id, "  # noqa: S608
            "in_excluded_area, speed_kmh, heading_deg, accuracy_m, source, received_at) "
            "SELECT unit_id, at, ST_SetSRID(ST_MakePoint(lon, lat), 4326), cell_id, excluded, "
            "NULLIF(speed_kmh, 'NaN'), NULLIF(heading_deg, 'NaN'), NULLIF(accuracy_m, 'NaN'), "
            "%s, now() FROM avl_in ON CONFLICT (unit_id, at) DO NOTHING",
            [source],
        )
        stored = cursor.rowcount
        cursor.execute("TRUNCATE avl_in")  # ON COMMIT DELETE ROWS too; here for a long transaction
        return stored


# Batches from this size first look for stored fixes in their span (one index probe per unit).
DIRECT_COPY_ROWS = 10_000


def _any_stored_in_span(cursor, table: pd.DataFrame) -> bool:
    """Whether a stored fix of a unit of `table` lies between that unit's first and last time there."""
    span = table.groupby("unit_id")["at"].agg(["min", "max"])
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) "  # noqa: S608
        f"AS span (unit_id, lo, hi) WHERE EXISTS (SELECT 1 FROM {Position._meta.db_table} AS p "
        "WHERE p.unit_id = span.unit_id AND p.at BETWEEN span.lo AND span.hi))",
        [
            span.index.tolist(),
            [t.to_pydatetime() for t in span["min"]],
            [t.to_pydatetime() for t in span["max"]],
        ],
    )
    return bool(cursor.fetchone()[0])


def _copy_into_positions(cursor, table: pd.DataFrame, source: str) -> None:
    """The fixes COPYed into the positions table (location as EWKB, missing numbers as NULL)."""
    now = _ns(timezone.now())
    data = pg_binary.encode(
        [
            ("int8", table["unit_id"].to_numpy()),
            ("timestamptz", table["at"].to_numpy(dtype="datetime64[ns]").view(np.int64)),
            (pg_binary.POINT, table[["lon", "lat"]].to_numpy(dtype=np.float64)),
            ("int8", table["cell_id"].to_numpy()),
            ("bool", table["excluded"].to_numpy()),
            *((pg_binary.NULLABLE, table[name].to_numpy()) for name in OPTIONAL_NUMBERS),
            (pg_binary.TEXT, str(source).encode()),
            ("timestamptz", np.full(len(table), now, dtype=np.int64)),
        ]
    )
    with cursor.cursor.copy(
        f"COPY {Position._meta.db_table} (unit_id, at, location, cell_id, in_excluded_area, "
        "speed_kmh, heading_deg, accuracy_m, source, received_at) FROM STDIN WITH (FORMAT binary)"
    ) as copy:
        for start in range(0, len(data), 1 << 24):
            copy.write(data[start : start + (1 << 24)])


def measure_exposure(*, day: date, shift: Shift) -> int:
    """Recompute the minutes each unit spent in each box during one shift from its positions
    (replacing that shift's rows); returns the number of (unit, box) rows."""
    return measure_exposure_windows([shift_window(date=day, shift=shift)])


# Shift windows measured together (one read of their positions): a day's worth bounds the memory.
MEASURE_SPAN = timedelta(days=1)


def measure_exposure_windows(
    windows: list, *, progress: Callable[[int, int], None] | None = None
) -> int:
    """`measure_exposure` for many shift windows (e.g. a backfilled file's), reading each day's
    positions once and turning them into intervals with numpy over the whole arrays; returns the
    number of (unit, box, shift) rows. `progress(windows measured, windows)` after each day."""
    rules = exposure_rules()
    # Fixes just outside a window link to those inside it, as they would with no shift change.
    margin = timedelta(seconds=rules.max_gap_s)
    windows = sorted(windows, key=lambda w: w.starts_at)
    total, rows = len(windows), 0
    while windows:
        first = windows[0].starts_at
        group = [w for w in windows if w.starts_at < first + MEASURE_SPAN]
        windows = windows[len(group) :]
        start, end = first - margin, max(w.ends_at for w in group) + margin
        intervals = box_intervals(**_fixes_between(start, end), rules=rules)
        exposure = minutes_by_window(
            intervals,
            np.array([_ns(w.starts_at) for w in group], dtype=np.int64),
            np.array([_ns(w.ends_at) for w in group], dtype=np.int64),
        )
        rows += _replace_exposure(group, exposure)
        if progress:
            progress(total - len(windows), total)
    return rows


def _replace_exposure(windows: list, exposure) -> int:
    """The windows' BoxExposure rows replaced by `exposure` (its `window` indexes `windows`)."""
    kept = exposure.minutes > 0
    unit, cell, minutes = exposure.unit[kept], exposure.cell[kept], exposure.minutes[kept]
    window = exposure.window[kept]
    days = np.array([w.date for w in windows], dtype="datetime64[D]")[window]
    shifts = np.array([w.shift.pk for w in windows], dtype=np.int64)[window]
    keys = Q()
    for w in windows:
        keys |= Q(date=w.date, shift=w.shift)
    with transaction.atomic():
        BoxExposure.objects.filter(keys).delete()
        if connection.vendor != "postgresql":  # SpatiaLite: the ORM's bulk insert
            BoxExposure.objects.bulk_create(
                BoxExposure(
                    date=d.item(), shift_id=int(s), unit_id=int(u), cell_id=int(c), minutes=m
                )
                for d, s, u, c, m in zip(days, shifts, unit, cell, minutes.tolist(), strict=True)
            )
            return int(kept.sum())
        now = np.full(unit.size, _ns(timezone.now()), dtype=np.int64)
        data = pg_binary.encode(
            [
                ("date", days),
                ("int8", shifts),
                ("int8", cell),
                ("int8", unit),
                ("float8", minutes),
                ("timestamptz", now),
            ]
        )
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {BoxExposure._meta.db_table} (date, shift_id, cell_id, unit_id, minutes, "
                "measured_at) FROM STDIN WITH (FORMAT binary)"
            ) as copy,
        ):
            copy.write(data)
    return int(kept.sum())


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
    found = box_intervals(
        **_fixes_between(start - margin, end + margin, in_cells=cells), rules=rules
    )
    lo, hi = _ns(start), _ns(end)
    begin, finish = np.maximum(found.start_ns, lo), np.minimum(found.end_ns, hi)
    keep = (finish > begin) & np.isin(found.cell, list(cells))
    return Intervals(found.unit[keep], found.cell[keep], begin[keep], finish[keep])


FIX_ARRAYS = ["int8", "timestamptz", "int8", "float8", "bool"]


def _fixes_between(start: datetime, end: datetime, *, in_cells: set[int] | None = None):
    """Stored fixes with `start <= at <= end` as the arrays `box_intervals` takes, by name: unit,
    time (ns), box (NOWHERE for none), accuracy (NaN: not reported) and excluded-area flag.
    With `in_cells`, only the units that had a fix in one of those boxes in that time (all their
    fixes). PostgreSQL: binary records aggregated in the server, read into numpy (no Python per
    fix); SpatiaLite: the ORM's rows."""
    if connection.vendor != "postgresql":
        window = Position.objects.filter(at__gte=start, at__lte=end)
        if in_cells is not None:
            units = window.filter(cell_id__in=in_cells).values_list("unit_id", flat=True)
            window = window.filter(unit_id__in=units.distinct())
        rows = list(
            window.values_list("unit_id", "at", "cell_id", "accuracy_m", "in_excluded_area")
        )
        unit, at, cell, accuracy, excluded = zip(*rows, strict=True) if rows else ([],) * 5
        columns = [
            np.array(unit, dtype=np.int64),
            np.array([_ns(t) for t in at], dtype=np.int64),
            np.array([NOWHERE if c is None else c for c in cell], dtype=np.int64),
            np.array([np.nan if a is None else a for a in accuracy], dtype=np.float64),
            np.array(excluded, dtype=bool),
        ]
    else:
        # A bytea of fixed-width binary records per unit (under PostgreSQL's 1 GB a value, and a
        # few rows), aggregated in the server and read with one np.frombuffer: a row-by-row fetch
        # or a COPY TO costs microseconds of Python per fix.
        table = Position._meta.db_table
        query = (
            "SELECT string_agg(int8send(unit_id) || timestamptz_send(at) || "  # noqa: S608
            f"int8send(coalesce(cell_id, {NOWHERE})) || "
            "float8send(coalesce(accuracy_m, 'NaN')) || boolsend(in_excluded_area), '') "
            f"FROM {table} WHERE at >= %(start)s AND at <= %(end)s "
            # The units still there: a unit deleted while its fixes came in has no minutes.
            f"AND unit_id IN (SELECT id FROM {Unit._meta.db_table})"
        )
        if in_cells is not None:
            query += (
                f" AND unit_id IN (SELECT DISTINCT unit_id FROM {table} WHERE at >= %(start)s"  # noqa: S608
                " AND at <= %(end)s AND cell_id = ANY(%(cells)s))"
            )
        params: dict[str, Any] = {"start": start, "end": end, "cells": sorted(in_cells or ())}
        with connection.cursor() as cursor:
            cursor.execute(query + " GROUP BY unit_id", params)
            data = b"".join(bytes(records) for (records,) in cursor.fetchall())
        columns = pg_binary.records(data, FIX_ARRAYS)
    return dict(zip(["unit", "t_ns", "cell", "accuracy_m", "excluded"], columns, strict=True))


def _ns(at: datetime) -> int:
    """An aware instant as int64 nanoseconds since the Unix epoch (exact: no float on the way)."""
    return ((at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)) * 1000


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


def _units_named(names: set[str]) -> dict[str, int]:
    """Unit ids by call sign and by vehicle id, for the names given."""
    found: dict[str, int] = {}
    names = {name for name in names if "\x00" not in name}  # no call sign has one (SQL refuses it)
    if connection.vendor == "postgresql":
        # One array parameter per column: the ORM's IN list gives a batch of 500 names 1,000
        # placeholders, which the client-side binding splits and adapts one by one (~15 ms).
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, call_sign, vehicle_id FROM {Unit._meta.db_table} "  # noqa: S608
                "WHERE active AND (call_sign = ANY(%s) OR vehicle_id = ANY(%s))",
                [sorted(names), sorted(names)],
            )
            rows = cursor.fetchall()
    else:
        rows = (
            Unit.objects.filter(active=True)
            .filter(Q(call_sign__in=names) | Q(vehicle_id__in=names))
            .values_list("pk", "call_sign", "vehicle_id")
        )
    for pk, call_sign, vehicle_id in rows:
        found[call_sign] = pk
        if vehicle_id:
            found[vehicle_id] = pk
    return found


def _optional(value) -> float | None:
    return None if np.isnan(value) else float(value)


def in_excluded_areas(lon, lat) -> np.ndarray:
    areas = [
        shapely.from_wkb(bytes(a.wkb)) for a in ExcludedArea.objects.values_list("area", flat=True)
    ]
    if not areas or not len(lon):
        return np.zeros(len(lon), dtype=bool)
    points = shapely.points(np.column_stack([lon, lat]))
    return np.any([shapely.contains(area, points) for area in areas], axis=0)


def _jsonable(raw) -> dict:
    """The fix as sent, for the rejected row's `raw` (a JSONB column refuses the NUL character)."""
    return _without_nul(raw) if isinstance(raw, dict) else {"value": _without_nul(str(raw)[:200])}


def _without_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(str(k)): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value
