"""A job's result as the API gives it (issue 24, docs/api.md): once the job has succeeded, in its
kind's registered shape with `kind` in it (the schema's JobResult union); null before, after a
failure, for a kind with no shape and for a stored result that does not fit its shape."""

import dataclasses
import logging

import pytest
from rest_framework.test import APIClient

from forecasting.services import GridBuildResult
from ingest.models import ImportRun, Source
from jobs import kinds
from jobs.api import JobResult
from jobs.models import JobRun
from jobs.services import create_job, fail_job, succeed_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(role_user):
    client = APIClient()
    client.force_authenticate(role_user("Analyst"))
    return client


def job_result(api, job: JobRun):
    answer = api.get(f"/api/v1/jobs/{job.pk}/")
    assert answer.status_code == 200, answer.content
    return answer.json()["result"]


def test_a_real_import_jobs_result_is_its_kinds_shape(api):
    Source.objects.create(name="cad-live", kind="cad")
    pushed = api.post(
        "/api/v1/incidents/",
        {
            "source": "cad-live",
            "incidents": [
                {
                    "external_id": "X-1",
                    "occurred_from": "2024-03-12T02:30:00",
                    "latitude": 43.65,
                    "longitude": -79.4,
                }
            ],
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="job-result-1",
    )
    assert pushed.status_code == 201, pushed.content
    run = ImportRun.objects.get()
    result = job_result(api, run.job)
    assert result == {
        "kind": "import_incidents",
        "message": run.job.message,
        "run": run.pk,
        "total_rows": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "unmapped": 1,  # no offence code: kept, as no crime type
    }


def test_the_result_is_null_until_the_job_has_succeeded(api):
    job = create_job(kind="plan_missions", params={"date": "2024-03-12", "shift": 1})
    assert job_result(api, job) is None  # queued
    fail_job(job=job, error="No forecast.")
    assert job_result(api, job) is None  # failed
    done = create_job(kind="plan_missions", params={"date": "2024-03-12", "shift": 1})
    # Control: the same kind, succeeded, has its shape; members outside it are not published.
    succeed_job(job=done, result={"message": "3 missions.", "plan": 7, "missions": 3, "x": 1})
    assert job_result(api, done) == {
        "kind": "plan_missions",
        "message": "3 missions.",
        "plan": 7,
        "missions": 3,
    }


def test_an_unknown_kind_or_a_result_that_does_not_fit_is_null(api, caplog):
    unknown = create_job(kind="example")
    succeed_job(job=unknown, result={"message": "Done.", "rows": 3})
    assert job_result(api, unknown) is None
    stale = create_job(kind="plan_missions", params={"date": "2024-03-12", "shift": 1})
    succeed_job(job=stale, result={"message": "From an older release."})  # no plan, no missions
    with caplog.at_level(logging.WARNING, logger="jobs.api"):
        assert job_result(api, stale) is None
    assert "does not fit its kind" in caplog.text


def test_every_kind_registers_a_result_shape_matching_what_its_job_stores():
    assert set(kinds.KINDS) == {
        "build_grid",
        "train_models",
        "train_model",
        "forecast_shift",
        "import_incidents",
        "plan_missions",
        "import_avl",
    }
    for kind, known in kinds.KINDS.items():
        assert issubclass(known.result, JobResult), kind
        assert known.result.__doc__ and kind in known.result.__doc__, kind  # said for integrators
    members = {kind: set(known.result().fields) - {"kind"} for kind, known in kinds.KINDS.items()}
    # What the work functions store (forecasting/tasks.py, ingest's run summary): the same names.
    grid = {f.name for f in dataclasses.fields(GridBuildResult)}
    assert members["build_grid"] == grid | {"message"}
    assert members["import_incidents"] == set(ImportRun().summary()) | {"message"}
    # patrol/tasks.py import_avl_upload_job: the file's counts and the shifts measured after it
    assert members["import_avl"] == {
        "message",
        "file",
        "rows",
        "stored",
        "duplicates",
        "rejected",
        "reasons",
        "measured_shifts",
    }
