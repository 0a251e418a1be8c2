"""Real Chromium on the analyst's shift map: boxes shaded by harm with a legend; in add mode a click
picks a box for the add form only and adding makes a mission, not a suppression; in suppress mode a
click picks it for the suppress form only and suppressing makes a suppression, not a mission; the
suppression is drawn on the map and lifted from the page."""

import pytest

from geo.models import GridCell
from missions import services
from missions.models import Mission, Suppression
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Of the given boxes [cell_id, lat, lng], the first whose centre is in view and not under a map
# control (the legend, the zoom buttons) and inside the window, as a point of the page.
POINT_IN_VIEW = """(el, boxes) => {
  el.scrollIntoView({ block: 'center' });
  const map = el.leafletMap, rect = el.getBoundingClientRect();
  for (const [id, lat, lng] of boxes) {
    if (!map.getBounds().pad(-0.05).contains([lat, lng])) { continue; }
    const p = map.latLngToContainerPoint([lat, lng]);
    const x = rect.left + p.x, y = rect.top + p.y;
    const hit = document.elementFromPoint(x, y);  // null outside the window
    if (!hit || !hit.closest('.leaflet-overlay-pane')) { continue; }
    return [id, x, y];
  }
  return null;
}"""


@pytest.fixture
def planned_shift(forecast, policy, now_window):  # noqa: F811
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    return now_window


def free_boxes():
    taken = set(Mission.objects.values_list("cell_id", flat=True)) | set(
        Suppression.cells.through.objects.values_list("gridcell_id", flat=True)
    )
    cells = (
        GridCell.objects.filter(active=True, beat__isnull=False)
        .exclude(pk__in=taken)
        .order_by("pk")
    )
    return [[c.cell_id, c.center.y, c.center.x] for c in cells]


def open_shift_page(page, live_server, window):
    page.goto(f"{live_server.url}/missions/?date={window.date:%Y-%m-%d}&shift={window.shift.pk}")
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)


def submit(page, button):
    """Submit a form of the page and wait for the page it returns to (with its message)."""
    with page.expect_navigation():
        page.click(button)
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)


def click_free_box(page):
    found = page.eval_on_selector("#map", POINT_IN_VIEW, free_boxes())
    assert found, "no free box in view"
    cell_id, x, y = found
    page.mouse.click(x, y)
    return cell_id


def fields(page):
    return page.input_value("#id_add-cell_ids"), page.input_value("#id_sup-cell_ids")


def test_add_and_suppress_modes_pick_for_one_action_and_lift_works(
    planned_shift, analyst, login, live_server
):
    window = planned_shift
    page = login("analyst")
    open_shift_page(page, live_server, window)
    assert page.get_attribute("#map", "data-shaded") == "1"
    assert "Preventable harm" in page.inner_text("#map-legend")
    assert page.get_attribute("#map", "data-control-boxes") not in (None, "0")

    # View mode (the default): a click on a box picks nothing.
    click_free_box(page)
    assert fields(page) == ("", "")

    # Add mode: the click fills the add form only; adding makes a mission, no suppression.
    page.check("input[name='pick-mode'][value='add']")
    added = click_free_box(page)
    assert fields(page) == (added, "")
    page.select_option("#id_add-reason_code", "intelligence")
    page.fill("#id_add-reason", "Tip about a crew")
    submit(page, "#add-form button[type=submit]")
    mission = Mission.objects.get(cell__cell_id=added, origin="analyst")
    assert (
        mission.reasons[0] == {"kind": "note", "text": "Tip about a crew"}
        and mission.primary_crime_type is not None
    )
    assert not Suppression.objects.exists()
    assert "Missions added." in page.inner_text("main") and "Tip about a crew" in page.inner_text(
        "#mission-table"
    )

    # Suppress mode: the click fills the suppress form only; suppressing makes no mission.
    page.check("input[name='pick-mode'][value='suppress']")
    suppressed = click_free_box(page)
    assert fields(page) == ("", suppressed)
    page.select_option("#id_sup-reason_code", "event")
    page.fill("#id_sup-reason", "Parade route")
    with page.expect_navigation():  # the preview says what it cancels (nothing: a free box)
        page.click("#suppress-form button[type=submit]")
    assert page.inner_text("#cancel-count") == "It cancels no mission"
    assert not Suppression.objects.exists()
    submit(page, "#confirm-form button[type=submit]")
    suppression = Suppression.objects.get()
    assert list(suppression.cells.values_list("cell_id", flat=True)) == [suppressed]
    assert not Mission.objects.filter(cell__cell_id=suppressed).exists()
    assert (
        "Boxes suppressed: 0 missions cancelled." in page.inner_text("main")
        and page.get_attribute("#map", "data-suppressed") == "1"
    )
    screenshot(page, "analyst-shift-overrides")

    # Lift: the suppression ends, is no longer listed or drawn.
    page.click(f"li[data-suppression='{suppression.pk}'] details.lift summary")
    page.fill(f"li[data-suppression='{suppression.pk}'] input[name='lift-reason']", "Parade over")
    submit(page, f"li[data-suppression='{suppression.pk}'] button[type=submit]")
    suppression.refresh_from_db()
    assert suppression.lifted_at is not None and suppression.lift_reason == "Parade over"
    assert "Suppression lifted" in page.inner_text("main")
    assert page.locator(f"li[data-suppression='{suppression.pk}']").count() == 0
    assert page.get_attribute("#map", "data-suppressed") == "0"
    assert page.js_errors == [] and page.csp_violations == [] and page.console_errors == []
