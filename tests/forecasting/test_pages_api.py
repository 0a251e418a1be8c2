"""Pages and API of forecasting: status, key content, permissions, bounded query counts, and the
compact forecast (cell id, bounds, expected per type, harm, reasons)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from agency.models import Shift
from forecasting import forecasts, training
from forecasting.models import ForecastRun
from jobs.models import JobRun

from .conftest import HISTORY_DAYS, read_again, shared_city

pytestmark = pytest.mark.django_db
MAX_PAGE_QUERIES = 15


@pytest.fixture(scope="class")
def forecast_once(django_db_setup, django_db_blocker, tmp_path_factory):
    with shared_city(django_db_blocker, tmp_path_factory.mktemp("media")):
        now = timezone.now()
        versions = [
            training.train_crime_type(
                crime_type=c, weeks=1, now=now, models=("gbm", "naive_28d", "kde")
            )
            for c in ("assault", "break-and-enter")
        ]
        night = Shift.objects.get(name="Night")
        yield versions, forecasts.forecast_shift(date=timezone.localdate(), shift=night)


@pytest.fixture
def forecast(forecast_once, db):
    versions, run = forecast_once
    return read_again(versions), ForecastRun.objects.get(pk=run.pk)


class TestWithAForecast:
    """Both types trained and a Night forecast, built once for the class."""

    def test_pages_render_with_few_queries(
        self, forecast, analyst, client, django_assert_max_num_queries
    ):
        versions, run = forecast
        client.force_login(analyst)
        v = versions[0]
        pages = {
            reverse("forecasting-home"): [
                b"Promoted models",
                b"Assault",
                b"Train all crime types",
                b"Forecast now",
            ],
            reverse("model-version", args=[v.pk]): [
                b"Model card",
                b"Intended use",
                b"SHA-256",
                b"Back-test metrics",
            ],
            reverse("model-backtest", args=[v.pk]): [
                b"<svg",
                b"Hit rate against the share",
                b"Calibration",
                b"What the missions capture",
                b"The boxes drawn for missions saw a crime in",
            ],
            reverse("backtest"): [b"PAI at 5% of cells by crime type", b"Break and Enter"],
            reverse("forecast-map") + f"?date={run.date}&shift={run.shift_id}": [
                b"forecast-map",
                b"Highest preventable harm",
                b"js/forecast.js",
                b"leaflet/leaflet.js",
            ],
        }
        for url, needles in pages.items():
            with django_assert_max_num_queries(MAX_PAGE_QUERIES):
                response = client.get(url)
            assert response.status_code == 200, url
            for needle in needles:
                assert needle in response.content, (url, needle)

    def test_api_compact_forecast(self, forecast, analyst, client, django_assert_max_num_queries):
        versions, run = forecast
        client.force_login(analyst)
        with django_assert_max_num_queries(
            11
        ):  # +1: the session's second-factor device (django-otp)
            response = client.get(
                reverse("api-forecast"), {"date": run.date.isoformat(), "shift": "Night"}
            )
        assert response.status_code == 200
        data = response.json()
        assert data["run"] == run.pk and data["shift"] == "Night"
        assert [t["code"] for t in data["types"]] == ["assault", "break-and-enter"]
        assert data["count"] == len(data["cells"]) == run.cell_forecasts.count() // 2
        cell_id, south, west, north, east, expected, harm, why_type, why = max(
            data["cells"], key=lambda r: r[6]
        )
        assert south < north and west < east and len(expected) == 2
        factors = [t["harm_factor"] for t in data["types"]]
        assert harm == pytest.approx(
            sum(f * e for f, e in zip(factors, expected, strict=True)), rel=1e-3
        )
        assert (
            why_type in ("assault", "break-and-enter")
            and why
            and all(isinstance(r, str) for r in why)
        )
        only = client.get(
            reverse("api-forecast-run", args=[run.pk]), {"crime_type": "break-and-enter"}
        ).json()
        assert {row[7] for row in only["cells"]} == {"break-and-enter"}

    def test_api_model_versions(self, forecast, analyst, client, django_assert_max_num_queries):
        versions, _ = forecast
        client.force_login(analyst)
        with django_assert_max_num_queries(
            8
        ):  # session, user, 2 × permissions, agency, count, page
            listing = client.get(reverse("model-version-list")).json()
        assert listing["count"] == 2 and {r["crime_type"] for r in listing["results"]} == {
            "assault",
            "break-and-enter",
        }
        assert all("5%" in r["pai"] for r in listing["results"])
        detail = client.get(reverse("model-version-detail", args=[versions[0].pk])).json()
        assert detail["model_card"].startswith("# Model card") and "models" in detail["metrics"]


def test_forecast_map_without_a_run_offers_to_forecast(city, analyst, client):
    client.force_login(analyst)
    response = client.get(reverse("forecast-map"))
    assert response.status_code == 200 and b"No forecast yet" in response.content


def test_officers_cannot_see_or_train(city, officer, client):
    client.force_login(officer)
    assert client.get(reverse("forecasting-home")).status_code == 403
    assert client.post(reverse("train-models")).status_code == 403
    assert client.get(reverse("api-forecast")).status_code == 403


def test_supervisors_see_but_cannot_train(city, supervisor, client):
    client.force_login(supervisor)
    assert client.get(reverse("forecasting-home")).status_code == 200
    assert client.post(reverse("train-models")).status_code == 403
    assert client.post(reverse("forecast-now")).status_code == 403


def test_promote_button_swaps_the_promoted_version(city, analyst, client, settings):
    settings.FORECAST_HISTORY_DAYS = HISTORY_DAYS
    old = training.train_crime_type(crime_type="assault", weeks=1, models=("naive_28d",))
    new = training.train_crime_type(crime_type="assault", weeks=1, models=("kde",))
    client.force_login(analyst)
    response = client.post(reverse("promote-version", args=[old.pk]))
    assert response.status_code == 302
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.promoted and not new.promoted and "analyst" in old.promotion_report


def test_api_forecast_of_a_shift_without_a_run_is_404(city, analyst, client):
    client.force_login(analyst)
    long_ago = (
        timezone.localdate().replace(day=1) - dt.timedelta(days=400)
    ).isoformat()  # no run then
    assert (
        client.get(reverse("api-forecast"), {"date": long_ago, "shift": "Day"}).status_code == 404
    )


def test_api_train_and_forecast_answer_202_with_the_job(
    city, analyst, client, django_capture_on_commit_callbacks
):
    client.force_login(analyst)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("model-version-train"),
            {"crime_types": ["assault"]},
            content_type="application/json",
        )
        assert response.status_code == 202
        job = JobRun.objects.get(pk=response.json()["id"])
        assert job.kind == "train_models" and job.params["crime_types"] == ["assault"]
        assert response["Location"] == f"http://testserver/api/v1/jobs/{job.pk}/"
        response = client.post(
            reverse("api-forecast"),
            {"shift": "Day", "date": "2026-02-01"},
            content_type="application/json",
        )
        assert response.status_code == 202
        job = JobRun.objects.get(pk=response.json()["id"])
        assert job.params["date"] == "2026-02-01" and response.json()["status"] == "queued"
        assert response["Location"] == f"http://testserver/api/v1/jobs/{job.pk}/"
    bad = client.post(
        reverse("model-version-train"), {"crime_types": ["arson"]}, content_type="application/json"
    )
    assert bad.status_code == 400


def test_schedules_are_installed():
    from django_celery_beat.models import PeriodicTask

    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {"forecasting.tasks.nightly_retrain", "forecasting.tasks.forecast_due_shifts"} <= tasks
