"""Promotion on what the missions capture: starting from each type's PAI leader, a type falls back to
its best counting rule when the planner, fed by the types summed with that swap, draws boxes that
capture clearly more harm-weighted crime over the selection shifts. docs/adr/0034-per-type-calibration.md."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from .mission_capture import BOOTSTRAP_DRAWS, MissionSetup, capture_by_type, day_resamples

# A swap is kept only when its gain is clear: the GAIN_QUANTILE of the gain over days resampled
# (both draws scored on the same resampled days) above zero. A gain inside the noise of a few weeks
# of a rare type did not carry over to the next weeks (ADR 0034, bench/RESULTS.md experiments).
GAIN_QUANTILE = 0.05

# (cells, shifts) expected counts per crime type -> (cells, shifts) bool: the boxes drawn.
Draw = Callable[[Mapping[str, np.ndarray]], np.ndarray]
# (model name, crime type) -> that model's (cells, shifts) expected counts of the type.
Predictions = Callable[[str, str], np.ndarray]


def promote_on_missions(
    leaders: Mapping[str, str],
    counts_drawn: Mapping[str, np.ndarray],
    observed: Mapping[str, np.ndarray],
    setup: MissionSetup,
    draw: Draw,
    predictions: Predictions,
    shift_day: np.ndarray,
    *,
    seed: int = 0,
) -> tuple[dict[str, str], np.ndarray, dict]:
    """(promoted model per type, the boxes it draws, the record of the trials).
    `leaders`: each type's PAI leader; `counts_drawn`: each counting rule's boxes (all types
    counted); `shift_day`: each shift's day (the unit resampled). Types are tried heaviest weight
    first, each once: the swap to the count that captures the most of that type in its own boxes is
    kept when it raises the harm-weighted capture clearly (GAIN_QUANTILE)."""
    cats = list(observed)
    mix = dict(leaders)
    counts = {name: capture_by_type(boxes, observed, setup) for name, boxes in counts_drawn.items()}
    gain_low = _gain_bound(observed, setup, shift_day, seed)
    boxes = draw({c: predictions(mix[c], c) for c in cats})
    score = capture_by_type(boxes, observed, setup)
    trials = [{"promoted": dict(mix), "capture": score, "kept": True}]
    order = sorted(cats, key=lambda c: -float(setup.weights([c])[0]))
    for cat in order:
        if not counts:
            break
        count = max(counts, key=lambda name: counts[name][cat] or 0.0)  # noqa: B023 - used at once
        if mix[cat] == count:
            continue
        trial = {**mix, cat: count}
        trial_boxes = draw({c: predictions(trial[c], c) for c in cats})
        trial_score = capture_by_type(trial_boxes, observed, setup)
        low = gain_low(trial_boxes, boxes)
        kept = low > 0.0
        trials.append(
            {"promoted": dict(trial), "capture": trial_score, "gain_low": low, "kept": kept}
        )
        if kept:
            mix, boxes, score = trial, trial_boxes, trial_score
    record = {
        "by": "harm-weighted capture of the drawn missions",
        "pai_leaders": dict(leaders),
        "counts_capture": counts,
        "gain_quantile": GAIN_QUANTILE,
        "trials": trials,
    }
    return mix, boxes, record


def _gain_bound(
    observed: Mapping[str, np.ndarray], setup: MissionSetup, shift_day: np.ndarray, seed: int
) -> Callable[[np.ndarray, np.ndarray], float]:
    """f(new boxes, old boxes): the GAIN_QUANTILE of the harm-weighted capture gain over days
    resampled with replacement (the same resamples for every comparison)."""
    cats = list(observed)
    weights = setup.weights(cats)
    days, day_index, resample = day_resamples(shift_day, draws=BOOTSTRAP_DRAWS, seed=seed)
    in_beat = (setup.beat >= 0).astype(float)

    def per_day(per_shift: np.ndarray) -> np.ndarray:
        return np.bincount(day_index, weights=per_shift, minlength=days.size)

    crime = resample @ per_day(
        sum(w * (in_beat @ observed[c]) for c, w in zip(cats, weights, strict=True))
    )

    def captured(boxes: np.ndarray) -> np.ndarray:
        return per_day(
            sum(
                w * np.einsum("ij,ij->j", boxes, observed[c], dtype=float)
                for c, w in zip(cats, weights, strict=True)
            )
        )

    def bound(new: np.ndarray, old: np.ndarray) -> float:
        gain = resample @ (captured(new) - captured(old)) / np.maximum(crime, 1e-12)
        return float(np.quantile(gain, GAIN_QUANTILE))

    return bound
