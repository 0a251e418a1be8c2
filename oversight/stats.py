"""Concentration, exposure and mission-evaluation statistics on plain arrays (numpy/scipy, no Django).
Every function takes counts and returns numbers a report can print; tests check them on hand-made cases."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

CONFIDENCE_DEFAULT = 0.95
POWER_DEFAULT = 0.8
TOP_SHARE_DEFAULT = 0.01  # "the top 1 % of boxes"
RISK_BANDS_DEFAULT = 4  # quartiles of forecast risk
MIN_INCIDENTS_PER_GROUP = 10  # below this the page says the data cannot yet tell
RING_OFFSETS = tuple((dc, dr) for dc in (-1, 0, 1) for dr in (-1, 0, 1) if (dc, dr) != (0, 0))
_RATIO_BOUNDS = (1e-6, 1e6)  # search range of the rate ratio when inverting the exact test


# --- concentration ---------------------------------------------------------------------------------


def gini(values: Iterable[float]) -> float:
    """Gini coefficient of non-negative values: 0 when all are equal, (n-1)/n when one holds all.

    Boxes that got nothing must be passed as zeros: leaving them out hides concentration."""
    x = np.sort(np.asarray(list(values), dtype=float))
    if x.size == 0 or x.sum() <= 0:
        return 0.0
    if x[0] < 0:
        raise ValueError("gini needs non-negative values")
    n = x.size
    ranks = np.arange(1, n + 1)
    return float(2 * np.sum(ranks * x) / (n * x.sum()) - (n + 1) / n)


def top_share(values: Iterable[float], share: float = TOP_SHARE_DEFAULT) -> float:
    """Share of the total held by the top `share` of units (at least one unit)."""
    x = np.sort(np.asarray(list(values), dtype=float))[::-1]
    if x.size == 0 or x.sum() <= 0:
        return 0.0
    k = max(1, math.ceil(share * x.size))
    return float(x[:k].sum() / x.sum())


def longest_run(indices: Iterable[int]) -> int:
    """Length of the longest run of consecutive integers (e.g. shift numbers a box was a mission)."""
    s = np.unique(np.asarray(list(indices), dtype=np.int64))
    if s.size == 0:
        return 0
    breaks = np.flatnonzero(np.diff(s) != 1)
    edges = np.concatenate(([-1], breaks, [s.size - 1]))
    return int(np.diff(edges).max())


def units_in_every_period(
    periods_by_unit: Mapping[object, Iterable[int]], periods: Sequence[int]
) -> list:
    """The units (boxes) present in every one of `periods` (weeks); none when there are no periods."""
    wanted = set(periods)
    if not wanted:
        return []
    return sorted((u for u, p in periods_by_unit.items() if wanted <= set(p)), key=str)


# --- exposure against crime and area -------------------------------------------------------------


@dataclass(frozen=True)
class ExposureRow:
    name: str
    minutes: float
    missions: int
    incidents: int
    boxes: int
    residents: float | None
    minute_share: float
    crime_share: float
    area_share: float
    exposure_to_crime: float | None  # minute share ÷ crime share; 1 = patrol in line with crime
    minutes_per_1000_residents: float | None


def exposure_table(
    names: Sequence[str],
    *,
    minutes: Sequence[float] | np.ndarray,
    missions: Sequence[int] | np.ndarray,
    incidents: Sequence[int] | np.ndarray,
    boxes: Sequence[int] | np.ndarray,
    residents: Sequence[float] | np.ndarray | None = None,
) -> list[ExposureRow]:
    """Each area's share of patrol minutes next to its share of incidents and of boxes (area)."""
    m, c, a = (np.asarray(v, dtype=float) for v in (minutes, incidents, boxes))
    shares = [_shares(v) for v in (m, c, a)]
    rows = []
    for i, name in enumerate(names):
        ms, cs, as_ = (float(s[i]) for s in shares)
        res = None if residents is None else float(residents[i])
        rows.append(
            ExposureRow(
                name=str(name),
                minutes=float(m[i]),
                missions=int(missions[i]),
                incidents=int(c[i]),
                boxes=int(a[i]),
                residents=res,
                minute_share=ms,
                crime_share=cs,
                area_share=as_,
                exposure_to_crime=ms / cs if cs > 0 else None,
                minutes_per_1000_residents=1000 * float(m[i]) / res if res else None,
            )
        )
    return rows


def capture_by_group(groups: Sequence[str], in_top: Sequence[bool]) -> dict[str, dict]:
    """Per group (district): incidents, those that fell in the forecast's top boxes, and the share."""
    out: dict[str, dict] = {}
    for g, hit in zip(groups, in_top, strict=True):
        row = out.setdefault(str(g), {"incidents": 0, "captured": 0})
        row["incidents"] += 1
        row["captured"] += int(bool(hit))
    for row in out.values():
        row["share"] = row["captured"] / row["incidents"] if row["incidents"] else None
    return dict(sorted(out.items()))


# --- evaluation: rate ratio of mission vs control boxes --------------------------------------------


