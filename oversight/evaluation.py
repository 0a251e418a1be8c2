"""Did missions prevent crime? Incidents in mission boxes against the control boxes the planner held
back at random, per crime type and overall, during the shift and in the hours after it, with the
displacement to the ring of 8 neighbouring boxes and a power note. Builds on missions.reports'
grouping of each shift's boxes (mission / control); the statistics are in oversight.stats."""

from __future__ import annotations

from collections import defaultdict
from datetime import date as Date
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db.models import Sum

from agency.models import CrimeType, Shift
from forecasting.models import CellForecast
from geo.models import GridCell
from missions.reports import planned_shift_boxes
from patrol.models import BoxExposure

from . import stats
from .cells import load_cells, place_incidents

HOURS_AFTER_DEFAULT = 8
PATROLLED_CONTROL_MINUTES_DEFAULT = 5.0
ALL_TYPES = "all"
EFFECTS_FOR_POWER = (-0.1, -0.2, -0.3)
METHOD = (
    "Exact conditional Poisson rate ratio. Mission and control box-shifts are grouped into four bands "
    "of forecast risk (cut at the control boxes' quartiles); within a band, each box-shift's exposure is "
    "the incidents its forecast expected, so a riskier mission box is compared fairly with a less risky "
    "control. Given a band's total incidents, the mission count is binomial; the estimate is the "
    "conditional maximum likelihood and the 95 % interval inverts the exact test, so it stays valid with "
    "few incidents. Chosen over a negative-binomial model because it needs no dispersion estimate that "
    "a few weeks of data cannot give, and over a permutation test because missions are not drawn "
    "uniformly (only controls are), so label shuffling would not respect the design. Missions count "
    "whether or not they were served (intention to treat); incidents count by the one rule "
    "every page uses (mapped type, in a box, officer-initiated ones only for types set to count them). "
    "Limits: crime counts are over-dispersed (near-repeats), so the interval is somewhat too narrow, and a "
    "forecast that errs differently at the top of the pool than below it biases the ratio."
)


def mission_evaluation(
    *, date_from: Date, date_to: Date, hours_after: int = HOURS_AFTER_DEFAULT
) -> dict:
    """Rate ratios with intervals for every crime type and all together, and the power note."""
    rows = _box_shifts(date_from, date_to, hours_after)
    types = list(
        CrimeType.objects.filter(enabled=True).order_by("name").values_list("code", "name")
    )
    result = {
        "date_from": date_from,
        "date_to": date_to,
        "hours_after": hours_after,
        "method": METHOD,
        "plans": rows["plans"],
        "plans_with_controls": rows["plans_with_controls"],
        "mission_box_shifts": int(rows["is_mission"].sum()),
        "control_box_shifts": int((~rows["is_mission"]).sum()),
        "types": [],
        "types_without_patrolled": [],
        "control_box_shifts_unpatrolled": int(
            ((~rows["is_mission"]) & ~rows["patrolled_control"]).sum()
        ),
        "power": [],
        "patrol": rows["patrol"],
    }
    if not result["control_box_shifts"] or not result["mission_box_shifts"]:
        result["summary"] = (
            "No control boxes in this period: the planner holds some back only when the "
            "mission policy's control share is above 0, so there is nothing to compare with yet."
        )
        return result
    result["types"] = _effects(rows, types, np.ones(len(rows["is_mission"]), dtype=bool))
    patrolled = rows["patrolled_control"]
    if patrolled.any():
        # A control that was patrolled is not a control: the effect again, without those.
        keep = ~patrolled
        if (~rows["is_mission"][keep]).any():
            result["types_without_patrolled"] = _effects(rows, types, keep)
    overall = result["types"][0]["during"]
    result["summary"] = _summary(overall)
    result["power"] = _power(rows, date_from, date_to)
    return result


def _effects(rows, types, keep: np.ndarray) -> list[dict]:
    """Rate ratios per crime type and window over the box-shifts in `keep`."""
    out = []
    for code, name in [(ALL_TYPES, "All crime types"), *types]:
        forecast = rows["forecast"].get(code)
        if forecast is None:
            continue
        out.append(
            {
                "code": code,
                "name": name,
                **{
                    window: _effect(rows, forecast[keep], rows[window][code][keep], keep)
                    for window in ("during", "after", "ring")
                },
            }
        )
    return out


