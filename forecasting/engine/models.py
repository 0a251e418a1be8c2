"""Forecasters share one interface: fit(ctx, categories, refit_bin) then predict(category, bins).
The default: a Poisson gradient-boosted model per crime type on sampled cell-shift rows, each type
calibrated on a held-out recent slice (calibration.py) so that types can be summed."""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from .boosting import PoissonBooster
from .calibration import TOTAL_SCALE_BOUNDS, Calibration, fit_calibration
from .features import FeatureContext
from .parallel import map_in_threads

TRAIN_DAYS = 728  # history of cell-shifts the model learns from (26 blocks of 28 days)
CALIBRATION_DAYS = 28  # most recent slice, held out to fit each type's calibration
BLOCK_DAYS = 28  # rows are sampled and cached per block so refits reuse earlier work
ZEROS_PER_POSITIVE = 2  # zero rows sampled per cell-shift with any incident
GBM_PARAMS = dict(  # LightGBM settings; fixed rounds keep fits deterministic and comparable across refits
    learning_rate=0.1,
    num_boost_round=120,
    num_leaves=15,
    max_bin=63,
    min_data_in_leaf=200,
    lambda_l2=1.0,
    bin_construct_sample_cnt=50_000,  # rows sampled to place the bins: a quarter of the default, ~0.6 s less per fit
)
PREDICT_CHUNK_BINS = 21  # shift bins per feature matrix when predicting every cell (memory bound)
SHARED_MEMO_CHUNKS = (
    1  # the last chunk's shared features: types predicted one by one for the same shifts reuse them
)
BUILD_GROUP_BLOCKS = 4  # training blocks whose dense features are computed together (peak memory)
# The boosted trees learn a multiplicative correction to a smoothed long-run rate (a Poisson offset):
# binned tree splits cannot tell the hottest cells apart, the offset keeps their long-run ordering.
OFFSET_RECENT_SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)  # weight of the last year vs the whole history
OFFSET_NEIGHBOUR_SHARES = (0.25, 0.5, 1.0)  # weight of the 7x7 neighbourhood mean
# Weight of the cell's long-run rate in the same shift of the day (night hot spots are not day ones).
OFFSET_SHIFT_SHARES = (
    0.0,
)  # (0, 0.5, 1) helped Toronto Assault, cost the demo city at 1 %: experiments doc
OFFSET_FLOOR_SHARE = 0.05  # floor, as a share of the mean cell rate, for cells with no history
OFFSET_RADIUS_CELLS = 3
DAYS_PER_YEAR = 365
# OpenMP threads for boosting. One thread is the robust default: on small shared machines, spinning
# OpenMP teams slow down several-fold when another process holds a core. Set to None for all cores.
GBM_THREADS: int | None = 1


