"""What each type's calibration and the promotion on mission capture change in what the missions
capture, on one Toronto window (issue 22, ADR 0034; not part of run_all). The GBM is walked forward
once; its forecast is fed to the planner as before (one scale per type), calibrated, and calibrated
with the per-type fall-back to a count chosen on this window itself (optimistic: the bench's
`--select-days 56` chooses on earlier weeks), each against the planner fed by each naive count.

Run: .venv/bin/python bench/experiments/toronto_calibration.py 2021-07-01 [--days 91] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from backtest_toronto import TYPE_WEIGHTS, TYPES  # noqa: E402
from toronto_data import toronto_context  # noqa: E402

from forecasting.engine import mission_capture  # noqa: E402
from forecasting.engine.backtest import REFIT_DAYS  # noqa: E402
from forecasting.engine.baselines import make_forecaster  # noqa: E402
from forecasting.engine.mission_capture import (  # noqa: E402
    HARM_WEIGHTED,
    MODEL,
    UNIFORM,
    MissionSetup,
    beats_of_grid,
    capture_by_type,
    capture_summary,
    draw_planned,
    draw_uniform,
)
from forecasting.engine.mission_promotion import promote_on_missions  # noqa: E402
from forecasting.engine.models import GBMForecaster  # noqa: E402

COUNTS = ("naive_7d", "naive_28d", "naive_91d", "naive_365d")
TOP_SHARE = 0.01  # calibration where missions are drawn: the top 1 % of cells per shift


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("window", type=dt.date.fromisoformat)
    ap.add_argument("--days", type=int, default=91)
    ap.add_argument("--out", default=None)
    ap.add_argument(
        "--planner-seeds",
        type=int,
        default=0,
        help="also redraw the calibrated forecast and the 365-day count under this many other "
        "planner seeds (how much the ratios move with the draw alone)",
    )
    ap.add_argument("--seeds-only", action="store_true", help="skip the variants")
    ap.add_argument(
        "--seeds-forecast",
        choices=("calibrated", "scaled"),
        default="calibrated",
        help="the forecast redrawn under other seeds: calibrated, or scaled as before",
    )
    args = ap.parse_args()
    ctx = toronto_context(args.window, args.days)
    h = ctx.history
    start = h.bin_of_date(args.window)
    targets = np.arange(start, h.bin_of_date(args.window + dt.timedelta(days=args.days)))
    observed = {c: h.observed(c, targets) for c in TYPES}
    setup = MissionSetup(*beats_of_grid(h.grid), type_weight=TYPE_WEIGHTS)
    bins = h.bins.iloc[targets]

    def draw(expected) -> np.ndarray:
        return draw_planned(
            expected,
            setup,
            h.grid.cell_ids,
            bins["date"].astype(str).tolist(),
            bins["shift_index"].astype(str).tolist(),
            h.n_shifts,
        )

    gbm, fits = walk_gbm(ctx, targets)
    counts = {name: walk_count(ctx, name, targets) for name in COUNTS}
    if args.planner_seeds:
        seeds = seed_spread(
            gbm[args.seeds_forecast],
            counts["naive_365d"],
            observed,
            setup,
            draw,
            args.planner_seeds,
        )
        print(json.dumps(seeds, indent=1), flush=True)
        if args.seeds_only:
            if args.out:
                Path(args.out).write_text(
                    json.dumps({"fits": fits, "planner_seeds": seeds}, indent=1)
                )
            return
    counts_drawn = {name: draw(pred) for name, pred in counts.items()}
    uniform = draw_uniform(setup, len(targets))
    variants = {
        "scale (before)": gbm["scaled"],
        "calibrated": gbm["calibrated"],
    }
    out: dict = {"fits": fits, "top_1pct_calibration": {}, "variants": {}}
    for label, per_type in (("uncalibrated", gbm["raw"]), *variants.items()):
        out["top_1pct_calibration"][label] = {
            c: top_calibration(per_type[c], observed[c]) for c in TYPES
        }
    for label, per_type in variants.items():
        out["variants"][label] = summarise(
            {MODEL: draw(per_type), **counts_drawn, UNIFORM: uniform}, observed, setup, bins
        )
        report(label, out["variants"][label])

    def predictions(name: str, cat: str) -> np.ndarray:
        return gbm["calibrated"][cat] if name == "gbm" else counts[name][cat]

    promoted, boxes, record = promote_on_missions(
        dict.fromkeys(TYPES, "gbm"),
        counts_drawn,
        observed,
        setup,
        draw,
        predictions,
        bins["date"].astype(str).to_numpy(),
    )
    label = f"calibrated, fall-back chosen on this window {promoted}"
    out["variants"][label] = summarise(
        {MODEL: boxes, **counts_drawn, UNIFORM: uniform}, observed, setup, bins
    )
    out["variants"][label]["trials"] = record["trials"]
    report(label, out["variants"][label])
    print(json.dumps(out["top_1pct_calibration"], indent=1))
    print(json.dumps(fits, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=1))


def seed_spread(
    model: dict, count: dict, observed: dict, setup: MissionSetup, draw, n: int
) -> list:
    """Model ÷ count capture, harm-weighted and per type, under n other planner seed labels."""
    out = []
    for k in range(1, n + 1):
        mission_capture.SEED_LABEL = f"backtest-{k}"
        model_capture = capture_by_type(draw(model), observed, setup)
        count_capture = capture_by_type(draw(count), observed, setup)
        out.append({key: model_capture[key] / count_capture[key] for key in model_capture})
    mission_capture.SEED_LABEL = "backtest"
    return out


def walk_gbm(ctx, targets: np.ndarray) -> tuple[dict, list]:
    """The GBM refitted every REFIT_DAYS as in the back-test: raw, raw × scale and calibrated."""
    h = ctx.history
    model = GBMForecaster(seed=0)
    out = {
        k: {c: np.zeros((h.n_cells, len(targets)), np.float32) for c in TYPES}
        for k in ("raw", "scaled", "calibrated")
    }
    fits = []
    for p0 in range(targets[0], targets[-1] + 1, REFIT_DAYS * h.n_shifts):
        chunk = np.arange(p0, min(p0 + REFIT_DAYS * h.n_shifts, targets[-1] + 1))
        cols = slice(p0 - targets[0], p0 - targets[0] + len(chunk))
        model.fit(ctx, list(TYPES), p0)
        for cat, raw in model.predict_uncalibrated(list(TYPES), chunk).items():
            out["raw"][cat][:, cols] = raw
            out["scaled"][cat][:, cols] = raw * np.float32(model.scale[cat])
            out["calibrated"][cat][:, cols] = model.calibrate(cat, raw)
        fits.append(
            {
                "refit": str(h.bins["date"].iloc[p0]),
                **{c: {"scale": model.scale[c], **model.calibration[c].as_dict()} for c in TYPES},
            }
        )
    return out, fits


def walk_count(ctx, name: str, targets: np.ndarray) -> dict:
    model = make_forecaster(name)
    model.fit(ctx, list(TYPES), int(targets[0]))
    return model.predict_types(list(TYPES), targets)


def top_calibration(pred: np.ndarray, obs: np.ndarray) -> dict:
    """Expected and observed incidents in each shift's top TOP_SHARE of cells, summed over shifts."""
    k = max(1, int(round(TOP_SHARE * pred.shape[0])))
    top = np.argpartition(-pred, k - 1, axis=0)[:k]
    cols = np.arange(pred.shape[1])
    return {
        "expected": float(pred[top, cols].sum()),
        "observed": float(obs[top, cols].sum()),
    }


def summarise(drawn: dict, observed: dict, setup: MissionSetup, bins) -> dict:
    m = capture_summary(drawn, observed, setup, bins["date"].astype(str).to_numpy())
    return {
        "model_capture": m["sources"][MODEL]["capture"],
        "best_naive": m["best_naive"],
        "ratio": m["model_over_best_naive"],
    }


def report(label: str, v: dict) -> None:
    r = v["ratio"]
    cells = ", ".join(
        f"{k} {r[k]['ratio']:.3f} ({r[k]['ratio_90'][0]:.3f}–{r[k]['ratio_90'][1]:.3f})"
        for k in [HARM_WEIGHTED, *TYPES]
    )
    print(f"{label}: capture {v['model_capture']:.2%}; ÷ {v['best_naive']}: {cells}", flush=True)


if __name__ == "__main__":
    main()
