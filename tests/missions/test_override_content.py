"""What an analyst's override carries and does: an added mission takes its box's top crime type,
score and reasons from the shift's forecast; every reason names its crime type; a suppression is
lifted from the shift page (audited; refused to officers and supervisors); a quiet beat left without
missions by the policy's minimum harm says so on the shift page."""

import pytest
from django.urls import reverse

from agency.models import Beat, CrimeType
from audit.models import AuditEvent
from forecasting.engine.reasons import factor
from forecasting.models import CellForecast
from missions import services
from missions.models import Mission, Suppression

from .factories import reason_words

pytestmark = pytest.mark.django_db


def box_forecast(cell):
    """(harm, top crime type) of a box, computed here from the stored forecast rows."""
    harm = {}
    for row in CellForecast.objects.filter(cell=cell).select_related("crime_type"):
        ct = row.crime_type
        harm[ct.code] = row.expected_count * ct.severity_weight * ct.patrol_efficacy
    top = max(harm, key=harm.get)
    return sum(harm.values()), CrimeType.objects.get(code=top)


def add_one(analyst, window, cell, reason="Residents report a crew"):
    return services.add_missions(
        user=analyst,
        reason_code="community",
        reason=reason,
        date_from=window.date,
        shifts=[window.shift],
        cell_ids=[cell.cell_id],
    ).missions.get()


def test_an_added_mission_takes_the_boxs_crime_type_score_and_reasons(
    forecast, policy, now_window, analyst, grid
):
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    taken = set(Mission.objects.values_list("cell_id", flat=True))
    cell = next(c for c in grid if c.pk not in taken)

    mission = add_one(analyst, now_window, cell)

    harm, top = box_forecast(cell)
    assert mission.primary_crime_type == top
    assert mission.score == pytest.approx(harm) and mission.raw_score == pytest.approx(harm)
    assert mission.drivers[0]["crime_type"] == top.code
    assert mission.reasons[0] == {"kind": "note", "text": "Residents report a crew"}
    assert reason_words(mission)[0] == "Added by analyst: Residents report a crew"
    assert reason_words(mission)[1].startswith(
        f"{top.name}: "
    )  # the forecast's reasons follow, named
    assert mission.dose_minutes == (
        20 if top.code == "robbery" else 15
    )  # the crime type's own dose
    planned = Mission.objects.filter(
        beat=mission.beat, date=mission.date, shift=mission.shift, origin="drawn"
    )
    assert mission.rank == max(planned.values_list("rank", flat=True)) + 1  # not "#0"


def test_a_mission_added_before_any_forecast_says_only_why_it_was_added(
    small_agency, grid, analyst, now_window
):
    # The control: with no forecast for the shift there is nothing to take; the plan fills it in later.
    mission = add_one(analyst, now_window, grid[0])
    assert reason_words(mission) == ["Added by analyst: Residents report a crew"]
    assert mission.score == 0 and mission.primary_crime_type is None and mission.rank == 1


def test_every_planned_reason_names_its_crime_type(forecast, policy, now_window):
    forecast(now_window.date, now_window.shift)
    CellForecast.objects.filter(crime_type__code="robbery").update(
        reasons=[factor("recent_count", "robbery", 3, "28d")]
    )
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    names = set(CrimeType.objects.values_list("name", flat=True))
    missions = list(Mission.objects.exclude(status="cancelled"))
    assert missions
    for mission in missions:
        assert mission.reasons and all(w.split(":")[0] in names for w in reason_words(mission))
    assert any(
        "Robbery: 3 robberies in this box in the last 28 days" in reason_words(m) for m in missions
    )


# --- lifting a suppression from the shift page ---------------------------------------------------


@pytest.fixture
def suppression(grid, analyst, now_window):
    return services.suppress_boxes(
        user=analyst,
        reason_code="event",
        reason="Parade route",
        date_from=now_window.date,
        cell_ids=[grid[0].cell_id],
    )


def lift(client, user, suppression, reason="Parade over"):
    client.force_login(user)
    return client.post(reverse("missions-lift", args=[suppression.pk]), {"lift-reason": reason})


