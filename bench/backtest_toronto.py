"""Walk-forward back-test of every forecaster on the real Toronto data (two 91-day windows).
Run: .venv/bin/python bench/backtest_toronto.py [--windows 2021-07-01,2019-07-01] [--days 91]"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecasting.engine.backtest import BacktestConfig, best_naive_ratio, run_backtest  # noqa: E402
from forecasting.engine.files import load_context  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "toronto"
TYPES = ["Assault", "Break and Enter", "Auto Theft", "Robbery"]
SHIFTS = [dt.time(6), dt.time(14), dt.time(22)]
TZ = "America/Toronto"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--windows", default="2021-07-01,2019-07-01")
    ap.add_argument("--days", type=int, default=91)
    ap.add_argument("--models", default=None)
    ap.add_argument("--json", default=None, help="write all metrics here")
    args = ap.parse_args()
    layers = {p.stem.replace("toronto_", ""): p for p in sorted((DATA / "pois").glob("*.csv"))}
    all_out = {}
    for w in args.windows.split(","):
        t0 = time.perf_counter()
        start = dt.date.fromisoformat(w)
        ctx, _ = load_context(
            DATA / "incidents.csv.gz", DATA / "divisions.geojson",
            end_date=start + dt.timedelta(days=args.days + 1), shift_starts=SHIFTS, tz=TZ,
            layers=layers, country="CA", subdivision="ON",
        )
        t_load = time.perf_counter() - t0
        cfg = BacktestConfig(start, args.days, TYPES)
        if args.models:
            cfg.models = tuple(args.models.split(","))
        res = run_backtest(ctx, cfg, keep_predictions=False)
        wall = time.perf_counter() - t0
        # Single-shift forecast for all types with the last fitted GBM (features + predict only).
        t1 = time.perf_counter()
        _single_shift(ctx, cfg, res)
        one = time.perf_counter() - t1
        peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
        print(f"\n=== window {start} + {args.days} d: {len(ctx.history.grid)} cells, "
              f"{len(res.targets)} shifts; load {t_load:.1f} s, total {wall:.1f} s, peak RSS {peak_gb:.2f} GB, "
              f"single-shift forecast (all types, fitted gbm, features+predict) {one:.2f} s")
        print(f"{'type':16s} {'model':12s} {'PAI1':>6s} {'PAI5':>6s} {'HR1':>6s} {'HR5':>6s} {'logS':>8s} {'fit s':>6s}")
        for cat in TYPES:
            for m in cfg.models:
                v = res.metrics[m][cat]
                star = "*" if res.promoted[cat] == m else " "
                print(f"{cat:16s} {m + star:12s} {v['pai']['1%']:6.2f} {v['pai']['5%']:6.2f} "
                      f"{v['hit_rate']['1%']:6.1%} {v['hit_rate']['5%']:6.1%} {v['log_score']:8.4f} "
                      f"{v['seconds']['fit'] + v['seconds']['predict']:6.1f}")
        r1 = best_naive_ratio(res.metrics, res.promoted, "1%")
        r5 = best_naive_ratio(res.metrics, res.promoted, "5%")
        for cat in TYPES:
            print(f"ratio promoted/best-naive {cat:16s} 1%: {r1[cat]:.3f}  5%: {r5[cat]:.3f}")
        print(f"mean ratio 1%: {np.mean(list(r1.values())):.3f}  5%: {np.mean(list(r5.values())):.3f}")
        all_out[w] = {"metrics": res.metrics, "promoted": res.promoted, "ratio_1": r1, "ratio_5": r5,
                      "seconds": wall, "peak_gb": peak_gb, "single_shift_s": one}
    if args.json:
        Path(args.json).write_text(json.dumps(all_out, indent=1, default=float))


def _single_shift(ctx, cfg, res):
    """Forecast the shift after the test period for every type with the GBM as last fitted."""
    gbm = res.fitted["gbm"]
    t = res.targets[-1:] + 1
    for cat in cfg.categories:
        gbm.predict(cat, t)


if __name__ == "__main__":
    main()
