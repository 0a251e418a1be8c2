"""The report page's tables as CSV downloads, for the page's date range."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from missions import reports, services
from missions.models import Mission
from missions.report_tables import TABLES
from tactics.models import TacticUse

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(forecast, policy, now_window, tactics):
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    mission = Mission.objects.filter(date=now_window.date).order_by("pk").first()
    Mission.objects.filter(pk=mission.pk).update(status=Mission.Status.COMPLETED)
    TacticUse.objects.create(mission=mission, tactic=tactics[0], reported_at=timezone.now())
    return now_window


def download(client, table, day_from, day_to) -> list[list[str]]:
    response = client.get(
        reverse("missions-report-csv", args=[table]), {"date_from": day_from, "date_to": day_to}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"{TABLES[table].name}-{day_from}-{day_to}.csv" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_report_page_links_each_table_to_its_csv_for_its_range(planned, client, supervisor):
    client.force_login(supervisor)
    day = planned.date
    page = client.get(
        reverse("missions-report"), {"date_from": day, "date_to": day}
    ).content.decode()
    for table in TABLES:
        assert f'href="/missions/reports/{table}.csv?date_from={day}&amp;date_to={day}"' in page, (
            table
        )


def test_each_csv_holds_the_rows_the_page_shows(planned, client, supervisor):
    client.force_login(supervisor)
    day = planned.date
    dose = download(client, "dose", day, day)
    assert dose[0] == [
        "Date",
        "Shift",
        "Beat",
        "Box",
        "Status",
        "Dose",
        "Minutes in box (measured)",
        "Minutes self-reported",
        "Visits",
        "Ended early because",
    ]
    expected = reports.dose_by_mission(date_from=day, date_to=day)
    assert len(dose) - 1 == len(expected) > 0
    assert [r[3] for r in dose[1:]] == [r["cell_id"] for r in expected]
    daily = download(client, "daily", day, day)
    header = daily[0]
    assert daily[1][0] == day.isoformat() and daily[1][header.index("Completed")] == "1"
    assert int(daily[1][header.index("Missions")]) == Mission.objects.filter(date=day).count()
    status = download(client, "status", day, day)
    assert {r[0] for r in status[1:]} == set(
        Mission.objects.filter(date=day).values_list("beat__code", flat=True)
    )
    assert download(client, "tactics", day, day)[1:] == [["Business checks", "1"]]
    outcomes = download(client, "outcomes", day, day)
    assert outcomes[0][0] == "Boxes" and [r[0] for r in outcomes[1:]] == [
        "mission",
        "control",
        "other",
    ]


def test_the_date_range_filters_the_csv(planned, client, supervisor):
    client.force_login(supervisor)
    later = planned.date + timedelta(days=1)
    assert len(download(client, "dose", later, later + timedelta(days=6))) == 1  # the header only
    assert (
        len(download(client, "dose", planned.date, later)) > 1
    )  # control: the range with the shift


def test_outcomes_need_the_evaluation_permission_and_unknown_tables_are_404(
    planned, client, supervisor
):
    client.force_login(supervisor)
    url = reverse("missions-report-csv", args=["outcomes"])
    assert client.get(url).status_code == 200
    Group.objects.get(name="Supervisor").permissions.remove(
        Permission.objects.get(codename="evaluate_missions")
    )
    client.force_login(supervisor)  # a fresh user object: permissions are cached per instance
    assert client.get(url).status_code == 404
    assert client.get(reverse("missions-report-csv", args=["dose"])).status_code == 200  # control
    assert client.get(reverse("missions-report-csv", args=["secrets"])).status_code == 404


def test_text_cells_cannot_run_as_spreadsheet_formulas(planned, client, supervisor, tactics):
    tactics[0].name = '=HYPERLINK("http://example.com")'
    tactics[0].save()
    client.force_login(supervisor)
    rows = download(client, "tactics", planned.date, planned.date)
    assert rows[1][0] == "'" + tactics[0].name and rows[1][1] == "1"
