"""The nightly purge on a real Celery worker, and the command: old events go, young ones stay,
the purge is recorded, the chain still verifies, and the beat schedule exists."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from audit.models import AuditEvent
from audit.services import append
from audit.tasks import purge_audit
from audit.verification import verify_chain

from .test_database import start_from_an_empty_log

WORKER_WAIT_S = 30


def test_the_purge_task_runs_on_a_worker(celery_worker_thread):
    start_from_an_empty_log()
    old = append(at=timezone.now() - timedelta(days=400), action="admin.delete")
    young = append(at=timezone.now() - timedelta(days=364), action="admin.change")
    purge_audit.delay()
    deadline = time.monotonic() + WORKER_WAIT_S
    while (
        not AuditEvent.objects.filter(action="audit.purge").exists() and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    purge = AuditEvent.objects.get(action="audit.purge")
    assert purge.after == {"retention_days": 365, "purged": 1, "anchor_hash": old.hash}
    assert (purge.actor, purge.outcome) == (None, "success")
    assert list(AuditEvent.objects.order_by("pk").values_list("pk", flat=True)) == [
        young.pk,
        purge.pk,
    ]
    assert verify_chain().ok


@pytest.mark.django_db
def test_the_purge_is_scheduled_nightly():
    # A `db` test (run before the transactional ones flush the migrations' rows), like the other schedules.
    task = PeriodicTask.objects.get(task="audit.tasks.purge_audit")
    assert task.enabled and (task.crontab.hour, task.crontab.minute) == ("3", "15")


@pytest.mark.django_db
def test_the_command_never_goes_below_the_floor(capsys):
    start_from_an_empty_log()
    young = append(at=timezone.now() - timedelta(days=200), action="admin.change")
    call_command("purge_audit", "--days", "30")
    assert "Purged 0 audit events older than 365 days." in capsys.readouterr().out
    assert AuditEvent.objects.filter(pk=young.pk).exists()
    call_command("verify_audit")
