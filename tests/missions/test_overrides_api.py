"""Analyst overrides through the API: every add, suppress, call-off and lift is audited with its
reason; a missing reason is a 400 that says so; the audit log is append-only."""

from datetime import timedelta

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from jobs.models import JobRun
from missions import services
from missions.models import Mission, MissionAddition, Suppression

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(forecast, policy, now_window):
    forecast(now_window.date, now_window.shift)
    return services.plan_missions(date=now_window.date, shift=now_window.shift)


def test_add_missions_for_a_shift_range_is_audited(grid, api, analyst, now_window):
    cells = [grid[0].cell_id, grid[1].cell_id]
    body = {
        "cell_ids": cells,
        "date_from": now_window.date.isoformat(),
        "date_to": (now_window.date + timedelta(days=1)).isoformat(),
        "reason_code": "community",
        "reason": "Residents report car break-ins at night",
    }
    response = api(analyst).post(reverse("api-missions"), body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["missions_created"] == 2 * 2 * 3  # boxes × days × shifts
    missions = Mission.objects.filter(origin="analyst")
    assert all(m.forced and "Residents report" in m.reasons[0]["text"] for m in missions)
    entry = AuditEvent.objects.get(action="missions.add")
    assert entry.actor == analyst and entry.reason_code == "community"
    assert entry.reason == body["reason"] and entry.after["cells"] == cells


def test_add_missions_on_a_drawn_area(grid, api, analyst, now_window):
    box = grid[5].geom
    west, south, east, north = box.extent
    area = {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }
    response = api(analyst).post(
        reverse("api-missions"),
        {
            "area": area,
            "date_from": now_window.date.isoformat(),
            "shifts": [now_window.shift.pk],
            "reason_code": "event",
            "reason": "Street festival",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert list(Mission.objects.values_list("cell_id", flat=True)) == [grid[5].pk]


def test_a_drawn_multipolygon_is_kept_as_the_outline_of_its_boxes(grid, api, analyst, now_window):
    """The addition's area column holds one polygon: a multipolygon drawn over two boxes is stored
    as their outline (it was a 500), and both boxes get missions."""
    rings = []
    for cell in (grid[5], grid[7]):
        west, south, east, north = cell.geom.extent
        rings.append([[[west, south], [east, south], [east, north], [west, north], [west, south]]])
    response = api(analyst).post(
        reverse("api-missions"),
        {
            "area": {"type": "MultiPolygon", "coordinates": rings},
            "date_from": now_window.date.isoformat(),
            "shifts": [now_window.shift.pk],
            "reason_code": "event",
            "reason": "Two street parties",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert set(Mission.objects.values_list("cell_id", flat=True)) == {grid[5].pk, grid[7].pk}
    addition = MissionAddition.objects.get()
    assert addition.area.geom_type == "Polygon"
    assert addition.area.covers(grid[5].geom.centroid) and addition.area.covers(
        grid[7].geom.centroid
    )


@pytest.mark.parametrize("missing", [{"reason": ""}, {"reason_code": ""}, {}])
def test_a_missing_reason_is_a_clear_400(grid, api, analyst, now_window, missing):
    body = {
        "cell_ids": [grid[0].cell_id],
        "date_from": now_window.date.isoformat(),
        "reason_code": "community",
        "reason": "Residents asked",
        **missing,
    }
    if not missing:
        body.pop("reason"), body.pop("reason_code")
    response = api(analyst).post(reverse("api-missions"), body, format="json")
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith("A reason") and ("required" in detail)
    assert (
        not Mission.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="missions.").exists()
    )


def test_suppress_boxes_cancels_their_missions_with_audit(planned, api, analyst, now_window):
    mission = Mission.objects.filter(status="planned").first()
    response = api(analyst).post(
        reverse("api-suppressions"),
        {
            "cell_ids": [mission.cell.cell_id],
            "date_from": now_window.date.isoformat(),
            "date_to": (now_window.date + timedelta(days=6)).isoformat(),
            "reason_code": "officer_safety",
            "reason": "Armed standoff nearby",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    mission.refresh_from_db()
    assert mission.status == "cancelled"
    cancel = AuditEvent.objects.get(action="missions.cancel", object_id=str(mission.pk))
    assert cancel.reason_code == "officer_safety" and "Armed standoff" in cancel.reason
    suppress = AuditEvent.objects.get(action="missions.suppress")
    assert suppress.after["missions_cancelled"] == 1 and suppress.actor == analyst
    listed = (
        api(analyst).get(reverse("api-suppressions"), {"on": now_window.date.isoformat()}).json()
    )
    assert listed[0]["cells"] == [mission.cell.cell_id]

    missing = api(analyst).post(
        reverse("api-suppression-lift", args=[response.json()["id"]]), {}, format="json"
    )
    assert missing.status_code == 400 and "reason is required" in missing.json()["detail"]
    lifted = api(analyst).post(
        reverse("api-suppression-lift", args=[response.json()["id"]]),
        {"reason": "Scene cleared"},
        format="json",
    )
    assert lifted.status_code == 200 and lifted.json()["lifted_at"]
    assert AuditEvent.objects.get(action="missions.lift").reason == "Scene cleared"


def test_call_off_one_mission(planned, api, analyst):
    mission = Mission.objects.filter(status="planned").first()
    url = reverse("api-mission-cancel", args=[mission.pk])
    assert api(analyst).post(url, {"reason_code": "resources"}, format="json").status_code == 400
    response = api(analyst).post(
        url, {"reason_code": "resources", "reason": "Two cars down"}, format="json"
    )
    assert response.status_code == 200 and response.json()["properties"]["status"] == "cancelled"
    assert Suppression.objects.get().scope == "mission"
    entries = AuditEvent.objects.filter(object_id=str(mission.pk), action="missions.cancel")
    assert entries.get().reason == "Two cars down"
    # The called-off box stays out of a re-plan of that shift.
    services.plan_missions(date=mission.date, shift=mission.shift)
    assert not Mission.objects.filter(
        cell=mission.cell, date=mission.date, shift=mission.shift, status="planned"
    ).exists()


def test_plan_endpoint_queues_a_job(planned, api, analyst, now_window):
    response = api(analyst).post(
        reverse("api-missions-plan"),
        {"date": now_window.date.isoformat(), "shift": now_window.shift.pk},
        format="json",
    )
    assert response.status_code == 202
    job = JobRun.objects.get(pk=response.json()["id"])
    assert job.kind == "plan_missions" and response.json()["url"] == f"/api/v1/jobs/{job.pk}/"
    assert response["Location"] == f"http://testserver/api/v1/jobs/{job.pk}/"
    other_day = (now_window.date + timedelta(days=30)).isoformat()
    response = api(analyst).post(
        reverse("api-missions-plan"),
        {"date": other_day, "shift": now_window.shift.pk},
        format="json",
    )
    assert response.status_code == 400 and "No complete forecast" in response.json()["detail"]


def test_the_audit_log_is_append_only(planned, api, analyst):
    entry = AuditEvent.objects.filter(action__startswith="missions.").first()
    entry.reason = "rewritten"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().update(reason="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    body = api(analyst).get(reverse("api-audit"), {"object_type": "missions.missionplan"}).json()
    assert body["count"] == 1 and body["results"][0]["action"] == "missions.plan"


def test_every_endpoint_is_in_the_openapi_schema(api, analyst):
    response = api(analyst).get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/officer/missions/",
        "/api/v1/officer/ping/",
        "/api/v1/missions/",
        "/api/v1/missions/plan/",
        "/api/v1/missions/controls/",
        "/api/v1/missions/{id}/",
        "/api/v1/missions/{id}/start/",
        "/api/v1/missions/{id}/complete/",
        "/api/v1/missions/{id}/report/",
        "/api/v1/missions/{id}/cancel/",
        "/api/v1/suppressions/",
        "/api/v1/suppressions/{id}/lift/",
        "/api/v1/audit/",
        "/api/v1/missions/reports/{kind}/",
        "/api/v1/missions/reports/outcomes/",
        "/api/v1/tactics/",
        "/api/v1/tactics/report/",
    ]:
        assert path in paths, path
    assert "Idempotency-Key" in str(paths["/api/v1/missions/{id}/report/"])
