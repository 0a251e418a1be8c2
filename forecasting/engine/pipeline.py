"""The two jobs the app runs on the engine, without Django: train one crime type (back-test every
candidate, refit the winner on all data) and forecast one shift for every crime type with reasons."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from .backtest import BacktestConfig, best_naive_ratio, run_backtest
from .baselines import DEFAULT_MODELS, make_forecaster
from .explain import ShiftContext, explain
from .features import FeatureContext
from .metrics import hit_metrics
from .mission_capture import MissionSetup, beats_of_grid, plain_words
from .model_card import model_card, to_markdown
from .models import Forecaster, GBMForecaster
from .parallel import map_in_threads

# Area shares of the hit-rate curve drawn on the back-test page (finer than the headline metrics).
# Feature sets are cached only for calls on this many shift bins or fewer (a forecast), never for
# the long blocks of training and back-tests, which would otherwise all stay in memory.
CACHE_MAX_TARGETS = 3
CURVE_FRACTIONS = (0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.10, 0.15, 0.20, 0.30)


@dataclass(eq=False)
class TrainedType:
    category: str
    algorithm: str  # the back-test's winner, refitted on all data
    forecaster: object
    metrics: dict  # JSON-ready: per model back-test metrics, curves, ratios (no timings)
    timing: dict  # seconds per model and phase (varies between runs, so kept apart from metrics)
    report: str
    card: dict
    card_markdown: str
    fit_bin: int
    test_start: dt.date
    test_days: int


@dataclass(eq=False)
class ShiftForecast:
    target_bin: int
    expected: dict  # category -> (cells,) float32
    reasons: dict  # category -> list (per cell) of reasons (engine.reasons dicts)
    seconds: dict = field(default_factory=dict)


class CachedFeatureContext(FeatureContext):
    """A FeatureContext that computes each feature set once per (short) target set, so a
    forecast's models and its explanations share one pass over the history."""

    def type_features(self, category, targets):
        return iter(
            self._memo(
                ("type", category),
                targets,
                lambda: super(CachedFeatureContext, self).type_features(category, targets),
            )
        )

    def shared_features(self, targets):
        return iter(
            self._memo(
                ("shared",),
                targets,
                lambda: super(CachedFeatureContext, self).shared_features(targets),
            )
        )

    def _memo(self, key, targets, compute):
        if len(targets) > CACHE_MAX_TARGETS:  # training blocks: caching them would hold every block
            return compute()
        memo = self.__dict__.setdefault("_feature_memo", {})
        full = (*key, np.asarray(targets).tobytes())
        if full not in memo:
            memo[full] = list(compute())
        return memo[full]


