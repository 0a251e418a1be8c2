"""Every write to JobRun: create and enqueue, report progress, close as succeeded or failed, reap
the jobs no worker started or whose worker died, and settle a parent job when its children end.

Tasks never update JobRun directly; they receive a `ProgressReporter` and let `run_job` open
and close the row, so no job can stay "running" after its code has returned or raised.
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from celery import current_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from missions_site.server_paths import hide_server_paths

from .liveness import holding_job_lock, is_alive, worker_name
from .models import JobRun

logger = logging.getLogger(__name__)
UNEXPECTED_ERROR = "The job stopped on an unexpected error; the details are in the worker's log"

STOPPED_MESSAGE = "Worker stopped before finishing: it was killed or crashed."
STOPPED_ERROR = (
    "The worker stopped reporting progress (it was killed or crashed, or its machine was"
    " lost) before finishing. Start the job again."
)
NEVER_STARTED_MESSAGE = "Never started: no worker took it within {minutes} minutes."
NEVER_STARTED_ERROR = (
    "Never started: no worker took the job{queue} within {minutes} minutes (JOB_QUEUE_TIMEOUT_MINUTES)."
    " Its message was lost by the broker (restarted or emptied), or no worker listens to that queue."
    " Start the job again; if this happens again, check that a worker serves the queue."
)
TIME_LIMIT_MESSAGE = "Stopped after {duration}: time limit."
TIME_LIMIT_DETAIL = (
    "The job ran longer than its queue allows (JOB_TIME_LIMIT_{queue}_MINUTES) and was stopped;"
    " raise that setting or give the job less to do, and start it again."
)


class JobFailed(Exception):
    """The work ended as failed for a reason the user can act on (its message says which): the job
    is closed as failed without a traceback, and `run_job` returns instead of raising."""


def create_job(
    *, kind: str, params: dict | None = None, user=None, message: str = "", queue: str = ""
) -> JobRun:
    user = user if getattr(user, "is_authenticated", False) else None
    return JobRun.objects.create(
        kind=kind, params=params or {}, created_by=user, message=message, queue=queue
    )


def enqueue_job(*, kind: str, task, params: dict | None = None, user=None) -> JobRun:
    """Create the job's row, then queue its Celery task once the row is committed."""
    queue = settings.CELERY_TASK_ROUTES.get(task.name, {}).get(
        "queue", settings.CELERY_TASK_DEFAULT_QUEUE
    )
    job = create_job(kind=kind, params=params, user=user, queue=queue)
    transaction.on_commit(lambda: task.delay(str(job.pk)))
    return job


def enqueue_job_group(
    *, kind: str, child_kind: str, task, params: dict, children: list[dict], user=None
) -> JobRun:
    """A parent job without a task of its own and one queued child per params dict (each with a
    `label`); children report their progress into the parent, and `settle_parent` closes it."""
    with transaction.atomic():
        parent = create_job(
            kind=kind, params=params, user=user, message=f"{len(children)} job(s) in parallel"
        )
        queued = [
            enqueue_job(
                kind=child_kind, task=task, user=user, params={**p, "parent": str(parent.pk)}
            )
            for p in children
        ]
        JobRun.objects.filter(pk=parent.pk).update(
            params={**params, "children": [str(c.pk) for c in queued]}
        )
    parent.refresh_from_db()
    return parent


class ProgressReporter:
    """Writes progress to the job's row (and its parent's); a callable so engine code can take it
    as a plain hook."""

    def __init__(self, job: JobRun | None):
        self.job = job

    def __call__(self, progress: float, message: str = "") -> None:
        if self.job is None:
            return
        JobRun.objects.filter(pk=self.job.pk).update(
            progress=_percent(progress), message=message[:500], heartbeat_at=timezone.now()
        )
        parent_id = self.job.params.get("parent")
        if parent_id:
            _refresh_parent(parent_id, f"{self.job.params.get('label', self.job.kind)}: {message}")


