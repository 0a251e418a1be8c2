"""What the mission planner takes and returns: per-cell arrays, the agency's planning policy, and a
plan that records every score, driver, reason and random draw needed to explain and reproduce it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

NO_BEAT = -1  # beat index of a cell outside every beat: never planned
MISSIONS_PER_BEAT_DEFAULT = 3
TEMPERATURE_DEFAULT = 1.0  # 1: chance proportional to score; 0: strictly the top boxes
CONTROL_SHARE_MAX = 0.5  # at most half of a beat's candidate pool may be held back as controls
DOSE_MINUTES_DEFAULT = 15.0  # minutes in a box that make one full dose
DOSE_SCORE_FACTOR_DEFAULT = 0.5  # score multiplier per full dose received within the memory window
MAX_CONSECUTIVE_SHIFTS_DEFAULT = 3  # shifts in a row a box may be a mission
CANDIDATE_POOL_PER_MISSION_DEFAULT = 5.0  # pool = this × missions per beat best eligible boxes
MAX_BOX_SHARE_PER_WEEK_DEFAULT = 1.0  # 1: no cap on one box's share of its beat's weekly missions
MIN_BOXES_PER_BEAT_WEEK_DEFAULT = 0  # 0: no minimum spread
MIN_HARM_SHARE_DEFAULT = 0.0  # 0: every box with some harm may be drawn
MIN_HARM_SHARE_MAX = (
    1.0  # above the typical beat's best box would leave most beats without missions
)


class PlanningError(ValueError):
    """The inputs or the policy cannot make a plan."""


@dataclass(frozen=True, eq=False)
class PlanningInputs:
    """One shift's forecast on the grid. Arrays are per cell (rows of `expected`) or per crime type.

    `recent_dose_minutes` is the dosage within the policy's memory window, `consecutive_shifts` how
    many shifts in a row the box has just been a mission, `week_missions` how many missions the box
    had in the 7 days before the shift (for the weekly share cap and spread); `reasons` holds each cell's "why this box"
    reasons (a sequence per cell, or a mapping cell index → reasons; reason data as
    forecasting/engine/reasons.py defines it), carried unchanged into missions.
    """

    cell_ids: np.ndarray
    beat: np.ndarray
    expected: np.ndarray
    crime_types: tuple[str, ...]
    severity_weight: np.ndarray
    patrol_efficacy: np.ndarray
    recent_dose_minutes: np.ndarray = None  # type: ignore[assignment]  # None: zeros (__post_init__)
    consecutive_shifts: np.ndarray = None  # type: ignore[assignment]  # None: zeros (__post_init__)
    week_missions: np.ndarray = None  # type: ignore[assignment]  # None: zeros (__post_init__)
    suppressed: np.ndarray = None  # type: ignore[assignment]  # None: zeros (__post_init__)
    reasons: Sequence[Sequence[Mapping]] | Mapping[int, Sequence[Mapping]] | None = None
    beat_codes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        expected = np.asarray(self.expected, dtype=float)
        if expected.ndim != 2:
            raise PlanningError(f"expected must be cells × crime types, got shape {expected.shape}")
        n, t = expected.shape
        self._set("expected", expected)
        self._set("cell_ids", _per_cell(self.cell_ids, n, "cell_ids", object))
        self._set("beat", _per_cell(self.beat, n, "beat", np.int64))
        self._set("crime_types", tuple(str(c) for c in self.crime_types))
        for name in ("severity_weight", "patrol_efficacy"):
            arr = np.asarray(getattr(self, name), dtype=float)
            if arr.shape != (t,):
                raise PlanningError(
                    f"{name} must have one value per crime type ({t}), got {arr.shape}"
                )
            _check_non_negative(arr, name)
            self._set(name, arr)
        if len(self.crime_types) != t:
            raise PlanningError(f"{len(self.crime_types)} crime types named for {t} columns")
        self._set(
            "recent_dose_minutes",
            _per_cell(self.recent_dose_minutes, n, "recent_dose_minutes", float),
        )
        self._set(
            "consecutive_shifts",
            _per_cell(self.consecutive_shifts, n, "consecutive_shifts", np.int64),
        )
        self._set("week_missions", _per_cell(self.week_missions, n, "week_missions", np.int64))
        self._set("suppressed", _per_cell(self.suppressed, n, "suppressed", bool))
        _check_non_negative(expected, "expected")
        _check_non_negative(self.recent_dose_minutes, "recent_dose_minutes")
        _check_non_negative(self.consecutive_shifts, "consecutive_shifts")
        _check_non_negative(self.week_missions, "week_missions")
        if n and self.beat.min() < NO_BEAT:
            raise PlanningError(f"beat indices must be >= {NO_BEAT}")
        self._set("beat_codes", tuple(str(c) for c in self.beat_codes))
        if self.beat_codes and n and self.beat.max() >= len(self.beat_codes):
            raise PlanningError(
                f"beat index {self.beat.max()} has no code ({len(self.beat_codes)} given)"
            )
        if (
            self.reasons is not None
            and not isinstance(self.reasons, Mapping)
            and len(self.reasons) != n
        ):
            raise PlanningError(
                f"reasons must have one entry per cell ({n}), got {len(self.reasons)}"
            )

    @property
    def n_cells(self) -> int:
        return int(self.expected.shape[0])

    @cached_property
    def n_beats(self) -> int:
        top = int(self.beat.max()) + 1 if self.n_cells else 0
        return max(len(self.beat_codes), top)

    @cached_property
    def type_weight(self) -> np.ndarray:
        """Harm prevented per expected incident of each type: severity weight × patrol efficacy."""
        return self.severity_weight * self.patrol_efficacy

    @cached_property
    def id_rank(self) -> np.ndarray:
        """Position of each cell id in sorted order: the tie-break that survives a grid rebuild."""
        rank = np.empty(self.n_cells, dtype=np.int64)
        rank[np.argsort(self.cell_ids.astype(str), kind="stable")] = np.arange(self.n_cells)
        return rank

    def beat_code(self, beat: int) -> str:
        return self.beat_codes[beat] if self.beat_codes else str(beat)

    def reasons_for(self, cell: int) -> tuple[Mapping, ...]:
        if self.reasons is None:
            return ()
        if isinstance(self.reasons, Mapping):
            return tuple(self.reasons.get(cell, ()))
        return tuple(self.reasons[cell])

    def _set(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)


@dataclass(frozen=True)
class PlanningPolicy:
    """How an agency turns scores into missions. `missions_per_beat` is one number or one per beat."""

    missions_per_beat: int | tuple[int, ...] = MISSIONS_PER_BEAT_DEFAULT
    temperature: float = TEMPERATURE_DEFAULT
    control_share: float = 0.0
    dose_minutes: float = DOSE_MINUTES_DEFAULT
    dose_score_factor: float = DOSE_SCORE_FACTOR_DEFAULT
    max_consecutive_shifts: int = MAX_CONSECUTIVE_SHIFTS_DEFAULT
    candidate_pool_per_mission: float = CANDIDATE_POOL_PER_MISSION_DEFAULT
    # Concentration limits over the 7 days before the shift: one box may hold at most this share
    # of its beat's missions (counting this shift's), and each beat must have used at least this
    # many different boxes (new boxes are swapped in until it has, or this shift's missions run out).
    max_box_share_per_week: float = MAX_BOX_SHARE_PER_WEEK_DEFAULT
    min_boxes_per_beat_week: int = MIN_BOXES_PER_BEAT_WEEK_DEFAULT
    # Only boxes whose preventable harm is at least this share of the agency's typical harm (the
    # median over beats of each beat's best box) are drawn: a quiet beat gets fewer or no missions.
    min_harm_share: float = MIN_HARM_SHARE_DEFAULT

    def __post_init__(self) -> None:
        per_beat = self.missions_per_beat
        if isinstance(per_beat, int | np.integer):
            per_beat = int(per_beat)
            counts: tuple[int, ...] = (per_beat,)
        else:
            per_beat = counts = tuple(int(c) for c in np.asarray(per_beat).ravel())
        object.__setattr__(self, "missions_per_beat", per_beat)
        if any(c < 0 for c in counts):
            raise PlanningError("missions_per_beat must be >= 0")
        if not (math.isfinite(self.temperature) and self.temperature >= 0):
            raise PlanningError(
                f"temperature must be a finite number >= 0, got {self.temperature!r}"
            )
        if not 0 <= self.control_share <= CONTROL_SHARE_MAX:
            raise PlanningError(
                f"control_share must lie in [0, {CONTROL_SHARE_MAX}], got {self.control_share!r}"
            )
        if not (math.isfinite(self.dose_minutes) and self.dose_minutes > 0):
            raise PlanningError(f"dose_minutes must be > 0, got {self.dose_minutes!r}")
        if not 0 < self.dose_score_factor <= 1:
            raise PlanningError(
                f"dose_score_factor must lie in (0, 1], got {self.dose_score_factor!r}"
            )
        if self.max_consecutive_shifts < 1:
            raise PlanningError("max_consecutive_shifts must be >= 1")
        if not (
            math.isfinite(self.candidate_pool_per_mission) and self.candidate_pool_per_mission >= 1
        ):
            raise PlanningError("candidate_pool_per_mission must be >= 1")
        if not 0 < self.max_box_share_per_week <= 1:
            raise PlanningError(
                f"max_box_share_per_week must lie in (0, 1], got {self.max_box_share_per_week!r}"
            )
        if self.min_boxes_per_beat_week < 0:
            raise PlanningError("min_boxes_per_beat_week must be >= 0")
        if not 0 <= self.min_harm_share <= MIN_HARM_SHARE_MAX:
            raise PlanningError(
                f"min_harm_share must lie in [0, {MIN_HARM_SHARE_MAX}], got {self.min_harm_share!r}"
            )

    def capacity(self, n_beats: int) -> np.ndarray:
        """Missions per beat as an array of length `n_beats`."""
        if isinstance(self.missions_per_beat, int):
            return np.full(n_beats, self.missions_per_beat, dtype=np.int64)
        if len(self.missions_per_beat) != n_beats:
            raise PlanningError(
                f"missions_per_beat has {len(self.missions_per_beat)} values for {n_beats} beats"
            )
        return np.asarray(self.missions_per_beat, dtype=np.int64)


@dataclass(frozen=True)
class Driver:
    """A crime type's part of a box's score (before dosage lowering)."""

    crime_type: str
    contribution: float  # severity weight × patrol efficacy × expected count
    share: float  # of the box's raw score; a mission's shares sum to 1


@dataclass(frozen=True)
class PlannedMission:
    cell_index: int
    cell_id: str
    beat: int
    rank: int  # 1-based within the beat: forced missions first, then in draw order
    score: float  # after dosage lowering
    raw_score: float  # preventable harm before dosage lowering
    drivers: tuple[Driver, ...]  # largest contribution first
    reasons: tuple[Mapping, ...]
    forced: bool  # added by an analyst or already started; not drawn
    draw: float | None  # uniform draw behind the sampling key; None when not drawn
    probability: float  # chance at its step of the one-at-a-time draw; 1 when forced or top-k


@dataclass(frozen=True)
class ControlBox:
    """An eligible box held back for evaluation: recorded, never patrolled, never also a mission."""

    cell_index: int
    cell_id: str
    beat: int
    score: float
    raw_score: float
    draw: float


@dataclass(frozen=True)
class BeatDraw:
    """How one beat was drawn: its own seed, so any beat can be re-run alone."""

    beat: int
    beat_code: str
    seed_hex: str
    capacity: int
    eligible: int  # eligible boxes in the beat, forced ones excluded
    pool_size: int  # best eligible boxes the controls and missions were drawn from
    forced: int
    best_harm: float = 0.0  # the beat's highest preventable harm (before dosage lowering)
    note: str = (
        ""  # why the beat has fewer missions than its capacity, when the minimum harm is why
    )


@dataclass(frozen=True)
class Plan:
    seed_material: str
    seed_hex: str  # sha256 of the seed material
    policy: PlanningPolicy
    typical_harm: float = 0.0  # median over beats of each beat's best box harm
    minimum_harm: float = 0.0  # policy.min_harm_share × typical_harm: boxes below are not drawn
    missions: list[PlannedMission] = field(default_factory=list)
    controls: list[ControlBox] = field(default_factory=list)
    beats: list[BeatDraw] = field(default_factory=list)

    def missions_in(self, beat: int) -> list[PlannedMission]:
        return [m for m in self.missions if m.beat == beat]

    def controls_in(self, beat: int) -> list[ControlBox]:
        return [c for c in self.controls if c.beat == beat]


def _per_cell(values: ArrayLike | None, n: int, name: str, dtype: DTypeLike) -> np.ndarray:
    if values is None:
        return np.zeros(n, dtype=dtype)
    arr = np.asarray(values, dtype=dtype)
    if arr.shape != (n,):
        raise PlanningError(f"{name} must have one value per cell ({n}), got shape {arr.shape}")
    return arr


def _check_non_negative(arr: np.ndarray, name: str) -> None:
    if arr.size and not (np.all(np.isfinite(arr)) and arr.min() >= 0):
        raise PlanningError(f"{name} must be finite and >= 0")
