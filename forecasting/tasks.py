"""Celery tasks of the forecasting app: thin wrappers that run a service under a JobRun."""

from dataclasses import asdict

from celery import shared_task

from jobs.services import run_job

from . import services


@shared_task
def build_grid_job(job_id: str) -> None:
    def work(job, progress):
        result = services.build_grid(cell_size_m=job.params.get("cell_size_m"), progress=progress)
        return {**asdict(result), "message": f"{result.cells} cells built."}

    run_job(job_id, work)