def test_an_analyst_lifts_a_suppression_from_the_shift_page_with_audit(
    client, analyst, suppression
):
    response = lift(client, analyst, suppression)
    assert response.status_code == 302
    suppression.refresh_from_db()
    assert suppression.lifted_at is not None and suppression.lifted_by == analyst
    entry = AuditEvent.objects.get(action="missions.lift", object_id=str(suppression.pk))
    assert entry.actor == analyst and entry.reason == "Parade over"


def test_lifting_needs_a_reason(client, analyst, suppression):
    response = lift(client, analyst, suppression, reason="")
    assert response.status_code == 302
    suppression.refresh_from_db()
    assert suppression.lifted_at is None
    page = client.get(response.url)
    assert "A reason is required" in page.content.decode()


@pytest.mark.parametrize("role", ["officer", "supervisor"])
def test_officers_and_supervisors_may_not_lift(client, request, role, suppression):
    response = lift(client, request.getfixturevalue(role), suppression)
    assert response.status_code == 403
    assert Suppression.objects.get(pk=suppression.pk).lifted_at is None
    assert not AuditEvent.objects.filter(action="missions.lift").exists()


def test_the_lift_api_refuses_officers(api, officer, analyst, suppression):
    url = reverse("api-suppression-lift", args=[suppression.pk])
    assert api(officer).post(url, {"reason": "Parade over"}, format="json").status_code == 403
    assert Suppression.objects.get(pk=suppression.pk).lifted_at is None
    response = api(analyst).post(
        url, {"reason": "Parade over"}, format="json"
    )  # the positive control
    assert response.status_code == 200 and response.json()["lifted_at"]
    assert AuditEvent.objects.get(action="missions.lift").actor == analyst


def test_the_shift_page_offers_lift_to_analysts_only(
    client, analyst, supervisor, suppression, now_window
):
    query = f"?date={now_window.date:%Y-%m-%d}&shift={now_window.shift.pk}"
    client.force_login(analyst)
    assert (
        reverse("missions-lift", args=[suppression.pk])
        in client.get(reverse("missions-shift") + query).content.decode()
    )
    client.force_login(supervisor)
    body = client.get(reverse("missions-shift") + query).content.decode()
    assert "Parade route" in body and reverse("missions-lift", args=[suppression.pk]) not in body


# --- minimum harm, through the service and the page ----------------------------------------------


def test_a_quiet_beat_below_the_minimum_harm_gets_no_mission_and_the_page_says_why(
    forecast, policy, now_window, client, analyst
):
    quiet = Beat.objects.get(code="D2-B2")
    forecast(now_window.date, now_window.shift)
    for row in CellForecast.objects.filter(cell__beat=quiet):
        row.expected_count /= 100
        row.save(update_fields=["expected_count"])
    policy.min_harm_share, policy.control_share = 0.5, 0.0
    policy.save()

    plan = services.plan_missions(date=now_window.date, shift=now_window.shift)

    open_missions = Mission.objects.filter(date=now_window.date, shift=now_window.shift).exclude(
        status="cancelled"
    )
    assert not open_missions.filter(beat=quiet).exists()
    assert all(open_missions.filter(beat=b).count() == 2 for b in Beat.objects.exclude(pk=quiet.pk))
    note = next(b["note"] for b in plan.beats if b["beat"] == "D2-B2")
    assert (
        note.startswith("Beat D2-B2: no mission — best box harm ") and "below the minimum" in note
    )
    assert plan.policy["min_harm_share"] == 0.5 and plan.policy["minimum_harm"] > 0
    client.force_login(analyst)
    page = client.get(
        reverse("missions-shift") + f"?date={now_window.date:%Y-%m-%d}&shift={now_window.shift.pk}"
    )
    assert note in page.content.decode()


def test_with_the_minimum_harm_off_the_quiet_beat_is_planned(forecast, policy, now_window):
    quiet = Beat.objects.get(code="D2-B2")
    forecast(now_window.date, now_window.shift)
    for row in CellForecast.objects.filter(cell__beat=quiet):
        row.expected_count /= 100
        row.save(update_fields=["expected_count"])
    policy.control_share = 0.0
    policy.save()
    plan = services.plan_missions(date=now_window.date, shift=now_window.shift)
    assert Mission.objects.filter(beat=quiet).exclude(status="cancelled").count() == 2
    assert all(b["note"] == "" for b in plan.beats)