def _effect(rows, forecast, counts, keep) -> dict:
    return stats.mission_effect(forecast, rows["is_mission"][keep], counts).as_dict()


def patrolled_control_minutes() -> float:
    """Measured minutes above which a control box counts as patrolled (setting)."""
    return float(
        getattr(settings, "EVALUATION_PATROLLED_CONTROL_MINUTES", PATROLLED_CONTROL_MINUTES_DEFAULT)
    )


def _measured_patrol(shifts, pairs) -> dict:
    """Measured minutes (patrol.BoxExposure, every unit) in mission, control and other boxes per
    planned shift, and the minutes of each mission/control box-shift of `pairs`."""
    threshold = patrolled_control_minutes()
    plans = {(p.date, p.shift_id): (p, m, c) for p, m, c in shifts}
    per_box = defaultdict(float)
    totals = defaultdict(float)
    if plans:
        rows = (
            BoxExposure.objects.filter(
                date__in={d for d, _ in plans}, shift_id__in={s for _, s in plans}
            )
            .values_list("date", "shift_id", "cell_id")
            .annotate(total=Sum("minutes"))
        )
        for day, shift_pk, cell_pk, minutes in rows:
            if (day, shift_pk) in plans:
                per_box[(day, shift_pk, cell_pk)] += minutes
                totals[(day, shift_pk)] += minutes
    shift_names = dict(Shift.objects.values_list("pk", "name"))
    cells = {
        pk: (cell_id, label)
        for pk, cell_id, label in GridCell.objects.filter(
            pk__in={k[2] for k in per_box}
        ).values_list("pk", "cell_id", "location_label")
    }
    per_shift, flagged = [], []
    for (day, shift_pk), (_plan, mission_cells, control_cells) in sorted(
        plans.items(), key=lambda kv: (kv[0][0], kv[1][0].starts_at)
    ):
        mission = sum(per_box.get((day, shift_pk, c), 0.0) for c in mission_cells)
        control = sum(per_box.get((day, shift_pk, c), 0.0) for c in control_cells)
        patrolled = sorted(
            (c for c in control_cells if per_box.get((day, shift_pk, c), 0.0) > threshold),
            key=lambda c: -per_box[(day, shift_pk, c)],
        )
        per_shift.append(
            {
                "date": day,
                "shift": shift_names[shift_pk],
                "mission_minutes": round(mission, 1),
                "control_minutes": round(control, 1),
                "other_minutes": round(totals.get((day, shift_pk), 0.0) - mission - control, 1),
                "controls": len(control_cells),
                "patrolled_controls": len(patrolled),
            }
        )
        flagged += [
            {
                "date": day,
                "shift": shift_names[shift_pk],
                "cell_id": cells[c][0],
                "location": cells[c][1],
                "minutes": round(per_box[(day, shift_pk, c)], 1),
            }
            for c in patrolled
        ]
    pair_minutes = np.array(
        [per_box.get((p.date, p.shift_id, cell_pk), 0.0) for p, cell_pk, _ in pairs], dtype=float
    )
    return {
        "threshold_minutes": threshold,
        "measured": bool(totals),
        "shifts": per_shift,
        "patrolled_controls": flagged,
        "mission_minutes": round(sum(r["mission_minutes"] for r in per_shift), 1),
        "control_minutes": round(sum(r["control_minutes"] for r in per_shift), 1),
        "other_minutes": round(sum(r["other_minutes"] for r in per_shift), 1),
        "pair_minutes": pair_minutes,
    }


