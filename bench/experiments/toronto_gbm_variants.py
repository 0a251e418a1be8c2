"""The GBM alone walked forward over one Toronto window, scored the outside scorer's way, with the
variants of docs/forecasting-experiments.md switched by module constants (not part of run_all).

Run: .venv/bin/python bench/experiments/toronto_gbm_variants.py 2021-07-01 [noblend|beta0|...]
"""

from __future__ import annotations

import datetime as dt
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import outside_score  # noqa: E402

from forecasting.engine import models, ranking  # noqa: E402
from forecasting.engine.backtest import BacktestConfig, run_backtest  # noqa: E402
from forecasting.engine.files import load_context  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "toronto"
TYPES = ["Assault", "Break and Enter", "Auto Theft", "Robbery"]
TZ = "America/Toronto"
TEST_DAYS = 91
VARIANTS = {
    "noblend": lambda: setattr(ranking, "BLEND_SHARES", (0.0,)),
    "beta0": lambda: setattr(models, "OFFSET_NEIGHBOUR_SHARES", (0.0, 0.25, 0.5, 1.0)),
}


def main(window: str, variant: str = "") -> None:
    for part in filter(None, variant.split("+")):
        VARIANTS[part]()
    start = dt.date.fromisoformat(window)
    layers = {p.stem.replace("toronto_", ""): p for p in sorted((DATA / "pois").glob("*.csv"))}
    t0 = time.perf_counter()
    ctx, _ = load_context(DATA / "incidents.csv.gz", DATA / "divisions.geojson",
                          end_date=start + dt.timedelta(days=TEST_DAYS + 1),
                          shift_starts=[dt.time(6), dt.time(14), dt.time(22)], tz=TZ,
                          layers=layers, country="CA", subdivision="ON")
    res = run_backtest(ctx, BacktestConfig(start, TEST_DAYS, TYPES, ("gbm",)))
    seconds = time.perf_counter() - t0
    h = ctx.history
    bins = h.bins.iloc[res.targets]
    bounds = np.column_stack([bins[c].map(lambda t: t.tz_localize(None)).to_numpy().astype("datetime64[ns]")
                              for c in ("start_local", "end_local")])
    events = outside_score.read_events(DATA / "incidents.csv.gz", TZ)
    preds = {c: res.predictions["gbm"][c] for c in TYPES}
    scored = outside_score.score_arrays(events, h.grid.center_lat, h.grid.center_lon, bounds, preds)
    for cat, r in scored["types"].items():
        print(f"{variant or 'default':10s} {window} {cat:16s} " +
              " ".join(f"{k} {v:.3f}" for k, v in r["model_over_best_naive"].items()))
    means = outside_score.mean_ratios(scored)
    print(f"{variant or 'default':10s} {window} mean             " + " ".join(f"{k} {v['mean']:.3f}" for k, v in means.items()))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"{seconds:.0f} s wall, {time.process_time():.0f} s CPU, peak RSS {peak:.2f} GB")
    print({c: (b.naive_days, b.share) for c, b in res.fitted["gbm"].blend.items()})


if __name__ == "__main__":
    main(*sys.argv[1:])
