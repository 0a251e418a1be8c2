"""Model artifacts live in the database (docs/adr/0016): a worker on a machine without the trainer's
files forecasts with them; altered or missing state fails the forecast job with a plain reason; the
migration moves the files of existing versions in."""

import datetime as dt
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from agency.models import Shift
from forecasting import tasks, training
from forecasting.engine import persist
from forecasting.models import ForecastRun, ModelArtifact, ModelVersion
from jobs.models import JobRun

from .conftest import HISTORY_DAYS

FAST = ("naive_28d",)
DAY = dt.date(2026, 1, 15)


@pytest.fixture
def trained(city, settings):
    settings.FORECAST_HISTORY_DAYS = HISTORY_DAYS
    return [training.train_crime_type(crime_type=code, weeks=1, models=FAST)
            for code in ("assault", "break-and-enter")]


def forecast_job() -> JobRun:
    night = Shift.objects.get(name="Night")
    job = tasks.enqueue_forecast(date=DAY, shift=night)
    tasks.forecast_shift_job(str(job.pk))  # the task's body, as a worker runs it
    job.refresh_from_db()
    return job


@pytest.mark.django_db
def test_a_worker_without_the_trainers_files_forecasts(trained, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "another-host"  # nothing shared with the training machine
    job = forecast_job()
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    run = ForecastRun.objects.get(pk=job.result["forecast_run"])
    assert run.complete and set(run.model_versions.all()) == set(trained)


@pytest.mark.django_db
def test_altered_state_is_refused_with_a_plain_reason(trained):
    assault = trained[0]
    stored = ModelArtifact.objects.get(version=assault)
    stored.data = bytes(stored.data) + b"tampered"
    stored.save()
    job = forecast_job()
    assert job.status == JobRun.Status.FAILED
    assert job.message == (f"Cannot load the Assault model (version {assault.pk}) does not match its"
                           " recorded SHA-256.")
    assert "unexpected" not in job.error and not ForecastRun.objects.exists()


@pytest.mark.django_db
def test_missing_state_asks_for_a_retrain(trained):
    ModelArtifact.objects.filter(version=trained[1]).delete()
    job = forecast_job()
    assert job.status == JobRun.Status.FAILED
    assert job.message == (f"The Break and Enter model (version {trained[1].pk}) has no saved state:"
                           " train Break and Enter again.")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def latest_schema_afterwards():
    """Migrating back to 0003 also unapplies later apps' migrations (streets' location labels): put
    every app back on its latest migration, or the transactional tests after this one fail."""
    yield
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_existing_files_into_the_database(settings, tmp_path, latest_schema_afterwards):
    settings.MEDIA_ROOT = tmp_path
    old = migrate([("forecasting", "0003_schedule_training_and_forecasts")])
    crime_type = old.get_model("agency", "CrimeType").objects.create(code="assault", name="Assault")
    Version = old.get_model("forecasting", "ModelVersion")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "assault.joblib").write_bytes(b"fitted state")
    when = datetime(2026, 1, 1, tzinfo=UTC)
    kept = Version.objects.create(crime_type=crime_type, algorithm="gbm", data_start=when,
                                  data_end=when, artifact="models/assault.joblib",
                                  file_hash=persist.sha256_of(b"fitted state"))
    lost = Version.objects.create(crime_type=crime_type, algorithm="kde", data_start=when,
                                  data_end=when, artifact="models/gone.joblib")

    new = migrate([("forecasting", "0004_model_artifacts_in_database")])
    stored = new.get_model("forecasting", "ModelArtifact").objects.all()
    assert [(s.version_id, bytes(s.data)) for s in stored] == [(kept.pk, b"fitted state")]
    assert new.get_model("forecasting", "ModelVersion").objects.filter(pk=lost.pk).exists()
    columns = {c.name for c in connection.introspection.get_table_description(
        connection.cursor(), ModelVersion._meta.db_table)}
    assert "artifact" not in columns and "file_hash" in columns
