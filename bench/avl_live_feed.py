"""Live AVL feed: U units report every 10 s through POST /api/v1/avl/ on gunicorn (production
settings, docker/gunicorn.conf.py) with a Celery worker, for a simulated stretch of a shift, time
scaled down (each 10-s tick sent as soon as the previous one is answered, or at --tick-s). The CAD
sends each tick as B batches in parallel (bench/load/avl_feed.py). Prints p50/p95/p99 per batch
and checks that no position was lost or doubled (rows stored = fixes sent; a re-sent tick stores
nothing). --write adds the figures to bench/RESULTS.md.

With --missions, the shift the fixes fall in has its roster and live missions in every beat
(bench/avl_missions_stage.py), so every batch runs the follow-up that starts missions from AVL;
one car of the beat's roster is driven into each mission box at a known tick and kept there for
its dose and a minute more. Measured per mission entered by a unit rostered on its beat: from the
answer of the batch carrying the first fix in the box to the mission seen started (method AVL) in
the database, polled every 50 ms from a thread; the same for completion when the dose is served.

    .venv/bin/python bench/avl_live_feed.py [--units 500] [--minutes 30] [--batches 1] [--tick-s 1]
        [--missions [--missions-per-beat 10]] [--write]

Its own database (AVL_BENCH_DATABASE_URL, default missions_bench_avl on 127.0.0.1) and Redis db
(AVL_BENCH_BROKER_URL, default redis://127.0.0.1:6379/9).
"""

import argparse
import math
import os
import sys
import tempfile
import threading
import time
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
POLL_S = 0.05  # how often the watcher reads the missions' state
DRAIN_S = 60  # after the last batch, how long the follow-up may take to catch up
ENV = production_env(database_url=avl_database_url(), broker_url=avl_broker_url())


