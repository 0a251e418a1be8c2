"""Each kind of work goes to its own queue on the broker, and to that queue alone (a worker serving
another queue must never see it)."""

import pytest
import redis
from django.conf import settings

from forecasting.tasks import forecast_shift_job, train_crime_type_job
from ingest.tasks import import_incidents_job
from jobs.tasks import close_stale_jobs
from missions.tasks import plan_missions_job
from missions_site.celery import app

from .worker_processes import broker_prefix, empty_broker

QUEUES = ("training", "forecast", "imports", "default")


JOB_ID = "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    ("task", "args", "queue"),
    [
        (train_crime_type_job, [JOB_ID], "training"),
        (forecast_shift_job, [JOB_ID], "forecast"),
        (plan_missions_job, [JOB_ID], "forecast"),
        (import_incidents_job, [JOB_ID], "imports"),
        (close_stale_jobs, [], "default"),
    ],
)
def test_a_task_is_sent_to_its_queue_only(task, args, queue):
    empty_broker()
    with app.connection_for_write() as connection:  # every queue declared, as running workers do
        for declared in app.amqp.queues.values():
            declared.bind(connection.default_channel).declare()
    task.apply_async(args=args)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    waiting = {name: broker.llen(broker_prefix() + name) for name in QUEUES}
    assert waiting == {name: int(name == queue) for name in QUEUES}
