"""Periodic work of measured patrol: minutes per box for shifts under way or just ended, and the
nightly purge of raw positions; and the job of a file uploaded on the AVL import page."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from agency.selectors import shift_windows_around
from jobs.models import JobRun
from jobs.services import JobFailed, enqueue_job, run_job

from . import services
from .avl_import import (
    AvlFileError,
    import_avl_file,
    purge_stale_uploads,
    remove_upload,
    store_upload,
    upload_path,
    upload_token,
)
from .job_kinds import AVL_IMPORT_KIND


@shared_task
def measure_recent_exposure() -> int:
    """Re-measure every shift window that overlaps the last day (a late fix lands in its shift)."""
    now = timezone.now()
    rows = 0
    for window in shift_windows_around(at=now):
        if window.starts_at <= now and window.ends_at >= now - timedelta(days=1):
            rows += services.measure_exposure(day=window.date, shift=window.shift)
    return rows


@shared_task
def purge_old_positions() -> int:
    """Nightly: raw positions past AVL_RETENTION_DAYS, and AVL uploads no job read."""
    purge_stale_uploads()
    return services.purge_positions()


@shared_task
def import_avl_upload_job(job_id: str) -> None:
    """Import the file uploaded on the AVL import page through patrol.avl_import (the service of
    `manage.py import_avl`), then, if asked, measure the file's shifts into minutes per box."""

    def work(job, progress):
        try:
            path = upload_path(job.params["upload"])
        except AvlFileError as exc:
            raise JobFailed(str(exc)) from None
        measure = bool(job.params.get("measure"))
        share = 0.8 if measure else 1.0

        def read(done: int, total: int) -> None:
            progress(share * done / max(total, 1), f"Read {done:,} of {total:,}")

        try:
            result = import_avl_file(
                path,
                actor=job.created_by,
                progress=read,
                job=job,
                file_name=job.params["file"],
            )
        except AvlFileError as exc:
            raise JobFailed(str(exc)) from None
        finally:
            remove_upload(path)
        measured = 0
        if measure and result.first is not None:
            windows = services.shifts_between(start=result.first, end=result.last)

            def measured_so_far(done: int, total: int) -> None:
                progress(share + (1 - share) * done / total, f"Measured {done} of {total} shifts")

            services.measure_exposure_windows(windows, progress=measured_so_far)
            measured = len(windows)
        return {
            "message": result.summary(),
            "file": result.file_name,
            "rows": result.rows,
            "stored": result.stored,
            "duplicates": result.duplicates,
            "rejected": result.rejected,
            "reasons": dict(result.reasons),
            "measured_shifts": measured,
        }

    run_job(job_id, work)


def enqueue_avl_upload(*, uploaded, measure: bool, user) -> JobRun:
    """Store and check the uploaded file (AvlFileError: refused, nothing queued), then create its
    job; the task is queued once the row is committed."""
    path = store_upload(uploaded=uploaded)
    return enqueue_job(
        kind=AVL_IMPORT_KIND,
        task=import_avl_upload_job,
        user=user,
        params={"file": uploaded.name[:255], "upload": upload_token(path), "measure": measure},
    )
