"""A `manage.py import_incidents` killed with SIGKILL leaves the database as before; the stale-job
beat task closes the run's job as failed, and a re-run gives exactly one clean result."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from ingest_testdata import CANONICAL_HEADER, canonical_rows

from ingest.models import ImportRun, Incident, RejectedRow
from jobs.models import JobRun
from jobs.tasks import close_stale_jobs

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 60


@pytest.fixture
def db_url():
    db = settings.DATABASES["default"]
    return f"postgis://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def libpq_dsn():
    db = settings.DATABASES["default"]
    return f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"


def start_import(path, db_url, **extra_env):
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DJANGO_SETTINGS_MODULE": "missions_site.settings.test",
        **extra_env,
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_incidents", str(path), "--source", "crashy"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(condition, what):
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"Timed out waiting for {what}.")


def kill(proc):
    assert proc.poll() is None, "the import finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def assert_rerun_is_clean(path, expected_rows, expected_rejected):
    # The beat task closes the killed run's job as failed as soon as its session is gone.
    wait_for(lambda: close_stale_jobs() > 0, "the killed run's job to be closed")
    killed = ImportRun.objects.select_related("job").get()
    assert killed.job.status == JobRun.Status.FAILED
    assert "killed or crashed" in killed.job.message
    assert Incident.objects.count() == 0

    call_command("import_incidents", str(path), "--source", "crashy", stdout=io.StringIO())
    rerun = ImportRun.objects.exclude(pk=killed.pk).get()
    assert rerun.job.status == JobRun.Status.SUCCEEDED
    assert (rerun.created, rerun.updated, rerun.rejected) == (expected_rows, 0, expected_rejected)
    assert Incident.objects.count() == expected_rows
    assert RejectedRow.objects.filter(run=killed).count() == 0
    assert RejectedRow.objects.count() == expected_rejected


@pytest.mark.django_db(transaction=True)
def test_kill_while_applying_rolls_everything_back(agency, write_csv, db_url, libpq_dsn):
    rows = canonical_rows(3000)
    rows[10][1] = (
        "not a time"  # a rejected row, written after the incidents in the same transaction
    )
    path = write_csv("crash.csv", CANONICAL_HEADER, rows)
    # Hold the rejected-rows table so the import stops mid-transaction, incidents already inserted.
    with psycopg.connect(libpq_dsn) as locker:
        locker.execute("LOCK TABLE ingest_rejectedrow IN ACCESS EXCLUSIVE MODE")
        proc = start_import(path, db_url)
        waiting = (
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE c.relname = 'ingest_rejectedrow' AND NOT l.granted"
        )
        wait_for(
            lambda: locker.execute(waiting).fetchone()[0] > 0, "the import to reach its commit"
        )
        # The incidents are upserted before the rejected rows, in the same transaction.
        blocked = locker.execute(
            "SELECT query FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            " AND query LIKE 'INSERT INTO \"ingest_rejectedrow\"%%'"
        ).fetchall()
        assert len(blocked) == 1
        kill(proc)
        locker.rollback()
    assert_rerun_is_clean(path, expected_rows=2999, expected_rejected=1)


@pytest.mark.django_db(transaction=True)
def test_kill_while_reading_leaves_nothing(agency, write_csv, db_url):
    path = write_csv("crash-big.csv", CANONICAL_HEADER, canonical_rows(40_000))
    proc = start_import(path, db_url, INGEST_CHUNK_ROWS="1000")
    wait_for(
        lambda: JobRun.objects.filter(
            kind="import_incidents", message__startswith="Read "
        ).exists(),
        "the import to be reading",
    )
    kill(proc)
    assert_rerun_is_clean(path, expected_rows=40_000, expected_rejected=0)
