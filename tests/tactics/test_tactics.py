"""Tactics: suggested by a mission's driving crime types; officers' reports counted by crime type,
district and shift; configured through the API by analysts, read-only for officers."""

import pytest
from django.urls import reverse

from missions import services
from missions.models import Mission
from tactics.selectors import suggested_tactics, tactic_counts
from tests.missions.factories import serve_dose

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(forecast, policy, now_window, tactics):
    forecast(now_window.date, now_window.shift)
    return services.plan_missions(date=now_window.date, shift=now_window.shift)


def test_suggestions_follow_the_driving_crime_types(
    planned, tactics, django_assert_max_num_queries
):
    missions = list(Mission.objects.exclude(status="cancelled"))
    with django_assert_max_num_queries(2):
        suggestions = suggested_tactics(missions)
    for mission in missions:
        names = [t.name for t in suggestions[mission.pk]]
        first = mission.drivers[0]["crime_type"]
        assert names[0] == {"burglary": "Business checks", "robbery": "Park and walk"}[first]
        assert names[-1] == "Community contact"  # tied to no crime type: suits every mission


def test_disabled_tactics_are_not_suggested(planned, tactics):
    tactics[2].enabled = False
    tactics[2].save()
    mission = Mission.objects.first()
    assert "Community contact" not in [t.name for t in suggested_tactics([mission])[mission.pk]]


def test_reports_count_tactics_by_crime_type_district_and_shift(
    planned, tactics, beat_officer, supervisor, now_window, api
):
    missions = list(Mission.objects.filter(beat__code="D1-B1"))
    for mission in missions:
        services.start_mission(user=beat_officer, mission_id=mission.pk, reason="GPS not available")
        serve_dose(mission)
        services.complete_mission(
            user=beat_officer, mission_id=mission.pk, tactic_ids=[tactics[0].pk, tactics[2].pk]
        )
    counts = tactic_counts(date_from=now_window.date, date_to=now_window.date)
    assert {r["tactic"]: r["count"] for r in counts["total"]} == {
        "Business checks": 2,
        "Community contact": 2,
    }
    assert {(r["tactic"], r["district"], r["count"]) for r in counts["by_district"]} == {
        ("Business checks", "D1", 2),
        ("Community contact", "D1", 2),
    }
    assert {r["shift"] for r in counts["by_shift"]} == {now_window.shift.name}
    assert sum(r["count"] for r in counts["by_crime_type"]) == 4
    days = {"date_from": now_window.date.isoformat(), "date_to": now_window.date.isoformat()}
    report = api(supervisor).get(reverse("api-tactics-report"), days)
    assert report.status_code == 200 and report.json()["total"][0]["count"] == 2
    assert (
        api(beat_officer).get(reverse("api-tactics-report"), days).status_code == 403
    )  # agency-wide counts


def test_analysts_configure_tactics_officers_read_them(crime_types, api, analyst, officer):
    body = {
        "name": "High-visibility stationary presence",
        "description": "Park with lights on.",
        "crime_types": ["robbery"],
        "enabled": True,
    }
    assert api(officer).post(reverse("tactic-list"), body, format="json").status_code == 403
    created = api(analyst).post(reverse("tactic-list"), body, format="json")
    assert created.status_code == 201 and created.json()["crime_types"] == ["robbery"]
    listed = api(officer).get(reverse("tactic-list")).json()
    assert [t["name"] for t in listed["results"]] == ["High-visibility stationary presence"]


def test_tactics_page(client, supervisor, tactics):
    client.force_login(supervisor)
    response = client.get(reverse("tactics-page"))
    assert response.status_code == 200 and "Park and walk" in response.content.decode()
