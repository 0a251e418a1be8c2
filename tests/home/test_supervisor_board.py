"""The supervisor's board of the shift under way: missions by beat and unit with their status and
dose progress, boxes for the map, the supervisor's district scope, and a background poll that does
not count as activity."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from agency.models import Agency, Beat, District, OfficerProfile
from home.selectors import board_district_codes, shift_board
from missions import services
from missions.models import Mission
from tests.missions.conftest import crime_types, forecast, grid, now_window, policy  # noqa: F401
from tests.missions.factories import OfficerProfileFactory, serve_dose, stay_in_box

pytestmark = pytest.mark.django_db


@pytest.fixture
def shift(forecast, policy, now_window, officer):  # noqa: F811
    """The shift under way: in D1-B1 one mission completed, one under way for 5 minutes."""
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    OfficerProfileFactory(
        user=officer, badge_number="4711", home_beat=Beat.objects.get(code="D1-B1")
    )
    done, running = (
        Mission.objects.filter(beat__code="D1-B1").exclude(status="cancelled").order_by("pk")[:2]
    )
    services.start_mission(user=officer, mission_id=done.pk, reason="GPS not available")
    serve_dose(done)
    services.complete_mission(user=officer, mission_id=done.pk)
    services.start_mission(user=officer, mission_id=running.pk, reason="GPS not available")
    stay_in_box(running, minutes=5)
    return now_window, done, running


def test_the_board_shows_each_beats_missions_with_status_dose_and_unit(shift, supervisor):
    window, done, running = shift
    board = shift_board(supervisor)
    assert board["shift"]["name"] == window.shift.name
    beat = next(b for b in board["beats"] if b["code"] == "D1-B1")
    rows = {r["id"]: r for r in beat["missions"]}
    assert rows[done.pk]["status"] == "completed" and rows[done.pk]["progress"] == 1.0
    assert rows[running.pk]["status"] == "active" and rows[running.pk]["running"] is True
    assert rows[running.pk]["progress"] == pytest.approx(5 / running.dose_minutes, abs=0.01)
    assert rows[running.pk]["unit"] == rows[done.pk]["unit"] == "4711 officer"
    assert beat["counts"]["completed"] == 1 and beat["counts"]["active"] == 1
    assert beat["district"] == Beat.objects.get(code="D1-B1").district.name
    missions = Mission.objects.filter(date=window.date, shift=window.shift).exclude(
        status="cancelled"
    )
    assert sum(board["totals"].values()) == missions.count() == len(board["boxes"]["features"])
    unit = board["units"][0]
    assert (
        unit["unit"] == "4711 officer"
        and unit["missions"] == 2
        and unit["in_box"] == rows[running.pk]["label"]
    )
    feature = next(f for f in board["boxes"]["features"] if f["id"] == running.pk)
    assert feature["geometry"]["type"] == "Polygon" and feature["properties"]["status"] == "active"


def test_the_board_reads_in_a_handful_of_queries(shift, supervisor, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        shift_board(supervisor)


def test_a_supervisor_scoped_to_a_district_sees_only_its_missions(shift, supervisor):
    agency = Agency.current()
    agency.supervisors_scoped_to_district = True
    agency.save()
    OfficerProfileFactory(user=supervisor, home_district=District.objects.get(code="D2"))
    assert {b["code"] for b in shift_board(supervisor)["beats"]} == {"D2-B1", "D2-B2"}
    OfficerProfile.objects.filter(user=supervisor).update(
        home_district=District.objects.get(code="D1")
    )
    fresh = get_user_model().objects.get(pk=supervisor.pk)
    assert "D1-B1" in {b["code"] for b in shift_board(fresh)["beats"]}  # control: his own district


def test_the_board_json_is_for_command_staff_and_polled_in_the_background(
    shift, client, supervisor, officer
):
    client.force_login(officer)
    assert client.get(reverse("supervisor-board")).status_code == 403
    client.force_login(supervisor)
    response = client.get(reverse("supervisor-board"), HTTP_X_BACKGROUND_POLL="1")
    assert response.status_code == 200 and response.json()["totals"]["active"] == 1


def test_the_board_page_links_the_shift_plan_sheet_and_reports(shift, client, supervisor):
    window, _, _ = shift
    client.force_login(supervisor)
    page = client.get(reverse("supervisor-home")).content.decode()
    query = f"?date={window.date.isoformat()}&amp;shift={window.shift.pk}"
    assert f'href="{reverse("missions-shift")}{query}"' in page
    assert f'href="{reverse("missions-sheet")}{query}"' in page
    assert f'href="{reverse("missions-report")}"' in page
    assert (
        f'<a href="{reverse("missions-shift")}">Missions</a>' in page
    )  # the shift plan is in his menu
    assert 'data-module="supervisor-board"' in page


def test_the_board_groups_missions_by_the_units_rostered_on_their_beat(shift, supervisor):
    """Missions of a beat are offered to the units on that beat this shift: the board shows their
    call signs (control: without a roster, the officer who patrolled)."""
    from patrol.models import RosterEntry, Unit

    window, done, running = shift
    beat = Beat.objects.get(code="D1-B1")
    for call_sign in ("1A21", "1A22"):
        RosterEntry.objects.create(
            unit=Unit.objects.create(call_sign=call_sign),
            date=window.date,
            shift=window.shift,
            beat=beat,
        )
    board = shift_board(supervisor)
    rows = {r["id"]: r for b in board["beats"] for r in b["missions"]}
    assert rows[done.pk]["units"] == ["1A21", "1A22"]
    assert rows[done.pk]["unit"] == "1A21, 1A22" and rows[done.pk]["patrolled_by"] == "4711 officer"
    units = {u["unit"]: u for u in board["units"]}
    offered = Mission.objects.filter(date=window.date, shift=window.shift, beat=beat).exclude(
        status="cancelled"
    )
    assert set(units) == {"1A21", "1A22"}
    assert units["1A21"]["missions"] == offered.count() and units["1A21"]["beats"] == ["D1-B1"]
    assert units["1A22"]["in_box"] == rows[running.pk]["label"]


def test_missions_are_named_by_location_and_in_box_follows_positions(shift, supervisor):
    """Issue 23, item 3 (part): the board named missions "box 2370_19333" and kept "In box now" on
    after positions stopped."""
    window, done, running = shift
    running.cell.location_label = "King St & Bay St"
    running.cell.save(update_fields=["location_label"])
    board = shift_board(supervisor)
    rows = {r["id"]: r for b in board["beats"] for r in b["missions"]}
    assert rows[running.pk]["label"].endswith("· King St & Bay St")
    assert "box " not in rows[running.pk]["label"]
    assert board["units"][0]["in_box"] == rows[running.pk]["label"]  # positions coming: in the box
    # The positions stop (the device's last one is older than the gap): no longer "in box now".
    from missions.models import Visit

    visit = Visit.objects.get(mission=running, ended_at__isnull=True)
    visit.last_position_at = visit.started_at + timedelta(seconds=30)  # then nothing for 4.5 min
    visit.save(update_fields=["last_position_at"])
    stale = shift_board(supervisor)
    row = next(r for b in stale["beats"] for r in b["missions"] if r["id"] == running.pk)
    assert row["stale"] is True and stale["units"][0]["in_box"] is None


def test_the_board_map_opens_on_the_supervisors_districts(small_agency, supervisor, client):
    """Home and supervised districts, in code order; none (the whole jurisdiction) without them."""
    client.force_login(supervisor)
    assert board_district_codes(supervisor) == []  # no profile: every district
    profile = OfficerProfileFactory(
        user=supervisor, badge_number="9001", home_district=District.objects.get(code="D2")
    )
    profile.supervised_districts.add(District.objects.get(code="D1"))
    supervisor.refresh_from_db()
    assert board_district_codes(supervisor) == ["D1", "D2"]
    page = client.get(reverse("supervisor-home"))
    assert b'<script id="board-districts" type="application/json">["D1", "D2"]</script>' in (
        page.content
    )
