"""AVL backfill: a CSV of U units reporting every S seconds for D days (the issue's month: 300
units, 15 s, 30 days ≈ 52 M fixes), written to disk, then `manage.py import_avl FILE --measure`
(chunks, COPY, minutes per box for every shift) under /usr/bin/time -v: wall time and peak memory.
Files over AVL_IMPORT_MAX_BYTES (2 GB) are written one per day and imported one after another.

    .venv/bin/python bench/avl_backfill.py [--units 300] [--days 3] [--every-s 15] [--write]

Its own database (AVL_BENCH_DATABASE_URL, default missions_bench_avl on 127.0.0.1).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "bench" / "load")]

from bench_env import (  # noqa: E402
    avl_broker_url,
    avl_database_url,
    start_django,
    test_settings_env,
    write_section,
)

SECTION = "## AVL backfill"
ENV = test_settings_env(database_url=avl_database_url(), broker_url=avl_broker_url())


def main() -> int:
    args = _arguments()
    start_django(ENV)
    import avl_stage

    from patrol.models import BoxExposure, Position

    stage = avl_stage.prepare(units=args.units)
    from django.db import connection

    with connection.cursor() as cursor:  # a fresh start, fast (no row-by-row delete)
        cursor.execute(
            f"TRUNCATE {Position._meta.db_table}, {BoxExposure._meta.db_table}"  # noqa: S608
        )
    first_day = (datetime.now(UTC) - timedelta(days=args.days + 1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        t0 = time.monotonic()
        files = [
            _write_day(Path(tmp), first_day + timedelta(days=d), args, stage["bounds"], seed=d)
            for d in range(args.days)
        ]
        written = time.monotonic() - t0
        size = sum(f.stat().st_size for f in files)
        rows = args.units * args.days * (86400 // args.every_s)
        runs = _import(files)
    stored = Position.objects.count()
    measured = BoxExposure.objects.count()
    wall = sum(r["wall_s"] for r in runs)
    peak = max(r["peak_mb"] for r in runs)
    cpu = runs[0]["cpu_s"] if runs else 0.0
    month = args.units * 30 * (86400 // args.every_s)
    report = "\n".join(
        [
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs (shared with other "
            f"work): `.venv/bin/python bench/avl_backfill.py --units {args.units} --days "
            f"{args.days} --every-s {args.every_s}` — {rows:,} fixes in {len(files)} CSV files "
            f"({size / 1e9:.2f} GB, one per day, written in {written:.0f} s), imported in one "
            "process, `manage.py import_avl FILE … --measure` under `/usr/bin/time -v` (a file's "
            "wall time from its lines of output; the first includes starting Django).",
            "",
            f"Load average (1 min) before the files were written: {load_before:.1f}; at the end: "
            f"{os.getloadavg()[0]:.1f}.",
            "",
            "| day file | rows | wall s |",
            "|---|---|---|",
            *(f"| {r['file']} | {r['rows']:,} | {r['wall_s']:.0f} |" for r in runs),
            "",
            f"Total: {rows:,} fixes, {stored:,} stored, {measured:,} (unit, box, shift) exposure "
            f"rows; import + exposure {wall:.0f} s wall ({rows / wall:,.0f} fixes/s), the import "
            f"process {cpu:.0f} CPU-s, peak {peak:.0f} MB (one day file at a time). Extrapolated "
            "to the issue's "
            f"month ({month:,} fixes, 30 day files): about {wall * month / rows / 60:.0f} minutes "
            "at the same rate, the same peak memory (it does not grow with the month: one chunk "
            "and one shift at a time).",
        ]
    )
    print(report)
    if args.write:
        write_section(SECTION, report)
    return 0 if stored == rows else 1


def _write_day(folder: Path, day: datetime, args, bounds, *, seed: int) -> Path:
    """One day of fixes as the CAD exports them: a random walk per unit, vectorised, and written as
    CSV text built with numpy (pandas' writer formats each value in Python: 42 s a day)."""
    west, south, east, north = bounds
    rng = np.random.default_rng(seed)
    steps = 86400 // args.every_s
    path = folder / f"avl-{day:%Y-%m-%d}.csv"
    times = pd.date_range(day, periods=steps, freq=f"{args.every_s}s", tz="UTC")
    stamps = _text_bytes(times.strftime("%Y-%m-%dT%H:%M:%SZ"))
    per_chunk = max(1, 2_000_000 // steps)  # units per chunk written
    with path.open("wb") as out:
        out.write(b"time,vehicle_id,lat,lon,speed\n")
        for first in range(0, args.units, per_chunk):
            count = min(per_chunk, args.units - first)
            lon = west + 0.002 + np.cumsum(rng.normal(0, 0.0003, (count, steps)), axis=1)
            lat = south + 0.002 + np.cumsum(rng.normal(0, 0.0002, (count, steps)), axis=1)
            lon = (
                west
                + 0.002
                + np.abs((lon - west - 0.002) % (2 * (east - west - 0.004)) - (east - west - 0.004))
            )
            lat = (
                south
                + 0.002
                + np.abs(
                    (lat - south - 0.002) % (2 * (north - south - 0.004)) - (north - south - 0.004)
                )
            )
            units = _text_bytes([f"V{n:04d}" for n in range(first, first + count)])
            comma = np.full((count * steps, 1), ord(","), dtype=np.uint8)
            rows = np.hstack(
                [
                    np.tile(stamps, (count, 1)),
                    comma,
                    np.repeat(units, steps, axis=0),
                    comma,
                    _number_bytes(lat.ravel(), 6),
                    comma,
                    _number_bytes(lon.ravel(), 6),
                    comma,
                    _number_bytes(rng.uniform(0, 60, count * steps), 1),
                    np.full((count * steps, 1), ord("\n"), dtype=np.uint8),
                ]
            ).ravel()
            out.write(rows[rows != 0].tobytes())  # 0 pads the numbers to one width: dropped
    return path


def _text_bytes(texts) -> np.ndarray:
    """Strings of one length as a (rows, length) array of their ASCII bytes."""
    return np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8).reshape(len(texts), -1)


def _number_bytes(values: np.ndarray, decimals: int, digits: int = 4) -> np.ndarray:
    """Numbers as ASCII with `decimals` places (as Python prints round(v, decimals) with a fixed
    count of places), one row each, padded with 0 bytes where a shorter number has no digit."""
    scaled = np.rint(np.abs(values) * 10**decimals).astype(np.int64)
    whole, part = np.divmod(scaled, 10**decimals)
    out = np.zeros((values.size, 2 + digits + decimals), dtype=np.uint8)
    out[:, 0] = np.where((values < 0) & (scaled > 0), ord("-"), 0)
    for k in range(digits):  # units last; leading zeros left out
        digit = (whole // 10**k) % 10 + ord("0")
        out[:, digits - k] = np.where((whole >= 10**k) | (k == 0), digit, 0)
    out[:, digits + 1] = ord(".")
    for k in range(decimals):
        out[:, 1 + digits + decimals - k] = (part // 10**k) % 10 + ord("0")
    return out


def _import(paths: list[Path]) -> list[dict]:
    """`import_avl FILE … --measure` in one process under /usr/bin/time -v: each file's wall time
    from its lines of output (the first file's includes starting Django), the process's CPU
    seconds and peak memory (one file at a time: it does not grow with the month)."""
    command = [
        "/usr/bin/time",
        "-v",
        sys.executable,
        str(ROOT / "manage.py"),
        "import_avl",
        *map(str, paths),
        "--measure",
        "--no-progress",
    ]
    runs, started = [], time.monotonic()
    with tempfile.TemporaryFile("w+") as stderr:
        with subprocess.Popen(
            command, env=os.environ, stdout=subprocess.PIPE, stderr=stderr, text=True
        ) as done:  # noqa: S603
            rows = 0
            for line in done.stdout:
                print(line.rstrip(), flush=True)
                if found := re.search(r": (\d+) rows", line):
                    rows = int(found.group(1))
                if line.startswith("Measured"):
                    now = time.monotonic()
                    runs.append(
                        {"file": paths[len(runs)].name, "rows": rows, "wall_s": now - started}
                    )
                    started = now
        stderr.seek(0)
        report = stderr.read()
    if done.returncode:
        raise SystemExit(report[-2000:])
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", report))
    print(f"{peak.group(0)}; CPU {cpu:.1f} s", flush=True)
    for run in runs:
        run["peak_mb"], run["cpu_s"] = int(peak.group(1)) / 1024, cpu
    return runs


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--days", type=int, default=3, help="30 for the issue's month")
    parser.add_argument("--every-s", type=int, default=15)
    parser.add_argument("--tmp", default=None, help="where to write the files (default: $TMPDIR)")
    parser.add_argument("--write", action="store_true")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
