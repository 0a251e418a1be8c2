"""Turns one shift's forecast into patrol missions per beat: score, lower for recent dosage, hold back
controls, sample the rest. Pure numpy (no Django): the same inputs and seed material give the same plan."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from missions.planner_types import (
    NO_BEAT,
    BeatDraw,
    ControlBox,
    Driver,
    Plan,
    PlannedMission,
    PlanningError,
    PlanningInputs,
    PlanningPolicy,
)

__all__ = [
    "BeatDraw",
    "ControlBox",
    "Driver",
    "Plan",
    "PlannedMission",
    "PlanningError",
    "PlanningInputs",
    "PlanningPolicy",
    "beat_generator",
    "best_harm_per_beat",
    "dose_factor",
    "plan",
    "preventable_harm",
    "shift_seed_material",
    "under_weekly_share",
]

SEED_FIELD_SEPARATOR = "|"
# Separates the shift seed from the beat code, so "seed + beat code" cannot spell another seed.
BEAT_SEED_LABEL = b"\x00beat\x00"
# Per drawn mission, the uniform draw behind its sampling key; None where nothing was drawn
# (temperature 0, a box swapped in for spread).
Draws = np.ndarray | list[float | None]


def plan(
    inputs: PlanningInputs,
    policy: PlanningPolicy,
    *,
    seed_material: str | bytes,
    forced: Mapping[int, Sequence[int]] | None = None,
    beats: Iterable[int] | None = None,
) -> Plan:
    """Missions and control boxes for one shift.

    `forced` maps a beat index to cell indices that must be missions (analyst additions, missions
    already started): they fill the beat's capacity first, are never dropped (even past capacity)
    and are kept out of every beat's sampling and controls. `beats` restricts planning to some beats;
    each beat has its own generator, so the result for a beat never depends on the others.
    """
    seed = hashlib.sha256(_as_bytes(seed_material)).digest()
    capacity = policy.capacity(inputs.n_beats)
    forced_by_beat = _forced_by_beat(forced, inputs)
    beat_list = range(inputs.n_beats) if beats is None else sorted({int(b) for b in beats})

    raw = preventable_harm(inputs)
    score = raw * dose_factor(inputs.recent_dose_minutes, policy)
    best_harm = best_harm_per_beat(inputs, raw)
    has_boxes = np.bincount(inputs.beat[inputs.beat != NO_BEAT], minlength=inputs.n_beats) > 0
    typical_harm = float(np.median(best_harm[has_boxes])) if has_boxes.any() else 0.0
    minimum_harm = policy.min_harm_share * typical_harm
    is_forced = np.zeros(inputs.n_cells, dtype=bool)
    for cells in forced_by_beat.values():
        is_forced[cells] = True
    eligible_any_harm = (
        (inputs.beat != NO_BEAT)
        & ~inputs.suppressed
        & (inputs.consecutive_shifts < policy.max_consecutive_shifts)
        & under_weekly_share(inputs, capacity, policy)
        & (score > 0)
        & ~is_forced
    )
    eligible = eligible_any_harm & (raw >= minimum_harm)
    in_beat = inputs.beat != NO_BEAT
    eligible_any_count = np.bincount(
        inputs.beat[in_beat & eligible_any_harm], minlength=inputs.n_beats
    )
    # One sort for the whole grid: by beat, best score first, ties by cell id (not by cell order,
    # which changes when the grid is rebuilt).
    candidates = np.flatnonzero(eligible)
    order = np.lexsort((inputs.id_rank[candidates], -score[candidates], inputs.beat[candidates]))
    ranked = candidates[order]
    ranked_beat = inputs.beat[ranked]
    beat_ids = np.arange(inputs.n_beats)
    starts = np.searchsorted(ranked_beat, beat_ids, side="left")
    ends = np.searchsorted(ranked_beat, beat_ids, side="right")

    missions: list[PlannedMission] = []
    controls: list[ControlBox] = []
    draws: list[BeatDraw] = []
    for b in beat_list:
        if not 0 <= b < inputs.n_beats:
            raise PlanningError(f"beat {b} is not a beat index (0..{inputs.n_beats - 1})")
        code = inputs.beat_code(b)
        beat_seed = _beat_seed(seed, code)
        rng = np.random.Generator(np.random.PCG64(int.from_bytes(beat_seed, "big")))
        beat_forced = forced_by_beat.get(b, np.empty(0, dtype=np.int64))
        cap = int(capacity[b])
        eligible_here = ranked[starts[b] : ends[b]]
        pool = eligible_here[: _pool_size(cap, policy, eligible_here.size)]
        control_cells, control_u, pool = _draw_controls(pool, policy.control_share, rng)
        k = max(cap - beat_forced.size, 0)
        chosen, chosen_u, chosen_p = _draw_missions(pool, score[pool], k, policy.temperature, rng)
        chosen, chosen_u, chosen_p = _spread(
            inputs,
            policy,
            chosen,
            chosen_u,
            chosen_p,
            candidates=eligible_here[~np.isin(eligible_here, control_cells)],
        )

        rank = 0
        for cell in beat_forced:
            rank += 1
            missions.append(_mission(inputs, raw, score, cell, b, rank, True, None, 1.0))
        for cell, u, p in zip(chosen, chosen_u, chosen_p, strict=True):
            rank += 1
            missions.append(_mission(inputs, raw, score, cell, b, rank, False, u, p))
        controls.extend(
            ControlBox(
                cell_index=int(cell),
                cell_id=str(inputs.cell_ids[cell]),
                beat=b,
                score=float(score[cell]),
                raw_score=float(raw[cell]),
                draw=float(u),
            )
            for cell, u in zip(control_cells, control_u, strict=True)
        )
        # The minimum harm left the beat short when more boxes were eligible without it.
        short = chosen.size < k and eligible_any_count[b] > eligible_here.size
        draws.append(
            BeatDraw(
                beat=b,
                beat_code=code,
                seed_hex=beat_seed.hex(),
                capacity=cap,
                eligible=int(eligible_here.size),
                pool_size=int(pool.size + control_cells.size),
                forced=int(beat_forced.size),
                best_harm=float(best_harm[b]),
                note=_short_note(
                    code,
                    chosen.size,
                    k,
                    int(eligible_here.size),
                    int(beat_forced.size),
                    best_harm[b],
                    minimum_harm,
                )
                if short
                else "",
            )
        )
    return Plan(
        seed_material=_as_bytes(seed_material).decode("utf-8", errors="replace"),
        seed_hex=seed.hex(),
        policy=policy,
        typical_harm=typical_harm,
        minimum_harm=minimum_harm,
        missions=missions,
        controls=controls,
        beats=draws,
    )


def preventable_harm(inputs: PlanningInputs) -> np.ndarray:
    """Score per cell before dosage lowering: Σ over crime types of weight × efficacy × expected count."""
    return inputs.expected @ inputs.type_weight


def best_harm_per_beat(inputs: PlanningInputs, raw: np.ndarray) -> np.ndarray:
    """Each beat's highest preventable harm over its boxes (0 for a beat without boxes)."""
    best = np.zeros(inputs.n_beats)
    in_beat = inputs.beat != NO_BEAT
    np.maximum.at(best, inputs.beat[in_beat], raw[in_beat])
    return best


