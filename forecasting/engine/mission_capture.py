"""What the boxes drawn for missions capture in a back-test. The real planner (`missions.planner`,
pure) draws each beat's missions shift after shift — with its dosage memory and randomised draw —
from the model's forecast, from each naive count, and uniformly within the beat; the share of crime
in those boxes during the shift and the share of boxes that saw a crime are then scored against
what happened, with 90 % intervals from resampling whole days. docs/adr/0025-mission-capture.md."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from missions.planner import PlanningInputs, PlanningPolicy, plan, shift_seed_material

from .grid import Grid

UNIFORM = "uniform"  # boxes drawn uniformly within the beat, as many as the planner's capacity
MODEL = "model"  # the promoted model of each crime type
HARM_WEIGHTED = "harm_weighted"
LEVEL = 0.90
BOOTSTRAP_DRAWS = 2000
WEEK_DAYS = 7  # the planner's weekly share cap and spread count the missions of the last 7 days
DOSAGE_MEMORY_DAYS = (
    7  # the agency's default dosage memory (agency.models.DOSAGE_MEMORY_DAYS_DEFAULT)
)
SEED_LABEL = "backtest"


@dataclass(frozen=True)
class MissionSetup:
    """Where and how missions are drawn in the back-test. `beat`: per cell, -1 outside every beat;
    `type_weight`: severity weight × patrol efficacy per crime type (a type not named weighs 1)."""

    beat: np.ndarray
    beat_names: tuple[str, ...]
    beats_from: str
    type_weight: Mapping[str, float] = field(default_factory=dict)
    policy: PlanningPolicy = field(default_factory=PlanningPolicy)
    dosage_memory_days: int = DOSAGE_MEMORY_DAYS

    def weights(self, categories: Sequence[str]) -> np.ndarray:
        return np.array([float(self.type_weight.get(c, 1.0)) for c in categories])


def beats_of_grid(grid: Grid) -> tuple[np.ndarray, tuple[str, ...], str]:
    """The grid's beats when it has any, otherwise its districts (a boundary file's divisions)."""
    if np.any(grid.beat >= 0):
        return grid.beat, tuple(grid.beat_names), "beats"
    return grid.district, tuple(grid.district_names), "districts (no beats given)"


def draw_planned(
    expected: Mapping[str, np.ndarray],
    setup: MissionSetup,
    cell_ids: np.ndarray,
    shift_dates: Sequence[str],
    shift_names: Sequence[str],
    shifts_per_day: int,
) -> np.ndarray:
    """(cells, shifts) bool: the boxes `plan()` draws per beat and shift from `expected` (crime type
    → (cells, shifts) expected counts), each drawn box taken to get one full dose, which feeds the
    next shifts' dosage memory, consecutive-shift limit and weekly share."""
    cats = list(expected)
    weights = setup.weights(cats)
    n_cells, n_shifts = next(iter(expected.values())).shape
    drawn = np.zeros((n_cells, n_shifts), dtype=bool)
    consecutive = np.zeros(n_cells, dtype=np.int64)
    memory = setup.dosage_memory_days * shifts_per_day
    week = WEEK_DAYS * shifts_per_day
    for j in range(n_shifts):
        inputs = PlanningInputs(
            cell_ids=cell_ids,
            beat=setup.beat,
            # Counts from float32 running sums can come out a hair below zero: clip the rounding.
            expected=np.maximum(np.column_stack([expected[c][:, j] for c in cats]), 0.0),
            crime_types=tuple(cats),
            severity_weight=weights,
            patrol_efficacy=np.ones(len(cats)),
            recent_dose_minutes=setup.policy.dose_minutes
            * drawn[:, max(j - memory, 0) : j].sum(axis=1),
            consecutive_shifts=consecutive,
            week_missions=drawn[:, max(j - week, 0) : j].sum(axis=1),
            beat_codes=setup.beat_names,
        )
        seed = shift_seed_material(
            date=shift_dates[j], shift=shift_names[j], model_version=SEED_LABEL
        )
        cells = [m.cell_index for m in plan(inputs, setup.policy, seed_material=seed).missions]
        drawn[cells, j] = True
        consecutive = np.where(drawn[:, j], consecutive + 1, 0)
    return drawn