@dataclass(frozen=True)
class RateRatio:
    """Incidents per box-shift in mission boxes ÷ in control boxes, within strata of forecast risk.

    Exact conditional Poisson: given a stratum's total, its mission count is binomial; the estimate is
    the conditional maximum likelihood and the interval inverts the exact test (no large-sample
    approximation, so it stays honest with few incidents)."""

    estimate: float | None
    low: float | None
    high: float | None
    p_value: float | None
    mission_incidents: int  # every incident of the mission box-shifts (what the other pages count)
    control_incidents: int
    compared_mission_incidents: int  # those in bands holding both groups: the ratio's data
    compared_control_incidents: int
    mission_exposure: float  # box-shifts, or incidents the forecast expected there
    control_exposure: float
    confidence: float = CONFIDENCE_DEFAULT

    @property
    def enough_data(self) -> bool:
        return (
            min(self.compared_mission_incidents, self.compared_control_incidents)
            >= MIN_INCIDENTS_PER_GROUP
        )

    @property
    def verdict(self) -> str:
        if self.estimate is None or not self.enough_data:
            return "not enough data yet"
        if self.low is not None and self.low > 1:
            return "more incidents in mission boxes"
        if self.high is not None and self.high < 1:
            return "fewer incidents in mission boxes"
        return "cannot tell yet: the interval includes no effect"

    def as_dict(self) -> dict:
        return {
            "rate_ratio": _round(self.estimate),
            "low": _round(self.low),
            "high": _round(self.high),
            "p_value": _round(self.p_value),
            "mission_incidents": self.mission_incidents,
            "control_incidents": self.control_incidents,
            "compared_mission_incidents": self.compared_mission_incidents,
            "compared_control_incidents": self.compared_control_incidents,
            "mission_exposure": self.mission_exposure,
            "control_exposure": self.control_exposure,
            "confidence": self.confidence,
            "enough_data": self.enough_data,
            "verdict": self.verdict,
        }


def conditional_rate_ratio(
    mission_counts: Sequence[int],
    mission_exposure: Sequence[float],
    control_counts: Sequence[int],
    control_exposure: Sequence[float],
    *,
    confidence: float = CONFIDENCE_DEFAULT,
) -> RateRatio:
    """Rate ratio over strata (one entry per stratum), its exact interval and two-sided p-value."""
    # SciPy is imported where it is used: at the top it cost every process's start (the URLconf
    # imports this module) half a second.
    from scipy import optimize

    a, ta, b, tb = (
        np.asarray(v, dtype=float)
        for v in (mission_counts, mission_exposure, control_counts, control_exposure)
    )
    usable = (ta > 0) & (tb > 0)  # a stratum without both groups says nothing about the ratio
    # Every incident is reported (the counts agree with the other pages'); the ratio reads the
    # usable strata only.
    base = dict(
        mission_incidents=int(a.sum()),
        control_incidents=int(b.sum()),
        compared_mission_incidents=int(a[usable].sum()),
        compared_control_incidents=int(b[usable].sum()),
        mission_exposure=round(float(ta[usable].sum()), 3),
        control_exposure=round(float(tb[usable].sum()), 3),
        confidence=confidence,
    )
    a, ta, b, tb = a[usable], ta[usable], b[usable], tb[usable]
    totals = (a + b).astype(np.int64)
    informative = totals > 0
    a, ta, tb, totals = a[informative], ta[informative], tb[informative], totals[informative]
    if totals.sum() == 0:
        return RateRatio(estimate=None, low=None, high=None, p_value=None, **base)
    observed = int(a.sum())
    n = int(totals.sum())

    def expected_minus_observed(log_ratio: float) -> float:
        return float(np.sum(totals * _mission_probability(math.exp(log_ratio), ta, tb)) - observed)

    lo, hi = (math.log(v) for v in _RATIO_BOUNDS)
    if observed == 0:
        estimate = 0.0
    elif observed == n:
        estimate = math.inf
    else:
        estimate = math.exp(optimize.brentq(expected_minus_observed, lo, hi))
    tail = (1 - confidence) / 2

    def upper_tail(log_ratio):  # P(A >= observed) − tail, increasing in the ratio
        pmf = _sum_of_binomials(totals, _mission_probability(math.exp(log_ratio), ta, tb))
        return float(pmf[observed:].sum()) - tail

    def lower_tail(log_ratio):  # P(A <= observed) − tail, decreasing in the ratio
        pmf = _sum_of_binomials(totals, _mission_probability(math.exp(log_ratio), ta, tb))
        return float(pmf[: observed + 1].sum()) - tail

    low = 0.0 if observed == 0 else math.exp(optimize.brentq(upper_tail, lo, hi))
    high = math.inf if observed == n else math.exp(optimize.brentq(lower_tail, lo, hi))
    null = _sum_of_binomials(totals, _mission_probability(1.0, ta, tb))
    p_value = min(1.0, 2 * min(float(null[: observed + 1].sum()), float(null[observed:].sum())))
    return RateRatio(estimate=estimate, low=low, high=high, p_value=p_value, **base)


