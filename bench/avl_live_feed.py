"""Live AVL feed: U units report every 10 s through POST /api/v1/avl/ on gunicorn (production
settings, docker/gunicorn.conf.py) with a Celery worker, for a simulated stretch of a shift, time
scaled down (each 10-s tick sent as soon as the previous one is answered, or at --tick-s). The CAD
sends each tick as B batches in parallel. Prints p50/p95/p99 per batch and checks that no position
was lost or doubled (rows stored = fixes sent; a re-sent tick stores nothing). --write adds the
figures to bench/RESULTS.md.

    .venv/bin/python bench/avl_live_feed.py [--units 500] [--minutes 30] [--batches 1] [--tick-s 1] [--write]

Its own database (AVL_BENCH_DATABASE_URL, default missions_bench_avl on 127.0.0.1) and Redis db 9.
"""

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "bench" / "load")]

import harness  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## AVL live feed"
ENV = {
    "DJANGO_SETTINGS_MODULE": "missions_site.settings.prod",
    "DATABASE_URL": os.environ.get(
        "AVL_BENCH_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/missions_bench_avl"
    ),
    "CELERY_BROKER_URL": os.environ.get("AVL_BENCH_BROKER_URL", "redis://127.0.0.1:6379/9"),
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "API_TOKEN_THROTTLE_RATE": "100000/min",
    "LOG_LEVEL": "WARNING",
}


def main() -> int:
    args = _arguments()
    os.environ.update(ENV)
    _create_database(ENV["DATABASE_URL"])
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    import avl_stage

    from patrol.models import Position

    stage = avl_stage.prepare(units=args.units)
    Position.objects.all().delete()
    west, south, east, north = stage["bounds"]
    ticks = args.minutes * 6
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=args.minutes + 1)
    rng = np.random.default_rng(1)
    lon = rng.uniform(west + 0.002, east - 0.002, args.units)
    lat = rng.uniform(south + 0.002, north - 0.002, args.units)
    env = {**os.environ, "GUNICORN_WORKERS": str(args.workers)}
    latencies, sent, stored, duplicates, rejected = [], 0, 0, 0, 0
    with (
        tempfile.TemporaryDirectory() as tmp,
        harness.serving(env, port=harness.free_port(), log_dir=Path(tmp)) as host,
        ThreadPoolExecutor(args.batches) as pool,
    ):
        url = f"{host}/api/v1/avl/"
        began = time.monotonic()
        for tick in range(ticks):
            at = (start + timedelta(seconds=10 * tick)).isoformat()
            lon += rng.normal(0, 0.0003, args.units)  # cars drive about 30 m per tick
            lat += rng.normal(0, 0.0002, args.units)
            np.clip(lon, west + 0.001, east - 0.001, out=lon)
            np.clip(lat, south + 0.001, north - 0.001, out=lat)
            fixes = [
                {
                    "unit": f"V{n:04d}",
                    "at": at,
                    "latitude": float(lat[n]),
                    "longitude": float(lon[n]),
                }
                for n in range(args.units)
            ]
            parts = [fixes[i :: args.batches] for i in range(args.batches)]
            t0 = time.monotonic()
            for ms, body in pool.map(lambda p: _post(url, stage["token"], p), parts):
                latencies.append(ms)
                stored += body["stored"]
                duplicates += body["duplicates"]
                rejected += len(body["rejected"])
            sent += len(fixes)
            wait = args.tick_s - (time.monotonic() - t0)
            if wait > 0:
                time.sleep(wait)
        elapsed = time.monotonic() - began
        _, again = _post(url, stage["token"], fixes)  # the last tick re-sent
    in_db = Position.objects.count()
    p = np.percentile(latencies, [50, 95, 99])
    report = "\n".join(
        [
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs (shared with other "
            f"work): `.venv/bin/python bench/avl_live_feed.py --units {args.units} --minutes "
            f"{args.minutes} --batches {args.batches} --tick-s {args.tick_s:g}` — {args.minutes} "
            f"simulated minutes ({ticks} ticks of 10 s) sent in {elapsed:.0f} s "
            f"(time scaled down {10 * ticks / elapsed:.1f}×), gunicorn {args.workers} workers, "
            "production settings, one Celery worker.",
            "",
            "| batches | fixes per batch | p50 ms | p95 ms | p99 ms | max ms | mean ms |",
            "|---|---|---|---|---|---|---|",
            f"| {len(latencies)} | {args.units // args.batches} | {p[0]:.0f} | {p[1]:.0f} | "
            f"{p[2]:.0f} | {max(latencies):.0f} | {statistics.mean(latencies):.0f} |",
            "",
            f"Fixes sent {sent}, stored (answers) {stored}, rows in the table {in_db}, duplicates "
            f"{duplicates}, refused {rejected}; the last tick re-sent: stored {again['stored']}, "
            f"duplicates {again['duplicates']}. Lost or doubled: "
            f"{'none' if sent == stored == in_db and again['stored'] == 0 else 'YES'}.",
        ]
    )
    print(report)
    if args.write:
        _write(report)
    return 0 if sent == stored == in_db and again["stored"] == 0 else 1


def _post(url: str, token: str, fixes: list) -> tuple[float, dict]:
    request = urllib.request.Request(  # noqa: S310 - our own server
        url,
        data=json.dumps({"positions": fixes}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    t0 = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our own server
        body = json.loads(response.read())
    return (time.perf_counter() - t0) * 1000, body


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


def _create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.replace("postgis://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _write(report: str) -> None:
    text = RESULTS.read_text()
    if SECTION not in text:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n"
    head, _, tail = text.partition(SECTION + "\n")
    RESULTS.write_text(f"{head}{SECTION}\n\n{report}\n{tail}")


if __name__ == "__main__":
    sys.exit(main())