def run_job(job_id: str, work: Callable[[JobRun, ProgressReporter], dict | None]) -> JobRun:
    """Mark the job running, run `work`, and close the row whatever happens.

    The process holds the job's advisory lock from before it is marked running until after it is
    closed, so `close_stale_jobs` can tell at once that a running job's process died.
    """
    with holding_job_lock(job_id) as locked:
        now = timezone.now()
        updated = locked and JobRun.objects.filter(pk=job_id, status=JobRun.Status.QUEUED).update(
            status=JobRun.Status.RUNNING,
            started_at=now,
            heartbeat_at=now,
            worker=worker_name(),
            node=_celery_node(),
        )
        job = JobRun.objects.get(pk=job_id)
        if not updated:
            # A redelivered message (acks_late) of a job already started, or a duplicate: never twice.
            logger.warning("Job %s is %s, not queued: not running it again.", job_id, job.status)
            return job
        try:
            result = work(job, ProgressReporter(job)) or {}
        except JobFailed as exc:
            fail_job(job=job, error=str(exc))
        except SoftTimeLimitExceeded:
            message, detail = _time_limit_reason(job, now=timezone.now())
            logger.warning("Job %s (%s) stopped by its time limit.", job.pk, job.kind)
            fail_job(job=job, error=message, detail=detail)
        except Exception as exc:
            # The traceback names files and paths: it goes to the worker's log, not to the page.
            logger.exception("Job %s (%s) failed.", job.pk, job.kind)
            fail_job(job=job, error=f"{UNEXPECTED_ERROR} ({type(exc).__name__}, job {job.pk}).")
            raise
        else:
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
        heartbeat_at=timezone.now(),
    )


def fail_job(*, job: JobRun, error: str, detail: str = "") -> None:
    """Close a job as failed. `error` and `detail` are shown on the job page: plain words, never a
    traceback or a server path."""
    error, detail = hide_server_paths(error), hide_server_paths(detail)
    JobRun.objects.filter(pk=job.pk).update(
        status=JobRun.Status.FAILED,
        error=f"{error}\n\n{detail}".strip(),
        message=error[:500],
        finished_at=timezone.now(),
    )


def reap_jobs(*, now=None) -> int:
    """The reaper (the beat task `jobs.tasks.close_stale_jobs`, every 5 minutes): close as failed,
    with the reason on the job's page, the queued jobs no worker started and the running jobs whose
    worker died. Returns how many it closed."""
    now = now or timezone.now()
    return fail_unstarted_jobs(now=now) + close_stale_jobs(now=now)


def fail_unstarted_jobs(*, now=None) -> int:
    """Close as failed the jobs still queued JOB_QUEUE_TIMEOUT_MINUTES after they were created: their
    broker message was lost, or no worker listens to their queue."""
    now = now or timezone.now()
    minutes = settings.JOB_QUEUE_TIMEOUT_MINUTES
    waiting = JobRun.objects.filter(
        status=JobRun.Status.QUEUED, created_at__lt=now - timedelta(minutes=minutes)
    )
    closed = 0
    for job in waiting:
        queue = f" from the '{job.queue}' queue" if job.queue else ""
        closed += _close(
            job,
            JobRun.Status.QUEUED,
            now=now,
            message=NEVER_STARTED_MESSAGE.format(minutes=minutes),
            error=NEVER_STARTED_ERROR.format(queue=queue, minutes=minutes),
        )
        logger.warning("Job %s (%s) closed as failed: never started.", job.pk, job.kind)
    return closed


def close_stale_jobs(*, now=None) -> int:
    """Close as failed the running jobs whose process died (killed, crashed, lost machine, or killed
    by its hard time limit): its advisory lock is free, or, for a job no process holds, its
    heartbeat is old."""
    now = now or timezone.now()
    closed = 0
    for job in JobRun.objects.filter(status=JobRun.Status.RUNNING):
        if is_alive(job, now=now):
            continue
        if _past_hard_limit(job, now=now):
            message, detail = _time_limit_reason(job, now=now)
            error = f"{message}\n\n{detail}"
        else:
            message, error = STOPPED_MESSAGE, STOPPED_ERROR
        closed += _close(job, JobRun.Status.RUNNING, now=now, message=message, error=error)
        logger.warning("Job %s (%s) closed as failed: its worker died.", job.pk, job.kind)
    return closed


