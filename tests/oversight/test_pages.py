"""The report pages: who may see them (with positive controls), what they show, the CSV, and the
front-end rule (no inline script bodies, style attributes or style blocks)."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
REPORTS = (
    "oversight-concentration",
    "oversight-concentration-csv",
    "oversight-evaluation",
    "oversight-evaluation-csv",
)


@pytest.mark.parametrize("name", REPORTS)
def test_reports_need_login_and_the_evaluation_permission(
    client, officer, supervisor, analyst, small_agency, name
):
    url = reverse(name)
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(officer)
    assert client.get(url).status_code == 403
    for allowed in (supervisor, analyst):
        client.force_login(allowed)
        assert client.get(url).status_code == 200


def test_concentration_page_and_csv_show_the_figures(client, supervisor, served, now_window):
    client.force_login(supervisor)
    day = now_window.date.isoformat()
    query = {"date_from": day, "date_to": day}
    html = client.get(reverse("oversight-concentration"), query).content.decode()
    assert "Gini of mission minutes over boxes" in html and "<svg" in html
    assert "D1" in html and "D2" in html and "30 minutes served" in html
    response = client.get(reverse("oversight-concentration-csv"), query)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["level", "name", "missions", "minutes"]
    districts = {r[1]: r for r in rows if r and r[0] == "district"}
    assert float(districts["D1"][3]) + float(districts["D2"][3]) == 30.0
    assert any(r and r[0] == "gini_minutes" for r in rows)


def test_a_wrong_period_falls_back_to_the_last_four_weeks(client, supervisor, small_agency):
    client.force_login(supervisor)
    response = client.get(
        reverse("oversight-concentration"), {"date_from": "2025-02-01", "date_to": "2025-01-01"}
    )
    assert response.status_code == 200
    assert "The period must start before it ends." in response.content.decode()


def test_evaluation_page_says_plainly_when_the_data_cannot_tell(
    client, analyst, served, control_box, now_window, place_incident, crime_types
):
    place_incident(
        served[0].cell, now_window.starts_at + timedelta(minutes=5), crime_type=crime_types[0]
    )
    client.force_login(analyst)
    day = now_window.date.isoformat()
    html = client.get(
        reverse("oversight-evaluation"), {"date_from": day, "date_to": day, "hours_after": 4}
    ).content.decode()
    assert "The data cannot tell yet" in html
    assert "Exact conditional Poisson" in html and "4 h after" in html
    assert "not enough data yet" in html and "weeks" in html


@pytest.mark.parametrize(
    "name", ("oversight-concentration", "oversight-evaluation", "public-transparency")
)
def test_pages_have_no_inline_script_or_style(client, analyst, served, name):
    client.force_login(analyst)
    html = client.get(reverse(name)).content.decode()
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>\s*\S", html), "inline script body"
    assert " style=" not in html and "<style" not in html


def test_report_queries_do_not_grow_with_the_missions(
    client, supervisor, served, forecast, now_window
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from missions import services

    client.force_login(supervisor)
    day = now_window.date
    query = {"date_from": (day - timedelta(days=1)).isoformat(), "date_to": day.isoformat()}

    def count(name):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(name), query).status_code == 200
        return len(ctx.captured_queries)

    before = {name: count(name) for name in ("oversight-concentration", "oversight-evaluation")}
    forecast(
        day - timedelta(days=1), now_window.shift
    )  # one more planned shift: more missions and controls
    services.plan_missions(date=day - timedelta(days=1), shift=now_window.shift)
    after = {name: count(name) for name in ("oversight-concentration", "oversight-evaluation")}
    assert after == before