def draw_uniform(setup: MissionSetup, n_shifts: int, seed: int = 0) -> np.ndarray:
    """(cells, shifts) bool: per beat and shift, the policy's capacity of boxes drawn uniformly."""
    beat = setup.beat
    n_beats = max(len(setup.beat_names), int(beat.max()) + 1 if beat.size else 0)
    capacity = setup.policy.capacity(n_beats)
    in_beat = np.flatnonzero(beat >= 0)
    rng = np.random.default_rng(seed)
    drawn = np.zeros((beat.size, n_shifts), dtype=bool)
    for j in range(n_shifts):
        order = in_beat[np.lexsort((rng.random(in_beat.size), beat[in_beat]))]
        first = np.searchsorted(beat[order], beat[order], side="left")
        rank = np.arange(order.size) - first
        drawn[order[rank < capacity[beat[order]]], j] = True
    return drawn


def capture_summary(
    drawn: Mapping[str, np.ndarray],
    observed: Mapping[str, np.ndarray],
    setup: MissionSetup,
    shift_day: np.ndarray,
    *,
    level: float = LEVEL,
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = 0,
) -> dict:
    """Per source (MODEL, each naive count, UNIFORM), per crime type and harm-weighted over types:
    capture (share of the crime in the beats that fell in drawn boxes during their shift), hit rate
    (share of drawn boxes with at least one crime) and base rate (the chance of a random box in the
    same beat and shift), each with its `level` interval from resampling days; and the model's
    capture over the best naive count's (the best chosen anew in every resample)."""
    cats = list(observed)
    weights = setup.weights(cats)
    days, day_index, resample = day_resamples(shift_day, draws=draws, seed=seed)
    quantiles = [(1 - level) / 2, 1 - (1 - level) / 2]
    in_beat = (setup.beat >= 0).astype(float)
    busy = {c: (observed[c] > 0) for c in cats}
    busy[HARM_WEIGHTED] = np.logical_or.reduce([busy[c] for c in cats])
    beat_busy = {k: _beat_share(b, setup.beat) for k, b in busy.items()}  # (beats, shifts)
    # Per-shift sums only, never a weighted copy of the (cells, shifts) counts: the back-test's
    # peak memory is the city's counts and predictions already.
    crime = {c: in_beat @ observed[c] for c in cats}
    crime[HARM_WEIGHTED] = sum(w * crime[c] for c, w in zip(cats, weights, strict=True))

    def per_day(values: np.ndarray) -> np.ndarray:
        return np.bincount(day_index, weights=values, minlength=days.size)

    totals: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    out: dict = {"sources": {}}
    for source, boxes in drawn.items():
        totals[source] = {}
        box_count = boxes.sum(axis=0).astype(float)
        per_beat = _beat_share(boxes, setup.beat) * _beat_sizes(setup.beat)[:, None]  # boxes
        captured = {c: np.einsum("ij,ij->j", boxes, observed[c], dtype=float) for c in cats}
        captured[HARM_WEIGHTED] = sum(w * captured[c] for c, w in zip(cats, weights, strict=True))
        entry: dict = {
            "boxes_per_shift": float(box_count.sum() / max(boxes.shape[1], 1)),
            "types": {},
        }
        for key in [*cats, HARM_WEIGHTED]:
            sums = {
                "captured": per_day(captured[key]),
                "crime": per_day(crime[key]),
                "hits": per_day((busy[key] & boxes).sum(axis=0).astype(float)),
                "boxes": per_day(box_count),
                # Each drawn box's chance had it been a random box of its beat in that shift.
                "base": per_day((per_beat * beat_busy[key]).sum(axis=0)),
            }
            totals[source][key] = sums
            stats: dict[str, float | list[float] | None] = {}
            for name, num, den in (
                ("capture", "captured", "crime"),
                ("hit_rate", "hits", "boxes"),
                ("base_rate", "base", "boxes"),
            ):
                stats[name] = _ratio(sums[num].sum(), sums[den].sum())
                stats[f"{name}_90"] = _interval(
                    resample @ sums[num], resample @ sums[den], quantiles
                )
            if key == HARM_WEIGHTED:
                entry.update(stats)
            else:
                entry["types"][key] = stats
        out["sources"][source] = entry
    naive = [s for s in drawn if s not in (MODEL, UNIFORM)]
    if MODEL in drawn and naive:
        best = max(naive, key=lambda s: out["sources"][s]["capture"])
        out["best_naive"] = best
        out["model_over_best_naive"] = {
            key: _capture_ratio(totals, naive, key, resample, quantiles)
            for key in [HARM_WEIGHTED, *cats]
        }
    out["days"] = int(days.size)
    out["shifts"] = int(np.asarray(shift_day).size)
    return out


