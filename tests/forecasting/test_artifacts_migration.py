"""The migration that moved the files of existing model versions into the database (docs/adr/0016).
Transactional: it migrates the test database back and forth."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from forecasting.engine import persist
from forecasting.models import ModelVersion


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


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_existing_files_into_the_database(
    settings, tmp_path, latest_schema_afterwards
):
    settings.MEDIA_ROOT = tmp_path
    old = migrate([("forecasting", "0003_schedule_training_and_forecasts")])
    crime_type = old.get_model("agency", "CrimeType").objects.create(code="assault", name="Assault")
    Version = old.get_model("forecasting", "ModelVersion")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "assault.joblib").write_bytes(b"fitted state")
    when = datetime(2026, 1, 1, tzinfo=UTC)
    kept = Version.objects.create(
        crime_type=crime_type,
        algorithm="gbm",
        data_start=when,
        data_end=when,
        artifact="models/assault.joblib",
        file_hash=persist.sha256_of(b"fitted state"),
    )
    lost = Version.objects.create(
        crime_type=crime_type,
        algorithm="kde",
        data_start=when,
        data_end=when,
        artifact="models/gone.joblib",
    )

    new = migrate([("forecasting", "0004_model_artifacts_in_database")])
    stored = new.get_model("forecasting", "ModelArtifact").objects.all()
    assert [(s.version_id, bytes(s.data)) for s in stored] == [(kept.pk, b"fitted state")]
    assert new.get_model("forecasting", "ModelVersion").objects.filter(pk=lost.pk).exists()
    columns = {
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), ModelVersion._meta.db_table
        )
    }
    assert "artifact" not in columns and "file_hash" in columns
