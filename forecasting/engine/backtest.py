"""Walk-forward back-test: every test shift is forecast from data known before its start; models are
refitted every REFIT_DAYS and features recomputed per shift in between. Promotes the best per type."""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from .baselines import DEFAULT_MODELS, make_forecaster
from .features import FeatureContext
from .grid import Grid
from .metrics import Observed, calibration_by_decile, evaluate
from .mission_capture import (
    MODEL,
    UNIFORM,
    MissionSetup,
    capture_summary,
    draw_planned,
    draw_uniform,
)
from .mission_promotion import promote_on_missions
from .parallel import map_in_threads

REFIT_DAYS = 28
# Missions go to the top two or three boxes of each beat, about the top 1-2 % of a city's cells:
# the PAI leader is the best there (mean PAI at 1 and 2 %), ties broken by PAI at 5 %. With missions
# drawn, the promotion then goes by what they capture (mission_promotion.py).
PROMOTION_AREAS = ("1%", "2%")
PROMOTION_TIEBREAK = "5%"
NAIVE_PREFIX = "naive_"
KEEP_PREDICTIONS = ("all", "promoted", "none")


@dataclass
class BacktestConfig:
    test_start: dt.date
    test_days: int
    categories: list[str]
    models: tuple = DEFAULT_MODELS
    refit_days: int = REFIT_DAYS
    seed: int = 0


@dataclass
class BacktestResult:
    config: BacktestConfig
    targets: np.ndarray  # bin indices of the test shifts
    metrics: dict  # model -> category -> metrics dict (+ fit/predict seconds)
    promoted: dict  # category -> model name
    report: str
    predictions: dict = field(default_factory=dict)  # model -> category -> (cells, shifts) float32
    missions: dict | None = None  # mission capture (mission_capture.capture_summary), when asked
    drawn: dict = field(default_factory=dict)  # source -> (cells, shifts) bool: boxes drawn
    promotion: dict = field(default_factory=dict)  # how the promoted models were chosen