def _summary(overall: dict) -> str:
    if not overall["enough_data"]:
        return (
            "The data cannot tell yet whether missions change crime: there are too few incidents in "
            "mission or control boxes. Keep holding back control boxes; see the power note."
        )
    rr, lo, hi = overall["rate_ratio"], overall["low"], overall["high"]
    interval = f"{lo:.2f} to {hi:.2f}" if hi is not None else f"above {lo:.2f}"
    if hi is not None and hi < 1:
        return (
            f"Mission boxes had {100 * (1 - rr):.0f} % fewer incidents than comparable control boxes "
            f"(rate ratio {rr:.2f}, 95 % interval {interval})."
        )
    if lo > 1:
        return (
            f"Mission boxes had {100 * (rr - 1):.0f} % more recorded incidents than comparable control boxes "
            f"(rate ratio {rr:.2f}, 95 % interval {interval}) — check whether patrol raises recording."
        )
    return (
        f"The data cannot tell yet: the rate ratio is {rr:.2f} but its 95 % interval ({interval}) "
        "includes 1, no effect."
    )


def _power(rows, date_from: Date, date_to: Date) -> list[dict]:
    weeks = max(((date_to - date_from).days + 1) / 7, 1 / 7)
    m = rows["is_mission"]
    controls_per_week = float((~m).sum()) / weeks
    missions_per_week = float(m.sum()) / weeks
    control_rate = float(rows["during"][ALL_TYPES][~m].sum()) / max(int((~m).sum()), 1)
    out = []
    for effect in EFFECTS_FOR_POWER:
        needed = stats.weeks_to_detect(
            effect,
            mission_box_shifts_per_week=missions_per_week,
            control_box_shifts_per_week=controls_per_week,
            incidents_per_box_shift=control_rate,
        )
        out.append(
            {
                "effect_pct": round(-100 * effect),
                "weeks": None if needed is None else round(needed, 1),
                "controls_per_week": round(controls_per_week, 1),
                "weeks_so_far": round(weeks, 1),
                "sentence": (
                    f"With {controls_per_week:.0f} control box-shifts a week, a {-100 * effect:.0f} % drop would be "
                    + (
                        "impossible to detect: no incidents in control boxes yet."
                        if needed is None
                        else f"detected (80 % power, 95 % confidence) after about {needed:.0f} weeks; "
                        f"{weeks:.1f} weeks are in this period."
                    )
                ),
            }
        )
    return out


def _box_shifts(date_from: Date, date_to: Date, hours_after: int) -> dict:
    """One row per mission or control box-shift: forecast per type, incidents per type during the
    shift, in the `hours_after` after it, and in the ring of 8 neighbouring boxes during it."""
    shifts = planned_shift_boxes(date_from=date_from, date_to=date_to)
    cells = load_cells()
    index = cells.index_of_pk
    pairs = []  # (plan, cell index, is mission)
    for plan, mission_cells, control_cells in shifts:
        if not control_cells:
            continue  # a plan without controls has nothing to compare its missions with
        pairs += [(plan, index[c], True) for c in sorted(mission_cells) if c in index]
        pairs += [(plan, index[c], False) for c in sorted(control_cells) if c in index]
    patrol = _measured_patrol(shifts, [(p, int(cells.pk[i]), m) for p, i, m in pairs])
    is_mission = np.array([m for _, _, m in pairs], dtype=bool)
    minutes = patrol.pop("pair_minutes")
    out = {
        "plans": len(shifts),
        "plans_with_controls": len({p.pk for p, _, _ in pairs}),
        "is_mission": is_mission,
        "patrol": patrol,
        "patrolled_control": (~is_mission) & (minutes > patrol["threshold_minutes"]),
        "forecast": {},
        "during": {},
        "after": {},
        "ring": {},
    }
    if not pairs:
        return out
    codes = list(
        CrimeType.objects.filter(enabled=True).order_by("name").values_list("code", flat=True)
    )
    col = {c: j for j, c in enumerate(codes)}
    forecast = np.zeros((len(pairs), len(codes)))
    at = {(p.forecast_run_id, cells.pk[i]): r for r, (p, i, _) in enumerate(pairs)}
    for run_pk, cell_pk, code, expected in CellForecast.objects.filter(
        run__in={p.forecast_run_id for p, _, _ in pairs},
        cell__in={int(cells.pk[i]) for _, i, _ in pairs},
    ).values_list("run_id", "cell_id", "crime_type__code", "expected_count"):
        r = at.get((run_pk, cell_pk))
        if r is not None and code in col:
            forecast[r, col[code]] = expected
    start = min(p.starts_at for p, _, _ in pairs)
    end = max(p.ends_at for p, _, _ in pairs) + timedelta(hours=hours_after)
    incidents = place_incidents(cells, start, end)
    during, after, ring = (np.zeros((len(pairs), len(codes))) for _ in range(3))
    by_plan = defaultdict(list)
    for r, (plan, i, _) in enumerate(pairs):
        by_plan[plan.pk].append((r, i, plan))
    for members in by_plan.values():
        plan = members[0][2]
        rows_, idx = [r for r, _, _ in members], np.array([i for _, i, _ in members])
        for target, window in (
            (during, (plan.starts_at, plan.ends_at)),
            (after, (plan.ends_at, plan.ends_at + timedelta(hours=hours_after))),
        ):
            target[rows_] = _counts(incidents, window, idx, col, cells, ring=False)
        ring[rows_] = _counts(incidents, (plan.starts_at, plan.ends_at), idx, col, cells, ring=True)
    out["forecast"] = {ALL_TYPES: forecast.sum(1), **{c: forecast[:, j] for c, j in col.items()}}
    for name, arr in (("during", during), ("after", after), ("ring", ring)):
        out[name] = {ALL_TYPES: arr.sum(1), **{c: arr[:, j] for c, j in col.items()}}
    return out


