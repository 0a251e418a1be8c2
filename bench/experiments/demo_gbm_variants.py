"""Chosen models walked forward over the demo city's last weeks, each type's PAI as a share of the
oracle's (cells ranked by the generator's true expected count), with the variants of
docs/forecasting-experiments.md switched by module constants (not part of run_all).

Run: .venv/bin/python bench/experiments/demo_gbm_variants.py [--seed 7] [--models gbm,naive_365d] [SETTING=VALUE ...]
(SETTING as in toronto_gbm_variants.py, e.g. `features.NEAR_REPEAT_SIGMA_CELLS=0.7`). Also prints the
share an oracle of the background alone (no near repeats) reaches, for scale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "bench" / "experiments")]

from backtest_demo_city import END_DATE, demo_city_context  # noqa: E402
from toronto_gbm_variants import apply_setting  # noqa: E402

from demo.generator import generate_demo_city, true_expected_counts  # noqa: E402
from forecasting.engine.backtest import BacktestConfig, run_backtest  # noqa: E402
from forecasting.engine.metrics import hit_metrics  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("settings", nargs="*")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--test-days", type=int, default=56)
    ap.add_argument("--models", default="gbm")
    args = ap.parse_args()
    for text in args.settings:
        apply_setting(text)
    city = generate_demo_city(args.seed, end_date=END_DATE)
    ctx = demo_city_context(city)
    h = ctx.history
    categories = list(h.categories)
    names = tuple(args.models.split(","))
    result = run_backtest(
        ctx,
        BacktestConfig(
            END_DATE - dt.timedelta(days=args.test_days), args.test_days, categories, names
        ),
    )
    bins = h.bins.iloc[result.targets]
    shares = {name: [] for name in names}
    for cat in categories:
        where = dict(
            cell_lon=h.grid.center_lon,
            cell_lat=h.grid.center_lat,
            cell_size_m=h.grid.cell_size,
            shift_starts_utc=bins["start"].to_numpy(),
            shift_ends_utc=bins["end"].to_numpy(),
            category=cat,
        )
        observed = h.observed(cat, result.targets)
        oracle = hit_metrics(true_expected_counts(city, **where), observed)["pai"]
        background = hit_metrics(
            true_expected_counts(city, include_triggered=False, **where), observed
        )["pai"]
        line = (
            f"{cat:18s} background-only oracle {background['1%'] / oracle['1%']:.3f}"
            f" / {background['5%'] / oracle['5%']:.3f}"
        )
        for name in names:
            pai = result.metrics[name][cat]["pai"]
            share = (pai["1%"] / oracle["1%"], pai["5%"] / oracle["5%"])
            shares[name].append(share)
            line += f" | {name} {share[0]:.3f} / {share[1]:.3f}"
        print(line, flush=True)
    for name, per_type in shares.items():
        mean = [sum(s[i] for s in per_type) / len(per_type) for i in (0, 1)]
        print(
            f"{name} mean {mean[0]:.3f} / {mean[1]:.3f} (share of the oracle at 1 % / 5 %) {' '.join(args.settings)}"
        )


if __name__ == "__main__":
    main()