def main() -> int:
    args = _arguments()
    start_django(ENV)
    import avl_stage

    from patrol.models import Position

    ticks = args.minutes * 6
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(minutes=args.minutes + 1)
    if args.missions:
        import avl_missions_stage

        stage = avl_missions_stage.prepare(
            units=args.units,
            now=now,
            span=timedelta(minutes=args.minutes),
            per_beat=args.missions_per_beat,
        )
        start, window = stage["first_at"], stage["window"]
    else:
        stage = avl_stage.prepare(units=args.units)
    Position.objects.all().delete()
    west, south, east, north = stage["bounds"]
    rng = np.random.default_rng(1)
    env = {**os.environ, "GUNICORN_WORKERS": str(args.workers)}
    steering = watch = None
    if args.missions:
        from geo.placement import active_grid

        steering = Steering(
            stage["missions"], stage["rostered"], units=args.units, ticks=ticks, grid=active_grid()
        )
        watch = MissionWatch(
            [m["pk"] for m in stage["missions"]], broker_url=ENV["CELERY_BROKER_URL"]
        )
    with (
        tempfile.TemporaryDirectory() as tmp,
        harness.serving(env, port=harness.free_port(), log_dir=Path(args.logs or tmp)) as host,
    ):
        feed = AvlFeed(
            host,
            stage["token"],
            vehicle_ids=[f"V{n:04d}" for n in range(args.units)],
            lon=rng.uniform(west + 0.002, east - 0.002, args.units),
            lat=rng.uniform(south + 0.002, north - 0.002, args.units),
            bounds=stage["bounds"],
            batches=args.batches,
            steer=steering,
        )
        if watch:
            watch.start()
        elapsed = feed.run(first_at=start, ticks=ticks, tick_s=args.tick_s)
        _, again = feed.post(feed.last_tick)  # the last tick re-sent
        if watch:
            drained_s = watch.wait_for(steering.expected(), timeout_s=DRAIN_S)
            watch.stop()
    in_db = Position.objects.count()
    f = feed.figures()
    whole = f["sent"] == f["stored"] == in_db and again["stored"] == 0 and not f["failures"]
    lines = [
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs (shared with other "
        f"work): `.venv/bin/python bench/avl_live_feed.py --units {args.units} --minutes "
        f"{args.minutes} --batches {args.batches} --tick-s {args.tick_s:g}"
        f"{f' --missions --missions-per-beat {args.missions_per_beat}' if args.missions else ''}"
        f"` — {args.minutes} simulated minutes ({ticks} ticks of 10 s) sent in {elapsed:.0f} s "
        f"(time scaled down {10 * ticks / elapsed:.1f}×), gunicorn {args.workers} workers, "
        f"production settings, one Celery worker. Load average (1, 5, 15 min) at the end: "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}.",
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
    prompt = True
    if args.missions:
        text, prompt = _missions_report(args, window, start, feed, steering, watch, drained_s)
        lines += ["", text]
        if args.dump:
            _dump(Path(args.dump), start, feed, steering, watch)
    report = "\n".join(lines)
    print(report)
    if args.write:
        write_section(SECTION, report)
    return 0 if whole and prompt else 1


class Steering:
    """The feed's `steer`: drives one car of each mission's beat roster into the mission's box at a
    known tick and keeps it at the box's centre for the dose and a minute more; and, after every
    tick's moves, notes the first tick a car rostered on a mission's beat is in its box (placed as
    the push places fixes, geo.placement), steered there or not."""

    def __init__(self, missions, rostered, *, units: int, ticks: int, grid):
        from avl_missions_stage import entry_schedule  # Django's models: after start_django

        self.missions = missions
        self.grid = grid
        self.ticks = ticks
        self.beat_of = np.full(units, -1, dtype=np.int64)
        for beat, vehicles in rostered.items():
            self.beat_of[vehicles] = beat
        self.hold = [m["dose_minutes"] * 6 + 6 for m in missions]
        self.enter = entry_schedule(
            missions=len(missions), ticks=ticks, hold=max(self.hold, default=0)
        )
        used: set[int] = set()
        self.car = []
        for m in missions:  # a different car for each mission, the first free one of its beat
            car = next(v for v in rostered[m["beat"]] if v not in used)
            used.add(car)
            self.car.append(car)
        self.cells = np.array([m["cell"] for m in missions], dtype=np.int64)
        self.beats = np.array([m["beat"] for m in missions], dtype=np.int64)
        self.first_in: dict[int, tuple[int, int]] = {}  # mission index: (tick, car)
        self.at_first_fix: set[int] = set()

    def __call__(self, tick: int, lon: np.ndarray, lat: np.ndarray) -> None:
        for k, m in enumerate(self.missions):
            if self.enter[k] <= tick < self.enter[k] + self.hold[k]:
                lon[self.car[k]], lat[self.car[k]] = m["lon"], m["lat"]
        cell = self.grid.place(lon, lat)
        for k in range(len(self.missions)):
            if k not in self.first_in:
                inside = np.flatnonzero((cell == self.cells[k]) & (self.beat_of == self.beats[k]))
                if inside.size:
                    self.first_in[k] = (tick, int(inside[0]))
                    if tick == 0:  # in the box at the first fix: no entering to time
                        self.at_first_fix.add(k)

    def expected(self) -> tuple[set[int], set[int]]:
        """The missions that should have started (a rostered car entered) and completed (its car
        held there for the whole dose within the run), by pk."""
        started = {self.missions[k]["pk"] for k in self.first_in}
        completed = {
            m["pk"]
            for k, m in enumerate(self.missions)
            if self.enter[k] + m["dose_minutes"] * 6 + 1 < self.ticks
        }
        return started, completed & started


class MissionWatch(threading.Thread):
    """Reads the missions' state every POLL_S from its own connection; keeps when (time.monotonic)
    each was first seen started by AVL and seen completed, with its started_at and completed_at."""

    def __init__(self, pks: list[int], *, broker_url: str):
        super().__init__(daemon=True)
        self.pks = pks
        self.broker_url = broker_url
        self.backlog: list[int] = []  # follow-ups waiting in the worker's queue, at each read
        self.started: dict[int, float] = {}
        self.completed: dict[int, float] = {}
        self.rows: dict[int, tuple] = {}
        self._halt = threading.Event()

    def run(self) -> None:
        import redis
        from django.db import connection

        from missions.models import Mission

        broker = redis.Redis.from_url(self.broker_url)
        try:
            while not self._halt.is_set():
                seen = time.monotonic()
                self.backlog.append(int(broker.llen("default")))  # kombu's list for the queue
                for pk, status, method, started_at, completed_at in Mission.objects.filter(
                    pk__in=self.pks, started_at__isnull=False
                ).values_list("pk", "status", "start_method", "started_at", "completed_at"):
                    self.rows[pk] = (status, method, started_at, completed_at)
                    self.started.setdefault(pk, seen)
                    if status == "completed":
                        self.completed.setdefault(pk, seen)
                self._halt.wait(POLL_S)
        finally:
            connection.close()
            broker.close()

    def wait_for(self, expected: tuple[set[int], set[int]], *, timeout_s: float) -> float:
        """Until the expected missions are seen started and completed, or `timeout_s`; returns
        the seconds waited."""
        began = time.monotonic()
        started, completed = expected
        while time.monotonic() - began < timeout_s:
            if started <= set(self.started) and completed <= set(self.completed):
                break
            time.sleep(POLL_S)
        return time.monotonic() - began

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _dump(path: Path, start, feed, steering, watch) -> None:
    """Per mission: its box, car and tick in, the seconds from the batch's answer to seen started
    and completed, its started_at and completed_at (JSON lines, for a closer look)."""
    import json

    t0 = feed.answered[0][0] if feed.answered else 0.0
    with path.open("w") as out:
        for k, m in enumerate(steering.missions):
            tick, car = steering.first_in.get(k, (None, None))
            row = watch.rows.get(m["pk"], (None, None, None, None))
            out.write(
                json.dumps(
                    {
                        "pk": m["pk"],
                        "cell": m["cell"],
                        "steered_tick": steering.enter[k],
                        "steered_car": steering.car[k],
                        "first_in_tick": tick,
                        "first_in_car": car,
                        "answered_s": None if tick is None else feed.answered[tick][0] - t0,
                        "seen_started_s": watch.started.get(m["pk"], t0) - t0,
                        "seen_completed_s": watch.completed.get(m["pk"], t0) - t0,
                        "status": row[0],
                        "started_at": str(row[2]),
                        "completed_at": str(row[3]),
                    }
                )
                + "\n"
            )


def _missions_report(args, window, start, feed, steering, watch, drained_s) -> tuple[str, bool]:
    """The missions' paragraph, and whether every mission entered during the feed (not already in
    its box at the first fix) was seen started within one batch interval."""
    tick_s = args.tick_s
    lag: dict[int, float] = {}  # mission index: seconds from the batch's answer to seen started
    next_batch = at_midpoint = by_avl = 0
    for k, (tick, car) in steering.first_in.items():
        pk = steering.missions[k]["pk"]
        if pk not in watch.started:
            continue
        lag[k] = watch.started[pk] - feed.answered[tick][car % args.batches]
        if tick + 1 < len(feed.answered) and watch.started[pk] <= feed.answered[tick + 1][0]:
            next_batch += k not in steering.at_first_fix
        status, method, started_at, _ = watch.rows[pk]
        by_avl += method == "avl"
        # the follow-up dates the entry half-way from the last fix outside (none before tick 0)
        at_midpoint += started_at == start + timedelta(seconds=10 * tick - (5 if tick else 0))
    steered = [
        k
        for k, (t, car) in steering.first_in.items()
        if (t, car) == (steering.enter[k], steering.car[k])
    ]
    walked = [k for k in steering.first_in if k not in steered and k not in steering.at_first_fix]
    entered = steered + walked
    done_lags, served_exact = [], 0
    _, to_complete = steering.expected()
    for m in steering.missions:
        pk = m["pk"]
        if pk not in to_complete or pk not in watch.completed:
            continue
        _, _, started_at, completed_at = watch.rows[pk]
        served_exact += completed_at == started_at + timedelta(minutes=m["dose_minutes"])
        # the dose is known served once a fix at or after that instant is stored
        tick = math.ceil((completed_at - start).total_seconds() / 10)
        if tick < len(feed.answered):
            done_lags.append(watch.completed[pk] - feed.answered[tick][0])
    completed = sum(1 for pk in to_complete if pk in watch.completed)
    doses = sorted({m["dose_minutes"] for m in steering.missions})
    backlog = watch.backlog or [0]
    text = (
        f"Missions: {len(steering.missions)} ({args.missions_per_beat} per beat of 4, dose "
        f"{'/'.join(map(str, doses))} min) on the roster of {window.label} ({args.units} units, "
        f"{args.units // 4} a beat, one officer each); fixes dated {start:%H:%M:%S}–"
        f"{start + timedelta(seconds=10 * (steering.ticks - 1)):%H:%M:%S} UTC, inside the shift "
        f"({window.starts_at:%H:%M}–{window.ends_at:%H:%M} UTC). A car rostered on the mission's "
        f"beat was in its box: {len(steering.first_in)} missions — {len(steered)} first by the "
        f"steered car at its tick, {len(walked)} first by the random walk, "
        f"{len(steering.at_first_fix)} already at the first fix (no entering to time: a lone fix "
        f"is no time in the box, so these start with the second batch). Seen started by AVL: "
        f"{len(lag)} (start method AVL: {by_avl}; started_at the instant the follow-up should "
        f"give: {at_midpoint})."
    )
    for name, ks in (("steered", steered), ("all entries", entered)):
        got = [lag[k] for k in ks if k in lag]
        if not got:
            continue
        q = np.percentile(got, [50, 90, 95])
        text += (
            f" From the answer of the batch carrying the first fix in the box to the mission seen "
            f"started ({name}, {len(got)} of {len(ks)}; poll every {POLL_S * 1000:.0f} ms): p50 "
            f"{q[0]:.2f} s, p90 {q[1]:.2f} s, p95 {q[2]:.2f} s, max {max(got):.2f} s; within one "
            f"batch interval ({tick_s:g} s): {sum(x <= tick_s for x in got)}; within 10 s (the real "
            f"feed's interval): {sum(x <= 10 for x in got)}."
        )
    text += (
        f" Seen started before the next batch was answered: {next_batch} of {len(entered)} "
        f"entries. Follow-ups waiting in the worker's queue (read with the missions): max "
        f"{max(backlog)}, mean {np.mean(backlog):.1f}; after the last batch the missions took "
        f"{drained_s:.1f} s more to reach their final state (up to {DRAIN_S} s allowed)."
        f" Completed when the dose was served: {completed} of {len(to_complete)} whose steered car "
        f"stayed the whole dose within the run (completed_at = started_at + dose exactly: "
        f"{served_exact}; the others got minutes from more cars of the beat)"
    )
    if done_lags:
        q = np.percentile(done_lags, [50, 95])
        text += (
            f"; from the answer of the batch carrying the first fix at or after that instant to "
            f"the mission seen completed: p50 {q[0]:.2f} s, p95 {q[1]:.2f} s, max "
            f"{max(done_lags):.2f} s"
        )
    text += "."
    prompt = bool(entered) and all(lag.get(k, math.inf) <= tick_s for k in entered)
    return text, prompt


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--minutes", type=int, default=30, help="simulated minutes of a shift")
    parser.add_argument("--batches", type=int, default=1, help="parallel batches per tick")
    parser.add_argument(
        "--tick-s", type=float, default=1.0, help="real seconds per 10-s tick (1: 10× faster)"
    )
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument(
        "--missions",
        action="store_true",
        help="roster and live missions in the shift of the fixes; measure the AVL starts",
    )
    parser.add_argument("--missions-per-beat", type=int, default=10)
    parser.add_argument("--dump", help="with --missions: write each mission's figures (JSON lines)")
    parser.add_argument("--logs", help="keep gunicorn's and the worker's logs in this directory")
    parser.add_argument("--write", action="store_true")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
