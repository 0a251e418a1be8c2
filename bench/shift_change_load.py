"""Shift-change load: N officers sign in and poll their missions every 30 s (with ETags), pinging
their positions, supervisors keep the board open, while an analyst re-plans the shift every 5
minutes from a fresh forecast — against gunicorn (docker/gunicorn.conf.py, production settings,
psycopg pool) + PostGIS + Redis + a Celery worker on this machine. With --avl-units U, the AVL feed
runs meanwhile in real time (U units every 10 s, bench/load/avl_feed.py). Prints p50/p95/p99 and
errors per request kind, the feed's batches, the half-published check and the load average;
--write adds them to bench/RESULTS.md. Targets: p95 < 300 ms, no errors.

    .venv/bin/python bench/shift_change_load.py [--officers 500] [--spawn-rate 2] [--steady 300]
        [--sign-in] [--avl-units 500] [--write]

Its own database (LOAD_DATABASE_URL, default missions_bench_load on 127.0.0.1) and Redis db 8.
"""

import argparse
import os
import secrets
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench" / "load")]

import harness  # noqa: E402
from avl_feed import AvlFeed  # noqa: E402
from bench_env import production_env, start_django, write_section  # noqa: E402

SECTION = "## Shift-change load"
TARGET_P95_MS = 300
ENV = production_env(
    database_url=os.environ.get(
        "LOAD_DATABASE_URL", "postgis://postgres@127.0.0.1:5432/missions_bench_load"
    ),
    broker_url=os.environ.get("LOAD_BROKER_URL", "redis://127.0.0.1:6379/8"),
)


def main() -> int:
    args = _arguments()
    start_django(ENV)
    import stage

    tokens = (
        None if args.sign_in else Path(tempfile.gettempdir()) / f"load-tokens-{os.getpid()}.txt"
    )
    scenario = stage.prepare(
        officers=args.officers, password=secrets.token_urlsafe(12), tokens_file=tokens
    )
    feed_stage = stage.prepare_feed(units=args.avl_units) if args.avl_units else None
    env = {
        **os.environ,
        **scenario,
        **stage.board_session(),
        "LOAD_POLL_EVERY_S": str(args.poll_every),
        "LOAD_REPLAN_EVERY_S": str(args.replan_every),
    }
    if args.workers:
        env["GUNICORN_WORKERS"] = str(args.workers)
    run_time = int(args.officers / args.spawn_rate) + args.steady
    loads = [os.getloadavg()]
    stop = threading.Event()
    refresher = threading.Thread(
        target=_refresh_forecasts, args=(stage, args.replan_every, stop, loads)
    )
    feed = None
    with (
        tempfile.TemporaryDirectory() as tmp,
        harness.serving(env, port=harness.free_port(), log_dir=Path(tmp)) as host,
    ):
        threads = [refresher]
        if feed_stage:
            feed = AvlFeed(
                host,
                feed_stage["token"],
                vehicle_ids=feed_stage["vehicle_ids"],
                lon=feed_stage["lon"],
                lat=feed_stage["lat"],
                bounds=feed_stage["bounds"],
                batches=args.avl_batches,
            )
            threads.append(
                threading.Thread(
                    target=feed.run,
                    kwargs={
                        "first_at": datetime.now(UTC),
                        "ticks": None,
                        "tick_s": 10,
                        "stop": stop,
                    },
                )
            )
        for thread in threads:
            thread.start()
        try:
            result = harness.run_locust(
                env,
                host=host,
                users=args.officers,
                spawn_rate=args.spawn_rate,
                run_time_s=run_time,
                out_dir=Path(tmp),
            )
        finally:
            stop.set()
            for thread in threads:
                thread.join()
    loads.append(os.getloadavg())
    if tokens:
        tokens.unlink()
    report = _report(args, result, loads, run_time, feed)
    print(report)
    if args.write:
        write_section(SECTION, report)
    figures = {name: harness.figures(row) for name, row in result["stats"].items()}
    ok = not any(f["failures"] for f in figures.values())
    fast = all(
        f["p95"] < TARGET_P95_MS for name, f in figures.items() if name.startswith(("poll", "ping"))
    )
    return 0 if ok and fast else 1


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=500)
    parser.add_argument(
        "--spawn-rate", type=float, default=2.0, help="officers signing in per second"
    )
    parser.add_argument(
        "--steady", type=int, default=300, help="seconds after the last officer signed in"
    )
    parser.add_argument("--poll-every", type=float, default=30.0)
    parser.add_argument(
        "--replan-every",
        type=float,
        default=300.0,
        help="seconds between the analyst's re-plans (each changes every officer's ETag)",
    )
    parser.add_argument(
        "--sign-in",
        action="store_true",
        help="every officer signs in with a password (PBKDF2: ~0.6 s of CPU each) "
        "instead of holding a token from an earlier sign-in",
    )
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: 2 × cores + 1)")
    parser.add_argument(
        "--avl-units",
        type=int,
        default=0,
        help="run the AVL feed meanwhile: this many units reporting every 10 s (0: no feed)",
    )
    parser.add_argument("--avl-batches", type=int, default=1, help="the feed's batches per tick")
    parser.add_argument("--write", action="store_true", help="add the figures to bench/RESULTS.md")
    return parser.parse_args()


