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
    return [
        training.train_crime_type(crime_type=code, weeks=1, models=FAST)
        for code in ("assault", "break-and-enter")
    ]


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
    assert job.message == (
        f"Cannot load the Assault model (version {assault.pk}) does not match its recorded SHA-256."
    )
    assert "unexpected" not in job.error and not ForecastRun.objects.exists()


@pytest.mark.django_db
def test_missing_state_asks_for_a_retrain(trained):
    ModelArtifact.objects.filter(version=trained[1]).delete()
    job = forecast_job()
    assert job.status == JobRun.Status.FAILED
    assert job.message == (
        f"The Break and Enter model (version {trained[1].pk}) has no saved state:"
        " train Break and Enter again."
    )


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


def write_old_format(
    version: ModelVersion, *, format_version: int = persist.FORMAT_VERSION - 1
) -> None:
    """The version's state as an older engine saved it: a payload of another format, with its hash."""
    import io

    import joblib

    buffer = io.BytesIO()
    joblib.dump(
        {
            "format": format_version,
            "category": version.crime_type.code,
            "cell_ids": [],
            "forecaster": {"fitted": "by an older engine"},
        },
        buffer,
        compress=3,
    )
    data = buffer.getvalue()
    ModelArtifact.objects.filter(version=version).update(data=data)
    ModelVersion.objects.filter(pk=version.pk).update(file_hash=persist.sha256_of(data))


@pytest.mark.django_db
def test_types_needing_training_are_those_without_a_readable_promoted_model(trained):
    from forecasting.selectors import types_needing_training

    codes = ["assault", "break-and-enter"]
    assert types_needing_training(codes) == []  # control: both promoted and readable
    assault, bne = trained
    write_old_format(assault)
    ModelVersion.objects.filter(pk=bne.pk).update(promoted=False)
    needs = {n.code: n.reason for n in types_needing_training(codes)}
    assert needs == {
        "assault": f"the promoted model (version {assault.pk}) has format {persist.FORMAT_VERSION - 1},"
        f" this engine reads {persist.FORMAT_VERSION}; retrain the type",
        "break-and-enter": "no promoted model",
    }


@pytest.mark.django_db
def test_missing_or_altered_promoted_state_needs_training(trained):
    from forecasting.selectors import types_needing_training

    assault, bne = trained
    ModelArtifact.objects.filter(version=assault).delete()
    stored = ModelArtifact.objects.get(version=bne)
    stored.data = bytes(stored.data) + b"tampered"
    stored.save()
    needs = {n.code: n.reason for n in types_needing_training(["assault", "break-and-enter"])}
    assert needs == {
        "assault": f"the promoted model (version {assault.pk}) has no saved state",
        "break-and-enter": f"the promoted model (version {bne.pk}) does not match its recorded SHA-256",
    }


@pytest.fixture
def fast_command_training(monkeypatch):
    """`train_models` trains with the quick baseline only (the command does not choose models)."""
    from forecasting.management.commands import train_models as command

    calls = []

    def train_fast(**options):
        calls.append(options["crime_types"])
        return training.train_models(models=FAST, **options)

    monkeypatch.setattr(command, "train_models", train_fast)
    return calls


@pytest.mark.django_db
def test_if_missing_retrains_an_old_format_model_and_skips_a_readable_one(
    trained, fast_command_training, capsys
):
    from django.core.management import call_command

    assault, bne = trained
    write_old_format(assault)
    call_command("train_models", "--if-missing", "--weeks", "1")
    out = capsys.readouterr().out
    assert fast_command_training == [["assault"]]  # the readable break-and-enter model is kept
    assert (
        f"Assault: the promoted model (version {assault.pk}) has format {persist.FORMAT_VERSION - 1}"
        in out
    )
    assert (
        "(training it now)" in out and "Assault: promoted" in out and "Break and Enter" not in out
    )
    promoted = ModelVersion.objects.filter(promoted=True)
    new_assault = promoted.get(crime_type__code="assault")
    assert (
        new_assault.pk != assault.pk
        and promoted.get(crime_type__code="break-and-enter").pk == bne.pk
    )

    # The new model is readable: a second run trains nothing.
    call_command("train_models", "--if-missing", "--weeks", "1")
    assert "nothing to train" in capsys.readouterr().out
    assert fast_command_training == [["assault"]]


@pytest.mark.django_db
def test_if_missing_skips_types_whose_promoted_model_is_current(
    trained, fast_command_training, capsys
):
    from django.core.management import call_command

    call_command("train_models", "--if-missing", "--weeks", "1")
    assert (
        "Every crime type has a promoted model this engine can read; nothing to train."
        in capsys.readouterr().out
    )
    assert fast_command_training == []
    assert set(ModelVersion.objects.filter(promoted=True)) == set(trained)