def settle_parent(
    *,
    child_id: str,
    failure: Callable[[list[JobRun]], str],
    success: Callable[[list[JobRun]], dict],
) -> JobRun | None:
    """Called when a child ends (either way): once every child has finished, close the parent as
    failed with `failure(failed children)` or as succeeded with the result `success(children)`."""
    child = JobRun.objects.filter(pk=child_id).first()
    parent_id = child.params.get("parent") if child else None
    if child is None or not parent_id:
        return None
    with transaction.atomic():
        parent = JobRun.objects.select_for_update().filter(pk=parent_id).first()
        if parent is None or parent.is_finished:
            return parent
        children = list(JobRun.objects.filter(pk__in=parent.params.get("children", [])))
        if not all(c.is_finished for c in children):
            _refresh_parent(parent_id, f"{child.params.get('label', child.kind)}: {child.message}")
            return parent
        failed = [c for c in children if c.status == JobRun.Status.FAILED]
        if failed:
            fail_job(job=parent, error=failure(failed))
        else:
            succeed_job(job=parent, result=success(children))
        logger.info(
            "Parent job %s (%s) closed by its last child %s.", parent.pk, parent.kind, child_id
        )
    parent.refresh_from_db()
    return parent


def _close(job: JobRun, status: str, *, now, message: str, error: str) -> int:
    """Close `job` as failed if it is still `status`, then settle its parent (if its last child)."""
    closed = JobRun.objects.filter(pk=job.pk, status=status).update(
        status=JobRun.Status.FAILED, error=error, message=message[:500], finished_at=now
    )
    if closed and job.params.get("parent"):
        settle_parent(child_id=str(job.pk), failure=_parts_failed, success=_parts_succeeded)
    return closed


def _parts_failed(failed: list[JobRun]) -> str:
    return "Stopped: " + "; ".join(f"{c.params.get('label', c.kind)}: {c.message}" for c in failed)


def _parts_succeeded(children: list[JobRun]) -> dict:
    return {"message": f"{len(children)} job(s) done."}


def _celery_node() -> str:
    """The node name of the Celery worker running this task ('' outside a worker)."""
    return (getattr(current_task.request, "hostname", None) or "")[:200] if current_task else ""


def _time_limit_reason(job: JobRun, *, now) -> tuple[str, str]:
    """(message, detail) of a job stopped by its queue's time limit."""
    seconds = (now - (job.started_at or now)).total_seconds()
    duration = f"{seconds / 60:.0f} minutes" if seconds >= 90 else f"{seconds:.0f} seconds"
    queue = (job.queue or settings.CELERY_TASK_DEFAULT_QUEUE).upper()
    return (TIME_LIMIT_MESSAGE.format(duration=duration), TIME_LIMIT_DETAIL.format(queue=queue))


def _past_hard_limit(job: JobRun, *, now) -> bool:
    """Has the job run past its queue's hard time limit (so the worker killed it)?"""
    limit = settings.JOB_TIME_LIMIT_MINUTES.get(job.queue)
    if limit is None or job.started_at is None:
        return False
    return now - job.started_at >= timedelta(minutes=limit + settings.JOB_HARD_LIMIT_GRACE_MINUTES)


def _refresh_parent(parent_id: str, message: str) -> None:
    """The parent's bar is the mean of its children's (a finished child counts as 100 %)."""
    parent = JobRun.objects.filter(pk=parent_id).first()
    if parent is None or parent.is_finished:
        return
    ids = parent.params.get("children", [])
    values = list(JobRun.objects.filter(pk__in=ids).values_list("progress", "status"))
    done = [100 if s in JobRun.FINISHED else p for p, s in values]
    now = timezone.now()
    JobRun.objects.filter(pk=parent_id, status=JobRun.Status.QUEUED).update(
        status=JobRun.Status.RUNNING, started_at=now
    )
    JobRun.objects.filter(pk=parent_id).update(
        progress=_percent(sum(done) / max(len(ids), 1)), message=message[:500], heartbeat_at=now
    )


def _percent(value: float) -> int:
    return max(0, min(100, int(value)))
