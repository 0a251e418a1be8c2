"""Celery tasks of the forecasting app: thin wrappers that run a service under a JobRun."""

import datetime as dt
from dataclasses import asdict

from celery import shared_task
from django.utils import timezone

from agency.models import Agency, Shift
from jobs.models import JobRun
from jobs.services import run_job

from . import forecasts, services, training

RETRAIN_LOCAL_HOUR = 2  # the nightly retrain runs at 02:30 agency time (beat fires at :30 hourly)
RETRAIN_MIN_GAP = dt.timedelta(hours=12)


@shared_task
def build_grid_job(job_id: str) -> None:
    def work(job, progress):
        result = services.build_grid(cell_size_m=job.params.get("cell_size_m"), progress=progress)
        return {**asdict(result), "message": f"{result.cells} cells built."}

    run_job(job_id, work)


@shared_task
def train_crime_type_job(job_id: str) -> None:
    """One crime type's training (params: crime_type, weeks, parent)."""

    def work(job, progress):
        version = training.train_crime_type(
            crime_type=job.params["crime_type"], weeks=job.params.get("weeks"), job=job,
            progress=training.child_progress(job, progress),
        )
        return {
            "message": f"Promoted {version.algorithm} for {version.crime_type.name}.",
            "model_version": version.pk,
            "algorithm": version.algorithm,
        }

    try:
        run_job(job_id, work)
    finally:
        training.settle_parent(child_id=job_id)


@shared_task
def forecast_shift_job(job_id: str) -> None:
    """Forecast one shift (params: date, shift)."""

    def work(job, progress):
        shift = Shift.objects.get(pk=job.params["shift"])
        day = dt.date.fromisoformat(job.params["date"])
        run = forecasts.forecast_shift(date=day, shift=shift, job=job, progress=progress)
        return {"message": f"Forecast {day} {shift.name}: run {run.pk}.", "forecast_run": run.pk}

    run_job(job_id, work)


@shared_task
def nightly_retrain() -> str | None:
    """Beat fires this hourly at :30; it retrains at RETRAIN_LOCAL_HOUR in the agency's zone, so
    the schedule follows the agency's time zone and DST without editing the beat entry."""
    now = timezone.now()
    if now.astimezone(Agency.current().tz).hour != RETRAIN_LOCAL_HOUR:
        return None
    if JobRun.objects.filter(kind=training.TRAIN_KIND, created_at__gte=now - RETRAIN_MIN_GAP).exists():
        return None
    return str(training.start_training().pk)


@shared_task
def forecast_due_shifts() -> int:
    """Every 15 minutes: forecast shifts starting within the lead time that have no run yet."""
    return len(forecasts.enqueue_due_forecasts())
