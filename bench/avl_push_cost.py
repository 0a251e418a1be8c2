"""What one AVL push costs in the app itself: B batches of U fixes through POST /api/v1/avl/ with
Django's test client in this process (no server, no network), on the AVL bench stage. Prints the
median and p95 wall time per batch and the median CPU time of this process (Python's share; the
database's is apart), and with --profile the functions that took the most time (cProfile).

    .venv/bin/python bench/avl_push_cost.py [--units 500] [--batches 40] [--profile]

Its own database (AVL_BENCH_DATABASE_URL, default missions_bench_avl on 127.0.0.1). Run from
another checkout's folder to compare versions: the app is imported from the working directory.
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path.cwd()
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(Path(__file__).resolve().parent / "load")]

from bench_env import avl_broker_url, avl_database_url, start_django, test_settings_env  # noqa: E402

ENV = test_settings_env(database_url=avl_database_url(), broker_url=avl_broker_url())


def main() -> int:
    args = _arguments()
    start_django(ENV)
    import avl_stage
    from django.test import Client

    from patrol.models import Position

    stage = avl_stage.prepare(units=args.units)
    Position.objects.all().delete()
    west, south, east, north = stage["bounds"]
    rng = np.random.default_rng(1)
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {stage['token']}")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)

    def batch(tick: int) -> str:
        at = (start + timedelta(seconds=10 * tick)).isoformat()
        lon = rng.uniform(west + 0.002, east - 0.002, args.units)
        lat = rng.uniform(south + 0.002, north - 0.002, args.units)
        return json.dumps(
            {
                "positions": [
                    {"unit": f"V{n:04d}", "at": at, "latitude": y, "longitude": x}
                    for n, (x, y) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True))
                ]
            }
        )

    for tick in range(3):  # warm: caches, connection, temporary table
        client.post("/api/v1/avl/", batch(tick), content_type="application/json")
    bodies = [batch(tick) for tick in range(3, 3 + args.batches)]
    profile = cProfile.Profile() if args.profile else None
    wall, cpu = [], []
    for body in bodies:
        t0, c0 = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        answer = client.post("/api/v1/avl/", body, content_type="application/json")
        if profile:
            profile.disable()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert answer.status_code == 200 and answer.json()["stored"] == args.units, answer.content
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f}, "
        f"{ROOT}: {args.batches} batches of {args.units} fixes: wall median "
        f"{np.median(wall):.0f} ms, p95 {np.percentile(wall, 95):.0f} ms; CPU of this process "
        f"median {np.median(cpu):.1f} ms"
    )
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    return 0


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--profile", action="store_true")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