def mission_effect(
    forecast: Sequence[float],
    is_mission: Sequence[bool],
    counts: Sequence[float],
    *,
    n_bands: int = RISK_BANDS_DEFAULT,
    confidence: float = CONFIDENCE_DEFAULT,
) -> RateRatio:
    """Rate ratio of mission vs control box-shifts, one row each: stratified by band of forecast
    risk, with the forecast's expected count as each box-shift's exposure, so a mission box that
    was expected to see twice the crime of a control counts as twice the exposure."""
    f = np.asarray(forecast, dtype=float)
    m = np.asarray(is_mission, dtype=bool)
    c = np.asarray(counts, dtype=float)
    band = risk_bands(f, f[~m], n_bands)
    size = int(band.max()) + 1 if band.size else 0
    sums = [np.bincount(band[g], weights=w[g], minlength=size) for g in (m, ~m) for w in (c, f)]
    return conditional_rate_ratio(*sums, confidence=confidence)


def risk_bands(
    scores: Sequence[float], edges_from: Sequence[float], n_bands: int = RISK_BANDS_DEFAULT
) -> np.ndarray:
    """Band (0 … n_bands-1) of each score, cut at quantiles of `edges_from` (the control boxes'
    scores, so that every band holds controls to compare with)."""
    ref = np.asarray(edges_from, dtype=float)
    if ref.size == 0:
        return np.zeros(len(scores), dtype=np.int64)
    cuts = np.unique(np.quantile(ref, np.linspace(0, 1, n_bands + 1)[1:-1]))
    return np.searchsorted(cuts, np.asarray(scores, dtype=float), side="right").astype(np.int64)


def stratified_counts(
    strata: Sequence[int], is_mission: Sequence[bool], counts: Sequence[float]
) -> tuple:
    """Per stratum: (mission incidents, mission box-shifts, control incidents, control box-shifts)."""
    s = np.asarray(strata, dtype=np.int64)
    m = np.asarray(is_mission, dtype=bool)
    c = np.asarray(counts, dtype=float)
    size = int(s.max()) + 1 if s.size else 0
    return (
        np.bincount(s[m], weights=c[m], minlength=size),
        np.bincount(s[m], minlength=size).astype(float),
        np.bincount(s[~m], weights=c[~m], minlength=size),
        np.bincount(s[~m], minlength=size).astype(float),
    )


def ring_counts(
    cols: Sequence[int], rows: Sequence[int], count_by_cell: Mapping[tuple[int, int], int]
) -> np.ndarray:
    """Incidents in the 8 boxes around each (col, row): where displaced crime would show."""
    return np.array(
        [
            sum(count_by_cell.get((int(c) + dc, int(r) + dr), 0) for dc, dr in RING_OFFSETS)
            for c, r in zip(cols, rows, strict=True)
        ],
        dtype=float,
    )


# --- power ---------------------------------------------------------------------------------------


def weeks_to_detect(
    effect: float,
    *,
    mission_box_shifts_per_week: float,
    control_box_shifts_per_week: float,
    incidents_per_box_shift: float,
    confidence: float = CONFIDENCE_DEFAULT,
    power: float = POWER_DEFAULT,
) -> float | None:
    """Weeks of data after which a true change of `effect` (−0.2 = 20 % fewer incidents in mission
    boxes) would be found with the given power, from the Poisson variance of the log rate ratio:
    var ≈ 1/(λ(1+effect)·M·W) + 1/(λ·N·W) must fall to (log(1+effect) / (z_α + z_β))²."""
    rate = incidents_per_box_shift
    if (
        effect == 0
        or effect <= -1
        or min(mission_box_shifts_per_week, control_box_shifts_per_week, rate) <= 0
    ):
        return None
    from scipy import stats

    z = stats.norm.ppf(1 - (1 - confidence) / 2) + stats.norm.ppf(power)
    per_week_variance = 1 / (rate * (1 + effect) * mission_box_shifts_per_week) + 1 / (
        rate * control_box_shifts_per_week
    )
    return float(z**2 * per_week_variance / math.log(1 + effect) ** 2)


# --- helpers ---------------------------------------------------------------------------------------


def _mission_probability(ratio: float, ta: np.ndarray, tb: np.ndarray) -> np.ndarray:
    return ratio * ta / (ratio * ta + tb)


def _sum_of_binomials(totals: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Probability mass of the sum of independent Binomial(totals[i], p[i])."""
    from scipy import signal, stats

    pmf = np.ones(1)
    for n, prob in zip(totals, p, strict=True):
        part = stats.binom.pmf(np.arange(n + 1), n, prob)
        pmf = (
            signal.fftconvolve(pmf, part)
            if pmf.size * part.size > 1_000_000
            else np.convolve(pmf, part)
        )
    pmf = np.clip(pmf, 0.0, None)
    return pmf / pmf.sum()


def _shares(v: np.ndarray) -> np.ndarray:
    total = v.sum()
    return v / total if total > 0 else np.zeros_like(v)


def _round(value: float | None, digits: int = 4) -> float | None:
    if value is None or not math.isfinite(value):
        return None  # JSON has no infinity; "unbounded" reads the same as unknown here
    return round(value, digits)
