"""Reports count dose minutes, not taps: a mission ended early shows as "Ended early" with its
minutes in the report tables, on the page and in each CSV; the page's period is validated (400 and
a message for a wrong one, never a silent other range)."""

import csv
import io

import pytest
from django.urls import reverse

from missions import reports, services
from missions.models import Mission

from .factories import serve_dose, stay_in_box

pytestmark = pytest.mark.django_db


@pytest.fixture
def shift_done(forecast, policy, now_window, beat_officer):
    """In beat D1-B1: one mission completed after 16 minutes, one ended early after 12 minutes of
    which only the first 5 had positions (7 minutes self-reported)."""
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    first, second = (
        Mission.objects.filter(beat__code="D1-B1").exclude(status="cancelled").order_by("pk")[:2]
    )
    Mission.objects.filter(pk__in=[first.pk, second.pk]).update(dose_minutes=15)
    services.start_mission(user=beat_officer, mission_id=first.pk, reason="GPS not available")
    serve_dose(first)
    services.complete_mission(user=beat_officer, mission_id=first.pk)
    services.start_mission(user=beat_officer, mission_id=second.pk, reason="GPS not available")
    stay_in_box(second, minutes=12, positions_for=5)
    services.end_mission_early(user=beat_officer, mission_id=second.pk, reason_code="called_away")
    return now_window, first, second


def download(client, table, day):
    response = client.get(
        reverse("missions-report-csv", args=[table]), {"date_from": day, "date_to": day}
    )
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_tables_count_ended_early_and_minutes_served(shift_done):
    window, first, second = shift_done
    rows = {
        r["mission"]: r for r in reports.dose_by_mission(date_from=window.date, date_to=window.date)
    }
    assert rows[second.pk]["status_label"] == "Ended early" and rows[second.pk][
        "minutes_in_box"
    ] == pytest.approx(5, abs=0.1)
    assert rows[second.pk]["minutes_self_reported"] == pytest.approx(7, abs=0.1)
    assert rows[first.pk]["status_label"] == "Completed"
    assert rows[first.pk]["minutes_self_reported"] == 0
    second.refresh_from_db()
    assert second.minutes_served == pytest.approx(5, abs=0.1)
    assert second.minutes_self_reported == pytest.approx(7, abs=0.1)
    beat = next(
        r
        for r in reports.status_by_beat_shift(date_from=window.date, date_to=window.date)
        if r["beat"] == "D1-B1"
    )
    assert beat["completed"] == 1 and beat["ended_early"] == 1
    assert beat["completed_share"] == 0.5  # one of the two that ended was completed
    planned = Mission.objects.filter(beat__code="D1-B1").exclude(status="cancelled")
    assert beat["minutes_planned"] == sum(m.dose_minutes for m in planned)
    assert beat["minutes_served"] == pytest.approx(21, abs=0.2)
    # Seven minutes without a position: shown apart, not served, not delivered.
    assert beat["minutes_self_reported"] == pytest.approx(7, abs=0.2)
    assert beat["dose_delivered"] == pytest.approx(
        (15 + 5) / beat["minutes_planned"], abs=0.01
    )  # 16 counts as 15


def test_the_page_and_each_csv_say_ended_early(shift_done, client, supervisor):
    window, _, second = shift_done
    client.force_login(supervisor)
    page = client.get(
        reverse("missions-report"), {"date_from": window.date, "date_to": window.date}
    )
    assert page.status_code == 200 and "Ended early" in page.content.decode()
    assert "self-reported" in page.content.decode()
    dose = download(client, "dose", window.date)
    row = next(r for r in dose[1:] if r[3] == second.cell.cell_id)
    assert row[4] == "Ended early" and row[-1] == "Called away (dispatch or emergency)"
    by_mission = {r[3]: dict(zip(dose[0], r, strict=True)) for r in dose[1:]}
    totals = {
        column: sum(float(r[column]) for r in by_mission.values())
        for column in ("Minutes in box (measured)", "Minutes self-reported")
    }
    assert totals["Minutes in box (measured)"] == pytest.approx(21, abs=0.2)
    assert totals["Minutes self-reported"] == pytest.approx(7, abs=0.2)
    status = download(client, "status", window.date)
    header, beat = status[0], next(r for r in status[1:] if r[0] == "D1-B1")
    assert beat[header.index("Ended early")] == "1" and beat[header.index("Completed")] == "1"
    assert float(beat[header.index("Minutes served")]) == pytest.approx(21, abs=0.2)
    assert float(beat[header.index("Minutes self-reported")]) == pytest.approx(7, abs=0.2)
    daily = download(client, "daily", window.date)
    assert daily[1][daily[0].index("Ended early")] == "1"
    assert daily[1][daily[0].index("Minutes in box (measured)")] == "21"
    assert daily[1][daily[0].index("Minutes self-reported")] == "7"


@pytest.mark.parametrize(
    "query, message",
    [
        ({"date_from": "2025-03-10", "date_to": "2025-03-01"}, "must start on or before its end"),
        ({"date_from": "2025-13-01"}, "Start date (date_from): Enter a valid date."),
        ({"date_to": "9999-12-31"}, "End date (date_to): Give a date within"),
    ],
)
def test_a_wrong_period_is_a_400_with_a_message(client, supervisor, settings, query, message):
    settings.QUERY_DATE_YEARS = (
        50  # the dates above are valid as dates, whatever the year of the run
    )
    client.force_login(supervisor)
    page = client.get(reverse("missions-report"), query)
    assert page.status_code == 400 and message in page.content.decode()
    csv_response = client.get(reverse("missions-report-csv", args=["dose"]), query)
    assert csv_response.status_code == 400 and message in csv_response.content.decode()


def test_a_right_period_shows_its_range(client, supervisor):
    client.force_login(supervisor)
    page = client.get(
        reverse("missions-report"), {"date_from": "2025-03-01", "date_to": "2025-03-10"}
    )
    assert page.status_code == 200 and 'value="2025-03-01"' in page.content.decode()
    assert (
        'href="/missions/reports/dose.csv?date_from=2025-03-01&amp;date_to=2025-03-10"'
        in page.content.decode()
    )