def run_backtest(
    ctx: FeatureContext,
    config: BacktestConfig,
    progress: Callable[[int], object] | None = None,
    keep_predictions: str = "all",
    missions: MissionSetup | None = None,
    promoted: dict[str, str] | None = None,
) -> BacktestResult:
    """Walk forward over the test period in refit periods; `progress(n)` is called per model-period.
    `keep_predictions`: "all" models', only the "promoted" model's per type, or "none" — one model is
    walked forward at a time and dropped after scoring, so memory holds one model's state.
    `missions`: also draw every beat's missions per shift with the planner, from the promoted
    models, from each naive count and uniformly, and score what the drawn boxes capture; the
    promotion then goes by that capture (promote_on_missions), from each type's PAI leader.
    `promoted`: the model per type chosen beforehand (e.g. on earlier weeks), scored as it is."""
    if keep_predictions not in KEEP_PREDICTIONS:
        raise ValueError(f"keep_predictions must be one of {', '.join(KEEP_PREDICTIONS)}")
    if missions is not None and keep_predictions == "none":
        raise ValueError("mission capture needs the promoted models' predictions kept")
    if promoted is not None:
        missing = [
            f"{c}: {promoted.get(c)}"
            for c in config.categories
            if promoted.get(c) not in config.models
        ]
        if missing:
            raise ValueError(f"promoted models not back-tested: {', '.join(missing)}")
    h = ctx.history
    start = h.bin_of_date(config.test_start)
    stop = h.bin_of_date(config.test_start + dt.timedelta(days=config.test_days))
    if stop <= start:
        raise ValueError("the test period holds no shifts inside the history's bins")
    targets = np.arange(start, stop)
    observed = {
        cat: Observed(h.observed(cat, targets), h.grid.district) for cat in config.categories
    }
    metrics: dict = {}
    kept: dict = {}
    drawn: dict = {}
    draw = functools.partial(_draw_missions, ctx, targets, missions) if missions else None
    for name in config.models:
        preds, before, seconds = _walk_forward(ctx, config, name, targets, progress)
        if draw and name.startswith(NAIVE_PREFIX):  # drawn now: naive predictions are not kept
            drawn[name] = draw(preds)
        scored = map_in_threads(
            functools.partial(_evaluate_type, preds, observed, h.grid), config.categories
        )
        for cat, m in zip(config.categories, scored, strict=True):
            m["seconds"] = {k: round(v / len(config.categories), 3) for k, v in seconds.items()}
            if before is not None:
                m["calibration_before"] = calibration_by_decile(before[cat], observed[cat].counts)
            metrics.setdefault(name, {})[cat] = m
        del before
        if keep_predictions == "all":
            kept[name] = preds
        elif (
            keep_predictions == "promoted"
        ):  # keep a type's predictions only while their model leads
            leaders = promoted or promote(metrics, config.categories)
            kept[name] = preds
            kept = {m: {c: p for c, p in per.items() if leaders[c] == m} for m, per in kept.items()}
            kept = {m: per for m, per in kept.items() if per}
    leaders = promote(metrics, config.categories)
    promotion: dict = {"by": "PAI at " + " and ".join(PROMOTION_AREAS), "pai_leaders": leaders}
    if promoted is not None:
        promotion = {"by": "chosen beforehand", "pai_leaders": leaders}
    summary = None
    if draw and missions:
        if promoted is not None:
            drawn[MODEL] = draw({c: kept[promoted[c]][c] for c in config.categories})
        else:
            counts_drawn = {n: d for n, d in drawn.items() if n.startswith(NAIVE_PREFIX)}
            promoted, drawn[MODEL], promotion = promote_on_missions(
                leaders,
                counts_drawn,
                {c: o.counts for c, o in observed.items()},
                missions,
                draw,
                functools.partial(_kept_or_counted, ctx, config, targets, kept),
                h.bins["date"].iloc[targets].astype(str).to_numpy(),
                seed=config.seed,
            )
        drawn[UNIFORM] = draw_uniform(missions, len(targets), seed=config.seed)
        summary = capture_summary(
            drawn,
            {c: o.counts for c, o in observed.items()},
            missions,
            h.bins["date"].iloc[targets].astype(str).to_numpy(),
            seed=config.seed,
        )
        summary.update(
            beats_from=missions.beats_from,
            beats=len(missions.beat_names),
            type_weight={
                c: float(w)
                for c, w in zip(config.categories, missions.weights(config.categories), strict=True)
            },
            policy=_policy_text(missions),
        )
    promoted = promoted or leaders
    if keep_predictions == "promoted":  # a type that fell back to a count: its predictions kept too
        predicted = functools.partial(_kept_or_counted, ctx, config, targets, kept)
        kept = _by_model({c: (m, predicted(m, c)) for c, m in promoted.items()})
    report = promotion_report(metrics, promoted)
    return BacktestResult(
        config, targets, metrics, promoted, report, kept, summary, drawn, promotion
    )


def _by_model(per_type: dict[str, tuple[str, np.ndarray]]) -> dict[str, dict[str, np.ndarray]]:
    out: dict[str, dict[str, np.ndarray]] = {}
    for cat, (model, pred) in per_type.items():
        out.setdefault(model, {})[cat] = pred
    return out


def _kept_or_counted(
    ctx: FeatureContext,
    config: BacktestConfig,
    targets: np.ndarray,
    kept: dict,
    name: str,
    cat: str,
) -> np.ndarray:
    """A model's kept predictions of a type; a naive count's, when not kept, counted again (cheap)."""
    if cat in kept.get(name, {}):
        return kept[name][cat]
    if not name.startswith(NAIVE_PREFIX):
        raise ValueError(f"{name}'s predictions of {cat} were not kept")
    one = BacktestConfig(
        config.test_start, config.test_days, [cat], (name,), config.refit_days, config.seed
    )
    return _walk_forward(ctx, one, name, targets, None)[0][cat]


def _draw_missions(
    ctx: FeatureContext, targets: np.ndarray, setup: MissionSetup, preds: dict[str, np.ndarray]
) -> np.ndarray:
    bins = ctx.history.bins.iloc[targets]
    return draw_planned(
        preds,
        setup,
        ctx.history.grid.cell_ids,
        bins["date"].astype(str).tolist(),
        bins["shift_index"].astype(str).tolist(),
        ctx.history.n_shifts,
    )


def _policy_text(setup: MissionSetup) -> dict:
    p = setup.policy
    return {
        "missions_per_beat": p.missions_per_beat,
        "temperature": p.temperature,
        "control_share": p.control_share,
        "dose_minutes": p.dose_minutes,
        "dose_score_factor": p.dose_score_factor,
        "dosage_memory_days": setup.dosage_memory_days,
        "max_consecutive_shifts": p.max_consecutive_shifts,
        "each drawn box": "gets one full dose",
    }


