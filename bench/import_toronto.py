"""Benchmark: import the whole Toronto MCI file (239,935 rows) into a fresh PostGIS database with
`manage.py import_incidents`, then import it again unchanged; wall time and peak memory of each.

    .venv/bin/python bench/import_toronto.py [--keep-db]

Needs PostgreSQL + PostGIS (DATABASE_URL's server, default 127.0.0.1:5432 user postgres) and
../shared/data/toronto. Writes the "Import" section of bench/RESULTS.md.
"""

import argparse
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "toronto"
RESULTS = ROOT / "bench" / "RESULTS.md"
DB_NAME = "missions_bench_import"
SERVER = os.environ.get("BENCH_PG", "postgres@127.0.0.1:5432")
TARGET_SECONDS = 60
TARGET_RSS_MB = 1024
CRIME_TYPES = (
    "from agency.models import CrimeType\n"
    "for code, name in [('assault', 'Assault'), ('break-and-enter', 'Break and Enter'),"
    " ('auto-theft', 'Auto Theft'), ('robbery', 'Robbery'), ('theft-over', 'Theft Over')]:\n"
    "    CrimeType.objects.get_or_create(code=code, defaults={'name': name})\n"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep-db", action="store_true", help="Keep the benchmark database.")
    args = parser.parse_args()
    incidents = DATA / "incidents.csv.gz"
    if not incidents.exists():
        print(f"{incidents} is absent: nothing to measure.")
        return 1
    user, host_port = SERVER.split("@")
    host, port = host_port.split(":")
    admin_dsn = f"host={host} port={port} user={user} dbname=postgres"
    _recreate_database(admin_dsn)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "missions_site.settings.test",
        "DATABASE_URL": f"postgis://{user}@{host}:{port}/{DB_NAME}",
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14"),
    }
    manage = [sys.executable, "manage.py"]
    _run([*manage, "migrate", "--noinput", "-v0"], env)
    _run([*manage, "shell", "-c", CRIME_TYPES], env)
    _run(
        [
            *manage,
            "import_boundaries",
            str(DATA / "divisions.geojson"),
            "--level",
            "district",
            "--name-field",
            "DIV",
        ],
        env,
    )

    command = [
        *manage,
        "import_incidents",
        str(incidents),
        "--source",
        "toronto",
        "--mapping",
        "toronto-mci",
    ]
    first = _measure(command, env)
    second = _measure(command[:-2], env)
    if not args.keep_db:
        _drop_database(admin_dsn)
    _write_results(first, second)
    for label, m in (("first import", first), ("re-import", second)):
        print(f"{label}: {m['seconds']:.1f} s, peak {m['rss_mb']:.0f} MB — {m['summary']}")
    ok = all(m["seconds"] < TARGET_SECONDS and m["rss_mb"] < TARGET_RSS_MB for m in (first, second))
    return 0 if ok else 2


def _measure(command: list[str], env: dict) -> dict:
    """Wall time and peak RSS of the command (GNU time when present, else getrusage)."""
    gnu_time = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    wrapped = [gnu_time, "-v", *command] if gnu_time else command
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(wrapped, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"{' '.join(command)} failed with status {proc.returncode}")
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    rss_kb = (
        int(match.group(1))
        if match
        else max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    )
    counts = dict(
        re.findall(r"^(created|updated|unchanged|rejected|unmapped) (\d+)$", proc.stdout, re.M)
    )
    return {
        "seconds": seconds,
        "rss_mb": rss_kb / 1024,
        "counts": counts,
        "summary": ", ".join(f"{k} {v}" for k, v in counts.items()),
    }


def _write_results(first: dict, second: dict) -> None:
    def verdict(m):
        ok = m["seconds"] < TARGET_SECONDS and m["rss_mb"] < TARGET_RSS_MB
        return "pass" if ok else "MISS"

    cpu = os.cpu_count()
    section = "\n".join(
        [
            "## Import",
            "",
            "Whole Toronto MCI file (239,935 rows, `../shared/data/toronto/incidents.csv.gz`) into a fresh",
            "PostGIS database with the 16 divisions as the jurisdiction and the five MCI crime types,",
            "through the management command in a subprocess (wall time and peak RSS by GNU time).",
            "",
            "    .venv/bin/python bench/import_toronto.py",
            "",
            f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {cpu} CPUs, "
            f"Python {platform.python_version()}. Targets: under {TARGET_SECONDS} s and "
            f"{TARGET_RSS_MB} MB each.",
            "",
            "| step | wall time | peak RSS | rows | result |",
            "|---|---|---|---|---|",
            *(
                f"| {label} | {m['seconds']:.1f} s | {m['rss_mb']:.0f} MB | {m['summary']} | {verdict(m)} |"
                for label, m in (("first import", first), ("re-import, no changes", second))
            ),
            "",
        ]
    )
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    pattern = re.compile(r"^## Import\n.*?(?=^## |\Z)", re.S | re.M)
    text = (
        pattern.sub(section + "\n", text)
        if pattern.search(text)
        else text.rstrip() + "\n\n" + section
    )
    RESULTS.write_text(text)


def _recreate_database(admin_dsn: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def _drop_database(admin_dsn: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def _run(command: list[str], env: dict) -> None:
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    sys.exit(main())