def seeded_rng(*parts: object) -> np.random.Generator:
    """Generator seeded from a hashlib digest of the parts (never Python's salted hash())."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


class Forecaster:
    """Base: expected incident counts per cell and shift bin. A forecaster that calibrates its types
    (`calibrates`) also gives its forecast before calibration (`predict_uncalibrated`)."""

    name = "base"
    calibrates = False

    def fit(self, ctx: FeatureContext, categories: list[str], refit_bin: int) -> None:
        self.ctx = ctx

    def predict_uncalibrated(
        self, categories: list[str], targets: np.ndarray
    ) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def calibrate(self, category: str, expected: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def predict(self, category: str, targets: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def predict_types(self, categories: list[str], targets: np.ndarray) -> dict[str, np.ndarray]:
        """`predict` of each type, side by side (predict only reads the fitted state)."""
        return dict(
            zip(
                categories,
                map_in_threads(lambda cat: self.predict(cat, targets), categories),
                strict=True,
            )
        )


# Per-day rates of each row: long-run, its neighbourhood mean, last year, its neighbourhood mean, and
# the long-run rate in the same shift of the day.
OffsetParts = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass
class _Block:
    cells: np.ndarray
    t_index: np.ndarray  # bin index of each row
    weight: np.ndarray
    features: dict  # name -> (rows,) float32
    labels: dict  # category -> (rows,) float32


class GBMForecaster(Forecaster):
    """A Poisson LightGBM per crime type on a long-run-rate offset, calibrated on a recent slice."""

    name = "gbm"
    calibrates = True

    def __init__(self, seed: int = 0, train_days: int | None = None):
        self.seed = seed
        self.train_days = train_days
        self._blocks: dict[tuple[int, int], _Block] = {}
        self.models: dict = {}
        self.scale: dict = {}  # held-out incidents ÷ expected per type, bounded (the total alone)
        self.calibration: dict[str, Calibration] = {}
        self.feature_names: dict = {}
        self.importance: dict = {}
        self.offset: dict = {}

    def fit(self, ctx: FeatureContext, categories: list[str], refit_bin: int) -> None:
        self.ctx = ctx
        spd = ctx.history.n_shifts
        block = BLOCK_DAYS * spd
        n_cal = max(1, CALIBRATION_DAYS * spd // block)
        n_train = max(1, (self.train_days or TRAIN_DAYS) * spd // block)
        first = refit_bin - (n_train + n_cal) * block
        spans = [(s, min(s + block, refit_bin)) for s in range(first, refit_bin, block) if s >= 0]
        self._blocks = {k: v for k, v in self._blocks.items() if k[0] >= first}  # forget old blocks
        self._shared_memo: dict[tuple[int, bytes], dict[str, np.ndarray]] = {}
        new = [k for k in spans if k not in self._blocks]
        for i in range(
            0, len(new), BUILD_GROUP_BLOCKS
        ):  # groups bound the dense feature arrays' memory
            self._build_blocks(ctx, categories, new[i : i + BUILD_GROUP_BLOCKS])
        blocks = [self._blocks[k] for k in spans]
        train, cal = blocks[:-n_cal] or blocks, blocks[-n_cal:]
        self.offset = {}
        fitted = map_in_threads(lambda cat: self._fit_type(cat, train, cal, refit_bin), categories)
        for cat, (model, scale, calibration, names) in zip(categories, fitted, strict=True):
            self.models[cat] = model
            self.scale[cat] = scale
            self.calibration[cat] = calibration
            self.feature_names[cat] = names

    def _fit_type(
        self, cat: str, train: list[_Block], cal: list[_Block], refit_bin: int
    ) -> tuple[PoissonBooster, float, Calibration, list[str]]:
        """One type's booster and its calibration on the held-out slice (types are fitted side by
        side: no shared writes but their own key of `offset`)."""
        names = self._names(cat)
        X, y, w = self._stack(train, cat, names)
        self._choose_offset(cat, names, X, y, w)
        base = self._offset(cat, names, X)
        model = PoissonBooster(GBM_PARAMS, _seed_int(self.seed, cat, refit_bin), GBM_THREADS)
        model.fit(X, y, w, np.log(base))
        del X, y, w, base
        Xc, yc, wc = self._stack(cal, cat, names)
        pred = model.predict(Xc, np.log(self._offset(cat, names, Xc)))
        expected = float(np.sum(pred * wc))
        scale = float(np.sum(yc * wc)) / expected if expected > 0 else 1.0
        return (
            model,
            float(np.clip(scale, *TOTAL_SCALE_BOUNDS)),
            fit_calibration(pred, yc, wc),
            names,
        )

    def predict(self, category: str, targets: np.ndarray) -> np.ndarray:
        return self.predict_types([category], targets)[category]

    def predict_types(self, categories: list[str], targets: np.ndarray) -> dict[str, np.ndarray]:
        raw = self.predict_uncalibrated(categories, targets)
        return {cat: self.calibrate(cat, pred) for cat, pred in raw.items()}

    def calibrate(self, category: str, expected: np.ndarray) -> np.ndarray:
        """The held-out slice's calibration of the type; an artifact saved before calibrations were
        kept has the total scale alone."""
        fitted = vars(self).get("calibration", {}).get(category)
        if fitted is None:
            fitted = Calibration(math.log(self.scale[category]), 1.0)
        return fitted.apply(expected)

    def predict_uncalibrated(
        self, categories: list[str], targets: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Chunk by chunk of shifts (the feature matrices stay small): the shared features once, then
        the types side by side."""
        n = self.ctx.history.n_cells
        out = {cat: np.empty((n, len(targets)), dtype=np.float32) for cat in categories}
        for lo in range(0, len(targets), PREDICT_CHUNK_BINS):
            cols = slice(lo, lo + PREDICT_CHUNK_BINS)
            shared = self._shared_dense(targets[cols])

            def predict_chunk(cat: str, cols: slice = cols, shared: dict = shared) -> None:
                names = self.feature_names[cat]
                X = self._dense_features(cat, names, targets[cols], shared)
                out[cat][:, cols] = (
                    self.models[cat].predict(X, np.log(self._offset(cat, names, X))).reshape(n, -1)
                )

            map_in_threads(predict_chunk, categories)
        return out

    def _dense_features(
        self, category: str, names: list[str], targets: np.ndarray, shared: dict
    ) -> np.ndarray:
        n = self.ctx.history.n_cells
        X = np.empty(
            (n * len(targets), len(names)), dtype=np.float32, order="F"
        )  # filled and read by column
        col = {name: i for i, name in enumerate(names)}
        filled = set()
        typed = (
            (f"{category}:{name}", arr) for name, arr in self.ctx.type_features(category, targets)
        )
        for name, arr in itertools.chain(typed, shared.items()):
            if name in col:
                X[:, col[name]] = np.asarray(arr, dtype=np.float32).reshape(-1)
                filled.add(name)
        if len(filled) < len(names):  # the context lacks inputs the model was trained with
            missing = ", ".join(sorted(set(names) - filled))
            raise ValueError(f"{category}: features missing at prediction time: {missing}")
        return X

    def _shared_dense(self, targets: np.ndarray) -> dict:
        """Features shared by every crime type, computed once per chunk of shifts for all types."""
        memo = self.__dict__.setdefault("_shared_memo", {})
        key = (id(self.ctx), np.asarray(targets).tobytes())
        if key not in memo:
            if len(memo) >= SHARED_MEMO_CHUNKS:
                memo.pop(next(iter(memo)))
            memo[key] = {
                name: np.asarray(arr, dtype=np.float32).reshape(-1)
                for name, arr in self.ctx.shared_features(targets)
            }
        return memo[key]

    def _offset(self, cat: str, names: list[str], X: np.ndarray) -> np.ndarray:
        """Smoothed long-run level of the cell: a blend, chosen on the training rows, of the rate since
        the history starts (overall and in the same shift of the day) and over the last year, each
        plus a share of its 7x7 neighbourhood."""
        parts = _offset_parts(cat, names, X, self.ctx.history.n_shifts)
        if cat not in self.offset:
            raise RuntimeError("offset used before fit")
        shares, floor = self.offset[cat]
        return _blend(parts, *shares) + floor

    def _choose_offset(
        self, cat: str, names: list[str], X: np.ndarray, y: np.ndarray, w: np.ndarray
    ) -> None:
        parts = _offset_parts(cat, names, X, self.ctx.history.n_shifts)
        candidates = []  # (log-likelihood, shares, floor) on a small grid
        for shares in itertools.product(
            OFFSET_RECENT_SHARES, OFFSET_NEIGHBOUR_SHARES, OFFSET_SHIFT_SHARES
        ):
            smooth = _blend(parts, *shares)
            floor = OFFSET_FLOOR_SHARE * max(float(np.average(smooth, weights=w)), 1e-9)
            mu = smooth + floor
            mu *= np.sum(w * y) / max(np.sum(w * mu), 1e-12)
            ll = float(np.sum(w * (y * np.log(mu) - mu)))
            candidates.append((ll, shares, floor))
        _, shares, floor = max(candidates, key=lambda c: c[0])  # the first best, as before
        self.offset[cat] = (shares, floor)

    # ---- training rows --------------------------------------------------------------------
    def _names(self, cat: str) -> list[str]:
        return [n for n in self._feature_order if n.startswith(f"{cat}:") or ":" not in n]

    def _build_blocks(
        self, ctx: FeatureContext, categories: list[str], spans: list[tuple[int, int]]
    ) -> None:
        """Sample rows of each new block and compute their features in one pass over all of them."""
        if not spans:
            return
        h = ctx.history
        targets = np.concatenate([np.arange(a, b) for a, b in spans])
        rows = []  # per block: (cells, column in `targets`, weight, labels)
        offset = 0
        for start, stop in spans:  # a few blocks of 28 days, never a loop over incidents
            t = np.arange(start, stop)
            # Labels and the sampling design use only what was known when the block ended.
            labels = {c: h.observed(c, t, known_by=stop) for c in categories}
            any_event = h.observed(None, t, known_by=stop) > 0
            rng = seeded_rng(self.seed, "rows", start, stop)
            n_pos = int(any_event.sum())
            rate = min(1.0, ZEROS_PER_POSITIVE * max(n_pos, 1) / max(any_event.size - n_pos, 1))
            cells, t_idx = np.nonzero(any_event | (rng.random(any_event.shape) < rate))
            weight = np.where(any_event[cells, t_idx], 1.0, 1.0 / rate).astype(np.float32)
            if ctx.exposure is not None and ctx.patrolled_row_weight != 1.0:
                # Feedback guard: patrol finds crime where it is sent, so those rows may count less.
                weight *= np.where(
                    ctx.exposure[cells, t[t_idx]] > 0, ctx.patrolled_row_weight, 1.0
                ).astype(np.float32)
            rows.append(
                (cells, t_idx + offset, weight, {c: v[cells, t_idx] for c, v in labels.items()})
            )
            offset += len(t)

        # Each dense feature cut to the sampled rows of every block, then dropped.
        def sampled(
            source: Callable[[], Iterable[tuple[str, np.ndarray]]],
        ) -> list[dict[str, np.ndarray]]:
            out: list[dict[str, np.ndarray]] = [dict() for _ in spans]
            for name, arr in source():
                for f, (cells, cols, _, _) in zip(out, rows, strict=True):
                    f[name] = np.asarray(arr[cells, cols], dtype=np.float32)
            return out

        sources = [functools.partial(_typed_features, ctx, cat, targets) for cat in categories]
        sources.append(functools.partial(ctx.shared_features, targets))
        feats: list[dict[str, np.ndarray]] = [dict() for _ in spans]
        for part in map_in_threads(
            sampled, sources
        ):  # types side by side; names kept in this order
            for f, p in zip(feats, part, strict=True):
                f.update(p)
        self._feature_order = list(feats[0])
        for key, f, (cells, cols, weight, labels) in zip(spans, feats, rows, strict=True):
            self._blocks[key] = _Block(cells, targets[cols], weight, f, labels)

    def _stack(
        self, blocks: list[_Block], cat: str, names: list[str]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = sum(len(b.cells) for b in blocks)
        X = np.empty(
            (rows, len(names)), dtype=np.float32, order="F"
        )  # LightGBM takes columns as they are
        for j, name in enumerate(names):
            np.concatenate([b.features[name] for b in blocks], out=X[:, j])
        y = np.concatenate([b.labels[cat] for b in blocks])
        w = np.concatenate([b.weight for b in blocks])
        return X, y, w


def _typed_features(
    ctx: FeatureContext, cat: str, targets: np.ndarray
) -> Iterator[tuple[str, np.ndarray]]:
    for name, arr in ctx.type_features(cat, targets):
        yield f"{cat}:{name}", arr


def _offset_parts(cat: str, names: list[str], X: np.ndarray, shifts_per_day: int) -> OffsetParts:
    """Per-day rates: (long-run, long-run neighbourhood mean, last year, last-year neighbourhood mean,
    long-run in the same shift of the day scaled to a whole day)."""
    side2 = (2 * OFFSET_RADIUS_CELLS + 1) ** 2
    col = {n: i for i, n in enumerate(names)}
    lr = X[:, col[f"{cat}:longrun"]].astype(np.float64)
    lr_nb = X[:, col[f"{cat}:longrun_r{OFFSET_RADIUS_CELLS}"]].astype(np.float64) / side2
    yr = X[:, col[f"{cat}:n_{DAYS_PER_YEAR}d"]].astype(np.float64) / DAYS_PER_YEAR
    yr_nb = X[:, col[f"{cat}:n_{DAYS_PER_YEAR}d_r{OFFSET_RADIUS_CELLS}"]].astype(np.float64) / (
        side2 * DAYS_PER_YEAR
    )
    lr_shift = X[:, col[f"{cat}:longrun_shift"]].astype(np.float64) * shifts_per_day
    return lr, lr_nb, yr, yr_nb, lr_shift


def _blend(parts: OffsetParts, alpha: float, beta: float, gamma: float = 0.0) -> np.ndarray:
    lr, lr_nb, yr, yr_nb, lr_shift = parts
    own = lr if gamma == 0.0 else (1.0 - gamma) * lr + gamma * lr_shift
    return (1.0 - alpha) * (own + beta * lr_nb) + alpha * (yr + beta * yr_nb)


def _seed_int(*parts: object) -> int:
    return int(seeded_rng(*parts).integers(0, 2**31 - 1))
