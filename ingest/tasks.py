"""Celery tasks of the ingest app, and the `enqueue_*` functions that create their job rows and
queue them (pages call these, never `task.delay`)."""

from celery import shared_task
from django.db import transaction

from jobs.services import enqueue_job, run_job

from . import services
from .models import ImportRun, Source


@shared_task
def import_incidents_job(job_id: str) -> None:
    """Import the file of the job's queued ImportRun."""

    def work(job, progress):
        return services.run_import(run=job.import_run, progress=progress)

    run_job(job_id, work)


@shared_task
def scan_watched_folders() -> int:
    """Periodic (every minute, scheduled by migration 0003): import new files of watched folders."""
    return len(services.scan_watched_folders())


@shared_task
def purge_expired_uploads() -> int:
    """Nightly (scheduled by migration 0007): delete uploaded files past UPLOAD_RETENTION_DAYS."""
    result = services.purge_expired_uploads()
    return result.imported + result.abandoned


def enqueue_upload_import(*, source: Source, token: str, strict: bool, user=None) -> ImportRun:
    """Create the run and its job for an uploaded file; the task is queued once both are committed."""
    path = services.upload_path(token)
    with transaction.atomic():
        job = enqueue_job(
            kind=services.IMPORT_KIND,
            task=import_incidents_job,
            user=user,
            params={"source": source.name, "file": path.name},
        )
        return services.start_run(
            source=source,
            via=ImportRun.Via.UPLOAD,
            file_name=path.name,
            file_path=str(path),
            strict=strict,
            job=job,
        )