def under_weekly_share(
    inputs: PlanningInputs, capacity: np.ndarray, policy: PlanningPolicy
) -> np.ndarray:
    """Per cell: may it be a mission again without holding more than the policy's share of its
    beat's missions over the week (the week's missions so far plus this shift's)? A box always
    may take one mission, so a small beat is never left without boxes."""
    if policy.max_box_share_per_week >= 1:
        return np.ones(inputs.n_cells, dtype=bool)
    in_beat = inputs.beat != NO_BEAT
    beat_week = np.bincount(
        inputs.beat[in_beat], weights=inputs.week_missions[in_beat], minlength=inputs.n_beats
    )
    beat_of_cell = np.where(in_beat, inputs.beat, 0)
    allowance = np.floor(policy.max_box_share_per_week * (beat_week + capacity))[beat_of_cell]
    return inputs.week_missions < np.maximum(allowance, 1)


def dose_factor(recent_dose_minutes: np.ndarray, policy: PlanningPolicy) -> np.ndarray:
    """Score multiplier per cell: `dose_score_factor` per full dose received within the memory window."""
    doses = np.asarray(recent_dose_minutes, dtype=float) / policy.dose_minutes
    return np.power(policy.dose_score_factor, doses)


def shift_seed_material(*, date: str, shift: str, model_version: str) -> str:
    """The text every view of a shift's plan seeds from: local date (ISO), shift name, model version."""
    for name, value in (("date", date), ("shift", shift), ("model_version", model_version)):
        if SEED_FIELD_SEPARATOR in value:
            raise PlanningError(f"{name} may not contain {SEED_FIELD_SEPARATOR!r}: {value!r}")
    return SEED_FIELD_SEPARATOR.join((date, shift, model_version))