def train_type(
    ctx: FeatureContext,
    category: str,
    *,
    test_start: dt.date,
    test_days: int,
    fit_bin: int,
    models=DEFAULT_MODELS,
    seed: int = 0,
    events=None,
    progress: Callable[[float, str], None] | None = None,
) -> TrainedType:
    """Walk-forward back-test of every model on [test_start, +test_days), then the winner fitted
    on everything known before `fit_bin` (the shift under way when training runs)."""
    progress = progress or (lambda pct, msg: None)
    config = BacktestConfig(test_start, test_days, [category], tuple(models), seed=seed)
    periods = max(1, math.ceil(test_days / config.refit_days))
    total = periods * len(config.models)
    done = [0]

    def step(n):
        done[0] += n
        progress(80.0 * done[0] / total, f"Back-test {done[0]}/{total}")

    h = ctx.history
    beat, beat_names, beats_from = beats_of_grid(h.grid)
    missions = MissionSetup(beat, beat_names, beats_from)  # one type: its weight changes nothing
    result = run_backtest(ctx, config, progress=step, keep_predictions="all", missions=missions)
    winner = result.promoted[category]
    observed = h.observed(category, result.targets)
    per_model, timing = {}, {}
    for name, per_type in result.metrics.items():
        m = dict(per_type[category])
        timing[name] = m.pop("seconds", {})
        m["curve"] = _curve(result.predictions[name][category], observed)
        per_model[name] = m
    progress(85, f"Fitting {winner} on all data")
    t0 = time.perf_counter()
    final = make_forecaster(winner, seed=seed)
    final.fit(ctx, [category], fit_bin)
    timing["final_fit"] = round(time.perf_counter() - t0, 3)
    card = model_card(
        result, ctx, *((len(events.frame), events.heaped) if events is not None else ())
    )
    if isinstance(final, GBMForecaster):  # the map the stored forecasts go through
        card["calibration_map"] = {category: final.calibration[category].as_dict()}
    metrics = {
        "models": per_model,
        "promoted": winner,
        "promotion": result.promotion,
        "ratio_vs_best_naive": {
            a: best_naive_ratio(result.metrics, result.promoted, a)[category] for a in ("1%", "5%")
        },
        "test_start": test_start.isoformat(),
        "test_days": test_days,
        "test_shifts": len(result.targets),
        "cells": len(h.grid),
        "curve_fractions": list(CURVE_FRACTIONS),
        "missions": {**(result.missions or {}), "in_words": plain_words(result.missions or {})},
    }
    return TrainedType(
        category=category,
        algorithm=winner,
        forecaster=final,
        metrics=json_safe(metrics),
        timing=timing,
        report=result.report,
        card=json_safe(card),
        card_markdown=to_markdown(card),
        fit_bin=fit_bin,
        test_start=test_start,
        test_days=test_days,
    )


def forecast_shift(
    ctx: FeatureContext,
    forecasters: Mapping[str, Forecaster],
    target_bin: int,
    *,
    shift_name: str,
    with_reasons: bool = True,
) -> ShiftForecast:
    """Expected counts of every crime type in every cell for one shift bin, with reasons.
    `ctx` should be a CachedFeatureContext so that features are computed once per type."""
    targets = np.array([target_bin], dtype=np.int64)
    h = ctx.history
    reasons, seconds = {}, {}
    t0 = time.perf_counter()
    shared = {
        name: np.asarray(a)[:, 0] for name, a in ctx.shared_features(targets)
    }  # once, before the threads

    def predict(cat):
        return np.maximum(np.asarray(forecasters[cat].predict(cat, targets))[:, 0], 0.0).astype(
            np.float32
        )

    expected = dict(
        zip(forecasters, map_in_threads(predict, list(forecasters)), strict=True)
    )  # types side by side
    seconds["predict"] = time.perf_counter() - t0
    if with_reasons:
        t1 = time.perf_counter()
        row = h.bins.iloc[target_bin]
        sctx = ShiftContext(
            weekday=row["date"].weekday(),
            shift_name=shift_name,
            cell_size_m=h.grid.cell_size,
            holiday=bool(shared.get("holiday", np.zeros(1))[0] > 0),
        )

        def explain_type(cat):
            feats = dict(shared)
            feats.update({name: np.asarray(a)[:, 0] for name, a in ctx.type_features(cat, targets)})
            return explain(feats, crime_type=cat, ctx=sctx)

        reasons = dict(
            zip(forecasters, map_in_threads(explain_type, list(forecasters)), strict=True)
        )
        seconds["reasons"] = time.perf_counter() - t1
    return ShiftForecast(target_bin, expected, reasons, seconds)


def bin_containing(bin_start_ns: np.ndarray, t_ns: int) -> int:
    """Index of the bin under way at `t_ns` (the last bin starting at or before it)."""
    return int(np.searchsorted(bin_start_ns, t_ns, side="right")) - 1


def json_safe(value):
    """NaN/inf become None and numpy scalars plain numbers, so metrics fit a JSON column."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _curve(pred: np.ndarray, obs: np.ndarray) -> dict:
    m = hit_metrics(pred, obs, CURVE_FRACTIONS)
    return {"hit_rate": list(m["hit_rate"].values()), "pai": list(m["pai"].values())}
