"""The reaper (`jobs.services.reap_jobs`, beat every 5 minutes) closes, with a reason on the job's
page, the queued jobs no worker started (a lost broker message) and the running jobs whose worker
died or was stopped by its hard time limit; `run_job` closes one stopped by its soft time limit."""

from datetime import timedelta

import psycopg
import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from forecasting.tasks import forecast_shift_job, train_crime_type_job
from jobs.liveness import lock_key
from jobs.models import JobRun
from jobs.services import create_job, enqueue_job, enqueue_job_group, reap_jobs, run_job
from missions_site.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_session():
    """A second PostgreSQL session, as a live worker on another machine would have."""
    db = django_settings.DATABASES["default"]
    dsn = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        yield conn


def test_a_job_whose_message_never_reached_the_broker_is_failed_as_never_started(settings):
    settings.JOB_QUEUE_TIMEOUT_MINUTES = 120
    # In this test's transaction on_commit never fires: the row exists, its message was never sent.
    lost = enqueue_job(kind="forecast_shift", task=forecast_shift_job, params={"shift": 1})
    assert lost.queue == "forecast"
    with time_machine.travel(timezone.now() + timedelta(minutes=119)):
        assert reap_jobs() == 0  # still within the limit: a backlog, not a loss
    with time_machine.travel(timezone.now() + timedelta(minutes=121)):
        assert reap_jobs() == 1
    lost.refresh_from_db()
    assert lost.status == JobRun.Status.FAILED and lost.finished_at is not None
    assert lost.message == "Never started: no worker took it within 120 minutes."
    assert "'forecast' queue" in lost.error and "JOB_QUEUE_TIMEOUT_MINUTES" in lost.error


def test_a_job_that_started_is_not_failed_as_never_started(settings, other_session):
    settings.JOB_QUEUE_TIMEOUT_MINUTES = 120
    started = create_job(kind="forecast_shift", queue="forecast")
    JobRun.objects.filter(pk=started.pk).update(
        status=JobRun.Status.RUNNING,
        started_at=timezone.now(),
        worker="worker-2:77",
        heartbeat_at=timezone.now(),
    )
    other_session.execute("SELECT pg_advisory_lock(%s)", [lock_key(started.pk)])  # its worker lives
    with time_machine.travel(timezone.now() + timedelta(minutes=121)):
        assert reap_jobs() == 0
    started.refresh_from_db()
    assert started.status == JobRun.Status.RUNNING and started.error == ""
    other_session.execute("SELECT pg_advisory_unlock(%s)", [lock_key(started.pk)])


def test_the_job_page_shows_why_the_reaper_failed_it(settings, client, analyst):
    settings.JOB_QUEUE_TIMEOUT_MINUTES = 5
    job = create_job(kind="import_incidents", queue="imports")
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        reap_jobs()
    client.force_login(analyst)
    page = client.get(reverse("job-page", args=[job.pk])).content.decode()
    assert "Never started: no worker took it within 5 minutes." in page
    assert "from the &#x27;imports&#x27; queue" in page
    api = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert api["status"] == "failed" and "no worker listens to that queue" in api["error"]


def test_a_soft_time_limit_fails_the_job_with_a_plain_reason():
    job = create_job(kind="forecast_shift", queue="forecast")
    with time_machine.travel(timezone.now()) as clock:

        def too_slow(job, progress):
            clock.shift(timedelta(minutes=30, seconds=5))
            raise SoftTimeLimitExceeded()  # what Celery raises in the task when its soft limit passes

        job = run_job(str(job.pk), too_slow)
    assert job.status == JobRun.Status.FAILED
    assert job.message == "Stopped after 30 minutes: time limit."
    assert job.error.count("time limit") == 1 and "JOB_TIME_LIMIT_FORECAST_MINUTES" in job.error
    assert "Traceback" not in job.error


def test_a_job_killed_by_its_hard_time_limit_says_so(settings):
    settings.JOB_TIME_LIMIT_MINUTES = {**settings.JOB_TIME_LIMIT_MINUTES, "training": 240}
    settings.JOB_HARD_LIMIT_GRACE_MINUTES = 2
    now = timezone.now()
    killed = create_job(kind="train_model", queue="training")
    crashed = create_job(kind="train_model", queue="training")
    for job, ran in ((killed, timedelta(minutes=243)), (crashed, timedelta(minutes=20))):
        JobRun.objects.filter(pk=job.pk).update(
            status=JobRun.Status.RUNNING,
            started_at=now - ran,
            worker="worker-3:99",
            heartbeat_at=now - ran,
        )
    assert reap_jobs(now=now) == 2  # both locks are free: both workers are gone
    killed.refresh_from_db()
    crashed.refresh_from_db()
    assert killed.message == "Stopped after 243 minutes: time limit."
    assert (
        killed.error.startswith(killed.message)
        and "JOB_TIME_LIMIT_TRAINING_MINUTES" in killed.error
    )
    assert crashed.message == "Worker stopped before finishing: it was killed or crashed."


def test_reaping_the_last_child_closes_its_parent_once(settings):
    settings.JOB_QUEUE_TIMEOUT_MINUTES = 60
    parent = enqueue_job_group(
        kind="train_models",
        child_kind="train_model",
        task=train_crime_type_job,
        params={"crime_types": ["assault", "robbery"]},
        children=[{"crime_type": c, "label": c} for c in ("assault", "robbery")],
    )
    first, second = JobRun.objects.filter(kind="train_model").order_by("params__label")
    assert first.queue == second.queue == "training" and parent.queue == ""

    def trained(job, progress):
        progress(50, "Fitting")  # the parent runs from its first child's report
        return {"message": "Promoted gbm."}

    run_job(str(first.pk), trained)
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert reap_jobs() == 1  # the robbery child; the parent is running (a child reported)
    parent.refresh_from_db()
    assert parent.status == JobRun.Status.FAILED
    assert parent.message.startswith("Stopped: robbery: Never started")
    finished_at = parent.finished_at
    with time_machine.travel(timezone.now() + timedelta(minutes=200)):
        assert reap_jobs() == 0
    parent.refresh_from_db()
    assert parent.finished_at == finished_at


def test_every_task_has_a_queue_and_time_limits():
    """A new task must be placed in settings/workers.py: else it would run without a time limit on
    the default queue."""
    app.loader.import_default_modules()
    ours = sorted(name for name in app.tasks if not name.startswith("celery."))
    assert ours and sorted(django_settings.CELERY_TASK_ROUTES) == ours
    for name in ours:
        task = app.tasks[name]
        assert 0 < task.soft_time_limit < task.time_limit, name
        assert task.acks_late == task.reject_on_worker_lost, name
    assert app.tasks["ingest.tasks.import_incidents_job"].acks_late is True
    assert app.tasks["jobs.tasks.close_stale_jobs"].acks_late is False
    training = app.tasks["forecasting.tasks.train_crime_type_job"]
    assert training.soft_time_limit > app.tasks["ingest.tasks.import_incidents_job"].soft_time_limit
