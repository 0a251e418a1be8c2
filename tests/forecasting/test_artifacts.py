"""Model artifacts live in the database (docs/adr/0016): a worker on a machine without the trainer's
files forecasts with them; altered or missing state fails the forecast job with a plain reason
(the migration that moved files in: test_artifacts_migration.py)."""

import datetime as dt

import pytest

from agency.models import Shift
from forecasting import tasks, training
from forecasting.engine import persist
from forecasting.models import ForecastRun, ModelArtifact, ModelVersion
from jobs.models import JobRun

from .conftest import read_again, shared_city

FAST = ("naive_28d",)
DAY = dt.date(2026, 1, 15)


@pytest.fixture(scope="module")
def trained_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """Both types trained once for the module: every test here that uses the database reads them
    (the one transactional test runs after all of them, in pytest-django's order)."""
    with shared_city(django_db_blocker, tmp_path_factory.mktemp("media")):
        yield [
            training.train_crime_type(crime_type=code, weeks=1, models=FAST)
            for code in ("assault", "break-and-enter")
        ]


@pytest.fixture
def trained(trained_once, db):
    return read_again(trained_once)


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
