# ruff: noqa: F811 - fixtures imported to be reused, and named again as arguments
"""The alerts page in real Chromium: an alert's map shows the streets and names those of each
incident box's location next to it, the chance reads as "1 in …", and on a phone each alert is a
block whose Acknowledge button is on the screen."""

import pytest

from alerts import services
from alerts.models import Alert, Subscription
from geo.models import GridCell
from geo.street_services import import_streets
from missions.sheet import location_street_names
from missions.sheet_map import NEAR_BOX_PX
from tests.alerts.conftest import add_incidents, crime_types, spread_in_d1, world  # noqa: F401
from tests.browser.conftest import watched_page
from tests.streets_helpers import write_streets

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}

# Where the map's boxes are and where each street name is written, in screen pixels.
DRAWN = """() => {
  const rect = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const svg = document.querySelector('svg.alert-map');
  return {
    boxes: [...svg.querySelectorAll('path.box')].map(rect),
    names: [...svg.querySelectorAll('text.street-name')].map(t => [t.textContent, rect(t)]),
  };
}"""


def rect_gap(a, b) -> float:
    dx, dy = max(a[0] - b[2], b[0] - a[2], 0), max(a[1] - b[3], b[1] - a[3], 0)
    return (dx * dx + dy * dy) ** 0.5


@pytest.fixture
def alert(world, tmp_path):
    import_streets(
        path=write_streets(tmp_path / "centreline.geojson"), name_field="LINEAR_NAME_FULL"
    )
    Subscription.objects.create(role="Supervisor", email=False)
    add_incidents(world["types"]["burglary"], spread_in_d1(12, now=world["now"]))
    services.scan(now=world["now"])
    return Alert.objects.get(kind="spike", beat__isnull=True)


def test_an_alert_says_where_and_how_rare_in_words(alert, supervisor, login, live_server):
    page = login("supervisor")
    page.goto(f"{live_server.url}/alerts/?alert={alert.pk}")
    chosen = page.inner_text(f"#alert-{alert.pk}")
    assert "chance of a count this high or higher: " in chosen
    assert "1 in " in chosen and "e-0" not in chosen  # was "1.1e-06"
    drawn = page.evaluate(DRAWN)
    assert len(drawn["boxes"]) == len(alert.cell_ids)
    listed = {
        name
        for label in GridCell.objects.filter(pk__in=alert.cell_ids).values_list(
            "location_label", flat=True
        )
        for name in location_street_names(label)
    }
    near = {
        name
        for name, r in drawn["names"]
        if min(rect_gap(box, r) for box in drawn["boxes"]) <= NEAR_BOX_PX
    }
    assert listed and listed <= near, (listed, near)  # before: no street on the map at all
    assert page.js_errors == [] and page.csp_violations == []


def test_on_a_phone_each_alert_has_its_buttons_on_the_screen(
    alert, supervisor, login, browser, live_server
):
    desktop = login("supervisor")
    context = browser.new_context(viewport=PHONE, storage_state=desktop.context.storage_state())
    phone = watched_page(context)
    phone.goto(f"{live_server.url}/alerts/")
    button = phone.locator("tr.alert-row button", has_text="Acknowledge").first
    box = button.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (
        box
    )  # was at x = 433 px, off the screen
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    with phone.expect_navigation():  # the form's post and the page it returns to
        button.click()
    assert Alert.objects.filter(acknowledged_at__isnull=False).count() == 1
    assert phone.js_errors == [] and phone.csp_violations == []
    context.close()
