"""JobRun: opened and closed by run_job whatever happens; stale jobs closed; a real worker runs one."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from geo.models import GridCell
from jobs.api import accepted
from jobs.models import JobRun
from jobs.services import JobFailed, close_stale_jobs, create_job, run_job

WORKER_WAIT_S = 60


@pytest.mark.django_db
def test_run_job_records_progress_and_result():
    job = create_job(kind="example")
    seen = []

    def work(job, progress):
        progress(40, "half way")
        seen.append(JobRun.objects.get(pk=job.pk).progress)
        return {"message": "All good.", "rows": 3}

    job = run_job(str(job.pk), work)
    assert seen == [40]
    assert job.status == JobRun.Status.SUCCEEDED
    assert job.progress == 100 and job.result["rows"] == 3 and job.message == "All good."
    assert job.started_at <= job.finished_at


@pytest.mark.django_db
def test_a_failing_job_is_closed_with_its_error_and_no_traceback(caplog):
    """The page says the job failed and where to look; the traceback, with its file paths, goes to
    the worker's log only. A JobFailed message (meant for people) is shown as it is."""
    job = create_job(kind="example")

    def work(job, progress):
        raise ValueError("row 12: bad time in /srv/missions/var/media/uploads/x.csv")

    with pytest.raises(ValueError):
        run_job(str(job.pk), work)
    job.refresh_from_db()
    assert job.status == JobRun.Status.FAILED and job.finished_at is not None
    assert (
        "unexpected error" in job.error and "ValueError" in job.error and str(job.pk) in job.error
    )
    assert "Traceback" not in job.error and "/srv/" not in job.error and ".py" not in job.error
    assert "Traceback" in caplog.text and "/srv/missions" in caplog.text

    told = create_job(kind="example")

    def refuse(job, progress):
        raise JobFailed("Row 12: the time is not a date.")

    run_job(str(told.pk), refuse)
    told.refresh_from_db()
    assert told.status == JobRun.Status.FAILED and told.error == "Row 12: the time is not a date."


@pytest.mark.django_db
def test_a_job_is_not_run_twice():
    job = create_job(kind="example")
    calls = []
    run_job(str(job.pk), lambda job, progress: calls.append(1))
    run_job(str(job.pk), lambda job, progress: calls.append(1))  # a redelivered task message
    assert calls == [1]


@pytest.mark.django_db
def test_stale_running_jobs_are_closed(settings):
    settings.JOB_STALE_AFTER_MINUTES = 30
    now = timezone.now()
    stale = JobRun.objects.create(kind="a", status="running", heartbeat_at=now - timedelta(hours=1))
    alive = JobRun.objects.create(
        kind="b", status="running", heartbeat_at=now - timedelta(minutes=5)
    )
    assert close_stale_jobs(now=now) == 1
    stale.refresh_from_db()
    alive.refresh_from_db()
    assert stale.status == "failed" and "stopped reporting" in stale.error
    assert alive.status == "running"


@pytest.mark.worker
def test_rebuild_grid_button_runs_on_a_real_worker(
    celery_worker_thread, small_agency, analyst, client
):
    client.force_login(analyst)
    response = client.post(reverse("rebuild-grid"))
    assert response.status_code == 302
    job = JobRun.objects.get(kind="build_grid")
    assert response.url == reverse("job-page", args=[job.pk])

    deadline = time.monotonic() + WORKER_WAIT_S
    while not job.is_finished and time.monotonic() < deadline:
        time.sleep(0.2)
        job.refresh_from_db()
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    assert job.result["cells"] == GridCell.objects.filter(active=True).count() > 100

    api = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert api["status"] == "succeeded" and api["progress"] == 100
    assert api["result"] == {"kind": "build_grid", **job.result}  # typed: the kind's shape


@pytest.mark.django_db
def test_officers_cannot_start_jobs_or_read_them(officer, client):
    client.force_login(officer)
    assert client.post(reverse("rebuild-grid")).status_code == 403
    job = create_job(kind="example")
    assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == 403


@pytest.mark.django_db
def test_the_202_reply_carries_the_job_and_its_location(rf):
    job = create_job(kind="example", params={"n": 1})
    response = accepted(job, request=rf.post("/api/v1/anything/"))
    assert response.status_code == 202
    assert response["Location"] == f"http://testserver/api/v1/jobs/{job.pk}/"
    assert response.data["id"] == str(job.pk) and response.data["status"] == "queued"
    assert response.data["url"] == f"/api/v1/jobs/{job.pk}/"
    assert response.data["page"] == reverse("job-page", args=[job.pk])
