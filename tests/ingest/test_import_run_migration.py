"""Migrations ingest 0004/0005: every existing import run gets a JobRun carrying its status,
message, error, worker and times, and the run keeps only its outcome."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("ingest", "0003_schedule_watched_folders"), ("jobs", "0003_jobrun_worker")]
AFTER = [("ingest", "0005_import_run_keeps_the_outcome")]
CREATED = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
FINISHED = datetime(2025, 3, 1, 12, 5, tzinfo=UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_the_latest_migrations():
    """Later tests need the current schema, whatever this test migrated to or failed at."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_run_state_moves_onto_jobs(back_to_the_latest_migrations):
    old = migrate(BEFORE)
    ImportRun, JobRun = old.get_model("ingest", "ImportRun"), old.get_model("jobs", "JobRun")
    source = old.get_model("ingest", "Source").objects.create(name="legacy")
    done = ImportRun.objects.create(
        source=source,
        file_name="a.csv",
        status="succeeded",
        message="3 created",
        created=3,
        finished_at=FINISHED,
    )
    ImportRun.objects.filter(pk=done.pk).update(created_at=CREATED)
    failed = ImportRun.objects.create(
        source=source,
        file_name="b.csv",
        status="failed",
        message="Unreadable",
        error="Unreadable\n\ntrace",
    )
    lagging = JobRun.objects.create(kind="import_incidents", status="running")
    queued = ImportRun.objects.create(
        source=source,
        file_name="c.csv",
        status="failed",
        message="Killed",
        job=lagging,
        worker="w:1",
    )

    new = migrate(AFTER)
    runs = {
        r.file_name: r for r in new.get_model("ingest", "ImportRun").objects.select_related("job")
    }
    assert runs["a.csv"].pk == done.pk and runs["a.csv"].created == 3
    a = runs["a.csv"].job
    assert (a.kind, a.status, a.message, a.progress) == (
        "import_incidents",
        "succeeded",
        "3 created",
        100,
    )
    assert a.created_at == CREATED and a.finished_at == FINISHED and a.params["source"] == "legacy"
    b = runs["b.csv"].job
    assert (b.status, b.error) == ("failed", "Unreadable\n\ntrace")
    c = runs["c.csv"].job
    assert c.pk == lagging.pk and (c.status, c.message, c.worker) == ("failed", "Killed", "w:1")
    assert runs["c.csv"].pk == queued.pk and failed.pk == runs["b.csv"].pk
    columns = {
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "ingest_importrun"
        )
    }
    assert "status" not in columns and "heartbeat_at" not in columns and "job_id" in columns
