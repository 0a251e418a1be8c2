"""Live AVL feed: U units report every 10 s through POST /api/v1/avl/ on gunicorn (production
settings, docker/gunicorn.conf.py) with a Celery worker, for a simulated stretch of a shift, time
scaled down (each 10-s tick sent as soon as the previous one is answered, or at --tick-s). The CAD
sends each tick as B batches in parallel (bench/load/avl_feed.py). Prints p50/p95/p99 per batch
and checks that no position was lost or doubled (rows stored = fixes sent; a re-sent tick stores
nothing). --write adds the figures to bench/RESULTS.md.

    .venv/bin/python bench/avl_live_feed.py [--units 500] [--minutes 30] [--batches 1] [--tick-s 1] [--write]

Its own database (AVL_BENCH_DATABASE_URL, default missions_bench_avl on 127.0.0.1) and Redis db 9.
"""

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "bench" / "load")]

import harness  # noqa: E402
from avl_feed import AvlFeed  # noqa: E402
from bench_env import (  # noqa: E402
    avl_broker_url,
    avl_database_url,
    production_env,
    start_django,
    write_section,
)

SECTION = "## AVL live feed"
ENV = production_env(database_url=avl_database_url(), broker_url=avl_broker_url())


def main() -> int:
    args = _arguments()
    start_django(ENV)
    import avl_stage

    from patrol.models import Position

    stage = avl_stage.prepare(units=args.units)
    Position.objects.all().delete()
    west, south, east, north = stage["bounds"]
    ticks = args.minutes * 6
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=args.minutes + 1)
    rng = np.random.default_rng(1)
    env = {**os.environ, "GUNICORN_WORKERS": str(args.workers)}
    with (
        tempfile.TemporaryDirectory() as tmp,
        harness.serving(env, port=harness.free_port(), log_dir=Path(tmp)) as host,
    ):
        feed = AvlFeed(
            host,
            stage["token"],
            vehicle_ids=[f"V{n:04d}" for n in range(args.units)],
            lon=rng.uniform(west + 0.002, east - 0.002, args.units),
            lat=rng.uniform(south + 0.002, north - 0.002, args.units),
            bounds=stage["bounds"],
            batches=args.batches,
        )
        elapsed = feed.run(first_at=start, ticks=ticks, tick_s=args.tick_s)
        _, again = feed.post(feed.last_tick)  # the last tick re-sent
    in_db = Position.objects.count()
    f = feed.figures()
    whole = f["sent"] == f["stored"] == in_db and again["stored"] == 0 and not f["failures"]
    report = "\n".join(
        [
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs (shared with other "
            f"work): `.venv/bin/python bench/avl_live_feed.py --units {args.units} --minutes "
            f"{args.minutes} --batches {args.batches} --tick-s {args.tick_s:g}` — {args.minutes} "
            f"simulated minutes ({ticks} ticks of 10 s) sent in {elapsed:.0f} s "
            f"(time scaled down {10 * ticks / elapsed:.1f}×), gunicorn {args.workers} workers, "
            f"production settings, one Celery worker. Load average (1 min) at the end: "
            f"{os.getloadavg()[0]:.1f}.",
            "",
            "| batches | fixes per batch | p50 ms | p95 ms | p99 ms | max ms | mean ms |",
            "|---|---|---|---|---|---|---|",
            f"| {f['batches']} | {args.units // args.batches} | {f['p50']:.0f} | {f['p95']:.0f} | "
            f"{f['p99']:.0f} | {f['max']:.0f} | {f['mean']:.0f} |",
            "",
            f"Fixes sent {f['sent']}, stored (answers) {f['stored']}, rows in the table {in_db}, "
            f"duplicates {f['duplicates']}, refused {f['rejected']}, failed batches "
            f"{f['failures']}; the last tick re-sent: stored "
            f"{again['stored']}, duplicates {again['duplicates']}. Lost or doubled: "
            f"{'none' if whole else 'YES'}.",
        ]
    )
    print(report)
    if args.write:
        write_section(SECTION, report)
    return 0 if whole else 1


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--minutes", type=int, default=30, help="simulated minutes of a shift")
    parser.add_argument("--batches", type=int, default=1, help="parallel batches per tick")
    parser.add_argument(
        "--tick-s", type=float, default=1.0, help="real seconds per 10-s tick (1: 10× faster)"
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--write", action="store_true")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
