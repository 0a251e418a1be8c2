"""An optional true mission effect and a simulated trial of missions and control boxes on the demo
city's true intensity: the ground truth that the evaluation statistics must recover (pure numpy).

The history is generated before missions exist, so the effect is applied here, shift by shift, to
boxes chosen the way the planner chooses them: a pool of the best boxes per beat, a uniform random
share held back as controls, the best of the rest dosed."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MISSION_EFFECT_DEFAULT = -0.2  # a dosed box has 20 % fewer incidents during the shift
MISSIONS_PER_BEAT_DEFAULT = 3
CONTROL_SHARE_DEFAULT = 0.2
POOL_PER_MISSION_DEFAULT = 5.0  # as the planner: pool = 5 × missions per beat best boxes


@dataclass(frozen=True, eq=False)
class Trial:
    """One row per mission or control box-shift."""

    shift: np.ndarray  # shift index (column of the intensity)
    cell: np.ndarray  # cell index (row of the intensity)
    is_mission: np.ndarray  # False: a control box
    forecast: np.ndarray  # expected incidents the planner saw
    count: np.ndarray  # incidents that happened


def dosed_intensity(intensity: np.ndarray, dosed: np.ndarray, effect: float) -> np.ndarray:
    """The intensity with `effect` (−0.2 = −20 %) applied where `dosed` is true."""
    if effect <= -1:
        raise ValueError("effect must be above -1 (a box cannot have negative crime)")
    return np.where(dosed, intensity * (1.0 + effect), intensity)


def simulate_mission_trial(
    intensity: np.ndarray,
    beat: np.ndarray,
    *,
    effect: float = MISSION_EFFECT_DEFAULT,
    missions_per_beat: int = MISSIONS_PER_BEAT_DEFAULT,
    control_share: float = CONTROL_SHARE_DEFAULT,
    pool_per_mission: float = POOL_PER_MISSION_DEFAULT,
    seed: int = 0,
) -> Trial:
    """Missions and controls per beat and shift on `intensity` (cells × shifts, used as the
    forecast too), and incidents drawn from the dosed intensity."""
    rng = np.random.default_rng(seed)
    n_cells, n_shifts = intensity.shape
    dosed = np.zeros_like(intensity, dtype=bool)
    rows: list[tuple[int, int, bool]] = []
    pool_size = math.ceil(pool_per_mission * missions_per_beat)
    beats = [np.flatnonzero(beat == b) for b in np.unique(beat[beat >= 0])]
    for s in range(n_shifts):
        for cells in beats:
            pool = cells[np.argsort(-intensity[cells, s], kind="stable")[:pool_size]]
            wanted = control_share * pool.size
            n_controls = int(math.floor(wanted)) + int(rng.random() < wanted - math.floor(wanted))
            held = rng.permutation(pool.size)[:n_controls]
            keep = np.ones(pool.size, dtype=bool)
            keep[held] = False
            missions = pool[keep][:missions_per_beat]  # the pool is sorted: the best of the rest
            dosed[missions, s] = True
            rows += [(s, int(c), True) for c in missions] + [(s, int(c), False) for c in pool[held]]
    counts = rng.poisson(dosed_intensity(intensity, dosed, effect))
    shift, cell, is_mission = (np.array(v) for v in zip(*rows, strict=True))
    return Trial(
        shift=shift,
        cell=cell,
        is_mission=is_mission.astype(bool),
        forecast=intensity[cell, shift],
        count=counts[cell, shift],
    )
