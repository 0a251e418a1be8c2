"""The job page is titled with what the job does, not its internal kind, and links to its result
once it has succeeded (each app registers its kinds with jobs at ready())."""

import pytest
from django.urls import reverse

from agency.models import Shift
from ingest.models import ImportRun, Source
from jobs.models import JobRun
from jobs.services import create_job

pytestmark = pytest.mark.django_db


def page(client, job) -> str:
    return client.get(reverse("job-page", args=[job.pk])).content.decode()


def succeeded(kind: str, params: dict | None = None, result: dict | None = None) -> JobRun:
    job = create_job(kind=kind, params=params)
    JobRun.objects.filter(pk=job.pk).update(
        status=JobRun.Status.SUCCEEDED, progress=100, result=result or {}
    )
    job.refresh_from_db()
    return job


def test_each_kind_has_a_title_and_a_link_to_its_result(client, analyst, small_agency):
    client.force_login(analyst)
    night = Shift.objects.get(name="Night")
    imported = succeeded("import_incidents")
    run = ImportRun.objects.create(source=Source.objects.create(name="RMS"), job=imported)
    expected = {
        imported: ("Importing incidents", f"/ingest/runs/{run.pk}/"),
        succeeded("train_models"): ("Training models", "/forecasting/"),
        succeeded("train_model", result={"model_version": 7}): (
            "Training a model",
            "/forecasting/models/7/",
        ),
        succeeded("build_grid"): ("Building the grid", "/analyst/"),
        succeeded(
            "forecast_shift", {"date": "2026-03-02", "shift": night.pk, "shift_name": "Night"}
        ): ("Forecasting a shift", "/forecasting/forecast/?date=2026-03-02&amp;shift=Night"),
        succeeded("plan_missions", {"date": "2026-03-02", "shift": night.pk}): (
            "Planning missions",
            f"/missions/?date=2026-03-02&amp;shift={night.pk}",
        ),
    }
    for job, (title, url) in expected.items():
        body = page(client, job)
        assert f"<h1>{title}</h1>" in body and f"<title>{title}" in body, job.kind
        assert job.kind not in body.split("<main", 1)[-1].split("data-job-api")[0], job.kind
        assert f'id="job-result" href="{url}"' in body, job.kind
        assert "data-job-reload" not in body  # finished: nothing left to wait for


def test_no_result_link_until_the_job_succeeds(client, analyst, small_agency):
    client.force_login(analyst)
    night = Shift.objects.get(name="Night")
    running = create_job(kind="plan_missions", params={"date": "2026-03-02", "shift": night.pk})
    body = page(client, running)
    assert "Planning missions" in body and 'id="job-result"' not in body
    assert "data-job-reload" in body  # it reloads when it finishes, to show the link
    JobRun.objects.filter(pk=running.pk).update(status=JobRun.Status.FAILED)
    assert 'id="job-result"' not in page(client, running)
    JobRun.objects.filter(pk=running.pk).update(status=JobRun.Status.SUCCEEDED)
    assert 'id="job-result"' in page(client, running)  # control: the same job once succeeded


def test_an_unregistered_kind_falls_back_to_a_readable_name(client, analyst):
    client.force_login(analyst)
    body = page(client, succeeded("rebuild_search_index"))
    assert "<h1>Rebuild search index</h1>" in body and 'id="job-result"' not in body
