"""With no worker running, enqueued tasks raise the queue's depth and the oldest message's age on
/metrics, and the next shift without a plan shows; a real worker then drains the queue and the
depth falls back (the positive control)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from agency.selectors import shift_windows_around
from jobs.tasks import close_stale_jobs
from missions_site.celery import app

from .metrics_helpers import TOKEN, scrape, value

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
TASKS = 5
DRAIN_WAIT_S = 60


def test_queue_depth_rises_without_a_worker_and_falls_with_one(client, settings, small_agency):
    settings.METRICS_TOKEN = TOKEN
    route = settings.CELERY_TASK_ROUTES.get("jobs.tasks.close_stale_jobs", {})
    queue = route.get("queue", settings.CELERY_TASK_DEFAULT_QUEUE)
    app.control.purge()
    before = value(scrape(client), "missions_queue_depth", queue=queue)
    for _ in range(TASKS):
        close_stale_jobs.delay()
    time.sleep(1.1)  # the oldest message is at least a second old
    samples = scrape(client)
    assert value(samples, "missions_queue_depth", queue=queue) == before + TASKS
    assert value(samples, "missions_queue_oldest_message_age_seconds", queue=queue) >= 1
    now = timezone.now()
    following = [w for w in shift_windows_around(at=now) if now < w.ends_at][1]
    assert value(samples, "missions_shift_planned", which="next", shift=following.shift.name) == 0
    assert value(samples, "missions_minutes_until_unplanned_shift") <= (
        (following.starts_at - now).total_seconds() / 60
    )

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        deadline = time.monotonic() + DRAIN_WAIT_S
        while value(scrape(client), "missions_queue_depth", queue=queue) > 0:
            assert time.monotonic() < deadline, "the worker did not drain the queue"
            time.sleep(0.2)
    samples = scrape(client)
    assert value(samples, "missions_queue_depth", queue=queue) == 0
    assert value(samples, "missions_queue_oldest_message_age_seconds", queue=queue) == 0
