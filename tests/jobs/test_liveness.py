"""Liveness of running jobs: the process running a job holds its advisory lock, so a job whose
lock is free is closed as failed by `close_stale_jobs` (the beat task), and one whose lock is held
elsewhere is left running however old its heartbeat."""

from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.utils import timezone

from ingest.models import ImportRun, Source
from jobs.liveness import lock_key
from jobs.models import JobRun
from jobs.services import close_stale_jobs, create_job, run_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_session():
    """A second PostgreSQL session, as another worker process would have."""
    db = settings.DATABASES["default"]
    dsn = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        yield conn


def running_import(*, heartbeat_age: timedelta) -> ImportRun:
    job = JobRun.objects.create(
        kind="import_incidents",
        status=JobRun.Status.RUNNING,
        worker="worker-7:4242",
        heartbeat_at=timezone.now() - heartbeat_age,
    )
    return ImportRun.objects.create(source=Source.objects.create(name="feed"), job=job)


def test_a_dead_import_is_closed_through_the_job_system():
    run = running_import(heartbeat_age=timedelta(hours=2))  # lock free, heartbeat old
    assert close_stale_jobs() == 1
    run.refresh_from_db()
    assert run.job.status == JobRun.Status.FAILED and run.status == JobRun.Status.FAILED
    assert "killed or crashed" in run.job.message and "stopped reporting" in run.job.error
    assert run.job.finished_at is not None


def test_a_live_import_with_an_old_heartbeat_is_left_running(other_session):
    run = running_import(heartbeat_age=timedelta(hours=2))
    key = lock_key(run.job_id)
    other_session.execute("SELECT pg_advisory_lock(%s)", [key])  # its worker is alive
    assert close_stale_jobs() == 0
    run.job.refresh_from_db()
    assert run.job.status == JobRun.Status.RUNNING
    other_session.execute("SELECT pg_advisory_unlock(%s)", [key])  # ... until it dies
    assert close_stale_jobs() == 1
    run.job.refresh_from_db()
    assert run.job.status == JobRun.Status.FAILED


def test_run_job_holds_the_lock_while_the_work_runs(other_session):
    job = create_job(kind="example")
    key = lock_key(job.pk)
    seen = {}

    def work(job, progress):
        seen["held"] = not other_session.execute(
            "SELECT pg_try_advisory_lock(%s)", [key]
        ).fetchone()[0]
        seen["worker"] = JobRun.objects.get(pk=job.pk).worker
        return {"message": "Done."}

    run_job(str(job.pk), work)
    assert seen["held"] and ":" in seen["worker"]
    assert other_session.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]


def test_a_job_another_process_runs_is_not_run_twice(other_session):
    job = create_job(kind="example")
    other_session.execute("SELECT pg_advisory_lock(%s)", [lock_key(job.pk)])
    calls = []
    job = run_job(str(job.pk), lambda job, progress: calls.append(1))
    assert calls == [] and job.status == JobRun.Status.QUEUED
    other_session.execute("SELECT pg_advisory_unlock(%s)", [lock_key(job.pk)])
    job = run_job(str(job.pk), lambda job, progress: calls.append(1))
    assert calls == [1] and job.status == JobRun.Status.SUCCEEDED
