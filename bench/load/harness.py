"""Serve the app with gunicorn (docker/gunicorn.conf.py) and a Celery worker, run the locust
scenario headless against it and read its figures. No Django here: the bench script and the
smoke test in tests/deploy/ stage the data and pass the environment.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
STARTUP_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(env: dict, *, port: int, log_dir: Path, worker: bool = True):
    """gunicorn on 127.0.0.1:port and (unless told not to) one Celery worker, both stopped (by
    their ids) on exit."""
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": ""}
    started = []
    try:
        if worker:
            started.append(
                _start(
                    [
                        BIN / "celery",
                        "-A",
                        "missions_site",
                        "worker",
                        "--concurrency=1",
                        # BENCH_WORKER_LOGLEVEL=INFO logs each task's run time and result
                        f"--loglevel={os.environ.get('BENCH_WORKER_LOGLEVEL', 'WARNING')}",
                        "--without-heartbeat",
                        "--without-gossip",
                        "--without-mingle",
                    ],
                    env,
                    log_dir / "worker.log",
                )
            )
        started.append(
            _start(
                [
                    BIN / "gunicorn",
                    "-c",
                    ROOT / "docker" / "gunicorn.conf.py",
                    "missions_site.wsgi:application",
                ],
                env,
                log_dir / "gunicorn.log",
            )
        )
        _wait_until_up(f"http://127.0.0.1:{port}/healthz", started[-1])
        yield f"http://127.0.0.1:{port}"
    finally:
        for process in reversed(started):
            _stop(process)


def run_locust(
    env: dict, *, host: str, users: int, spawn_rate: float, run_time_s: int, out_dir: Path
) -> dict:
    """Run the scenario; returns {"stats": {name: row}, "counts": {...}} from locust's CSV and summary."""
    prefix = out_dir / "locust"
    summary = out_dir / "summary.json"
    command = [
        BIN / "locust",
        "-f",
        LOCUSTFILE,
        "--headless",
        "--only-summary",
        "--host",
        host,
        "-u",
        str(users),
        "-r",
        str(spawn_rate),
        "-t",
        f"{run_time_s}s",
        "--stop-timeout",
        "10",
        "--csv",
        prefix,
        "--exit-code-on-error",
        "0",
        "--loglevel",
        "WARNING",
    ]
    with open(out_dir / "locust.log", "w") as log:
        subprocess.run(
            [str(c) for c in command],
            env={**env, "LOAD_SUMMARY_JSON": str(summary)},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=run_time_s + 120,
        )
    with open(f"{prefix}_stats.csv") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    counts = json.loads(summary.read_text()) if summary.exists() else {}
    return {"stats": rows, "counts": counts}


def figures(row: dict) -> dict:
    """One locust stats row as numbers: requests, failures, p50/p95/p99 in ms."""
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "p50": float(row["50%"]),
        "p95": float(row["95%"]),
        "p99": float(row["99%"]),
    }


def _start(command, env, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process in _stop
    process = subprocess.Popen(
        [str(c) for c in command],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log = log
    return process


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
    process.log.close()


def _wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}: see {process.log.name}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own http://127.0.0.1 URL
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer {url} within {STARTUP_TIMEOUT_S} s")
