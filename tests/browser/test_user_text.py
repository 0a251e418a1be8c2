"""Real Chromium: text that people type (an analyst's reason, crime type, tactic, district and source
names) is shown as text on every page and map tooltip that shows it, never run as markup.

Two checks per page: no element was made from the text (`img[src=x]` absent: the escaping works
on its own) and the injected handler never ran (`window.__xss` undefined). A positive control shows
that the same checks catch markup that does get injected.
"""

import pytest

from agency.models import Beat, District
from geo.models import GridCell
from ingest.models import Source
from missions import services
from missions.models import Mission
from tests.missions.factories import OfficerProfileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOAD = "<img src=x onerror=window.__xss=1>"
INJECTED = (
    "() => ({ images: document.querySelectorAll('img[src=\"x\"]').length, xss: window.__xss })"
)
# Open the tooltip of every map layer drawn from a GeoJSON feature (missions, districts, beats) and
# of the first few boxes, then return the tooltips' text.
OPEN_TOOLTIPS = """(el) => {
  const map = el.leafletMap; let boxes = 0;
  map.eachLayer((layer) => {
    if (!layer.getTooltip || !layer.getTooltip()) { return; }
    if (layer.feature || boxes++ < 3) {
      layer.openTooltip(layer.getBounds ? layer.getBounds().getCenter() : undefined);
    }
  });
  return Array.from(el.querySelectorAll('.leaflet-tooltip')).map((t) => t.innerText);
}"""


@pytest.fixture
def hostile_text(forecast, policy, now_window, tactics, crime_types, analyst):  # noqa: F811
    """A shift planned and an analyst's mission added, with the payload in every free-text field."""
    burglary, _ = crime_types
    burglary.name = PAYLOAD
    burglary.save()
    District.objects.filter(code="D1").update(name=PAYLOAD)
    tactics[2].name = PAYLOAD  # the tactic suggested for every mission
    tactics[2].save()
    Source.objects.create(name=PAYLOAD)
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    beat = Beat.objects.get(code="D1-B1")
    cell = GridCell.objects.filter(beat=beat).exclude(pk__in=Mission.objects.values("cell")).first()
    services.add_missions(
        user=analyst,
        reason_code="intelligence",
        reason=PAYLOAD,
        date_from=now_window.date,
        shifts=[now_window.shift],
        cell_ids=[cell.cell_id],
    )
    return now_window


def assert_shown_as_text(page, text_of_page: str) -> None:
    assert PAYLOAD in text_of_page
    assert page.evaluate(INJECTED) == {"images": 0, "xss": None}
    assert page.js_errors == [] and page.csp_violations == []


def test_the_checks_catch_injected_markup(small_agency, analyst, login, live_server):
    page = login("analyst")
    assert page.evaluate(INJECTED) == {"images": 0, "xss": None}
    page.evaluate(
        "(html) => document.querySelector('main').insertAdjacentHTML('beforeend', html)", PAYLOAD
    )
    for _ in range(50):  # the image fails to load, then the policy refuses its inline handler
        if page.csp_violations:
            break
        page.wait_for_timeout(100)
    assert page.evaluate(INJECTED) == {"images": 1, "xss": None}
    assert [v["directive"] for v in page.csp_violations] == ["script-src-attr"]


def test_the_analysts_reason_is_text_for_analyst_supervisor_and_officer(
    hostile_text, supervisor, officer, login, live_server
):
    window = hostile_text
    query = f"?date={window.date:%Y-%m-%d}&shift={window.shift.pk}"

    page = login("analyst")
    page.goto(f"{live_server.url}/missions/{query}")
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    tooltips = page.eval_on_selector("#map", OPEN_TOOLTIPS)
    assert any(f"Added by analyst: {PAYLOAD}" in t for t in tooltips), tooltips
    assert_shown_as_text(page, page.inner_text("main"))

    page.context.clear_cookies()
    page = login("supervisor")
    district = District.objects.get(code="D1")
    page.goto(f"{live_server.url}/missions/sheet/{query}&district={district.pk}")
    sheet = page.inner_text(".sheet")
    assert f"Added by analyst: {PAYLOAD}" in sheet
    assert_shown_as_text(page, sheet)

    page.context.clear_cookies()
    OfficerProfileFactory(
        user=officer, badge_number="4711", home_beat=Beat.objects.get(code="D1-B1")
    )
    page = login("officer")
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    cards = page.inner_text("#mission-list")
    assert f"Added by analyst: {PAYLOAD}" in cards
    tooltips = page.eval_on_selector("#map", OPEN_TOOLTIPS)
    assert tooltips  # one per mission: rank and crime type
    assert_shown_as_text(page, cards)


@pytest.mark.parametrize(
    "path",
    [
        "/analyst/",
        "/forecasting/",
        "/forecasting/forecast/{query}",
        "/tactics/",
        "/ingest/",
        "/supervisor/",
    ],
)
def test_names_are_text_on_every_page_that_shows_them(
    hostile_text, role_user, login, live_server, path
):
    window = hostile_text
    role_user("Administrator", username="chief")  # sees every page
    page = login("chief")
    page.goto(
        live_server.url + path.format(query=f"?date={window.date:%Y-%m-%d}&shift={window.shift.pk}")
    )
    if page.locator("#board[data-module]").count():  # the shift board fills itself from its JSON
        page.wait_for_selector("#board[data-ready='1']", timeout=15_000)
    text = page.inner_text("main")
    if page.locator(".map[data-module]").count():
        page.wait_for_selector(".map[data-ready='1']", timeout=15_000)
        text += "\n".join(page.eval_on_selector(".map[data-module]", OPEN_TOOLTIPS))
    assert_shown_as_text(page, text)
