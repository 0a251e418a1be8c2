"""Forecast one shift for every crime type on the Toronto-sized grid: the engine call behind
`manage.py forecast_shift` (load the saved models, features, predict, reasons). Target: < 10 s.
Run: .venv/bin/python bench/forecast_shift.py [--date 2021-12-01] [--runs 3]"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecasting.engine import persist, pipeline  # noqa: E402
from forecasting.engine.events import read_events_csv  # noqa: E402
from forecasting.engine.files import read_boundary, read_layer  # noqa: E402
from forecasting.engine.grid import build_grid  # noqa: E402
from forecasting.engine.history import build_history  # noqa: E402
from forecasting.engine.models import GBMForecaster  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "toronto"
SHIFTS = [dt.time(6), dt.time(14), dt.time(22)]
SHIFT_NAMES = ["Day", "Evening", "Night"]
TZ = "America/Toronto"
HISTORY_DAYS = 800  # as forecasting.inputs.HISTORY_DAYS_DEFAULT
TARGET_S = 10.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--date", default="2021-12-01", help="local date of the forecast (Night shift)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    day = dt.date.fromisoformat(args.date)

    t0 = time.perf_counter()
    boundary, districts, names = read_boundary(DATA / "divisions.geojson")
    grid = build_grid(boundary, cell_size=250, districts=districts, district_names=names)
    events = read_events_csv(DATA / "incidents.csv.gz", TZ)
    start = day - dt.timedelta(days=HISTORY_DAYS)
    frame = events.frame
    first_ns = pd.Timestamp(start).tz_localize(TZ).value
    events = type(events)(
        frame=frame[frame["end_ns"] >= first_ns].reset_index(drop=True),
        rejected=events.rejected,
        heaped=events.heaped,
    )
    history = build_history(
        events,
        grid,
        start_date=start,
        end_date=day + dt.timedelta(days=2),
        shift_starts=SHIFTS,
        tz=TZ,
    )
    layers = {
        p.stem.replace("toronto_", ""): read_layer(p) for p in sorted((DATA / "pois").glob("*.csv"))
    }
    types = list(history.categories)
    print(
        f"{len(grid)} cells, {len(events.frame)} incidents in {HISTORY_DAYS} days, types {types}; "
        f"setup {time.perf_counter() - t0:.1f} s"
    )

    # Train: one GBM fit per type on everything before the forecast day (not timed: the nightly job).
    ctx = pipeline.CachedFeatureContext(history, layers=layers, country="CA", subdivision="ON")
    fit_bin = history.bin_of_date(day)
    target = fit_bin + SHIFTS.index(dt.time(22))
    folder = Path(tempfile.mkdtemp(prefix="fc_bench_"))
    hashes = {}
    t1 = time.perf_counter()
    for cat in types:
        model = GBMForecaster(seed=0)
        model.fit(ctx, [cat], fit_bin)
        data = persist.dumps(model, category=cat, cell_ids=grid.cell_ids)
        (folder / f"{len(hashes)}.joblib").write_bytes(data)
        hashes[cat] = persist.sha256_of(data)
    print(f"trained {len(types)} GBMs in {time.perf_counter() - t1:.1f} s")

    timings = []
    for _ in range(args.runs):
        fresh = pipeline.CachedFeatureContext(
            history, layers=layers, country="CA", subdivision="ON"
        )
        t2 = time.perf_counter()
        forecasters = {}
        for i, cat in enumerate(types):
            forecasters[cat], _ = persist.load(
                folder / f"{i}.joblib",
                expected_sha256=hashes[cat],
                ctx=fresh,
                cell_ids=grid.cell_ids,
            )
        result = pipeline.forecast_shift(fresh, forecasters, target, shift_name=SHIFT_NAMES[2])
        timings.append((time.perf_counter() - t2, result.seconds))
    total = [t for t, _ in timings]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    top = int(np.argmax(result.expected[types[0]]))
    print(
        f"one shift, all types: median {np.median(total):.2f} s, max {max(total):.2f} s "
        f"(predict {timings[-1][1]['predict']:.2f} s, reasons {timings[-1][1]['reasons']:.2f} s); "
        f"peak RSS {peak_mb:.0f} MB; target < {TARGET_S:.0f} s: {'pass' if max(total) < TARGET_S else 'FAIL'}"
    )
    print(f"example, top {types[0]} cell {grid.cell_ids[top]}: {result.reasons[types[0]][top]}")
    print(
        f"| {dt.date.today()} | {len(grid)} | {len(types)} | {np.median(total):.2f} s | {max(total):.2f} s | "
        f"{peak_mb:.0f} MB | {'pass' if max(total) < TARGET_S else 'fail'} |  ({platform.python_version()})"
    )


if __name__ == "__main__":
    main()