def _refresh_forecasts(stage, every_s: float, stop: threading.Event, loads: list) -> None:
    """A new forecast of the shift under way between the analyst's re-plans, so each re-plan
    moves boxes (and a half-published plan would show); the load average sampled meanwhile."""
    from django.db import connection

    seed = 2
    try:
        while not stop.wait(every_s / 2):
            loads.append(os.getloadavg())
            stage.refresh_forecast(stage.shifts_to_cover()[0], seed=seed)
            seed += 1
    finally:
        connection.close()


def _report(args, result, loads, run_time, feed) -> str:
    one_minute = [load[0] for load in loads]
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs: `.venv/bin/python "
        f"bench/shift_change_load.py --officers {args.officers} --spawn-rate {args.spawn_rate} "
        f"--steady {args.steady} --poll-every {args.poll_every:g} --replan-every {args.replan_every:g}"
        f"{' --sign-in' if args.sign_in else ''}{f' --workers {args.workers}' if args.workers else ''}"
        f"{f' --avl-units {args.avl_units} --avl-batches {args.avl_batches}' if feed else ''}` "
        f"({run_time} s of load). Load average (1 min) "
        f"during the run: mean {sum(one_minute) / len(one_minute):.1f}, max {max(one_minute):.1f}.",
        "",
        "| request | count | failures | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|",
    ]
    for name, row in result["stats"].items():
        f = harness.figures(row)
        lines.append(
            f"| {name} | {f['requests']} | {f['failures']} | {f['p50']:.0f} | {f['p95']:.0f} | {f['p99']:.0f} |"
        )
    counts = result["counts"]
    lines += [
        "",
        f"Polls answered 304: {counts.get('poll 304', 0)}, 200: {counts.get('poll 200', 0)}; "
        f"re-plans accepted: {counts.get('re-plans', 0)}; half-published plans seen: "
        f"{counts.get('half-published', 0)}.",
    ]
    if feed:
        f = feed.figures()
        lines += [
            "",
            f"AVL feed meanwhile ({args.avl_units} units every 10 s, {args.avl_batches} batch(es) "
            f"a tick): {f['batches']} batches, p50 {f['p50']:.0f} / p95 {f['p95']:.0f} / p99 "
            f"{f['p99']:.0f} / max {f['max']:.0f} ms, {f['failures']} failed; fixes sent {f['sent']}, stored "
            f"{f['stored']}, duplicates {f['duplicates']}, refused {f['rejected']}.",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
