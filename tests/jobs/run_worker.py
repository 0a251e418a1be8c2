"""A real Celery worker in its own process, for the tests that kill workers, time them out or spread
jobs over several: `python -m tests.jobs.run_worker NAME QUEUES`.

SLOW_PLANNING_MARKER=path: planning a shift appends the process id to that file, then sleeps, so a
test can catch a job while it runs. FAST_REDELIVERY=1: a message left unacknowledged by a dead
worker is handed out again after a second instead of the production visibility timeout.
FAST_TRAINING=days: training reads that many days of history, back-tests one week and weighs two
candidate models (still the whole path: back-test, fit, save, promote).
"""

import os
import sys
import time
from functools import partial

import django

django.setup()

from missions_site.celery import app  # noqa: E402

SLOW_PLANNING_S = 600


def slow_planning(**kwargs):
    with open(os.environ["SLOW_PLANNING_MARKER"], "a") as marker:
        marker.write(f"{os.getpid()}\n")
    time.sleep(SLOW_PLANNING_S)


if os.environ.get("SLOW_PLANNING_MARKER"):
    from missions import services

    services.plan_missions = slow_planning
if os.environ.get("FAST_TRAINING"):
    from django.conf import settings

    from forecasting import training

    settings.FORECAST_HISTORY_DAYS = int(os.environ["FAST_TRAINING"])
    settings.FORECAST_BACKTEST_WEEKS = 1
    training.train_crime_type = partial(training.train_crime_type, models=("naive_28d", "kde"))
if os.environ.get("FAST_REDELIVERY"):
    app.conf.broker_transport_options = {
        **app.conf.broker_transport_options,  # the xdist worker's key prefix among them
        "visibility_timeout": 1,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }

name, queues = sys.argv[1], sys.argv[2]
app.worker_main(
    [
        "worker",
        "--hostname",
        f"{name}@%h",
        "--queues",
        queues,
        "--concurrency",
        "1",
        "--pool",
        "prefork",
        "--without-gossip",
        "--without-mingle",
        "--loglevel",
        "INFO",
    ]
)