def _counts(incidents, window, idx, col, cells, *, ring: bool) -> np.ndarray:
    """Incidents per type in each box of `idx` (or in its ring of 8 neighbours) within `window`."""
    part = incidents.between(*window)
    out = np.zeros((idx.size, len(col)))
    for code, j in col.items():
        mask = incidents.crime_type[part] == code
        if not mask.any():
            continue
        hit = incidents.cell[part][mask]
        if ring:
            where = defaultdict(int)
            for c, r in zip(cells.col[hit], cells.row[hit], strict=True):
                where[(int(c), int(r))] += 1
            out[:, j] = stats.ring_counts(cells.col[idx], cells.row[idx], where)
        else:
            out[:, j] = np.bincount(hit, minlength=len(cells))[idx]
    return out


def evaluation_csv_rows(result: dict):
    """The evaluation as CSV rows: each effect (with all controls, then without the patrolled ones),
    the measured minutes per shift, and the controls that were patrolled."""
    yield ["section", "controls", "crime_type", "window", "rate_ratio", "low", "high", "p_value",
           "mission_incidents", "control_incidents", "verdict", "compared_mission_incidents",
           "compared_control_incidents"]  # fmt: skip
    for label, key in (("all", "types"), ("without_patrolled", "types_without_patrolled")):
        for t in result[key]:
            for window in ("during", "after", "ring"):
                e = t[window]
                yield [
                    "effect",
                    label,
                    t["name"],
                    window,
                    _blank(e["rate_ratio"]),
                    _blank(e["low"]),
                    _blank(e["high"]),
                    _blank(e["p_value"]),
                    e["mission_incidents"],
                    e["control_incidents"],
                    e["verdict"],
                    e["compared_mission_incidents"],
                    e["compared_control_incidents"],
                ]
    patrol = result["patrol"]
    yield []
    yield ["section", "date", "shift", "mission_minutes", "control_minutes", "other_minutes",
           "controls", "patrolled_controls"]  # fmt: skip
    for r in patrol["shifts"]:
        yield [
            "measured_minutes",
            r["date"].isoformat(),
            r["shift"],
            r["mission_minutes"],
            r["control_minutes"],
            r["other_minutes"],
            r["controls"],
            r["patrolled_controls"],
        ]
    yield []
    yield ["section", "date", "shift", "cell_id", "minutes", "threshold_minutes", "location"]
    for r in patrol["patrolled_controls"]:
        yield [
            "patrolled_control",
            r["date"].isoformat(),
            r["shift"],
            r["cell_id"],
            r["minutes"],
            patrol["threshold_minutes"],
            r["location"],
        ]


def _blank(value):
    return "" if value is None else value