def capture_by_type(
    drawn: np.ndarray, observed: Mapping[str, np.ndarray], setup: MissionSetup
) -> dict[str, float | None]:
    """Per crime type and harm-weighted: the share of the crime in the beats that fell in the drawn
    boxes during their shift (the point estimate of `capture_summary`, without intervals)."""
    cats = list(observed)
    weights = setup.weights(cats)
    in_beat = setup.beat >= 0
    captured = {c: float(np.sum(observed[c], where=drawn, dtype=float)) for c in cats}
    crime = {c: float(np.sum(observed[c][in_beat], dtype=float)) for c in cats}
    out = {c: _ratio(captured[c], crime[c]) for c in cats}
    out[HARM_WEIGHTED] = _ratio(
        sum(w * captured[c] for c, w in zip(cats, weights, strict=True)),
        sum(w * crime[c] for c, w in zip(cats, weights, strict=True)),
    )
    return out


def _beat_sizes(beat: np.ndarray) -> np.ndarray:
    n_beats = int(beat.max()) + 1 if beat.size and beat.max() >= 0 else 0
    return np.bincount(beat[beat >= 0], minlength=n_beats).astype(float)


def _beat_share(flags: np.ndarray, beat: np.ndarray) -> np.ndarray:
    """(beats, shifts): share of each beat's boxes flagged (busy, or drawn) in each shift."""
    size = _beat_sizes(beat)
    counts = (
        np.stack([flags[beat == b].sum(axis=0, dtype=float) for b in range(size.size)])
        if size.size
        else np.zeros((0, flags.shape[1]))
    )
    return counts / np.maximum(size, 1)[:, None]


def _capture_ratio(
    totals: dict, naive: list[str], key: str, resample: np.ndarray, quantiles: list[float]
) -> dict:
    def capture(source: str, weights: np.ndarray | None = None) -> np.ndarray:
        s = totals[source][key]
        if weights is None:
            return np.array(_ratio(s["captured"].sum(), s["crime"].sum()) or 0.0)
        return (weights @ s["captured"]) / np.maximum(weights @ s["crime"], 1e-12)

    point_naive = max(float(capture(s)) for s in naive)
    drawn_naive = np.max([capture(s, resample) for s in naive], axis=0)
    ratio = capture(MODEL, resample) / np.maximum(drawn_naive, 1e-12)
    return {
        "ratio": float(capture(MODEL)) / point_naive if point_naive > 0 else None,
        "ratio_90": [round(float(q), 4) for q in np.quantile(ratio, quantiles)],
    }


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den > 0 else None


def _interval(num: np.ndarray, den: np.ndarray, quantiles: list[float]) -> list[float] | None:
    ok = den > 0
    if not ok.any():
        return None
    return [round(float(q), 5) for q in np.quantile(num[ok] / den[ok], quantiles)]


def plain_words(summary: dict) -> list[str]:
    """The measurement in sentences, for the model card and the back-test page."""
    sources = summary.get("sources", {})
    lines = []
    model = sources.get(MODEL)
    if model and model.get("hit_rate") is not None:
        lines.append(
            f"The boxes drawn for missions saw a crime in {_pct(model['hit_rate'])} of shifts; "
            f"a random box in the same beat, {_pct(model['base_rate'])}."
        )
        lines.append(
            f"They held {_pct(model['capture'])} of the harm-weighted crime in the beats "
            f"({_pct_range(model['capture_90'])}, 90 % interval), with "
            f"{model['boxes_per_shift']:.0f} boxes a shift."
        )
    best = summary.get("best_naive")
    if best and model:
        ratio = summary["model_over_best_naive"][HARM_WEIGHTED]
        lines.append(
            f"Drawn from the best count ({best}) instead, the boxes held "
            f"{_pct(sources[best]['capture'])}: the forecast captures "
            f"{_times(ratio['ratio'])} as much ({_times_range(ratio['ratio_90'])})."
        )
    uniform = sources.get(UNIFORM)
    if uniform:
        lines.append(f"Boxes drawn at random within each beat held {_pct(uniform['capture'])}.")
    return lines


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _pct_range(r: list[float] | None) -> str:
    return "n/a" if not r else f"{r[0]:.1%}–{r[1]:.1%}"


def _times(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}×"


def _times_range(r: list[float] | None) -> str:
    return "n/a" if not r else f"{r[0]:.2f}–{r[1]:.2f}×"


def day_resamples(
    shift_day: np.ndarray, *, draws: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct days, each shift's index among them, and `draws` resamples of the days with
    replacement: a (draws, days) array of how often each day is drawn."""
    days, day_index = np.unique(np.asarray(shift_day), return_inverse=True)
    rng = np.random.default_rng(seed)
    resample = np.stack(
        [
            np.bincount(rng.integers(0, days.size, days.size), minlength=days.size)
            for _ in range(draws)
        ]
    ).astype(float)
    return days, day_index, resample
