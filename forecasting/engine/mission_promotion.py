"""Promotion on what the missions capture: starting from each type's PAI leader, a type falls back to
its best counting rule when the planner, fed by the types summed with that swap, draws boxes that
capture more harm-weighted crime over the selection shifts. docs/adr/0034-per-type-calibration.md."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from .mission_capture import HARM_WEIGHTED, MissionSetup, capture_by_type

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
) -> tuple[dict[str, str], np.ndarray, dict]:
    """(promoted model per type, the boxes it draws, the record of the trials).
    `leaders`: each type's PAI leader; `counts_drawn`: each counting rule's boxes (all types
    counted). Types are tried heaviest weight first, each once: the swap to the count that captures
    the most of that type in its own boxes is kept when it raises the harm-weighted capture."""
    cats = list(observed)
    mix = dict(leaders)
    counts = {name: capture_by_type(boxes, observed, setup) for name, boxes in counts_drawn.items()}
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
        kept = (trial_score[HARM_WEIGHTED] or 0.0) > (score[HARM_WEIGHTED] or 0.0)
        trials.append({"promoted": dict(trial), "capture": trial_score, "kept": kept})
        if kept:
            mix, boxes, score = trial, trial_boxes, trial_score
    record = {
        "by": "harm-weighted capture of the drawn missions",
        "pai_leaders": dict(leaders),
        "counts_capture": counts,
        "trials": trials,
    }
    return mix, boxes, record
