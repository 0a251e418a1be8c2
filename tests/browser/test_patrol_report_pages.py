# ruff: noqa: F811 - fixtures imported to be reused, and named again as arguments
"""The dosage, unit and crime-and-dosage reports in real Chromium, on a desktop and on a phone:
whole minutes, a unit chart whose bars are the units' (missions nobody reached stay in the table),
chart text readable at 390 px, and weeks without measured patrol said in words."""

import re
from datetime import timedelta

import pytest

from tests.browser.conftest import watched_page
from tests.oversight.conftest import place_incident  # noqa: F401
from tests.oversight.test_measured_patrol import drive, past_plan, past_window  # noqa: F401
from tests.oversight.test_patrol_reports import tracks  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
READABLE_PX = 10  # the smallest chart text a phone shows legibly

# Per chart text: its rendered size (font size in the chart's units × the chart's scale on screen).
CHART_TEXT_PX = """() => [...document.querySelectorAll('svg.oversight-chart text')].map(t =>
  parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a)"""


def test_reports_read_on_a_desktop_and_on_a_phone(
    tracks, past_window, supervisor, login, browser, live_server
):
    day = past_window.date.isoformat()
    query = f"?date_from={day}&date_to={day}"
    page = login("supervisor")
    page.goto(f"{live_server.url}/oversight/dosage/{query}")
    for total in ("#planned-total", "#measured-total"):
        assert re.fullmatch(r"\d{1,3}(,\d{3})*", page.inner_text(total)), total  # was "30.0"
    unit_labels = page.locator("#by-unit svg text.label").all_text_contents()
    assert {"1A10", "1A11"} <= set(unit_labels) and "(no unit)" not in unit_labels
    assert "(no unit)" in page.inner_text("#by-unit table")  # the missions nobody reached
    # The widest bar is a unit's (1A10's 20 measured minutes), not the unreached missions' dose.
    widest = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('#by-unit svg rect')].map(r => r.getBBox().width))"
    )
    assert widest > 300, widest
    page.goto(f"{live_server.url}/oversight/crime-and-dosage/{query}")
    assert page.locator("#weekly td.ov-nodata").count() == 0  # the one week has patrol
    assert "Only one week of this period has measured patrol" in page.inner_text("#weeks-note")

    context = browser.new_context(viewport=PHONE, storage_state=page.context.storage_state())
    phone = watched_page(context)
    for path in ("dosage", "units", "crime-and-dosage"):
        phone.goto(f"{live_server.url}/oversight/{path}/{query}")
        sizes = phone.evaluate(CHART_TEXT_PX)
        assert sizes and min(sizes) >= READABLE_PX, (path, min(sizes))  # was 6.4 px
        width = phone.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], path  # the chart scrolls in its card, not the page
    assert phone.js_errors == [] and phone.csp_violations == []
    context.close()
    assert page.js_errors == [] and page.csp_violations == []


def test_a_week_without_measured_patrol_says_so(
    tracks, past_window, supervisor, login, live_server
):
    start = past_window.date - timedelta(days=14)  # two weeks before the measured shift
    page = login("supervisor")
    page.goto(
        f"{live_server.url}/oversight/crime-and-dosage/?date_from={start}&date_to={past_window.date}"
    )
    empty = page.locator("#weekly td.ov-nodata")
    assert empty.count() == 2 and "No patrol measured" in empty.first.inner_text()
    assert page.locator("#weekly svg circle").count() == 2  # one week, two series: its dots only
