"""Reads of JobRun shared by pages and the API."""

from .models import JobRun


def recent_jobs(*, limit: int = 20):
    return JobRun.objects.select_related("created_by")[:limit]


def get_job(*, job_id) -> JobRun:
    return JobRun.objects.get(pk=job_id)
