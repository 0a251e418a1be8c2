"""Benchmark: plan every beat of one shift on the Toronto 250 m grid (issue 5 target: under 2 s).
Beats are synthetic (each division split in four by k-means); expected counts come from 2021 incidents.

    .venv/bin/python bench/plan_toronto.py [--runs 20] [--no-write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from forecasting.engine.grid import build_grid  # noqa: E402
from forecasting.engine.reasons import free_text  # noqa: E402
from missions.planner import PlanningInputs, PlanningPolicy, plan, shift_seed_material  # noqa: E402

TORONTO = ROOT.parent / "shared" / "data" / "toronto"
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Planning"
TARGET_S = 2.0
BEATS_PER_DIVISION = 4
KMEANS_ITERATIONS = 25
HISTORY_START, HISTORY_END = "2021-01-01", "2022-01-01"  # the last year in the data
SHIFTS_PER_DAY = 3
DAYS_PER_YEAR = 365
PRIOR_COUNT = 0.05  # incidents per cell-year added to every type, so quiet cells are not all zero
# Illustrative weights, not a recommendation: harm per incident and share preventable by patrol.
SEVERITY = {
    "Assault": 1.0,
    "Break and Enter": 0.6,
    "Auto Theft": 0.4,
    "Robbery": 1.5,
    "Theft Over": 0.5,
}
EFFICACY = {
    "Assault": 0.2,
    "Break and Enter": 0.3,
    "Auto Theft": 0.3,
    "Robbery": 0.4,
    "Theft Over": 0.2,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--no-write", action="store_true", help="print only, leave RESULTS.md alone"
    )
    args = parser.parse_args()
    if not TORONTO.exists():
        sys.exit(f"no Toronto data at {TORONTO}")

    t0 = time.perf_counter()
    grid, beat = toronto_grid_with_beats()
    expected = expected_per_shift(grid)
    setup_s = time.perf_counter() - t0
    n_beats = int(beat.max()) + 1
    rng = np.random.default_rng(20240301)
    n = len(grid)
    policy = PlanningPolicy(missions_per_beat=3, temperature=1.0, control_share=0.2)
    seed = shift_seed_material(date="2024-03-01", shift="day", model_version="bench")

    def inputs() -> (
        PlanningInputs
    ):  # built inside the timing: converting arrays is part of planning
        return PlanningInputs(
            cell_ids=cell_ids,
            beat=beat,
            expected=expected,
            crime_types=tuple(SEVERITY),
            severity_weight=np.array(list(SEVERITY.values())),
            patrol_efficacy=np.array(list(EFFICACY.values())),
            recent_dose_minutes=dose,
            consecutive_shifts=consecutive,
            suppressed=suppressed,
            reasons=reasons,
        )

    cell_ids = grid.cell_ids
    dose = np.where(rng.random(n) < 0.05, rng.uniform(5, 60, n), 0.0)
    consecutive = rng.integers(0, 4, n) * (rng.random(n) < 0.03)
    suppressed = rng.random(n) < 0.01
    reasons = [(free_text("synthetic reason"),)] * n

    timings = {}
    for name, pol in (
        ("temperature 1, 20 % controls", policy),
        ("temperature 0 (top-k)", PlanningPolicy(3, 0.0)),
    ):
        runs = []
        for _ in range(args.runs):
            t = time.perf_counter()
            result = plan(inputs(), pol, seed_material=seed)
            runs.append(time.perf_counter() - t)
        timings[name] = (
            statistics.median(runs),
            max(runs),
            len(result.missions),
            len(result.controls),
        )

    print(f"grid + beats + expected counts: {setup_s:.1f} s; {n} cells, {n_beats} beats")
    for name, (med, worst, m, c) in timings.items():
        print(
            f"plan() {name}: median {med * 1000:.1f} ms, max {worst * 1000:.1f} ms ({m} missions, {c} controls)"
        )
    if not args.no_write:
        write_section(n, n_beats, expected.shape[1], args.runs, timings)
        print(f"wrote the {SECTION!r} section of {RESULTS.relative_to(ROOT)}")


def toronto_grid_with_beats():
    """The 16-division grid, and a synthetic beat per cell: k-means on cell centres within each division."""
    features = json.loads((TORONTO / "divisions.geojson").read_text())["features"]
    divisions = [shape(f["geometry"]) for f in features]
    names = [f["properties"]["DIV"] for f in features]
    grid = build_grid(shapely.union_all(divisions), districts=divisions, district_names=names)
    beat = np.full(len(grid), -1, dtype=np.int64)
    xy = np.column_stack([grid.center_x, grid.center_y])
    for d in range(len(divisions)):
        cells = np.flatnonzero(grid.district == d)
        beat[cells] = d * BEATS_PER_DIVISION + kmeans_labels(xy[cells], BEATS_PER_DIVISION)
    return grid, beat


def kmeans_labels(points: np.ndarray, k: int) -> np.ndarray:
    """Plain Lloyd iterations from evenly spaced starting points along x (deterministic)."""
    centres = points[np.argsort(points[:, 0])[np.linspace(0, len(points) - 1, k).astype(int)]]
    for _ in range(KMEANS_ITERATIONS):
        labels = np.argmin(((points[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
        centres = np.array(
            [points[labels == j].mean(0) if (labels == j).any() else centres[j] for j in range(k)]
        )
    return labels


def expected_per_shift(grid) -> np.ndarray:
    """Last year's incidents per cell and type, as an average count per shift (plus a small prior)."""
    df = pd.read_csv(
        TORONTO / "incidents.csv.gz", usecols=["occurred_at", "latitude", "longitude", "category"]
    )
    df = df[(df.occurred_at >= HISTORY_START) & (df.occurred_at < HISTORY_END)]
    cell = grid.lonlat_to_index(df.longitude.to_numpy(), df.latitude.to_numpy())
    types = pd.Categorical(df.category, categories=list(SEVERITY)).codes
    ok = (cell >= 0) & (types >= 0)
    counts = np.zeros((len(grid), len(SEVERITY)))
    np.add.at(counts, (cell[ok], types[ok]), 1.0)
    return (counts + PRIOR_COUNT) / (DAYS_PER_YEAR * SHIFTS_PER_DAY)


def write_section(n_cells: int, n_beats: int, n_types: int, runs: int, timings: dict) -> None:
    lines = [
        SECTION,
        "",
        f"`.venv/bin/python bench/plan_toronto.py --runs {runs}` — {dt.date.today().isoformat()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}.",
        "",
        f"Toronto 250 m grid: {n_cells} cells, {n_beats} synthetic beats (16 divisions × 4, k-means), "
        f"{n_types} crime types, expected counts from 2021 incidents; 3 missions per beat; "
        f"the time covers `PlanningInputs(...)` + `plan()` for one shift. Target: < {TARGET_S:g} s.",
        "",
        "| policy | median | max | missions | controls |",
        "|---|---|---|---|---|",
    ]
    for name, (med, worst, m, c) in timings.items():
        lines.append(f"| {name} | {med * 1000:.1f} ms | {worst * 1000:.1f} ms | {m} | {c} |")
    section = "\n".join(lines) + "\n"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
