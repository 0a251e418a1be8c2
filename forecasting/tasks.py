"""Celery tasks of the forecasting app (thin wrappers that run a service under a JobRun), and the
`enqueue_*` functions that create their job rows and queue them: pages, the API and the beat
tasks call these, never `task.delay`."""

import datetime as dt
from dataclasses import asdict

from celery import shared_task
from django.utils import timezone

from agency.models import Agency, Shift
from agency.selectors import due_shift_windows
from jobs.models import JobRun
from jobs.selectors import job_created_since, unfinished_job_params
from jobs.services import JobFailed, enqueue_job, enqueue_job_group, run_job, settle_parent

from . import forecasts, services, training
from .models import ModelVersion
from .selectors import current_run

BUILD_GRID_KIND = "build_grid"
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
            crime_type=job.params["crime_type"],
            weeks=job.params.get("weeks"),
            job=job,
            progress=progress,
        )
        return {
            "message": f"Promoted {version.algorithm} for {version.crime_type.name}.",
            "model_version": version.pk,
            "algorithm": version.algorithm,
        }

    try:
        run_job(job_id, work)
    finally:
        settle_parent(
            child_id=job_id, failure=training.training_failed, success=training.training_succeeded
        )


@shared_task
def forecast_shift_job(job_id: str) -> None:
    """Forecast one shift (params: date, shift)."""

    def work(job, progress):
        shift = Shift.objects.get(pk=job.params["shift"])
        day = dt.date.fromisoformat(job.params["date"])
        try:
            run = forecasts.forecast_shift(date=day, shift=shift, job=job, progress=progress)
        except forecasts.ForecastError as exc:  # no model, no history, a model that will not load
            raise JobFailed(str(exc)) from exc
        return {"message": f"Forecast {day} {shift.name}: run {run.pk}.", "forecast_run": run.pk}

    run_job(job_id, work)


@shared_task
def nightly_retrain() -> str | None:
    """Beat fires this hourly at :30; it retrains at RETRAIN_LOCAL_HOUR in the agency's zone, so
    the schedule follows the agency's time zone and DST without editing the beat entry."""
    now = timezone.now()
    if now.astimezone(Agency.current().tz).hour != RETRAIN_LOCAL_HOUR:
        return None
    if job_created_since(kind=training.TRAIN_KIND, since=now - RETRAIN_MIN_GAP):
        return None
    return str(enqueue_training().pk)


@shared_task
def forecast_due_shifts() -> int:
    """Every 15 minutes: forecast shifts starting within the lead time that have no run yet."""
    return len(enqueue_due_forecasts())


# ---- enqueue: create the job row, queue the task once it is committed ---------------------------


def enqueue_build_grid(*, cell_size_m: int | None = None, user=None) -> JobRun:
    params = {"cell_size_m": cell_size_m} if cell_size_m else {}
    return enqueue_job(kind=BUILD_GRID_KIND, task=build_grid_job, params=params, user=user)


def enqueue_training(
    *, crime_types: list[str] | None = None, weeks: int | None = None, user=None
) -> JobRun:
    """One training task per crime type (each back-tests its candidates, then fits and promotes the
    winner) under a parent job; returns the parent. Raises TrainingError for unknown types."""
    codes = training.resolve_crime_types(crime_types)
    return enqueue_job_group(
        kind=training.TRAIN_KIND,
        child_kind=training.TRAIN_TYPE_KIND,
        task=train_crime_type_job,
        params={"crime_types": codes, "weeks": weeks},
        user=user,
        children=[{"crime_type": code, "label": code, "weeks": weeks} for code in codes],
    )


def enqueue_forecast(*, date: dt.date, shift: Shift, user=None) -> JobRun:
    return enqueue_job(
        kind=forecasts.FORECAST_KIND,
        task=forecast_shift_job,
        user=user,
        params={"date": date.isoformat(), "shift": shift.pk, "shift_name": shift.name},
    )


def enqueue_due_forecasts(*, now: dt.datetime | None = None) -> list[JobRun]:
    """Queue a forecast for every shift under way or starting within the lead time that has no
    complete run and no forecast job already queued or running (the 15-minute beat task)."""
    now = now or timezone.now()
    if not ModelVersion.objects.filter(promoted=True).exists():
        return []
    pending = {(p["date"], p["shift"]) for p in unfinished_job_params(kind=forecasts.FORECAST_KIND)}
    jobs = []
    lead = dt.timedelta(minutes=forecasts.lead_minutes())
    for window in due_shift_windows(lead=lead, at=now):
        done = current_run(date=window.date, shift=window.shift) is not None
        if not done and (window.date.isoformat(), window.shift.pk) not in pending:
            jobs.append(enqueue_forecast(date=window.date, shift=window.shift))
    return jobs
