"""Benchmark: the GBM back-tested with and without down-weighting the training rows of boxes patrolled
during the shift (FORECAST_PATROLLED_ROW_WEIGHT), on a database holding the demo city and its mission
history (`seed_demo`, `build_grid`, `seed_mission_history`). Prints PAI at 1 % / 5 % per crime type.

Usage (with DATABASE_URL pointing at that database):
    .venv/bin/python bench/feedback_weight_demo.py [--test-days 14] [--weights 1,0.5,0]
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "missions_site.settings.dev")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from forecasting.engine.backtest import BacktestConfig, run_backtest  # noqa: E402
from forecasting.inputs import load_inputs  # noqa: E402

MODELS = ("gbm", "naive_28d")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--test-days", type=int, default=14)
    parser.add_argument("--weights", default="1,0.5,0")
    args = parser.parse_args()
    today = timezone.localdate()
    inputs = load_inputs(anchor=today, end=today + dt.timedelta(days=1))
    ctx = inputs.ctx
    patrolled = float((ctx.exposure > 0).mean())
    print(f"box-shifts with patrol minutes: {100 * patrolled:.3f} %")
    codes = sorted(inputs.crime_types)
    print(
        "| weight | "
        + " | ".join(f"{c} PAI 1% / 5%" for c in codes)
        + " | naive_28d 5% (mean) | seconds |"
    )
    for weight in (float(w) for w in args.weights.split(",")):
        ctx.patrolled_row_weight = weight
        started = time.perf_counter()
        config = BacktestConfig(
            today - dt.timedelta(days=args.test_days), args.test_days, codes, MODELS
        )
        result = run_backtest(ctx, config, keep_predictions="none")
        gbm = result.metrics["gbm"]
        naive = [result.metrics["naive_28d"][c]["pai"]["5%"] for c in codes]
        cells = " | ".join(f"{gbm[c]['pai']['1%']:.2f} / {gbm[c]['pai']['5%']:.2f}" for c in codes)
        print(
            f"| {weight:g} | {cells} | {sum(naive) / len(naive):.2f} | {time.perf_counter() - started:.0f} |"
        )


if __name__ == "__main__":
    main()
