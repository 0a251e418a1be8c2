"""The three patrol reports command staff read, all from measured exposure (patrol.BoxExposure:
minutes per unit, box and shift from vehicle positions):

- Dosage: minutes planned (missions' dose) against minutes measured in the mission boxes, by beat,
  shift, unit and crime type.
- Unit: per unit, minutes measured in mission boxes and in all boxes, and the missions it worked
  (its rostered beat's missions in that shift, or any mission whose box it entered) by outcome.
- Crime and dosage: weekly counted incidents (ingest.selectors.counted_incidents) in dosed
  box-shifts against as many undosed box-shifts of the same shift with the closest forecast risk.

They live in `oversight` (not `patrol`) because they read missions, forecasts and incidents, which
sit above `patrol` in the app layers (patrol may not import them)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date as Date
from datetime import timedelta

import numpy as np
from django.db.models import Sum

from agency.models import Shift
from agency.selectors import shift_window
from forecasting.models import CellForecast, ForecastRun
from missions.models import Mission
from patrol.models import BoxExposure, RosterEntry, Unit

from .cells import load_cells, place_incidents
from .selectors import period_bounds

DOSED_MINUTES_DEFAULT = 5.0  # a box-shift with at least this many measured minutes is "dosed"
WEEK_DAYS = 7
PRIOR_DAYS = 28  # where a shift has no forecast, risk is the boxes' counted incidents of these days
NO_UNIT = "(no unit)"


def _exposure_rows(date_from: Date, date_to: Date):
    return BoxExposure.objects.filter(date__range=(date_from, date_to)).values_list(
        "date", "shift_id", "cell_id", "unit__call_sign", "minutes"
    )


def _missions(date_from: Date, date_to: Date) -> list[dict]:
    return list(
        Mission.objects.not_cancelled()
        .filter(date__range=(date_from, date_to))
        .values(
            "pk",
            "date",
            "shift_id",
            "shift__name",
            "cell_id",
            "beat_id",
            "beat__code",
            "primary_crime_type__name",
            "dose_minutes",
            "status",
        )
    )


def dosage_report(*, date_from: Date, date_to: Date) -> dict:
    """Planned dose against measured minutes in the mission boxes, by beat, shift, unit and crime
    type. A mission's measured minutes are every unit's minutes in its box during its shift."""
    missions = _missions(date_from, date_to)
    by_box = defaultdict(lambda: defaultdict(float))  # (date, shift, cell) -> unit -> minutes
    for day, shift_pk, cell_pk, unit, minutes in _exposure_rows(date_from, date_to):
        by_box[(day, shift_pk, cell_pk)][unit] += minutes
    groups = {k: defaultdict(lambda: {"missions": 0, "planned": 0.0, "measured": 0.0})
              for k in ("beat", "shift", "unit", "crime_type")}  # fmt: skip
    for m in missions:
        units = by_box.get((m["date"], m["shift_id"], m["cell_id"]), {})
        measured = sum(units.values())
        for key, name in (
            ("beat", m["beat__code"]),
            ("shift", m["shift__name"]),
            ("crime_type", m["primary_crime_type__name"] or "(none)"),
        ):
            g = groups[key][name]
            g["missions"] += 1
            g["planned"] += m["dose_minutes"]
            g["measured"] += measured
        # By unit: each unit's own minutes; the planned dose goes to the units that served it, in
        # proportion to their minutes (or to "no unit" when nobody was measured there).
        if measured > 0:
            for unit, minutes in units.items():
                g = groups["unit"][unit]
                g["missions"] += 1
                g["planned"] += m["dose_minutes"] * minutes / measured
                g["measured"] += minutes
        else:
            g = groups["unit"][NO_UNIT]
            g["missions"] += 1
            g["planned"] += m["dose_minutes"]
    tables = {
        key: [
            {
                "name": name,
                "missions": g["missions"],
                "planned": round(g["planned"], 1),
                "measured": round(g["measured"], 1),
                "served_share": round(min(g["measured"] / g["planned"], 9.99), 3)
                if g["planned"]
                else None,
            }
            for name, g in sorted(groups[key].items())
        ]
        for key in groups
    }
    planned = sum(m["dose_minutes"] for m in missions)
    measured = sum(r["measured"] for r in tables["beat"])
    return {
        "date_from": date_from,
        "date_to": date_to,
        "missions": len(missions),
        "planned": round(planned, 1),
        "measured": round(measured, 1),
        **tables,
    }


def dosage_csv_rows(report: dict):
    yield ["by", "name", "missions", "planned_minutes", "measured_minutes", "served_share"]
    for key in ("beat", "shift", "unit", "crime_type"):
        for r in report[key]:
            share = "" if r["served_share"] is None else r["served_share"]
            yield [key, r["name"], r["missions"], r["planned"], r["measured"], share]


def unit_report(*, date_from: Date, date_to: Date) -> dict:
    """Per unit: minutes measured in mission boxes and in all boxes, shifts worked, and the missions
    it worked by outcome (a mission is the unit's when the unit was rostered on its beat in its
    shift, or entered its box then)."""
    missions = _missions(date_from, date_to)
    mission_boxes = {(m["date"], m["shift_id"], m["cell_id"]) for m in missions}
    rows = defaultdict(
        lambda: {"mission_minutes": 0.0, "all_minutes": 0.0, "shifts": set(), "missions": set()}
    )
    entered = defaultdict(set)  # (date, shift, cell) -> units
    for day, shift_pk, cell_pk, unit, minutes in _exposure_rows(date_from, date_to):
        r = rows[unit]
        r["all_minutes"] += minutes
        r["shifts"].add((day, shift_pk))
        if (day, shift_pk, cell_pk) in mission_boxes:
            r["mission_minutes"] += minutes
            entered[(day, shift_pk, cell_pk)].add(unit)
    rostered = defaultdict(set)  # (date, shift, beat) -> units
    for day, shift_pk, beat_pk, unit in RosterEntry.objects.filter(
        date__range=(date_from, date_to)
    ).values_list("date", "shift_id", "beat_id", "unit__call_sign"):
        rostered[(day, shift_pk, beat_pk)].add(unit)
        rows[unit]["shifts"].add((day, shift_pk))
    status = {}
    for m in missions:
        status[m["pk"]] = m["status"]
        for unit in rostered.get((m["date"], m["shift_id"], m["beat_id"]), set()) | entered.get(
            (m["date"], m["shift_id"], m["cell_id"]), set()
        ):
            rows[unit]["missions"].add(m["pk"])
    districts = dict(Unit.objects.values_list("call_sign", "district__name"))
    out = []
    for unit, r in sorted(rows.items()):
        statuses = [status[pk] for pk in r["missions"]]
        out.append(
            {
                "unit": unit,
                "district": districts.get(unit) or "",
                "shifts": len(r["shifts"]),
                "mission_minutes": round(r["mission_minutes"], 1),
                "all_minutes": round(r["all_minutes"], 1),
                "mission_share": round(r["mission_minutes"] / r["all_minutes"], 3)
                if r["all_minutes"]
                else None,
                "missions": len(statuses),
                "completed": statuses.count(Mission.Status.COMPLETED),
                "ended_early": statuses.count(Mission.Status.ENDED_EARLY),
                "expired": statuses.count(Mission.Status.EXPIRED),
            }
        )
    return {
        "date_from": date_from,
        "date_to": date_to,
        "units": out,
        "mission_minutes": round(sum(r["mission_minutes"] for r in out), 1),
        "all_minutes": round(sum(r["all_minutes"] for r in out), 1),
    }


def unit_csv_rows(report: dict):
    keys = ["unit", "district", "shifts", "mission_minutes", "all_minutes", "mission_share",
            "missions", "completed", "ended_early", "expired"]  # fmt: skip
    yield keys
    for r in report["units"]:
        yield ["" if r[k] is None else r[k] for k in keys]


def crime_and_dosage(
    *, date_from: Date, date_to: Date, dosed_minutes: float = DOSED_MINUTES_DEFAULT
) -> dict:
    """Per week: counted incidents in the dosed box-shifts (at least `dosed_minutes` measured) and
    in as many undosed box-shifts of the same shifts with the closest forecast risk (the shift's
    newest complete forecast, all crime types; where a shift has no forecast, the boxes' counted
    incidents of the PRIOR_DAYS before the period). Rates are incidents per 100 box-shifts."""
    cells = load_cells()
    index = cells.index_of_pk
    minutes = defaultdict(lambda: np.zeros(len(cells)))
    for day, shift_pk, cell_pk, total in (
        BoxExposure.objects.filter(date__range=(date_from, date_to))
        .values_list("date", "shift_id", "cell_id")
        .annotate(total=Sum("minutes"))
        .order_by()
    ):
        if cell_pk in index:
            minutes[(day, shift_pk)][index[cell_pk]] += total
    runs = {}
    for run in ForecastRun.objects.filter(date__range=(date_from, date_to), complete=True).order_by(
        "created_at", "pk"
    ):
        runs[(run.date, run.shift_id)] = run
    risk = defaultdict(lambda: np.zeros(len(cells)))
    for run_pk, cell_pk, expected in (
        CellForecast.objects.filter(run__in=[r.pk for k, r in runs.items() if k in minutes])
        .values_list("run_id", "cell_id")
        .annotate(total=Sum("expected_count"))
        .order_by()
    ):
        if cell_pk in index:
            risk[run_pk][index[cell_pk]] = expected
    windows = {s.pk: s for s in Shift.objects.all()}
    weeks = (date_to - date_from).days // WEEK_DAYS + 1
    week = [
        {
            "week_start": date_from + timedelta(days=WEEK_DAYS * w),
            "dosed": 0,
            "comparable": 0,
            "dosed_incidents": 0,
            "comparable_incidents": 0,
            "dosed_expected": 0.0,
            "comparable_expected": 0.0,
            "dosed_minutes": 0.0,
        }
        for w in range(weeks)
    ]
    start = min((k[0] for k in minutes), default=date_from)
    incidents = place_incidents(cells, *period_bounds(start - timedelta(days=1), date_to))
    prior = None
    for (day, shift_pk), per_box in sorted(minutes.items(), key=lambda kv: kv[0][0]):
        dosed = np.flatnonzero(per_box >= dosed_minutes)
        if not dosed.size:
            continue
        w = week[(day - date_from).days // WEEK_DAYS]
        window = shift_window(date=day, shift=windows[shift_pk])
        inside = incidents.between(window.starts_at, window.ends_at)
        counts = np.bincount(incidents.cell[inside], minlength=len(cells))
        w["dosed"] += int(dosed.size)
        w["dosed_incidents"] += int(counts[dosed].sum())
        w["dosed_minutes"] += float(per_box[dosed].sum())
        run = runs.get((day, shift_pk))
        if run is not None:
            expected = risk[run.pk]
        else:  # no forecast for this shift: the boxes' counted incidents of the 28 days before
            if prior is None:
                prior = _prior_counts(cells, date_from)
            expected = prior
        w["dosed_expected"] += float(expected[dosed].sum())
        undosed = np.flatnonzero(per_box < dosed_minutes)
        # As many undosed boxes as dosed ones, closest in forecast risk to the dosed boxes' median.
        target = float(np.median(expected[dosed]))
        pick = undosed[np.argsort(np.abs(expected[undosed] - target), kind="stable")[: dosed.size]]
        w["comparable"] += int(pick.size)
        w["comparable_incidents"] += int(counts[pick].sum())
        w["comparable_expected"] += float(expected[pick].sum())
    for w in week:
        w["dosed_rate"] = _per_100(w["dosed_incidents"], w["dosed"])
        w["comparable_rate"] = _per_100(w["comparable_incidents"], w["comparable"])
        w["dosed_expected"] = round(w["dosed_expected"], 2)
        w["comparable_expected"] = round(w["comparable_expected"], 2)
        w["dosed_minutes"] = round(w["dosed_minutes"], 1)
    totals = {
        k: sum(w[k] for w in week)
        for k in ("dosed", "comparable", "dosed_incidents", "comparable_incidents")
    }
    return {
        "date_from": date_from,
        "date_to": date_to,
        "dosed_minutes": dosed_minutes,
        "weeks": week,
        **totals,
        "dosed_rate": _per_100(totals["dosed_incidents"], totals["dosed"]),
        "comparable_rate": _per_100(totals["comparable_incidents"], totals["comparable"]),
    }


def crime_and_dosage_csv_rows(report: dict):
    keys = ["week_start", "dosed", "dosed_minutes", "dosed_incidents", "dosed_rate",
            "dosed_expected", "comparable", "comparable_incidents", "comparable_rate",
            "comparable_expected"]  # fmt: skip
    yield keys
    for w in report["weeks"]:
        yield ["" if w[k] is None else w[k] for k in keys]


def _prior_counts(cells, date_from: Date) -> np.ndarray:
    """Counted incidents per box in the PRIOR_DAYS before `date_from`, scaled to one shift: the
    risk that stands in for a forecast where a shift has none."""
    start, end = period_bounds(
        date_from - timedelta(days=PRIOR_DAYS), date_from - timedelta(days=1)
    )
    incidents = place_incidents(cells, start, end)
    shifts = max(Shift.objects.count(), 1)
    return np.bincount(incidents.cell, minlength=len(cells)) / (PRIOR_DAYS * shifts)


def _per_100(incidents: int, box_shifts: int) -> float | None:
    return round(100 * incidents / box_shifts, 2) if box_shifts else None
