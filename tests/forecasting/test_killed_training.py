"""A training process SIGKILLed in the middle of saving its version leaves the promoted model in
place: the new version's row rolls back with the transaction, and the job is closed as stale."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from forecasting import training
from forecasting.models import ModelVersion
from jobs.models import JobRun
from jobs.services import close_stale_jobs, create_job

from .conftest import HISTORY_DAYS

pytestmark = pytest.mark.subprocess

REPO = Path(__file__).resolve().parents[2]
CHILD = """
import sys, time
import django
django.setup()
from forecasting import tasks, training
marker = sys.argv[2]

def stuck_promotion(**kwargs):  # the new version is saved, its transaction still open
    open(marker, "w").write("promoting")
    time.sleep(120)

training.promote_version = stuck_promotion
tasks.train_crime_type_job(sys.argv[1])
"""


@pytest.mark.django_db(transaction=True)
def test_sigkilled_training_keeps_the_promoted_model(city, settings, tmp_path):
    settings.FORECAST_HISTORY_DAYS = HISTORY_DAYS
    promoted = training.train_crime_type(crime_type="assault", weeks=1, models=("naive_28d",))
    job = create_job(kind=training.TRAIN_TYPE_KIND, params={"crime_type": "assault", "weeks": 1})
    marker = tmp_path / "marker"
    db = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "missions_site.settings.test",
        "DATABASE_URL": f"postgis://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "FORECAST_HISTORY_DAYS": str(HISTORY_DAYS),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(job.pk), str(marker)], cwd=REPO, env=env
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, "the training process ended before promoting"
            assert time.monotonic() < deadline, "the training process never reached promotion"
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert list(ModelVersion.objects.all()) == [promoted]
    promoted.refresh_from_db()
    assert promoted.promoted
    job.refresh_from_db()
    assert job.status == JobRun.Status.RUNNING  # nobody closed it: the worker died
    assert close_stale_jobs(now=timezone.now() + timedelta(hours=1)) == 1
    job.refresh_from_db()
    assert job.status == JobRun.Status.FAILED
