"""Benchmark: the engine on the demo city, where the true intensity is known — model vs baselines vs
the oracle (ranking cells by the true expected count). Writes the "Demo city" section of RESULTS.md.

Usage: .venv/bin/python bench/backtest_demo_city.py [--seed 7] [--test-days 56]
"""

import argparse
import datetime as dt
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo.generator import generate_demo_city, true_expected_counts  # noqa: E402
from forecasting.engine.backtest import BacktestConfig, run_backtest  # noqa: E402
from forecasting.engine.baselines import DEFAULT_MODELS  # noqa: E402
from forecasting.engine.files import load_context  # noqa: E402
from forecasting.engine.metrics import hit_metrics  # noqa: E402
from forecasting.engine.mission_capture import (  # noqa: E402
    MissionSetup,
    beats_of_grid,
    plain_words,
)

RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Demo city: model vs oracle"
END_DATE = dt.date(2025, 11, 1)  # fixed, so the figures are reproducible
AREAS = ("1%", "5%")


def demo_city_context(city):
    """The engine's context for a generated city, through the same files an agency would give it."""
    with tempfile.TemporaryDirectory() as folder:
        events, boundary = Path(folder) / "events.csv", Path(folder) / "boundary.geojson"
        city.write_events_csv(events)
        city.write_boundary_geojson(boundary)
        layers = {}
        for name, frame in city.layers.items():
            layers[name] = Path(folder) / f"{name}.csv"
            frame.rename(columns={"latitude": "lat", "longitude": "lon"}).to_csv(
                layers[name], index=False
            )
        ctx, _ = load_context(
            events,
            boundary,
            end_date=END_DATE + dt.timedelta(days=1),
            tz=city.timezone,
            layers=layers,
            country="CA",
            subdivision="ON",
        )
    return ctx


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--test-days", type=int, default=56)
    args = parser.parse_args()
    started = time.perf_counter()
    city = generate_demo_city(args.seed, end_date=END_DATE)
    test_start = END_DATE - dt.timedelta(days=args.test_days)
    ctx = demo_city_context(city)
    h = ctx.history
    categories = list(h.categories)
    result = run_backtest(
        ctx,
        BacktestConfig(test_start, args.test_days, categories, tuple(DEFAULT_MODELS)),
        missions=MissionSetup(*beats_of_grid(h.grid)),
    )
    bins = h.bins.iloc[result.targets]
    rows = []
    for cat in categories:
        oracle = true_expected_counts(
            city,
            cell_lon=h.grid.center_lon,
            cell_lat=h.grid.center_lat,
            cell_size_m=h.grid.cell_size,
            shift_starts_utc=bins["start"].to_numpy(),
            shift_ends_utc=bins["end"].to_numpy(),
            category=cat,
        )
        truth = hit_metrics(oracle, h.observed(cat, result.targets))["pai"]
        promoted = result.promoted[cat]
        model = result.metrics[promoted][cat]["pai"]
        naive = max(
            (result.metrics[m][cat]["pai"][a], m)
            for m in result.metrics
            if m.startswith("naive_")
            for a in ("5%",)
        )
        rows.append((cat, promoted, model, truth, naive))
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table = [
        "| crime type | promoted | PAI 1 % model / oracle | PAI 5 % model / oracle | share of oracle (5 %) |"
        " best naive PAI 5 % |",
        "|---|---|---|---|---|---|",
    ]
    for cat, promoted, model, truth, (naive_pai, naive_name) in rows:
        table.append(
            f"| {cat} | {promoted} | {model['1%']:.2f} / {truth['1%']:.2f} | {model['5%']:.2f} / {truth['5%']:.2f}"
            f" | {model['5%'] / truth['5%']:.0%} | {naive_pai:.2f} ({naive_name}) |"
        )
    missions = result.missions or {}
    text = "\n".join(table) + (
        f"\n\nMissions drawn by the planner per {missions.get('beats_from')} and shift "
        "(default policy, every type weighing 1): " + " ".join(plain_words(missions))
    )
    print(text)
    write_section(args, text, seconds, peak_mb, len(h.grid))


def write_section(args, table: str, seconds: float, peak_mb: float, cells: int) -> None:
    header = (
        f"{SECTION}\n\n`.venv/bin/python bench/backtest_demo_city.py --seed {args.seed} --test-days"
        f" {args.test_days}` — {dt.date.today()}: Port Meridian (seed {args.seed}, data to {END_DATE},"
        f" {cells} cells), walk-forward over the last {args.test_days} days, all models of the engine."
        " The oracle ranks cells by the generator's true expected count for each shift (background and"
        " near-repeat parts), the best any forecaster could do on average. PAI pooled over shifts."
        f" Run time {seconds:.0f} s, peak RSS {peak_mb:.0f} MB.\n\n"
    )
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"{re.escape(SECTION)}\n.*?(?=\n## |\Z)", re.S)
    section = header + table + "\n"
    text = pattern.sub(section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
