"""Celery tasks of the ingest app: thin wrappers that run a service under a JobRun."""

from celery import shared_task

from jobs.services import run_job

from . import services
from .models import ImportRun


class ImportFailed(RuntimeError):
    """The import run closed as failed; the JobRun is closed as failed with its message."""


@shared_task
def import_incidents_job(job_id: str) -> None:
    """Import the file of the job's queued ImportRun (params: run_id)."""

    def work(job, progress):
        run = ImportRun.objects.select_related("source").get(pk=job.params["run_id"])
        return import_and_check(run=run, progress=progress)

    run_job(job_id, work)


@shared_task
def scan_watched_folders() -> int:
    """Periodic (every minute, scheduled by migration 0003): import new files of watched folders."""
    return len(services.scan_watched_folders())


def import_and_check(*, run: ImportRun, progress, mapping=None) -> dict:
    """Run the import; raise ImportFailed for a failed run so that its JobRun says so too."""
    run = services.import_incidents_file(
        path=run.file_path, source=run.source, mapping=mapping, strict=run.strict, run=run,
        progress=progress,
    )
    if run.status != ImportRun.Status.SUCCEEDED:
        raise ImportFailed(run.message)
    return {**run.summary(), "message": run.message}
