"""Real Chromium at 1280 px: every table of the report pages and of the shift board fits its
container (no clipped columns): its scrollWidth is within the box that holds it, and the page never
scrolls sideways."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agency.models import Beat
from missions import services
from missions.models import Mission
from tests.browser.conftest import screenshot
from tests.missions.factories import OfficerProfileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_PAGES = ("/missions/reports/", "/oversight/concentration/", "/oversight/evaluation/")
# Each table and the width it takes beyond the element holding it (0 when it fits).
OVERFLOWS = """() => Array.from(document.querySelectorAll("main table")).map((t) => ({
  table: (t.closest("section") || t.parentElement).querySelector("h2, h3")?.textContent || t.className,
  overflow: t.scrollWidth - t.parentElement.clientWidth,
}))"""


def test_every_report_table_fits_its_page_at_1280_px(
    forecast, policy, now_window, tactics, supervisor, officer, login, live_server
):
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    OfficerProfileFactory(user=officer, home_beat=Beat.objects.get(code="D1-B1"))
    mission = Mission.objects.filter(beat__code="D1-B1").exclude(status="cancelled").first()
    services.start_mission(user=officer, mission_id=mission.pk, reason="GPS not available")
    mission.visits.update(started_at=timezone.now() - timedelta(minutes=4))
    services.end_mission_early(
        user=officer, mission_id=mission.pk, reason_code="called_away", tactic_ids=[tactics[2].pk]
    )

    page = login("supervisor")
    for path in REPORT_PAGES:
        page.goto(f"{live_server.url}{path}")
        tables = page.evaluate(OVERFLOWS)
        assert tables, f"{path}: no table"
        assert [t for t in tables if t["overflow"] > 0] == [], path
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (
            path
        )
    # The shift board's tables too, once the board has drawn the shift: mission, status, dose,
    # unit and actions in view without scrolling its card sideways.
    page.goto(f"{live_server.url}/supervisor/")
    page.wait_for_selector("#board[data-ready='1'] #board-beats table")
    tables = page.evaluate(OVERFLOWS)
    assert len(tables) >= 2 and [t for t in tables if t["overflow"] > 0] == [], tables
    page.goto(f"{live_server.url}/missions/reports/")
    assert "Ended early" in page.inner_text("main")
    assert page.js_errors == [] and page.csp_violations == []
    screenshot(page, "reports")
