"""Real Chromium: the supervisor lands on the shift board; an officer starts a mission (through the
service, as his MDT would) and the board shows it without a reload, from its background poll."""

import pytest

from agency.models import Beat, District
from geo.street_services import import_streets
from missions import services
from missions.models import Mission
from tests.browser.conftest import screenshot, settled
from tests.missions.factories import OfficerProfileFactory
from tests.streets_helpers import write_streets

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_board_updates_when_an_officer_starts_a_mission(
    forecast, policy, now_window, supervisor, officer, login, settings
):
    settings.SUPERVISOR_BOARD_POLL_SECONDS = 1.5  # the test waits for a poll, not 20 s
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    OfficerProfileFactory(
        user=officer, badge_number="4711", home_beat=Beat.objects.get(code="D1-B1")
    )
    mission = Mission.objects.filter(beat__code="D1-B1").exclude(status="cancelled").first()
    planned = Mission.objects.filter(date=now_window.date, shift=now_window.shift).exclude(
        status="cancelled"
    )

    page = login("supervisor")
    polls = []
    page.on(
        "request",
        lambda r: (
            polls.append(r.headers.get("x-background-poll"))
            if r.url.endswith("/supervisor/board.json")
            else None
        ),
    )
    assert page.url.endswith("/supervisor/")
    page.wait_for_selector("#board[data-ready='1']", timeout=15_000)
    assert page.get_attribute("#board", "data-active") == "0"
    assert page.get_attribute("#board", "data-boxes") == str(
        planned.count()
    )  # every box on the map
    assert f"{planned.count()} planned" in page.inner_text("#board-totals")
    assert "Beat D1-B1" in page.inner_text("#board-beats")
    page.evaluate("() => { window.__sameDocument = true; }")

    services.start_mission(user=officer, mission_id=mission.pk, reason="GPS not available")
    page.wait_for_selector(
        f"#board-beats tr[data-mission='{mission.pk}'][data-status='active']", timeout=10_000
    )
    row = page.locator(f"#board-beats tr[data-mission='{mission.pk}']")
    assert "Active" in row.inner_text() and "4711" in row.inner_text()
    assert page.get_attribute("#board", "data-active") == "1"
    assert "4711" in page.inner_text("#board-units")
    assert page.evaluate("() => window.__sameDocument === true")  # updated in place, not reloaded
    assert polls and set(polls) == {"1"}  # background polls: they do not keep the session alive
    assert page.js_errors == [] and page.csp_violations == []
    screenshot(page, "supervisor-board")


def test_the_board_offers_call_off_from_the_allowed_actions(
    forecast, policy, now_window, supervisor, analyst, login, live_server
):
    """The rows' buttons come from the server's allowed actions: an analyst gets Call off and it
    works; the supervisor (no such permission) gets no button on the same board."""
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    mission = Mission.objects.live().filter(beat__code="D1-B1").first()

    page = login("supervisor")
    page.wait_for_selector("#board[data-ready='1']", timeout=15_000)
    assert page.locator("#board-beats details.board-actions").count() == 0
    page.context.clear_cookies()

    page = login("analyst")
    page.goto(f"{live_server.url}/supervisor/")
    page.wait_for_selector("#board[data-ready='1']", timeout=15_000)
    row = page.locator(f"#board-beats tr[data-mission='{mission.pk}']")
    assert page.locator("#board-beats details.board-actions").count() == (
        Mission.objects.live().filter(date=now_window.date, shift=now_window.shift).count()
    )
    row.locator("summary").click()
    row.locator("select[name='cancel-reason_code']").select_option("event")
    row.locator("input[name='cancel-reason']").fill("Parade on this street")
    with page.expect_navigation():  # the form's post and the board it returns to
        row.locator("button.board-cancel").click()
    settled(page)
    mission.refresh_from_db()
    assert mission.status == Mission.Status.CANCELLED
    assert "Mission called off." in page.inner_text("body")
    assert page.js_errors == [] and page.csp_violations == []


BOARD_VIEW = """(d) => { const map = document.querySelector('#board-map').leafletMap;
  const b = map.getBounds(), district = L.latLngBounds([[d[1], d[0]], [d[3], d[2]]]);
  return { contains: b.contains(district), zoom: map.getZoom(), fitZoom: map.getBoundsZoom(district) }; }"""


def test_the_board_map_opens_fitted_to_the_supervisors_district_with_its_streets(
    forecast, policy, now_window, supervisor, login, tmp_path
):
    """Issue 23 item 3: the board's map opened on every beat of the jurisdiction (or the boxes),
    zoomed out past the streets. Now it opens fitted to the supervisor's district: the district
    in view, one zoom step more would cut it, and the streets of that view drawn at once."""
    import_streets(
        path=write_streets(tmp_path / "centreline.geojson"), name_field="LINEAR_NAME_FULL"
    )
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    west = District.objects.get(code="D1")
    OfficerProfileFactory(user=supervisor, badge_number="9001", home_district=west)

    page = login("supervisor")
    page.wait_for_selector("#board[data-ready='1']", timeout=15_000)
    assert page.get_attribute("#board", "data-fit") == "D1"
    view = page.evaluate(BOARD_VIEW, list(west.geom.extent))
    assert view["contains"], view
    assert view["zoom"] == view["fitZoom"], view  # fitted, not the jurisdiction's zoom
    # Streets drawn at that zoom, without the supervisor zooming in.
    page.wait_for_function(
        "() => Number(document.querySelector('#board-map').dataset.streets || 0) > 0",
        timeout=10_000,
    )
    assert (
        page.evaluate("() => document.querySelector('#board-map').leafletMap.getZoom()")
        == (view["zoom"])
    )
    assert page.locator("#board-map .leaflet-streets-pane canvas").count() == 1

    # Control: the other district is not in view whole (the map is not on the whole jurisdiction).
    east = District.objects.get(code="D2")
    assert not page.evaluate(BOARD_VIEW, list(east.geom.extent))["contains"]
    assert page.js_errors == [] and page.csp_violations == []
    screenshot(page, "supervisor-board-district")
