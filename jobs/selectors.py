"""Reads of JobRun shared by pages, the API and the apps that schedule jobs."""

from .models import JobRun


def recent_jobs(*, limit: int = 20):
    return JobRun.objects.select_related("created_by")[:limit]


def get_job(*, job_id) -> JobRun:
    return JobRun.objects.get(pk=job_id)


def unfinished_job_params(*, kind: str) -> list[dict]:
    """The params of the queued and running jobs of a kind (to avoid queueing the same work twice)."""
    return list(
        JobRun.objects.filter(
            kind=kind, status__in=[JobRun.Status.QUEUED, JobRun.Status.RUNNING]
        ).values_list("params", flat=True)
    )


def job_created_since(*, kind: str, since) -> bool:
    return JobRun.objects.filter(kind=kind, created_at__gte=since).exists()
