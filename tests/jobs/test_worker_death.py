"""Real Celery workers (separate processes on Redis and the test database) killed or timed out in the
middle of a job: the job ends failed with a reason, exactly once, and a redelivered message (the
tasks are acknowledged late) does not run it again."""

import datetime as dt
import re

import pytest

from agency.models import Shift
from jobs.models import JobRun
from jobs.services import enqueue_job, reap_jobs
from missions.tasks import PLAN_KIND, plan_missions_job

from .worker_processes import empty_broker, kill_group, wait_for_log, wait_until, worker_process

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
NOT_AGAIN = "not queued: not running it again"


def queue_planning() -> JobRun:
    night = Shift.objects.get(name="Night")
    return enqueue_job(
        kind=PLAN_KIND,
        task=plan_missions_job,
        params={"date": dt.date.today().isoformat(), "shift": night.pk},
    )


def started(marker) -> list[str]:
    return marker.read_text().split() if marker.exists() else []


def test_a_killed_worker_fails_its_job_and_the_redelivered_message_does_not_rerun_it(
    small_agency, tmp_path
):
    empty_broker()
    marker, log = tmp_path / "started", tmp_path / "worker.log"
    with worker_process("doomed", "forecast", log, SLOW_PLANNING_MARKER=str(marker)) as doomed:
        job = queue_planning()
        assert job.queue == "forecast"
        wait_until(lambda: started(marker), "the job to start")
        job.refresh_from_db()
        assert job.status == JobRun.Status.RUNNING and job.node.startswith("doomed@")
        kill_group(doomed)  # SIGKILL to the worker and its pool: the machine is gone

    # Its advisory lock goes with its database session, as soon as PostgreSQL sees the socket close.
    assert wait_until(reap_jobs, "the reaper to find the dead worker's job", 30) == 1
    job.refresh_from_db()
    assert job.status == JobRun.Status.FAILED
    assert job.message == "Worker stopped before finishing: it was killed or crashed."
    failed_at = job.finished_at

    # acks_late: the message was never acknowledged, so Redis hands it to the next worker.
    log2 = tmp_path / "worker2.log"
    with worker_process(
        "heir", "forecast", log2, SLOW_PLANNING_MARKER=str(marker), FAST_REDELIVERY="1"
    ):
        wait_for_log(log2, NOT_AGAIN, timeout_s=90)
        assert str(job.pk) in log2.read_text()
    job.refresh_from_db()
    assert job.status == JobRun.Status.FAILED and job.finished_at == failed_at and job.result == {}
    assert len(started(marker)) == 1  # the work ran once, in the worker that died


def test_a_redelivered_message_of_a_job_never_started_runs_it(small_agency, tmp_path):
    """Control: a job whose worker died before starting it is run by the next worker."""
    empty_broker()
    marker, log = tmp_path / "started", tmp_path / "worker.log"
    with worker_process("busy", "forecast", log, SLOW_PLANNING_MARKER=str(marker)) as busy:
        first, second = queue_planning(), queue_planning()  # one runs, one waits in Redis
        wait_until(lambda: started(marker), "the first job to start")
        kill_group(busy)
    running = {j.pk for j in JobRun.objects.filter(status=JobRun.Status.RUNNING)}
    assert len(running) == 1
    waiting = second if first.pk in running else first
    assert JobRun.objects.get(pk=waiting.pk).status == JobRun.Status.QUEUED

    log2 = tmp_path / "worker2.log"
    with worker_process(
        "heir", "forecast", log2, SLOW_PLANNING_MARKER=str(marker), FAST_REDELIVERY="1"
    ):
        wait_until(
            lambda: len(started(marker)) == 2, "the waiting job to run on the next worker", 90
        )
        waiting.refresh_from_db()
        assert waiting.status == JobRun.Status.RUNNING and waiting.node.startswith("heir@")


def test_a_job_past_its_soft_time_limit_is_failed_by_the_worker(
    small_agency, tmp_path, monkeypatch
):
    empty_broker()
    marker, log = tmp_path / "started", tmp_path / "worker.log"
    # The process that queues a task puts its limits in the message (settings/workers.py sets them).
    monkeypatch.setattr(plan_missions_job, "soft_time_limit", 3)
    monkeypatch.setattr(plan_missions_job, "time_limit", 30)
    monkeypatch.setattr(plan_missions_job, "_exec_options", None)  # Celery's cache of the above
    with worker_process("strict", "forecast", log, SLOW_PLANNING_MARKER=str(marker)):
        job = queue_planning()
        job = wait_until(
            lambda: JobRun.objects.filter(pk=job.pk, status="failed").first(),
            "the time limit to fail the job",
        )
    assert re.fullmatch(r"Stopped after \d seconds: time limit\.", job.message), job.message
    assert "JOB_TIME_LIMIT_FORECAST_MINUTES" in job.error
    assert len(started(marker)) == 1
