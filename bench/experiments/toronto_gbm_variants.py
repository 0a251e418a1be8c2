"""The GBM alone walked forward over one Toronto window, scored the outside scorer's way, with the
variants of docs/forecasting-experiments.md switched by module constants (not part of run_all).

Run: .venv/bin/python bench/experiments/toronto_gbm_variants.py 2021-07-01 [SETTING=VALUE ...]
e.g. `models.BUILD_GROUP_BLOCKS=3` or `models.GBM_PARAMS.num_leaves=31` (a module constant, or a key of
a dict constant, of forecasting.engine.models/features/events set to a Python literal); `--types A,B` and
`--days N` run fewer crime types or test days for a quick look.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import outside_score  # noqa: E402

from forecasting.engine import events, features, models  # noqa: E402
from forecasting.engine.backtest import BacktestConfig, run_backtest  # noqa: E402
from forecasting.engine.files import load_context  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "toronto"
TYPES = ["Assault", "Break and Enter", "Auto Theft", "Robbery"]
TZ = "America/Toronto"
TEST_DAYS = 91
MODULES = {"models": models, "features": features, "events": events}


def apply_setting(text: str) -> None:
    """`module.NAME=literal` or `module.DICT.key=literal`."""
    target, _, value = text.partition("=")
    module, *path = target.split(".")
    obj = MODULES[module]
    if len(path) == 1:
        setattr(obj, path[0], ast.literal_eval(value))
    else:
        getattr(obj, path[0])[path[1]] = ast.literal_eval(value)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("window")
    ap.add_argument("settings", nargs="*")
    ap.add_argument("--types", default=",".join(TYPES))
    ap.add_argument("--days", type=int, default=TEST_DAYS)
    args = ap.parse_args()
    for text in args.settings:
        apply_setting(text)
    window, variant, types = args.window, " ".join(args.settings), args.types.split(",")
    start = dt.date.fromisoformat(window)
    layers = {p.stem.replace("toronto_", ""): p for p in sorted((DATA / "pois").glob("*.csv"))}
    t0 = time.perf_counter()
    ctx, _ = load_context(
        DATA / "incidents.csv.gz",
        DATA / "divisions.geojson",
        end_date=start + dt.timedelta(days=args.days + 1),
        shift_starts=[dt.time(6), dt.time(14), dt.time(22)],
        tz=TZ,
        layers=layers,
        country="CA",
        subdivision="ON",
    )
    offsets = {}
    fit = models.GBMForecaster.fit

    def fit_and_note_offsets(self, *a):
        fit(self, *a)
        offsets.update(self.offset)

    models.GBMForecaster.fit = fit_and_note_offsets
    res = run_backtest(ctx, BacktestConfig(start, args.days, types, ("gbm",)))
    seconds = time.perf_counter() - t0
    h = ctx.history
    bins = h.bins.iloc[res.targets]
    bounds = np.column_stack(
        [
            bins[c].map(lambda t: t.tz_localize(None)).to_numpy().astype("datetime64[ns]")
            for c in ("start_local", "end_local")
        ]
    )
    events = outside_score.read_events(DATA / "incidents.csv.gz", TZ)
    preds = {c: res.predictions["gbm"][c] for c in types}
    scored = outside_score.score_arrays(events, h.grid.center_lat, h.grid.center_lon, bounds, preds)
    intervals = outside_score.ratio_intervals(scored)
    for cat, r in scored["types"].items():
        print(
            f"{variant or 'default':10s} {window} {cat:16s} "
            + " ".join(
                f"{k} {v:.3f} ({intervals[cat][k][0]:.2f}–{intervals[cat][k][1]:.2f})"
                for k, v in r["model_over_best_naive"].items()
            )
        )
    means = outside_score.mean_ratios(scored)
    print(
        f"{variant or 'default':10s} {window} mean             "
        + " ".join(f"{k} {v['mean']:.3f}" for k, v in means.items())
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    print(f"{seconds:.0f} s wall, {time.process_time():.0f} s CPU, peak RSS {peak:.2f} GB")
    print(
        "offset shares (last year, 7x7, same shift) at the last refit:",
        {c: o[0] for c, o in offsets.items()},
    )


if __name__ == "__main__":
    main()
