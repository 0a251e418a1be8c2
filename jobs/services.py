"""Every write to JobRun: create and enqueue, report progress, close as succeeded or failed.

Tasks never update JobRun directly; they receive a `ProgressReporter` and let `run_job` open
and close the row, so no job can stay "running" after its code has returned or raised.
"""

import logging
import traceback
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import JobRun

logger = logging.getLogger(__name__)


def create_job(*, kind: str, params: dict | None = None, user=None) -> JobRun:
    return JobRun.objects.create(kind=kind, params=params or {}, created_by=user)


def enqueue_job(*, kind: str, task, params: dict | None = None, user=None) -> JobRun:
    """Create the job's row, then queue its Celery task once the row is committed."""
    job = create_job(kind=kind, params=params, user=user)
    transaction.on_commit(lambda: task.delay(str(job.pk)))
    return job


class ProgressReporter:
    """Writes progress to the job's row; a callable so engine code can take it as a plain hook."""

    def __init__(self, job: JobRun | None):
        self.job = job

    def __call__(self, progress: float, message: str = "") -> None:
        if self.job is None:
            return
        now = timezone.now()
        JobRun.objects.filter(pk=self.job.pk).update(
            progress=max(0, min(100, int(progress))), message=message[:500], heartbeat_at=now
        )


def run_job(job_id: str, work: Callable[[JobRun, ProgressReporter], dict | None]) -> JobRun:
    """Mark the job running, run `work`, and close the row whatever happens."""
    now = timezone.now()
    updated = JobRun.objects.filter(pk=job_id, status=JobRun.Status.QUEUED).update(
        status=JobRun.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    job = JobRun.objects.get(pk=job_id)
    if not updated:
        logger.warning("Job %s is %s, not queued: not running it again.", job_id, job.status)
        return job
    try:
        result = work(job, ProgressReporter(job)) or {}
    except Exception as exc:
        fail_job(job=job, error=f"{type(exc).__name__}: {exc}", detail=traceback.format_exc())
        raise
    succeed_job(job=job, result=result)
    job.refresh_from_db()
    return job


def succeed_job(*, job: JobRun, result: dict) -> None:
    """Close a job as succeeded; `result["message"]` becomes its message."""
    JobRun.objects.filter(pk=job.pk).update(
        status=JobRun.Status.SUCCEEDED,
        progress=100,
        result=result,
        message=result.get("message", "Done.")[:500],
        finished_at=timezone.now(),
    )


def fail_job(*, job: JobRun, error: str, detail: str = "") -> None:
    JobRun.objects.filter(pk=job.pk).update(
        status=JobRun.Status.FAILED,
        error=f"{error}\n\n{detail}".strip(),
        message=error[:500],
        finished_at=timezone.now(),
    )


def close_stale_jobs(*, now=None) -> int:
    """Close running jobs whose worker stopped reporting (crash, kill, lost machine)."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.JOB_STALE_AFTER_MINUTES)
    return JobRun.objects.filter(
        status=JobRun.Status.RUNNING, heartbeat_at__lt=cutoff
    ).update(
        status=JobRun.Status.FAILED,
        error="The worker stopped reporting progress (crashed or was killed).",
        message="Stopped: the worker stopped reporting progress.",
        finished_at=now,
    )
