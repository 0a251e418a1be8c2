"""Why this box: the top factors behind a cell's forecast, as reason data (`engine.reasons`, which
also puts them into words). Each factor is a feature value compared with the city-wide distribution
of that shift; pure numpy."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .reasons import factor

MAX_REASONS = 3
# A factor is only worth saying when the cell stands out: above this share of all cells ...
MIN_PERCENTILE = 0.90
# ... and when its standardised value (z-score against all cells) is at least this.
MIN_Z = 1.0
Z_CAP = 10.0  # rare counts give huge z-scores; cap them so one factor type cannot always win
NEAR_METRES = 250.0  # "near a bar" only when the nearest one is this close to the cell's centre
# Place factors (bars, transit, all-type counts) are only said for a crime type whose long-run
# counts go with them across the city: Pearson correlation over cells at least this.
MIN_ASSOCIATION = 0.15
ASSOCIATION_FEATURE = "n_365d_r1"  # the type's smoothed long-run level, to test associations


@dataclass(frozen=True)
class ShiftContext:
    """What the reasons need to know about the shift and the grid."""

    weekday: int  # 0 = Monday, of the shift's local start date
    shift_name: str  # e.g. "Night"
    cell_size_m: float = 250.0
    holiday: bool = False


@dataclass(frozen=True)
class Factor:
    """One candidate reason: the feature it reads, when it applies, and the reason it makes."""

    feature: str  # feature name without the crime-type prefix
    make: Callable[[float, float, ShiftContext], tuple]  # (value, share below, ctx) -> factor args
    minimum: float = 1.0  # smallest value worth a reason
    lower_is_riskier: bool = False  # distances: closer is the risk
    place: bool = False  # about the place, not this type's own history: needs an association


def explain(
    features: Mapping[str, np.ndarray],
    *,
    crime_type: str,
    ctx: ShiftContext,
    max_reasons: int = MAX_REASONS,
) -> list[list[dict]]:
    """Up to `max_reasons` reasons (factors of `crime_type`, a code) per cell, strongest first.

    `features` maps feature names (type features without their "type:" prefix, and shared ones)
    to one value per cell for the forecast shift; unknown or missing features are skipped.
    """
    factors = [f for f in _factors(features) if f.feature in features]
    factors = [f for f in factors if not f.place or _associated(features, f)]
    n_cells = len(next(iter(features.values()))) if features else 0
    if not factors or n_cells == 0:
        return [[] for _ in range(n_cells)]
    values = np.column_stack(
        [np.asarray(features[f.feature], dtype=np.float64).ravel() for f in factors]
    )
    scores, shares = _scores(values, factors)
    top = np.argsort(-scores, axis=1, kind="stable")[:, :max_reasons]
    top_scores = np.take_along_axis(scores, top, axis=1)
    out: list[list[dict]] = []
    for cell in range(n_cells):  # only the few chosen factors of each cell are built
        reasons = []
        for k, s in zip(top[cell], top_scores[cell], strict=True):
            if s <= 0:
                break
            name, value, window, extra = factors[k].make(
                float(values[cell, k]), shares[cell, k], ctx
            )
            reasons.append(factor(name, crime_type, value, window, **extra))
        out.append(reasons)
    if ctx.holiday:
        for reasons in out:
            if reasons and len(reasons) < max_reasons:
                reasons.append(factor("public_holiday", crime_type))
    return out


# ---- factors ---------------------------------------------------------------------------------


def _factors(features: Mapping[str, np.ndarray]) -> list[Factor]:
    out = [
        Factor("n_1d", lambda v, p, c: ("recent_count", _count(v), "24h", {})),
        Factor(
            "n_7d_r1",
            lambda v, p, c: ("nearby_count", _count(v), "7d", {"radius_m": _radius(c, 1)}),
            minimum=2.0,
        ),
        Factor("n_28d", lambda v, p, c: ("recent_count", _count(v), "28d", {}), minimum=2.0),
        Factor(
            "n_28d_r1",
            lambda v, p, c: ("nearby_count", _count(v), "28d", {"radius_m": _radius(c, 1)}),
            minimum=3.0,
        ),
        Factor("n_365d", lambda v, p, c: ("long_term_hot_spot", _top(p), "1y", {}), minimum=2.0),
        Factor(
            "same_slot_52w",
            lambda v, p, c: (
                "same_shift",
                _count(v),
                "1y",
                {"weekday": c.weekday % 7, "shift": c.shift_name},
            ),
            minimum=2.0,
        ),
        Factor(
            "all_28d_r1",
            lambda v, p, c: ("busy_area", _count(v), "28d", {"radius_m": _radius(c, 1)}),
            minimum=5.0,
            place=True,
        ),
    ]
    for name in features:
        if name.startswith("dist_"):
            label = name[len("dist_") :].replace("_", " ")
            out.append(
                Factor(
                    name,
                    _say_near(label),
                    minimum=float(np.log1p(NEAR_METRES)),
                    lower_is_riskier=True,
                    place=True,
                )
            )
    return out


def _associated(features: Mapping[str, np.ndarray], factor: Factor) -> bool:
    level = features.get(ASSOCIATION_FEATURE)
    if level is None:
        return True
    x = np.asarray(features[factor.feature], dtype=np.float64).ravel()
    y = np.asarray(level, dtype=np.float64).ravel()
    if factor.lower_is_riskier:
        x = -x
    if x.std() == 0 or y.std() == 0:
        return False
    return float(np.corrcoef(x, y)[0, 1]) >= MIN_ASSOCIATION


def _say_near(label: str) -> Callable[[float, float, ShiftContext], tuple]:
    return lambda v, p, c: _near(label, v, c)


def _near(label: str, log1p_distance: float, ctx: ShiftContext) -> tuple:
    metres = _metres(log1p_distance)
    return (
        "risk_layer",
        metres,
        None,
        {"layer": label, "in_box": bool(metres <= ctx.cell_size_m / 2)},
    )


def _scores(values: np.ndarray, factors: list[Factor]) -> tuple[np.ndarray, np.ndarray]:
    """(cells, factors) score (> 0 when the factor is worth saying) and share of cells below
    (so 1 - share is the top share the cell belongs to: the single highest of 200 is the top 0.5 %)."""
    sign = np.array([-1.0 if f.lower_is_riskier else 1.0 for f in factors])
    signed = values * sign[None, :]
    ordered = np.sort(signed, axis=0)
    n = values.shape[0]
    shares = np.column_stack(
        [
            np.searchsorted(ordered[:, k], signed[:, k], side="left") / max(n, 1)
            for k in range(len(factors))
        ]
    )
    mean = signed.mean(axis=0)
    std = signed.std(axis=0)
    z = np.where(std > 0, (signed - mean) / np.where(std > 0, std, 1.0), 0.0)
    minimum = np.array([f.minimum for f in factors]) * sign
    worth = (shares >= MIN_PERCENTILE) & (z >= MIN_Z) & (signed >= minimum[None, :])
    return np.where(worth, np.minimum(z, Z_CAP) + shares, 0.0), shares


def _radius(ctx: ShiftContext, cells: int) -> int:
    """Distance covered by a block of (2r+1)^2 cells, rounded to 50 m: 250 m cells, r=1 -> 400 m."""
    return int(50 * round(ctx.cell_size_m * (cells + 0.5) / 50))


def _top(share_below: float) -> float:
    """The top share (%) of cells the cell belongs to, as said: whole above 1 %, else one decimal."""
    top = max(100.0 * (1.0 - share_below), 0.1)
    return float(round(top)) if top >= 1 else float(round(top, 1))


def _metres(log1p_distance: float) -> int:
    return int(10 * round(float(np.expm1(log1p_distance)) / 10))


def _count(value: float) -> float:
    """Counts can be fractional (uncertain times are spread over shifts); kept to 2 decimals."""
    return round(float(value), 2)
