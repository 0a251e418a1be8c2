"""On PostGIS with a real Celery worker: the Train button queues one job per crime type under a
parent job, the worker trains and promotes; Forecast now writes every cell with reasons."""

import time

import pytest
from django.urls import reverse

from agency.models import Shift
from forecasting.models import CellForecast, ForecastRun, ModelVersion
from jobs.models import JobRun

from .conftest import HISTORY_DAYS

WAIT_S = 180


def wait_for(job: JobRun) -> JobRun:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job.kind} still {job.status} after {WAIT_S} s: {job.message}")


@pytest.mark.worker
def test_train_and_forecast_on_a_real_worker(celery_worker_thread, city, analyst, client, settings):
    settings.FORECAST_HISTORY_DAYS = HISTORY_DAYS
    settings.FORECAST_BACKTEST_WEEKS = 1
    client.force_login(analyst)

    response = client.post(reverse("train-models"))
    parent = JobRun.objects.get(kind="train_models")
    assert response.status_code == 302 and response.url == reverse("job-page", args=[parent.pk])
    children = JobRun.objects.filter(kind="train_model")
    assert sorted(c.params["crime_type"] for c in children) == ["assault", "break-and-enter"]
    assert all(c.params["parent"] == str(parent.pk) for c in children)

    parent = wait_for(parent)
    assert parent.status == JobRun.Status.SUCCEEDED, parent.error
    assert parent.progress == 100 and len(parent.result["model_versions"]) == 2
    assert all(
        c.status == JobRun.Status.SUCCEEDED for c in JobRun.objects.filter(kind="train_model")
    )
    promoted = ModelVersion.objects.filter(promoted=True)
    assert promoted.count() == 2 and all(v.job_id for v in promoted)

    night = Shift.objects.get(name="Night")
    response = client.post(reverse("forecast-now"), {"date": "2026-01-15", "shift": night.pk})
    job = wait_for(JobRun.objects.get(kind="forecast_shift"))
    assert response.url == reverse("job-page", args=[job.pk])
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    run = ForecastRun.objects.get(pk=job.result["forecast_run"])
    assert run.complete and str(run.date) == "2026-01-15" and run.shift == night
    rows = CellForecast.objects.filter(run=run)
    assert rows.count() == 2 * run.cell_forecasts.values("cell").distinct().count()
    best = rows.filter(crime_type__code="assault").order_by("-expected_count").first()
    assert best.expected_count > 0 and best.reasons


@pytest.mark.worker
def test_a_failing_child_fails_the_parent_and_keeps_the_promoted_model(
    celery_worker_thread, city, analyst, client, settings, monkeypatch
):
    from forecasting import training
    from forecasting.engine import pipeline

    settings.FORECAST_HISTORY_DAYS = HISTORY_DAYS
    before = training.train_crime_type(crime_type="assault", weeks=1, models=("naive_28d",))

    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(pipeline, "train_type", broken)
    client.force_login(analyst)
    client.post(reverse("train-models"))
    parent = wait_for(JobRun.objects.get(kind="train_models"))
    assert parent.status == JobRun.Status.FAILED
    assert "assault" in parent.message and "previously promoted" in parent.message
    assert list(ModelVersion.objects.filter(promoted=True)) == [before]