def beat_generator(seed_material: str | bytes, beat_code: str) -> np.random.Generator:
    """The generator `plan` uses for one beat (fresh, before any draw) — for audits and re-runs."""
    seed = hashlib.sha256(_as_bytes(seed_material)).digest()
    return np.random.Generator(np.random.PCG64(int.from_bytes(_beat_seed(seed, beat_code), "big")))


# --- helpers ---------------------------------------------------------------------------------------


def _as_bytes(material: str | bytes) -> bytes:
    if isinstance(material, bytes):
        return material
    if isinstance(material, str):
        return material.encode("utf-8")
    raise PlanningError(f"seed_material must be str or bytes, got {type(material).__name__}")


def _beat_seed(seed: bytes, beat_code: str) -> bytes:
    return hashlib.sha256(seed + BEAT_SEED_LABEL + beat_code.encode("utf-8")).digest()


def _forced_by_beat(
    forced: Mapping[int, Sequence[int]] | None, inputs: PlanningInputs
) -> dict[int, np.ndarray]:
    out: dict[int, np.ndarray] = {}
    for beat, cells in (forced or {}).items():
        b = int(beat)
        if not 0 <= b < inputs.n_beats:
            raise PlanningError(f"forced cells given for beat {beat!r}, not a beat index")
        idx = np.asarray(cells, dtype=np.int64).ravel()
        if idx.size and (idx.min() < 0 or idx.max() >= inputs.n_cells):
            raise PlanningError(f"forced cells for beat {b} are not all cell indices")
        _, first = np.unique(idx, return_index=True)
        out[b] = idx[np.sort(first)]  # drop repeats, keep the caller's order
    return out


def _pool_size(capacity: int, policy: PlanningPolicy, available: int) -> int:
    return min(available, math.ceil(policy.candidate_pool_per_mission * capacity))


