"""Reads for the concentration and fairness report: patrol exposure (mission minutes) per district
and beat against crime, area and residents; concentration of missions over boxes and weeks; the
forecast's capture of incidents per district. Numbers come from oversight.stats."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, datetime, time, timedelta
from datetime import date as Date

import numpy as np
from django.db.models import F, Sum, Window
from django.db.models.functions import RowNumber

from agency.models import Agency, Shift
from forecasting.models import CellForecast, ForecastRun
from missions.reports import dose_by_mission
from patrol.models import BoxExposure

from . import stats
from .cells import Cells, load_cells, place_incidents, residents_per_cell

CAPTURE_TOP_SHARE = 0.05  # the forecast's "top boxes": 5 % of boxes per shift
WEEK_DAYS = 7


def period_bounds(date_from: Date, date_to: Date) -> tuple[datetime, datetime]:
    """Local midnight starting `date_from` to local midnight after `date_to`, in UTC."""
    tz = Agency.current().tz
    start = datetime.combine(date_from, time(), tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time(), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def concentration_report(*, date_from: Date, date_to: Date, now: datetime | None = None) -> dict:
    """Everything the report page, its CSV and the public page show, for one period."""
    cells = load_cells()
    missions = _missions(cells, date_from=date_from, date_to=date_to, now=now)
    start, end = period_bounds(date_from, date_to)
    incidents = place_incidents(cells, start, end)
    crime = np.bincount(incidents.cell, minlength=len(cells)).astype(float)
    residents = residents_per_cell(cells)
    return {
        "date_from": date_from,
        "date_to": date_to,
        "boxes": len(cells),
        "missions": int(missions["count"].sum()),
        "minutes": round(float(missions["minutes"].sum()), 1),
        "incidents": int(crime.sum()),
        "has_population": residents is not None,
        "districts": _exposure(cells.district, cells, missions, crime, residents),
        "beats": _exposure(cells.beat, cells, missions, crime, residents),
        "concentration": _concentration(cells, missions, date_from, date_to),
        "weekly": _weekly(cells, missions, date_from, date_to),
        "capture": forecast_capture(cells=cells, date_from=date_from, date_to=date_to),
    }


def exposure_by_district_month(
    *, date_from: Date, date_to: Date, now: datetime | None = None
) -> list[dict]:
    """Mission minutes, missions and incidents per district and calendar month (the public grain)."""
    cells = load_cells()
    out = []
    month = date_from.replace(day=1)
    while month <= date_to:
        following = (month + timedelta(days=32)).replace(day=1)
        lo, hi = max(month, date_from), min(following - timedelta(days=1), date_to)
        missions = _missions(cells, date_from=lo, date_to=hi, now=now)
        crime = np.bincount(
            place_incidents(cells, *period_bounds(lo, hi)).cell, minlength=len(cells)
        ).astype(float)
        measured = per_district(cells.district, measured_minutes_per_cell(cells, lo, hi))
        for row in _exposure(cells.district, cells, missions, crime, None):
            out.append(
                {
                    "month": month.strftime("%Y-%m"),
                    **row,
                    "measured_minutes": round(measured.get(row["name"], 0.0), 1),
                }
            )
        month = following
    return out


def measured_minutes_per_cell(cells: Cells, date_from: Date, date_to: Date) -> np.ndarray:
    """Patrol minutes measured from vehicle positions (patrol.BoxExposure, every unit and shift
    starting in the period) per box."""
    out = np.zeros(len(cells))
    index = cells.index_of_pk
    for cell_pk, minutes in (
        BoxExposure.objects.filter(date__range=(date_from, date_to))
        .values_list("cell_id")
        .annotate(total=Sum("minutes"))
        .order_by()
    ):
        i = index.get(cell_pk)
        if i is not None:
            out[i] += minutes
    return out


def per_district(labels: np.ndarray, values: np.ndarray) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for label, value in zip(labels, values, strict=True):
        out[str(label)] += float(value)
    return dict(out)


def forecast_capture(
    *,
    cells: Cells | None = None,
    date_from: Date,
    date_to: Date,
    top_share: float = CAPTURE_TOP_SHARE,
) -> dict:
    """Share of each district's incidents that fell in the forecast's top boxes of their shift:
    if it is much lower in one district, the forecast serves that district worse."""
    cells = cells or load_cells()
    runs = {}
    for run in ForecastRun.objects.filter(date__range=(date_from, date_to), complete=True).order_by(
        "created_at", "pk"
    ):
        runs[(run.date, run.shift_id)] = run  # the newest run of each shift
    result = {"top_share": top_share, "shifts": len(runs), "districts": {}, "overall": None}
    if not runs or not len(cells):
        return result
    index = cells.index_of_pk
    k = max(1, math.ceil(top_share * len(cells)))
    # Only each run's top k boxes leave the database (ranked there), not runs × boxes rows.
    top_by_run = defaultdict(list)
    ranked = (
        CellForecast.objects.filter(
            run__in=[r.pk for r in runs.values()], cell__active=True, cell__beat__isnull=False
        )
        .values("run_id", "cell_id")
        .annotate(total=Sum("expected_count"))
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("run_id")], order_by=[F("total").desc(), F("cell_id")]
            )
        )
        .filter(rank__lte=k)
        .values_list("run_id", "cell_id")
    )
    for run_pk, cell_pk in ranked:
        top_by_run[run_pk].append(index[cell_pk])
    start = min(r.starts_at for r in runs.values())
    end = max(r.ends_at for r in runs.values())
    incidents = place_incidents(cells, start, end)
    groups, hits = [], []
    for run in runs.values():
        top = np.zeros(len(cells), dtype=bool)
        top[top_by_run[run.pk]] = True
        inside = incidents.cell[incidents.between(run.starts_at, run.ends_at)]
        groups += list(cells.district[inside])
        hits += list(top[inside])
    result["districts"] = stats.capture_by_group(groups, hits)
    result["overall"] = sum(hits) / len(hits) if hits else None
    return result


def report_csv_rows(report: dict):
    """The report as CSV rows: exposure per district and beat, then the concentration figures."""
    yield [
        "level",
        "name",
        "missions",
        "minutes",
        "incidents",
        "boxes",
        "residents",
        "minute_share",
        "crime_share",
        "area_share",
        "exposure_to_crime",
        "minutes_per_1000_residents",
    ]
    for level in ("districts", "beats"):
        for r in report[level]:
            yield [
                level[:-1],
                r["name"],
                r["missions"],
                round(r["minutes"], 1),
                r["incidents"],
                r["boxes"],
                _blank(r["residents"]),
                _fmt(r["minute_share"]),
                _fmt(r["crime_share"]),
                _fmt(r["area_share"]),
                _fmt(r["exposure_to_crime"]),
                _fmt(r["minutes_per_1000_residents"]),
            ]
    yield []
    yield ["figure", "value"]
    for key, value in report["concentration"].items():
        yield [key, _blank(value)]
    for name, row in report["capture"]["districts"].items():
        yield [f"forecast_capture_{name}", _fmt(row["share"])]


# --- helpers ---------------------------------------------------------------------------------------


def _missions(cells: Cells, *, date_from: Date, date_to: Date, now) -> dict:
    """Per box: missions and minutes served; per mission: box, shift number and week number."""
    index = {cid: i for i, cid in enumerate(cells.cell_id)}
    position = {s.name: i for i, s in enumerate(Shift.objects.order_by("order", "start_time"))}
    per_day = max(len(position), 1)
    count, minutes = np.zeros(len(cells)), np.zeros(len(cells))
    rows = []
    for m in dose_by_mission(date_from=date_from, date_to=date_to, now=now):
        i = index.get(m["cell_id"])
        if i is None:
            continue
        day = (Date.fromisoformat(m["date"]) - date_from).days
        count[i] += 1
        minutes[i] += m["minutes_in_box"]
        rows.append(
            (i, day * per_day + position.get(m["shift"], 0), day // WEEK_DAYS, m["minutes_in_box"])
        )
    return {"count": count, "minutes": minutes, "rows": rows}


def _exposure(
    labels: np.ndarray, cells: Cells, missions: dict, crime: np.ndarray, residents
) -> list[dict]:
    names = sorted(set(labels))
    if not names:
        return []
    at = {n: i for i, n in enumerate(names)}
    group = np.array([at[v] for v in labels], dtype=np.int64)

    def per(values):
        return np.bincount(group, weights=values, minlength=len(names))

    rows = stats.exposure_table(
        names,
        minutes=per(missions["minutes"]),
        missions=per(missions["count"]).astype(int),
        incidents=per(crime).astype(int),
        boxes=np.bincount(group, minlength=len(names)),
        residents=None if residents is None else per(residents),
    )
    return [asdict(r) for r in rows]


def _concentration(cells: Cells, missions: dict, date_from: Date, date_to: Date) -> dict:
    shifts_by_box, weeks_by_box = defaultdict(list), defaultdict(set)
    for i, shift_no, week, _ in missions["rows"]:
        shifts_by_box[i].append(shift_no)
        weeks_by_box[i].add(week)
    full_weeks = ((date_to - date_from).days + 1) // WEEK_DAYS
    streaks = {i: stats.longest_run(s) for i, s in shifts_by_box.items()}
    return {
        "boxes_with_missions": int(np.count_nonzero(missions["count"])),
        "gini_minutes": round(stats.gini(missions["minutes"]), 3),
        "gini_missions": round(stats.gini(missions["count"]), 3),
        "top1_boxes": max(1, math.ceil(stats.TOP_SHARE_DEFAULT * len(cells))) if len(cells) else 0,
        "top1_share_missions": round(stats.top_share(missions["count"]), 3),
        "longest_streak_shifts": max(streaks.values(), default=0),
        "full_weeks": full_weeks,
        "boxes_every_week": len(stats.units_in_every_period(weeks_by_box, range(full_weeks))),
    }


def _weekly(cells: Cells, missions: dict, date_from: Date, date_to: Date) -> list[dict]:
    weeks = ((date_to - date_from).days) // WEEK_DAYS + 1
    count = np.zeros((weeks, len(cells)))
    minutes = np.zeros((weeks, len(cells)))
    for i, _, week, served in missions["rows"]:
        count[week, i] += 1
        minutes[week, i] += served
    return [
        {
            "week_start": date_from + timedelta(days=WEEK_DAYS * w),
            "missions": int(count[w].sum()),
            "gini_minutes": round(stats.gini(minutes[w]), 3),
            "top1_share_missions": round(stats.top_share(count[w]), 3),
        }
        for w in range(weeks)
    ]


def _fmt(value) -> str:
    return "" if value is None else f"{value:.4f}"


def _blank(value):
    return "" if value is None else value
