"""Did missions prevent crime? Incidents in mission boxes against the control boxes the planner held
back at random, per crime type and overall, during the shift and in the hours after it, with the
displacement to the ring of 8 neighbouring boxes and a power note. Builds on missions.reports'
grouping of each shift's boxes (mission / control); the statistics are in oversight.stats."""

from __future__ import annotations

from collections import defaultdict
from datetime import date as Date
from datetime import timedelta

import numpy as np

from agency.models import CrimeType
from forecasting.models import CellForecast
from missions.reports import planned_shift_boxes

from . import stats
from .cells import load_cells, place_incidents

HOURS_AFTER_DEFAULT = 8
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
        "power": [],
    }
    if not result["control_box_shifts"] or not result["mission_box_shifts"]:
        result["summary"] = (
            "No control boxes in this period: the planner holds some back only when the "
            "mission policy's control share is above 0, so there is nothing to compare with yet."
        )
        return result
    for code, name in [(ALL_TYPES, "All crime types"), *types]:
        forecast = rows["forecast"].get(code)
        if forecast is None:
            continue
        result["types"].append(
            {
                "code": code,
                "name": name,
                "during": _effect(rows, forecast, rows["during"][code]),
                "after": _effect(rows, forecast, rows["after"][code]),
                "ring": _effect(rows, forecast, rows["ring"][code]),
            }
        )
    overall = result["types"][0]["during"]
    result["summary"] = _summary(overall)
    result["power"] = _power(rows, date_from, date_to)
    return result


def _effect(rows, forecast, counts) -> dict:
    return stats.mission_effect(forecast, rows["is_mission"], counts).as_dict()


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
        pairs += [(plan, index[c], True) for c in mission_cells if c in index]
        pairs += [(plan, index[c], False) for c in control_cells if c in index]
    out = {
        "plans": len(shifts),
        "plans_with_controls": len({p.pk for p, _, _ in pairs}),
        "is_mission": np.array([m for _, _, m in pairs], dtype=bool),
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
