"""Start real Celery workers as separate processes on the test database and broker (Redis), each in
its own process group so that a test can kill one whole, as a lost machine or container would be."""

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import redis
from django.conf import settings

REPO = Path(__file__).resolve().parents[2]
READY_WAIT_S = 60


def broker_prefix() -> str:
    """The prefix of this test process's broker keys (one per pytest-xdist worker, else none)."""
    return getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}).get("global_keyprefix", "")


def empty_broker() -> None:
    """The test broker holds only this run's messages: start from none (only this xdist worker's
    keys, so that the other workers' messages stay)."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    if not broker_prefix():
        broker.flushdb()
        return
    keys = list(broker.scan_iter(match=f"{broker_prefix()}*"))
    if keys:
        broker.delete(*keys)


@contextmanager
def worker_process(name: str, queues: str, log: Path, **env_extra):
    """A worker named `name@host` consuming `queues`, its log in `log`; yields the Popen. Waits
    until it is ready to take messages; stops it (the whole group) on the way out."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "missions_site.settings.test",
        "DATABASE_URL": f"postgis://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        **env_extra,
    }
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.jobs.run_worker", name, queues],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_log(log, "ready.", proc)
        yield proc
    finally:
        kill_group(proc)


def kill_group(proc, sig=signal.SIGKILL) -> None:
    """Kill the worker and its pool processes (they outlive a main process that died alone)."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    proc.wait(timeout=30)


def wait_for_log(log: Path, text: str, proc=None, timeout_s: float = READY_WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while text not in log.read_text(errors="replace"):
        if proc is not None and proc.poll() is not None:
            raise AssertionError(
                f"the worker exited ({proc.returncode}):\n{log.read_text()[-3000:]}"
            )
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{text!r} not in the worker's log after {timeout_s} s:\n{log.read_text()[-3000:]}"
            )
        time.sleep(0.2)


def wait_until(predicate, what: str, timeout_s: float = READY_WAIT_S):
    deadline = time.monotonic() + timeout_s
    while not (value := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)
    return value
