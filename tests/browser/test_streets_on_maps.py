"""Real Chromium: the imported streets are drawn under the boxes with their names on the officer's
and the analyst's maps, and every mission shows its location label on the card and in the table."""

import pytest

from agency.models import Beat
from geo.street_services import import_streets
from missions import services
from missions.models import Mission
from tests.browser.conftest import screenshot
from tests.missions.factories import OfficerProfileFactory
from tests.streets_helpers import write_streets

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
KING_AND_SPADINA = [43.6570, -79.3800]


@pytest.fixture
def planned_with_streets(forecast, policy, now_window, tactics, tmp_path):  # noqa: F811
    forecast(now_window.date, now_window.shift)
    import_streets(
        path=write_streets(tmp_path / "centreline.geojson"), name_field="LINEAR_NAME_FULL"
    )
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    return now_window


def zoom_to_street_level(page, selector="#map"):
    """Zoom the Leaflet map to 16 at King & Spadina and wait for the streets and names of that view."""
    # The marks are cleared once the move has ended (a zoom is animated): the map has then asked for
    # this view's streets, and an answer for the view before it, still on its way, is dropped. So
    # the wait below sees this view's streets and not those of the view before it.
    page.evaluate(
        f"""() => new Promise((done, fail) => {{ const el = document.querySelector('{selector}');
        setTimeout(() => fail(new Error('the map did not move')), 10000);
        el.leafletMap.once('moveend', () => {{ delete el.dataset.streetNames; done(); }});
        el.leafletMap.setView({KING_AND_SPADINA}, 16); }})"""
    )
    page.wait_for_function(
        f"() => Number(document.querySelector('{selector}').dataset.streetNames || 0) > 0",
        timeout=10_000,
    )
    return set(page.locator(f"{selector} .street-name-text").all_inner_texts())


def names_do_not_overlap(page, selector="#map") -> bool:
    return page.evaluate(
        f"""() => {{
          const boxes = [...document.querySelectorAll('{selector} .street-name-text')]
            .map(e => e.getBoundingClientRect());
          return boxes.every((a, i) => boxes.every((b, j) => i >= j ||
            a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top));
        }}"""
    )


def test_officer_map_has_streets_with_names_and_cards_their_location(
    planned_with_streets, officer, login
):
    OfficerProfileFactory(
        user=officer, badge_number="4711", home_beat=Beat.objects.get(code="D1-B1")
    )
    missions = Mission.objects.filter(
        beat__code="D1-B1", date=planned_with_streets.date
    ).select_related("cell")
    expected = {str(m.pk): m.cell.location_label for m in missions}
    assert expected and all(expected.values())

    page = login("officer")
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    cards = page.locator(".mission-card")
    assert cards.count() == len(expected)
    for i in range(cards.count()):
        card = cards.nth(i)
        assert (
            card.locator(".m-location").inner_text() == expected[card.get_attribute("data-mission")]
        )

    names = zoom_to_street_level(page)
    assert {"King St W", "Spadina Ave"} <= names
    assert int(page.get_attribute("#map", "data-streets")) >= 4
    assert page.locator("#map .leaflet-streets-pane canvas").count() == 1  # drawn, under the boxes
    assert names_do_not_overlap(page)
    page.evaluate("() => { document.querySelector('#map').leafletMap.setZoom(11); }")
    page.wait_for_function(
        "() => document.querySelector('#map').dataset.streets === '0'", timeout=10_000
    )
    assert page.locator("#map .street-name-text").count() == 0  # no names (nor lines) zoomed out
    assert page.js_errors == [] and page.csp_violations == []


def test_analyst_shift_map_and_table(planned_with_streets, analyst, login, live_server):
    window = planned_with_streets
    page = login("analyst")
    page.goto(f"{live_server.url}/missions/?date={window.date}&shift={window.shift.pk}")
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    planned = Mission.objects.filter(date=window.date, shift=window.shift).select_related("cell")
    table = page.inner_text("#mission-table")
    assert all(m.cell.location_label in table for m in planned)
    names = zoom_to_street_level(page)
    assert {"King St W", "Spadina Ave"} <= names and names_do_not_overlap(page)
    screenshot(page, "shift-map-streets")
    assert page.js_errors == [] and page.csp_violations == []


def test_forecast_map_has_the_streets_too(planned_with_streets, analyst, login, live_server):
    window = planned_with_streets
    page = login("analyst")
    page.goto(
        f"{live_server.url}/forecasting/forecast/?date={window.date}&shift={window.shift.name}"
    )
    page.wait_for_selector("#forecast-map[data-ready='1']", timeout=15_000)
    names = zoom_to_street_level(page, "#forecast-map")
    assert {"King St W", "Spadina Ave"} <= names and names_do_not_overlap(page, "#forecast-map")
    assert page.js_errors == [] and page.csp_violations == []


XSS = "<img src=x onerror=window.__xss=1>"


def test_street_names_are_text_on_maps_and_the_sheet(
    forecast,
    policy,
    now_window,
    tactics,
    officer,
    supervisor,  # noqa: F811
    login,
    live_server,
    tmp_path,
):
    from agency.models import District
    from tests.streets_helpers import street_features

    features = street_features()
    for f in features:
        if f["properties"]["name"] == "King St W":
            f["properties"]["name"] = XSS
    forecast(now_window.date, now_window.shift)
    import_streets(
        path=write_streets(tmp_path / "centreline.geojson", features), name_field="LINEAR_NAME_FULL"
    )
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    OfficerProfileFactory(
        user=officer, badge_number="4711", home_beat=Beat.objects.get(code="D1-B1")
    )

    page = login("officer")
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    assert XSS in zoom_to_street_level(page)
    assert page.evaluate("() => window.__xss === undefined")
    page.context.clear_cookies()
    page = login("supervisor")
    district = District.objects.get(code="D1")
    page.goto(
        f"{live_server.url}/missions/sheet/?date={now_window.date}&shift={now_window.shift.pk}&district={district.pk}"
    )
    page.wait_for_selector("svg.sheet-map.beat-map")
    # Too long for any block of these beats, so it is not written; nothing of it may become markup.
    assert (
        page.locator("img[src=x]").count() == 0 and page.locator("svg.sheet-map text").count() > 0
    )
    assert page.evaluate("() => window.__xss === undefined") and page.csp_violations == []
