"""Crime-spike alerts, pure: recent observed counts per area and crime type against what the
forecast expected, and near-repeat series. docs/adr/0031-crime-spike-alerts.md.

Spikes: for each (area, crime type) the observed count over the last `window_days` is compared
with the sum of the forecast's expected counts over the same shifts. The one-sided Poisson
exceedance p-value P(X >= observed | expected) says how unusual the count is; the
Benjamini–Hochberg step-up rule across every area × type tested keeps the expected share of false
alerts among the alerts raised at or below `fdr` (discrete Poisson p-values are conservative, so
the bound holds). The words say how often a count this high comes by chance in one area:
`window_days / p` days.

Near repeats: incidents of one type linked when within `radius_m` metres and `days` days of each
other; a linked group (single linkage) of at least `min_events` with its latest incident recent is
a series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

FDR_DEFAULT = 0.05
MIN_COUNT_DEFAULT = 3  # never alert on fewer incidents than this, however low the expectation
EXPECTED_FLOOR = 0.05  # a forecast of nothing still allows the odd incident


@dataclass(frozen=True)
class AreaCount:
    """Observed and expected counts of one crime type in one area over the same shifts."""

    area: str
    crime_type: str
    observed: int
    expected: float


@dataclass(frozen=True)
class Spike:
    area: str
    crime_type: str
    observed: int
    expected: float
    p_value: float
    q_value: float  # the BH-adjusted p-value: the smallest FDR at which this alert is raised
    window_days: int

    @property
    def once_every_days(self) -> float:
        """How many days, on average, between counts at least this high by chance in one area."""
        return self.window_days / max(self.p_value, 1e-12)

    def rarity_words(self) -> str:
        return rarity_words(self.once_every_days)


def poisson_exceedance(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """P(X >= observed) for X ~ Poisson(expected), element-wise (1 for observed 0)."""
    observed = np.asarray(observed, dtype=float)
    expected = np.maximum(np.asarray(expected, dtype=float), EXPECTED_FLOOR)
    # Imported here: SciPy slows every process's start (boosting.py).
    from scipy import stats

    return np.asarray(stats.poisson.sf(observed - 1, expected), dtype=float)


def benjamini_hochberg(p_values: np.ndarray, fdr: float) -> tuple[np.ndarray, np.ndarray]:
    """(rejected mask, BH-adjusted q-values) of the step-up procedure at level `fdr`."""
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0:
        return np.zeros(0, dtype=bool), np.zeros(0)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    adjusted_sorted = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    q = np.empty(m)
    q[order] = adjusted_sorted
    return q <= fdr, q


def find_spikes(
    counts: Sequence[AreaCount],
    *,
    window_days: int,
    fdr: float = FDR_DEFAULT,
    min_count: int = MIN_COUNT_DEFAULT,
) -> list[Spike]:
    """The areas × types whose count is unusually high, FDR-controlled over all of `counts`
    (every tested pair counts in the family, including those below `min_count`), most unusual
    first."""
    if not counts:
        return []
    observed = np.array([c.observed for c in counts], dtype=float)
    expected = np.array([c.expected for c in counts], dtype=float)
    p = poisson_exceedance(observed, expected)
    rejected, q = benjamini_hochberg(p, fdr)
    spikes = [
        Spike(c.area, c.crime_type, c.observed, c.expected, float(p[i]), float(q[i]), window_days)
        for i, c in enumerate(counts)
        if rejected[i] and c.observed >= min_count and c.observed > c.expected
    ]
    return sorted(spikes, key=lambda s: (s.p_value, s.area, s.crime_type))


def rarity_words(once_every_days: float) -> str:
    """'unusual at this level about once a year', in the words a sergeant reads."""
    d = once_every_days
    if d >= 365 * 10:
        return "unusual at this level less than once in ten years"
    if d >= 365 * 1.5:
        return f"unusual at this level about once in {round(d / 365)} years"
    if d >= 300:
        return "unusual at this level about once a year"
    if d >= 45:
        months = round(d / 30.4)
        return f"unusual at this level about once in {months} months"
    if d >= 10:
        return f"unusual at this level about once in {round(d / 7)} weeks"
    return "about as often as every week or two"


def count_words(observed: int, expected: float, type_name: str, area: str, window_days: int) -> str:
    """'12 burglaries in D2 this week, about 4 expected'."""
    period = "this week" if window_days == 7 else f"in the last {window_days} days"
    about = f"{expected:.0f}" if expected >= 1.5 else f"{expected:.1f}"
    return f"{observed} {type_name} in {area} {period}, about {about} expected"


@dataclass(frozen=True)
class Event:
    """One incident for near-repeat search: id, position in metres (projected), time in days."""

    ident: int
    x: float
    y: float
    t_days: float
    crime_type: str


@dataclass(frozen=True)
class Series:
    crime_type: str
    events: tuple[int, ...]  # incident ids, oldest first
    first_days: float
    last_days: float
    centre: tuple[float, float]
    span_m: float  # the largest distance of an incident from the centre


def near_repeat_series(
    events: Sequence[Event],
    *,
    radius_m: float,
    days: float,
    min_events: int,
    recent_after_days: float | None = None,
) -> list[Series]:
    """Groups of at least `min_events` incidents of one type chained by links of at most
    `radius_m` metres and `days` days; with `recent_after_days`, only groups whose latest incident
    is later than that (older series were reported before)."""
    found: list[Series] = []
    by_type: dict[str, list[Event]] = {}
    for e in events:
        by_type.setdefault(e.crime_type, []).append(e)
    for crime_type, group in sorted(by_type.items()):
        if len(group) < min_events:
            continue
        xy = np.array([(e.x, e.y) for e in group], dtype=float)
        t = np.array([e.t_days for e in group], dtype=float)
        near = (np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) <= radius_m) & (
            np.abs(t[:, None] - t[None, :]) <= days
        )
        rows, cols = np.nonzero(near)
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        graph = coo_matrix((np.ones(rows.size), (rows, cols)), shape=(len(group), len(group)))
        n, labels = connected_components(graph, directed=False)
        for label in range(n):
            members = np.flatnonzero(labels == label)
            if members.size < min_events:
                continue
            last = float(t[members].max())
            if recent_after_days is not None and last <= recent_after_days:
                continue
            members = members[np.argsort(t[members], kind="stable")]
            centre = xy[members].mean(axis=0)
            found.append(
                Series(
                    crime_type=crime_type,
                    events=tuple(group[i].ident for i in members),
                    first_days=float(t[members].min()),
                    last_days=last,
                    centre=(float(centre[0]), float(centre[1])),
                    span_m=float(np.hypot(*(xy[members] - centre).T).max()),
                )
            )
    return sorted(found, key=lambda s: (-len(s.events), s.crime_type, s.first_days))