def _evaluate_type(
    preds: dict[str, np.ndarray], observed: dict[str, Observed], grid: Grid, cat: str
) -> dict:
    return evaluate(preds[cat], observed[cat], grid.district, grid.district_names)


def _walk_forward(
    ctx: FeatureContext,
    config: BacktestConfig,
    name: str,
    targets: np.ndarray,
    progress: Callable[[int], object] | None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray] | None, dict[str, float]]:
    """One model refitted every refit period on data known before it; (cells, shifts) per type, and
    the same before calibration for a model that calibrates (None otherwise)."""
    h = ctx.history
    model = make_forecaster(name, seed=config.seed)
    preds = {c: np.zeros((h.n_cells, len(targets)), np.float32) for c in config.categories}
    before = {c: np.zeros_like(p) for c, p in preds.items()} if model.calibrates else None
    seconds = {"fit": 0.0, "predict": 0.0}
    start, stop = targets[0], targets[-1] + 1
    for p0 in range(start, stop, config.refit_days * h.n_shifts):
        chunk = np.arange(p0, min(p0 + config.refit_days * h.n_shifts, stop))
        cols = slice(p0 - start, p0 - start + len(chunk))
        t0 = time.perf_counter()
        model.fit(ctx, list(config.categories), p0)  # only data known before p0
        t1 = time.perf_counter()
        if before is not None:
            for cat, pred in model.predict_uncalibrated(list(config.categories), chunk).items():
                before[cat][:, cols] = pred
                preds[cat][:, cols] = model.calibrate(cat, pred)
        else:
            for cat, pred in model.predict_types(list(config.categories), chunk).items():
                preds[cat][:, cols] = pred
        seconds["fit"] += t1 - t0
        seconds["predict"] += time.perf_counter() - t1
        if progress:
            progress(1)
    return preds, before, seconds


def promote(metrics: dict, categories: Iterable[str]) -> dict:
    """Best model per type by mean PAI at PROMOTION_AREAS, ties broken by PAI at 5 %, then by name."""
    out = {}
    for cat in categories:

        def key(name: str, cat: str = cat) -> tuple[float, float, str]:
            pai = metrics[name][cat]["pai"]
            return (
                -float(np.mean([_nz(pai[a]) for a in PROMOTION_AREAS])),
                -_nz(pai[PROMOTION_TIEBREAK]),
                name,
            )

        out[cat] = sorted(metrics, key=key)[0]
    return out


def promotion_report(metrics: dict, promoted: dict) -> str:
    lines = []
    for cat, best in promoted.items():
        b = metrics[best][cat]
        lines.append(
            f"{cat}: promoted {best} (PAI@1% {b['pai']['1%']:.2f}, PAI@2% {b['pai']['2%']:.2f}, "
            f"PAI@5% {b['pai']['5%']:.2f}, hit rate@5% {b['hit_rate']['5%']:.1%}, {b['events']:.0f} events)."
        )
        for name in sorted(metrics):
            if name == best:
                continue
            o = metrics[name][cat]
            lines.append(
                f"  vs {name}: PAI@1% {o['pai']['1%']:.2f} ({_pct(b['pai']['1%'], o['pai']['1%'])}), "
                f"PAI@5% {o['pai']['5%']:.2f} ({_pct(b['pai']['5%'], o['pai']['5%'])})"
            )
    return "\n".join(lines)


def best_naive_ratio(metrics: dict, promoted: dict, area: str) -> dict:
    """Promoted model's PAI ÷ the best naive-count baseline's PAI, per type, at one area share."""
    out = {}
    for cat, best in promoted.items():
        naive = [metrics[n][cat]["pai"][area] for n in metrics if n.startswith(NAIVE_PREFIX)]
        out[cat] = (
            metrics[best][cat]["pai"][area] / max(naive)
            if naive and max(naive) > 0
            else float("nan")
        )
    return out


def _pct(a: float, b: float) -> str:
    if not b or not np.isfinite(b):
        return "n/a"
    return f"{(a / b - 1):+.1%}"


def _nz(v: float | None) -> float:
    return v if v is not None and np.isfinite(v) else -np.inf
