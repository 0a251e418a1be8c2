"""Issue 23, item 8 in real Chromium: on the MDT the card under way comes first (an ended-early card
no longer pushes it below the fold); a wrong date in the missions page's query says so (400) instead
of showing today; with DEBUG on, a page not found is the plain 404 page, not Django's URL list."""

import pytest

from missions import services
from tests.browser.officer_field import MDT, open_officer_page, plan_shift_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_on_the_mdt_the_mission_under_way_is_the_first_card(
    browser, forecast, policy, now_window, tactics, officer, live_server
):
    ended, planned, active = plan_shift_for(officer, forecast, now_window, per_beat=3)
    services.start_mission(user=officer, mission_id=ended.pk, reason="GPS not available")
    services.end_mission_early(user=officer, mission_id=ended.pk, reason_code="called_away")
    services.start_mission(user=officer, mission_id=active.pk, reason="GPS not available")
    page = open_officer_page(browser, live_server, "officer", viewport=MDT)
    page.wait_for_selector(".mission-card")
    order = page.eval_on_selector_all(".mission-card", "cs => cs.map(c => +c.dataset.mission)")
    # Rank order was [ended, planned, active]: the active card was last, below the fold.
    assert order == [active.pk, planned.pk, ended.pk]
    top = page.eval_on_selector(
        f".mission-card[data-mission='{active.pk}']", "c => c.getBoundingClientRect().top"
    )
    assert top < MDT["height"]
    assert page.js_errors == []
    page.context.close()


def test_a_wrong_date_in_the_query_is_a_400_that_says_so(now_window, analyst, login, live_server):
    page = login("analyst")
    response = page.goto(f"{live_server.url}/missions/?date=2026-13-45&shift={now_window.shift.pk}")
    assert response.status == 400
    assert "2026-13-45" in page.inner_text("#pick-errors")
    assert "Enter a valid date" in page.inner_text("#pick-errors")
    # Control: the right date shows that day.
    good = page.goto(
        f"{live_server.url}/missions/?date={now_window.date:%Y-%m-%d}&shift={now_window.shift.pk}"
    )
    assert good.status == 200 and page.locator("#pick-errors").count() == 0
    assert f"{now_window.date:%-d %b %Y}" in page.inner_text("h1")
    sheet = page.goto(f"{live_server.url}/missions/sheet/?date=2026-13-45")
    assert sheet.status == 400 and "2026-13-45" in page.inner_text("#pick-errors")


def test_with_debug_on_a_page_not_found_is_the_plain_404(client, analyst, settings):
    """`make demo` runs with DEBUG on: the 404 must not list the URL patterns (a fresh client loads
    the middleware with the setting, as the dev server does at start)."""
    settings.DEBUG = True
    client.force_login(analyst)
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "URLconf" not in body and "api/v1/" not in body and "DEBUG = True" not in body
    assert "There is no such page" in body
    view_404 = client.get("/missions/reports/no-such-table.csv")  # a view's Http404
    assert view_404.status_code == 404 and "There is no such page" in view_404.content.decode()
    assert "Traceback" not in view_404.content.decode()
    api = client.get("/api/v1/no-such-thing/")
    assert (
        api.status_code == 404 and api.json()["code"] == "not_found"
    )  # the API's problem (docs/api.md)