def _draw_controls(
    pool: np.ndarray, share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hold back a uniform random share of the pool (stochastic rounding keeps the mean share exact).

    Uniform, not score-weighted: at temperature 0 a weighted draw would always hold back the very
    top boxes. The evaluation compares outcomes relative to the recorded scores.
    """
    empty = np.empty(0, dtype=np.int64)
    if share <= 0 or pool.size == 0:
        return empty, np.empty(0), pool
    wanted = share * pool.size
    n = int(math.floor(wanted)) + int(rng.random() < wanted - math.floor(wanted))
    if n == 0:
        return empty, np.empty(0), pool
    u = rng.random(pool.size)
    picked = np.argsort(u, kind="stable")[:n]
    keep = np.ones(pool.size, dtype=bool)
    keep[picked] = False
    return pool[picked], u[picked], pool[keep]


def _draw_missions(
    pool: np.ndarray, score: np.ndarray, k: int, temperature: float, rng: np.random.Generator
) -> tuple[np.ndarray, Draws, np.ndarray]:
    """k boxes without replacement, P ∝ (score / max)^(1/temperature), via Gumbel-top-k keys.

    Returns the cells in draw order, the uniform draw behind each key, and the probability each
    had at its step of the equivalent one-at-a-time draw. Temperature 0: the top k, no draws.
    """
    k = min(k, pool.size)
    if k == 0:
        return pool[:0], np.empty(0), np.empty(0)
    if temperature == 0:
        return pool[:k], [None] * k, np.ones(k)
    log_w = np.log(score / score.max()) / temperature
    u = rng.random(pool.size)
    with np.errstate(divide="ignore"):  # u == 0 gives key -inf: never picked, as it should be
        key = log_w - np.log(-np.log(u))
    order = np.argsort(-key, kind="stable")[:k]
    w = np.exp(log_w)
    taken_before = np.concatenate(([0.0], np.cumsum(w[order])[:-1]))
    prob = np.clip(w[order] / np.maximum(w.sum() - taken_before, np.finfo(float).tiny), 0.0, 1.0)
    return pool[order], u[order], prob


def _spread(
    inputs: PlanningInputs,
    policy: PlanningPolicy,
    chosen: np.ndarray,
    draws: Draws,
    probs: np.ndarray,
    *,
    candidates: np.ndarray,
) -> tuple[np.ndarray, Draws, np.ndarray]:
    """Swap the last-drawn missions for the best boxes the beat has not used this week, until the
    beat has used the policy's minimum number of boxes (or every mission of this shift is new)."""
    if policy.min_boxes_per_beat_week <= 0 or chosen.size == 0:
        return chosen, draws, probs
    beat = inputs.beat[chosen[0]]
    used = int(np.count_nonzero(inputs.week_missions[inputs.beat == beat]))
    new = inputs.week_missions[chosen] == 0
    missing = min(policy.min_boxes_per_beat_week - used, chosen.size) - int(new.sum())
    if missing <= 0:
        return chosen, draws, probs
    fresh = candidates[(inputs.week_missions[candidates] == 0) & ~np.isin(candidates, chosen)]
    chosen, draws, probs = chosen.copy(), list(draws), np.asarray(probs, dtype=float).copy()
    # `candidates` come best score first, so the best unused boxes replace the last drawn old ones.
    for slot, cell in zip(np.flatnonzero(~new)[-missing:], fresh, strict=False):
        chosen[slot], draws[slot], probs[slot] = cell, None, 1.0
    return chosen, draws, probs


def _short_note(
    code: str, drawn: int, wanted: int, above: int, forced: int, best: float, minimum: float
) -> str:
    """Why a beat has fewer missions than its capacity, in the words the shift page shows."""
    if drawn == 0 and best < minimum:
        what = "no drawn mission" if forced else "no mission"
        return (
            f"Beat {code}: {what} — best box harm {_harm(best)}, below the minimum {_harm(minimum)}"
        )
    return (
        f"Beat {code}: {drawn} drawn mission{'s' if drawn != 1 else ''} instead of {wanted} — "
        f"only {above} box{'es' if above != 1 else ''} at or above the minimum harm {_harm(minimum)}"
    )


def _harm(value: float) -> str:
    """Two significant digits for the small numbers harm usually is, whole numbers above 10."""
    return f"{value:.2g}" if value < 10 else f"{value:.0f}"


def _mission(
    inputs: PlanningInputs,
    raw: np.ndarray,
    score: np.ndarray,
    cell: int,
    beat: int,
    rank: int,
    forced: bool,
    draw: float | None,
    probability: float,
) -> PlannedMission:
    cell = int(cell)
    contribution = inputs.expected[cell] * inputs.type_weight
    total = float(contribution.sum())
    drivers: tuple[Driver, ...] = ()
    if total > 0:
        order = np.argsort(-contribution, kind="stable")
        drivers = tuple(
            Driver(inputs.crime_types[t], float(contribution[t]), float(contribution[t] / total))
            for t in order
            if contribution[t] > 0
        )
    return PlannedMission(
        cell_index=cell,
        cell_id=str(inputs.cell_ids[cell]),
        beat=beat,
        rank=rank,
        score=float(score[cell]),
        raw_score=float(raw[cell]),
        drivers=drivers,
        reasons=inputs.reasons_for(cell),
        forced=forced,
        draw=None if draw is None else float(draw),
        probability=float(probability),
    )
