"""Is the process running a job still alive? Each job's process holds a PostgreSQL advisory lock
for as long as it runs, so any other process can tell a live job from one whose process died.

Without PostgreSQL (the embedded SpatiaLite default) the process id answers on the same host and
the heartbeat's age elsewhere.
"""

import os
import socket
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connection

from .models import JobRun


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@contextmanager
def holding_job_lock(job_id):
    """Hold the job's session-level advisory lock while the body runs; yields False (and holds
    nothing) when another process holds it, i.e. already runs the job."""
    key = lock_key(job_id)
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            yield False
            return
    try:
        yield True
    finally:
        _release(key)


def is_alive(job: JobRun, *, now) -> bool:
    """A job run by a process (it has a worker) is alive while that process holds its lock; a job
    without one (a parent of child jobs) is alive while its heartbeat is recent."""
    if job.worker and connection.vendor == "postgresql":
        return _lock_held(lock_key(job.pk))
    host, _, pid = job.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return _pid_alive(int(pid))
    stale_after = timedelta(minutes=settings.JOB_STALE_AFTER_MINUTES)
    return job.heartbeat_at is not None and job.heartbeat_at > now - stale_after


def lock_key(job_id) -> int:
    """The job's UUID folded into PostgreSQL's signed 64-bit single-key advisory lock space (which
    never overlaps the two-key space other locks of the project use)."""
    value = JobRun._meta.pk.to_python(job_id)
    return int.from_bytes(value.bytes[:8], "big", signed=True)


def _lock_held(key: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        if not cursor.fetchone()[0]:
            return True
        cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return False


def _release(key: int) -> None:
    if connection.vendor != "postgresql" or connection.connection is None:
        return
    if connection.needs_rollback:  # inside a broken outer transaction; the session ends the lock
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
