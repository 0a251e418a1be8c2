"""Uploaded files are deleted after UPLOAD_RETENTION_DAYS; the import run's outcome, counts and
rejected rows stay, and its page says the file was removed. Young files stay (positive control)."""

import os
import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from ingest_testdata import CANONICAL_HEADER, canonical_rows

from audit.models import AuditEvent
from ingest import services
from ingest.models import ImportRun, RejectedRow
from ingest.tasks import purge_expired_uploads
from jobs.models import JobRun

WORKER_WAIT_S = 30


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOAD_RETENTION_DAYS = 30


def uploaded_run(name: str, finished_days_ago: float) -> ImportRun:
    """An upload imported through the upload path, finished `finished_days_ago` days ago."""
    rows = canonical_rows(3) + [["BAD-1", "not a time", "43.65", "-79.4", "Assault"]]
    text = "\n".join(",".join(r) for r in [CANONICAL_HEADER, *rows]) + "\n"
    token = services.store_upload(uploaded=SimpleUploadedFile(name, text.encode()))
    source, mapping = services.resolve_source(name="feed", mapping_spec="canonical")
    run = services.import_incidents_file(
        path=services.upload_path(token), source=source, mapping=mapping, via=ImportRun.Via.UPLOAD
    )
    finished = timezone.now() - timedelta(days=finished_days_ago)
    JobRun.objects.filter(pk=run.job_id).update(finished_at=finished)
    return run


def abandoned_upload(name: str, days_ago: float):
    """An upload previewed and never imported, its folder last touched `days_ago` days ago."""
    path = services.upload_path(
        services.store_upload(uploaded=SimpleUploadedFile(name, b"id\n1\n"))
    )
    stamp = time.time() - days_ago * 86400
    os.utime(path.parent, (stamp, stamp))
    return path


@pytest.mark.django_db
def test_old_uploads_go_young_ones_stay_and_the_outcome_is_kept(agency):
    old, young = uploaded_run("old.csv", 31), uploaded_run("young.csv", 29)
    stale, fresh = abandoned_upload("left.csv", 31), abandoned_upload("new.csv", 1)
    assert old.status == ImportRun.Status.SUCCEEDED and (old.created, old.rejected) == (3, 1)

    result = services.purge_expired_uploads()

    assert (result.imported, result.abandoned) == (1, 1)
    old.refresh_from_db()
    young.refresh_from_db()
    assert not os.path.exists(old.file_path) and old.file_removed_at is not None
    assert os.path.exists(young.file_path) and young.file_removed_at is None
    assert not stale.exists() and fresh.exists()
    assert (old.created, old.rejected, old.status) == (3, 1, ImportRun.Status.SUCCEEDED)
    assert RejectedRow.objects.filter(run=old).count() == 1
    event = AuditEvent.objects.filter(action="ingest.uploads_purged").get()
    assert event.after == {"retention_days": 30, "imported": 1, "abandoned": 1}
    again = services.purge_expired_uploads()  # nothing left to remove, nothing recorded
    assert (again.imported, again.abandoned) == (0, 0)
    assert AuditEvent.objects.filter(action="ingest.uploads_purged").count() == 1


@pytest.mark.django_db
def test_the_run_page_says_the_file_was_removed(client, analyst, agency):
    old, young = uploaded_run("old.csv", 40), uploaded_run("young.csv", 2)
    services.purge_expired_uploads()
    client.force_login(analyst)
    page = client.get(reverse("ingest-run", args=[old.pk])).content.decode()
    assert 'id="file-removed"' in page and "after the retention period" in page
    assert "not a time" in page  # the rejected row is still shown
    assert (
        'id="file-removed"'
        not in client.get(reverse("ingest-run", args=[young.pk])).content.decode()
    )


@pytest.mark.django_db
def test_the_purge_is_scheduled_nightly():
    task = PeriodicTask.objects.get(task="ingest.tasks.purge_expired_uploads")
    assert task.enabled and (task.crontab.hour, task.crontab.minute) == ("3", "45")


def test_the_purge_task_runs_on_a_worker(celery_worker_thread, agency):
    old = uploaded_run("old.csv", 31)
    purge_expired_uploads.delay()
    deadline = time.monotonic() + WORKER_WAIT_S
    while ImportRun.objects.get(pk=old.pk).file_removed_at is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ImportRun.objects.get(pk=old.pk).file_removed_at is not None
    assert not os.path.exists(old.file_path)
