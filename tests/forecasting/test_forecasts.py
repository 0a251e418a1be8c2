"""Forecasting a shift: every cell × crime type written with reasons; same data ⇒ same forecast;
the beat task queues the shifts due; the commands are thin and work."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from agency.models import Shift
from agency.selectors import due_shift_windows
from agency.shift_windows import ShiftWindow
from forecasting import forecasts, tasks, training
from forecasting.engine.reasons import FACTORS
from forecasting.models import CellForecast, ForecastRun
from geo.models import GridCell
from jobs.models import JobRun

from .conftest import FAST_MODELS, HISTORY_DAYS, shared_city

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="class")
def trained(django_db_setup, django_db_blocker, tmp_path_factory):
    """Both types trained once for the class: training is most of these tests' time."""
    with shared_city(django_db_blocker, tmp_path_factory.mktemp("media")):
        now = timezone.now()
        yield [
            training.train_crime_type(crime_type=c, weeks=2, now=now, models=FAST_MODELS)
            for c in ("assault", "break-and-enter")
        ]


class TestWithBothTypesTrained:
    def test_forecast_writes_every_cell_and_type_with_reasons(self, trained):
        night = Shift.objects.get(name="Night")
        day = timezone.localdate()
        run = forecasts.forecast_shift(date=day, shift=night)
        cells = GridCell.objects.filter(active=True).count()
        assert run.complete and run.model_versions.count() == 2
        assert run.cell_forecasts.count() == cells * 2
        window = ShiftWindow.of(night, day, night_tz())
        assert (run.starts_at, run.ends_at) == (window.starts_at, window.ends_at)
        top = CellForecast.objects.filter(run=run, crime_type__code="assault").order_by(
            "-expected_count"
        )[:5]
        assert all(cf.expected_count > 0 for cf in top)
        assert all(cf.reasons for cf in top), [cf.reasons for cf in top]
        assert any(r["crime_type"] == "assault" for cf in top for r in cf.reasons)
        assert all(
            r["kind"] == "factor" and r["factor"] in FACTORS for cf in top for r in cf.reasons
        )

    def test_same_data_gives_the_same_forecast_and_runs_are_kept(self, trained):
        night = Shift.objects.get(name="Night")
        day = timezone.localdate()
        a = forecasts.forecast_shift(date=day, shift=night)
        b = forecasts.forecast_shift(date=day, shift=night)

        def rows(run):
            return list(
                run.cell_forecasts.order_by("cell_id", "crime_type_id").values_list(
                    "cell_id", "expected_count", "reasons"
                )
            )

        assert rows(a) == rows(b)
        assert ForecastRun.objects.filter(date=day, shift=night).count() == 2
        from forecasting.selectors import current_run

        assert current_run(date=day, shift=night) == b

    def test_due_shifts_are_queued_once(self, trained, django_capture_on_commit_callbacks):
        now = timezone.now()
        due = due_shift_windows(lead=dt.timedelta(minutes=120), at=now)
        assert due, "the shift under way is always due"
        with django_capture_on_commit_callbacks(execute=False):
            jobs = tasks.enqueue_due_forecasts(now=now)
            again = tasks.enqueue_due_forecasts(now=now)
        assert len(jobs) == len(due) and again == []
        assert {(j.params["date"], j.params["shift"]) for j in jobs} == {
            (w.date.isoformat(), w.shift.pk) for w in due
        }
        assert JobRun.objects.filter(kind=forecasts.FORECAST_KIND).count() == len(due)


def test_forecast_without_a_promoted_model_says_so(city):
    with pytest.raises(forecasts.ForecastError, match="No promoted model"):
        forecasts.forecast_shift(date=timezone.localdate(), shift=Shift.objects.first())


def test_commands_train_and_forecast(city, settings, capsys):
    settings.FORECAST_HISTORY_DAYS = HISTORY_DAYS
    call_command("train_models", "--crime-types", "assault", "--weeks", "1")
    out = capsys.readouterr().out
    assert "Assault: promoted" in out
    call_command("forecast_shift", "--date", timezone.localdate().isoformat(), "--shift", "Day")
    out = capsys.readouterr().out
    assert "Forecast run" in out and "1 crime type" in out
    runs = ForecastRun.objects.count()
    call_command(
        "forecast_shift",
        "--date",
        timezone.localdate().isoformat(),
        "--shift",
        "Day",
        "--if-missing",
    )
    assert "already has a forecast" in capsys.readouterr().out
    assert ForecastRun.objects.count() == runs
    call_command("train_models", "--if-missing", "--crime-types", "assault")
    assert "nothing to train" in capsys.readouterr().out


def night_tz():
    from agency.models import Agency

    return Agency.current().tz
