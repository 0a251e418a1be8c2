"""Dosage and outcome reads (minutes in box, completed/expired per beat and shift, incidents in
mission / control / other boxes) and the analyst's pages."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.gis.geos import Point
from django.urls import reverse

from audit.models import AuditEvent
from ingest.models import Incident, Source
from ingest.services.placement import place_all_incidents
from missions import reports, services
from missions.models import ControlBox, Mission, Visit

QUEUED_GRACE = timedelta(seconds=django_settings.QUEUED_ACTION_GRACE_S)

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(forecast, policy, now_window, tactics):
    forecast(now_window.date, now_window.shift)
    return services.plan_missions(date=now_window.date, shift=now_window.shift)


def test_dose_and_status_reports(planned, now_window):
    mission = Mission.objects.exclude(status="cancelled").first()
    start = now_window.starts_at
    Visit.objects.create(
        mission=mission,
        started_at=start,
        ended_at=start + timedelta(minutes=9),
        start_method="manual",
    )
    Visit.objects.create(
        mission=mission,
        started_at=start + timedelta(minutes=30),
        ended_at=start + timedelta(minutes=36),
        start_method="geofence",
        last_position_at=start + timedelta(minutes=36),
        measured_seconds=6 * 60,
    )
    Mission.objects.filter(pk=mission.pk).update(status="completed")
    services.expire_missions(now=now_window.ends_at + QUEUED_GRACE)
    day = now_window.date
    rows = {r["mission"]: r for r in reports.dose_by_mission(date_from=day, date_to=day)}
    # 9 minutes started by hand without positions (self-reported), 6 measured from positions.
    assert rows[mission.pk]["minutes_in_box"] == 6.0 and rows[mission.pk]["visits"] == 2
    assert rows[mission.pk]["minutes_self_reported"] == 9.0
    boxes = reports.dose_by_box(date_from=day, date_to=day)
    assert boxes == [
        {
            "cell_id": mission.cell.cell_id,
            "date": day.isoformat(),
            "minutes": 6.0,
            "minutes_self_reported": 9.0,
        }
    ]
    status = {
        (r["beat"], r["shift"]): r for r in reports.status_by_beat_shift(date_from=day, date_to=day)
    }
    row = status[(mission.beat.code, now_window.shift.name)]
    assert row["completed"] == 1 and row["expired"] == 1 and row["completed_share"] == 0.5


def test_outcomes_count_incidents_in_mission_control_and_other_boxes(
    planned, now_window, grid, crime_types
):
    source = Source.objects.create(name="test")
    mission = Mission.objects.exclude(status="cancelled").first()
    control = ControlBox.objects.first()
    other = next(
        c
        for c in grid
        if c.pk not in set(Mission.objects.values_list("cell_id", flat=True))
        and c.pk not in set(ControlBox.objects.values_list("cell_id", flat=True))
    )
    during = now_window.starts_at + timedelta(minutes=10)
    for i, cell in enumerate([mission.cell, control.cell, control.cell, other]):
        c = cell.geom.centroid
        Incident.objects.create(
            source=source,
            external_id=str(i),
            occurred_from=during,
            location=Point(c.x, c.y, srid=4326),
            crime_type=crime_types[0],
        )
    Incident.objects.create(
        source=source,
        external_id="late",
        occurred_from=now_window.ends_at + timedelta(hours=1),
        location=mission.cell.geom.centroid,
        crime_type=crime_types[0],
    )
    place_all_incidents()
    result = reports.outcomes(date_from=now_window.date, date_to=now_window.date)["groups"]
    assert (
        result["mission"]["incidents"],
        result["control"]["incidents"],
        result["other"]["incidents"],
    ) == (1, 2, 1)
    assert result["mission"]["box_shifts"] == 8
    assert result["control"]["box_shifts"] == ControlBox.objects.count()
    later = reports.outcomes(date_from=now_window.date, date_to=now_window.date, hours_after=2)[
        "groups"
    ]
    assert later["mission"]["incidents"] == 2


def test_analyst_shift_page_lists_missions_with_reasons(planned, client, analyst, now_window):
    client.force_login(analyst)
    response = client.get(
        reverse("missions-shift"),
        {"date": now_window.date.isoformat(), "shift": now_window.shift.pk},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        "8 missions" in html
        and "in this box in the last 28 days" in html
        and "Re-plan this shift" in html
    )
    assert "control box" in html


def test_analyst_page_forms_require_a_reason(planned, client, analyst, now_window, grid):
    client.force_login(analyst)
    base = {"date": now_window.date.isoformat(), "shift": now_window.shift.pk}
    response = client.post(
        reverse("missions-suppress"),
        {
            **base,
            "sup-cell_ids": grid[0].cell_id,
            "sup-date_from": now_window.date.isoformat(),
            "sup-reason_code": "event",
        },
        follow=True,
    )
    assert "A reason is required" in response.content.decode()
    response = client.post(
        reverse("missions-add"),
        {
            **base,
            "add-cell_ids": grid[0].cell_id,
            "add-date_from": now_window.date.isoformat(),
            "add-reason_code": "community",
            "add-reason": "Neighbourhood meeting asked for it",
        },
        follow=True,
    )
    assert "Missions added." in response.content.decode()
    assert AuditEvent.objects.filter(action="missions.add").count() == 1
    mission = Mission.objects.filter(status="planned").first()
    client.post(
        reverse("missions-cancel", args=[mission.pk]),
        {**base, "cancel-reason_code": "resources", "cancel-reason": "Short staffed"},
    )
    mission.refresh_from_db()
    assert mission.status == "cancelled"


def test_plan_button_and_report_page(planned, client, analyst, supervisor, now_window):
    client.force_login(analyst)
    response = client.post(
        reverse("missions-plan"),
        {"date": now_window.date.isoformat(), "shift": now_window.shift.pk},
    )
    assert response.status_code == 302 and "/jobs/" in response.url
    client.force_login(supervisor)
    report = client.get(reverse("missions-report"))
    assert report.status_code == 200 and "Minutes in box" in report.content.decode()


def test_daily_summary_counts_missions_by_status_and_draws_bars(
    forecast, policy, now_window, supervisor, client
):
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    mission = Mission.objects.filter(date=now_window.date).first()
    Mission.objects.filter(pk=mission.pk).update(status=Mission.Status.COMPLETED)
    rows = reports.daily_summary(date_from=now_window.date, date_to=now_window.date)
    assert [r["date"] for r in rows] == [now_window.date]
    total = Mission.objects.filter(date=now_window.date).count()
    assert rows[0]["total"] == total and rows[0]["completed"] == 1
    assert sum(width for _, width in rows[0]["bars"]) == pytest.approx(100, abs=0.2)
    client.force_login(supervisor)
    page = client.get(
        reverse("missions-report"), {"date_from": now_window.date, "date_to": now_window.date}
    )
    assert page.status_code == 200 and b"Missions per day" in page.content
    assert b"status-bar-completed" in page.content
