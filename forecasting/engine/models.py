"""Forecasters share one interface: fit(ctx, categories, refit_bin) then predict(category, bins).
The default: a Poisson gradient-boosted model per crime type on sampled cell-shift rows, calibrated."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from .boosting import QuantizedPoissonGBM
from .features import FeatureContext

TRAIN_DAYS = 364  # history of cell-shifts the model learns from (13 blocks of 28 days)
CALIBRATION_DAYS = 28  # most recent slice, held out to fit the expected-count scale
BLOCK_DAYS = 28  # rows are sampled and cached per block so refits reuse earlier work
ZEROS_PER_POSITIVE = 3  # zero rows sampled per cell-shift with any incident
GBM_PARAMS = dict(  # scikit-learn HistGradientBoostingRegressor settings
    loss="poisson",
    learning_rate=0.1,
    max_iter=120,
    max_leaf_nodes=15,
    max_bins=63,
    min_samples_leaf=200,
    l2_regularization=1.0,
    early_stopping=False,  # fixed iterations keep fits deterministic and comparable across refits
)
SCALE_BOUNDS = (0.5, 2.0)
# The boosted trees learn a multiplicative correction to a smoothed long-run rate (a Poisson offset):
# binned tree splits cannot tell the hottest cells apart, the offset keeps their long-run ordering.
OFFSET_NEIGHBOUR_SHARE = 0.5  # weight of the 7x7 neighbourhood mean in the offset
OFFSET_FLOOR_SHARE = 0.05  # floor, as a share of the mean cell rate, for cells with no history
OFFSET_RADIUS_CELLS = 3
# OpenMP threads for boosting. One thread is the robust default: on small shared machines, spinning
# OpenMP teams slow down several-fold when another process holds a core. Set to None for all cores.
GBM_THREADS: int | None = 1  # a calibration scale outside this says the data shifted, not the model


def seeded_rng(*parts) -> np.random.Generator:
    """Generator seeded from a hashlib digest of the parts (never Python's salted hash())."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


class Forecaster:
    """Base: expected incident counts per cell and shift bin."""

    name = "base"

    def fit(self, ctx: FeatureContext, categories: list[str], refit_bin: int) -> None:
        self.ctx = ctx

    def predict(self, category: str, targets: np.ndarray) -> np.ndarray:
        raise NotImplementedError


@dataclass
class _Block:
    cells: np.ndarray
    t_index: np.ndarray  # bin index of each row
    weight: np.ndarray
    features: dict  # name -> (rows,) float32
    labels: dict  # category -> (rows,) float32


class GBMForecaster(Forecaster):
    """HistGradientBoostingRegressor(loss="poisson") per crime type, scale-calibrated on a recent slice."""

    name = "gbm"

    def __init__(self, seed: int = 0, train_days: int = TRAIN_DAYS):
        self.seed = seed
        self.train_days = train_days
        self._blocks: dict[tuple[int, int], _Block] = {}
        self.models: dict = {}
        self.scale: dict = {}
        self.feature_names: dict = {}
        self.importance: dict = {}
        self._floor: dict = {}

    def fit(self, ctx, categories, refit_bin):
        self.ctx = ctx
        spd = ctx.history.n_shifts
        block = BLOCK_DAYS * spd
        n_cal = max(1, CALIBRATION_DAYS * spd // block)
        n_train = max(1, self.train_days * spd // block)
        first = refit_bin - (n_train + n_cal) * block
        starts = [s for s in range(first, refit_bin, block) if s >= 0]
        blocks = [self._block(ctx, categories, s, min(s + block, refit_bin)) for s in starts]
        self._blocks = {k: v for k, v in self._blocks.items() if k[0] >= first}  # forget old blocks
        train, cal = blocks[:-n_cal] or blocks, blocks[-n_cal:]
        self._floor = {}
        for cat in categories:
            names = self._names(cat)
            X, y, w = self._stack(train, cat, names)
            base = self._offset(cat, names, X)
            model = QuantizedPoissonGBM(GBM_PARAMS, _seed_int(self.seed, cat, refit_bin), GBM_THREADS)
            # Poisson with offset: target y/base weighted by base is the same likelihood.
            model.fit(X, y / base, sample_weight=w * base)
            Xc, yc, wc = self._stack(cal, cat, names)
            pred = model.predict(Xc) * self._offset(cat, names, Xc)
            expected = float(np.sum(pred * wc))
            scale = float(np.sum(yc * wc)) / expected if expected > 0 else 1.0
            self.models[cat] = model
            self.scale[cat] = float(np.clip(scale, *SCALE_BOUNDS))
            self.feature_names[cat] = names

    def predict(self, category, targets):
        ctx, n = self.ctx, self.ctx.history.n_cells
        names = self.feature_names[category]
        X = np.empty((n * len(targets), len(names)), dtype=np.float32)
        col = {name: i for i, name in enumerate(names)}
        for name, arr in _all_features(ctx, [category], targets):
            if name in col:
                X[:, col[name]] = np.asarray(arr, dtype=np.float32).reshape(-1)
        pred = self.models[category].predict(X) * self._offset(category, names, X) * self.scale[category]
        return pred.reshape(n, len(targets)).astype(np.float32)

    def _offset(self, cat, names, X) -> np.ndarray:
        lr = X[:, names.index(f"{cat}:longrun")].astype(np.float64)
        lr_nb = X[:, names.index(f"{cat}:longrun_r{OFFSET_RADIUS_CELLS}")].astype(np.float64)
        side = 2 * OFFSET_RADIUS_CELLS + 1
        smooth = lr + OFFSET_NEIGHBOUR_SHARE * lr_nb / (side * side)
        if cat not in self._floor:
            self._floor[cat] = OFFSET_FLOOR_SHARE * max(float(np.mean(smooth)), 1e-9)
        return smooth + self._floor[cat]

    # ---- training rows --------------------------------------------------------------------
    def _names(self, cat):
        return [n for n in self._feature_order if n.startswith(f"{cat}:") or ":" not in n]

    def _block(self, ctx, categories, start, stop) -> _Block:
        key = (start, stop)
        if key in self._blocks:
            return self._blocks[key]
        h = ctx.history
        targets = np.arange(start, stop)
        # Labels and the sampling design use only what was known when the block ended.
        labels = {c: h.observed(c, targets, known_by=stop) for c in categories}
        any_event = h.observed(None, targets, known_by=stop) > 0
        rng = seeded_rng(self.seed, "rows", start, stop)
        n_pos = int(any_event.sum())
        n_zero = any_event.size - n_pos
        rate = min(1.0, ZEROS_PER_POSITIVE * max(n_pos, 1) / max(n_zero, 1))
        take = any_event | (rng.random(any_event.shape) < rate)
        cells, t_idx = np.nonzero(take)
        weight = np.where(any_event[cells, t_idx], 1.0, 1.0 / rate).astype(np.float32)
        feats = {}
        for name, arr in _all_features(ctx, categories, targets):
            feats[name] = np.asarray(arr[cells, t_idx], dtype=np.float32)
        self._feature_order = list(feats)
        blk = _Block(cells, targets[t_idx], weight, feats, {c: v[cells, t_idx] for c, v in labels.items()})
        self._blocks[key] = blk
        return blk

    def _stack(self, blocks, cat, names):
        X = np.column_stack([np.concatenate([b.features[n] for b in blocks]) for n in names])
        y = np.concatenate([b.labels[cat] for b in blocks])
        w = np.concatenate([b.weight for b in blocks])
        return X, y, w


def _all_features(ctx: FeatureContext, categories, targets):
    for cat in categories:
        for name, arr in ctx.type_features(cat, targets):
            yield f"{cat}:{name}", arr
    yield from ctx.shared_features(targets)


def _seed_int(*parts) -> int:
    return int(seeded_rng(*parts).integers(0, 2**31 - 1))
