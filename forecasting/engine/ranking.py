"""Ranking-aware blend of a model's expected counts with a naive long-run count, chosen per crime type
on held-out recent shifts by hits in the top cells missions are drawn from (1-2 % of the area).
A share of 1 is the naive count itself with ties broken by the model, so the check can never choose
something worse than counting on the weeks it looked at."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .metrics import hit_metrics

# Area shares the choice is scored at: a beat's top two or three boxes are about the top 1-2 % of a city.
SELECTION_FRACTIONS = (0.01, 0.02)
BLEND_SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)  # weight of the naive count
BLEND_NAIVE_DAYS = (91, 365)
TIE_BREAK_SHARE = 1e-3  # at share 1 the model still orders cells with equal counts
# A blend replaces the pure model only when it wins by more than this share of the model's hits:
# a month of shifts is noisy, and the model is the better forecaster where the two are level.
MIN_GAIN = 0.01


@dataclass(frozen=True)
class Blend:
    naive_days: int
    share: float
    validation_hits: dict  # "model" and "chosen": hits pooled over the held-out shifts at each fraction

    @property
    def is_model(self) -> bool:
        return self.share == 0.0


NO_BLEND = Blend(BLEND_NAIVE_DAYS[-1], 0.0, {})


def blend(pred: np.ndarray, naive: np.ndarray, share: float) -> np.ndarray:
    """(1 - s) * model + s * naive rescaled to the model's total per shift (totals stay calibrated)."""
    if share == 0.0:
        return pred
    s = min(share, 1.0 - TIE_BREAK_SHARE)
    scale = pred.sum(axis=0, dtype=np.float64) / np.maximum(naive.sum(axis=0, dtype=np.float64), 1e-12)
    return ((1.0 - s) * pred + s * naive * scale[None, :].astype(np.float32)).astype(np.float32)


def choose_blend(pred: np.ndarray, naive_by_days: dict, observed: np.ndarray) -> Blend:
    """Best (naive window, share) by hits at SELECTION_FRACTIONS on held-out shifts (cells, shifts)."""
    def hits(p):
        h = hit_metrics(p, observed, SELECTION_FRACTIONS)["hits"]
        return h, sum(h.values())

    model_hits, model_total = hits(pred)
    best = (model_total * (1.0 + MIN_GAIN), NO_BLEND.naive_days, 0.0, model_hits)
    for days in BLEND_NAIVE_DAYS:
        for share in BLEND_SHARES[1:]:
            h, total = hits(blend(pred, naive_by_days[days], share))
            if total > best[0]:
                best = (total, days, share, h)
    return Blend(best[1], best[2], {"model": model_hits, "chosen": best[3]})
