"""Query parameters past their bounds answer 400 with the field and a message, never 500; the same
requests with values in range succeed (positive controls)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from agency.models import Shift
from tests.conftest import error_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst_api(api, analyst, small_agency):
    return api(analyst)


def test_outcome_report_refuses_an_hour_count_past_its_bound(analyst_api):
    today = timezone.localdate().isoformat()
    url = reverse("api-missions-outcomes")
    response = analyst_api.get(
        url, {"date_from": today, "date_to": today, "hours_after": 99999999999}
    )
    assert response.status_code == 400 and "hours_after" in error_fields(response)
    ok = analyst_api.get(url, {"date_from": today, "date_to": today, "hours_after": 72})
    assert ok.status_code == 200 and ok.json()["hours_after"] == 72


def test_missions_list_refuses_a_date_far_from_today(analyst_api):
    shift = Shift.objects.order_by("order").first()
    url = reverse("api-missions")
    response = analyst_api.get(url, {"date": "9999-12-31", "shift": shift.pk})
    assert response.status_code == 400
    assert error_fields(response) == {"date"} and "within 5 years" in response.json()["detail"]
    ok = analyst_api.get(url, {"date": timezone.localdate().isoformat(), "shift": shift.pk})
    assert ok.status_code == 200 and ok.json()["type"] == "FeatureCollection"


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("api-missions-report", {"date_from": "0001-01-01", "date_to": "{today}"}),
        ("api-suppressions", {"on": "9999-12-31"}),
        ("api-tactics-report", {"date_from": "{today}", "date_to": "9999-12-31"}),
        ("api-forecast", {"date": "9999-12-31"}),
    ],
)
def test_every_hand_parsed_date_is_bounded(analyst_api, name, query):
    today = timezone.localdate().isoformat()
    args = ["dosage"] if name == "api-missions-report" else []
    url = reverse(name, args=args)
    bad = {k: v.format(today=today) for k, v in query.items()}
    response = analyst_api.get(url, bad)
    assert response.status_code == 400, response.content
    field = next(k for k, v in query.items() if "today" not in v)
    assert field in error_fields(response)
    in_range = {k: (today if "today" not in v else v.format(today=today)) for k, v in query.items()}
    assert analyst_api.get(url, in_range).status_code in (200, 404)  # 404: no forecast for today


def test_the_shift_page_refuses_a_far_date_without_a_500(client, supervisor, small_agency):
    client.force_login(supervisor)
    shift = Shift.objects.order_by("order").first()
    response = client.get(reverse("missions-shift"), {"date": "9999-12-31", "shift": shift.pk})
    # The picker is refused and the page says so (issue 23: never silently another day).
    assert response.status_code == 400
    assert "Date (date) &#x27;9999-12-31&#x27;" in response.content.decode()
    assert response.context["pick_errors"]
    far = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    assert (
        client.get(reverse("missions-shift"), {"date": far, "shift": shift.pk}).status_code == 200
    )
