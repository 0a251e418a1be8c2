"""Real Chromium at phone sizes (390 × 844 and 360 wide) and on the MDT (1024 × 768): no sideways
scroll, the menu reachable, touch targets of 44 px and more, and the night theme with its contrast."""

import pytest

from missions import services
from tests.browser.conftest import screenshot, settled
from tests.browser.officer_field import (
    MDT,
    MIN_CONTRAST,
    NARROW_PHONE,
    PHONE,
    card,
    contrast,
    every_card_state,
    horizontal_overflow,
    officer_page,  # noqa: F401
    plan_shift_for,
    small_touch_targets,
    touch_targets,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Pages an officer reaches from his menu or by link.
OFFICER_PAGES = ["/officer/", "/accounts/tokens/", "/accounts/mfa/enrol/", "/public/"]


@pytest.mark.parametrize("viewport", [NARROW_PHONE, PHONE], ids=["360", "390"])
def test_no_sideways_scroll_and_the_menu_opens_on_a_phone(
    viewport,
    forecast,
    now_window,
    tactics,
    officer,
    officer_page,
    live_server,  # noqa: F811
):
    missions = plan_shift_for(officer, forecast, now_window)
    services.start_mission(user=officer, mission_id=missions[0].pk, reason="GPS not available")
    page = officer_page("officer", viewport=viewport)
    width = viewport["width"]
    for path in OFFICER_PAGES:
        page.goto(live_server.url + path)
        settled(page)  # the officer's cards drawn: they are part of the width
        assert horizontal_overflow(page) == 0, path

        nav_link = page.locator(".topbar nav a", has_text="My shift")
        assert not nav_link.is_visible(), "the links fold away on a phone"
        page.click(".menu-button")
        assert nav_link.is_visible(), path
        box = nav_link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, path
        assert page.get_attribute(".menu-button", "aria-expanded") == "true"
        assert horizontal_overflow(page) == 0, path
    assert page.js_errors == [] and page.csp_violations == []


def test_menu_is_open_on_the_mdt_without_a_button(forecast, now_window, officer, officer_page):  # noqa: F811
    plan_shift_for(officer, forecast, now_window)
    page = officer_page("officer", viewport=MDT)
    assert page.locator(".topbar nav a", has_text="My shift").is_visible()
    assert not page.locator(".menu-button").is_visible()
    assert horizontal_overflow(page) == 0


# The dose controls as TOUCH_TARGETS names them: each must be measured, not only pass.
DOSE_CONTROLS = [
    "BUTTON.big ok m-complete Complete",
    "BUTTON.big m-end-early End early",
    "SELECT.m-end-reason",
    "INPUT.m-end-words",
    "BUTTON.big m-save-tactics Save tactics",
]


def show_every_control(page, missions):
    """Every card's controls on show: the End early reasons opened (its first tap) on the short mission."""
    page.locator(card(missions["served"])).locator(".m-complete").wait_for(state="visible")
    page.locator(card(missions["completed"])).locator(".m-save-tactics").wait_for(state="visible")
    page.locator(card(missions["short"])).locator(".m-end-early").click()
    page.locator(card(missions["short"])).locator(".m-end").wait_for(state="visible")


@pytest.mark.parametrize("viewport", [PHONE, MDT], ids=["phone", "mdt"])
def test_every_control_on_the_officer_page_is_44_px_or_more(
    viewport,
    forecast,
    now_window,
    tactics,
    officer,
    officer_page,  # noqa: F811
):
    # Missions in every state, so Start, Complete, End early with its reasons, tactics, notes and
    # Save tactics are all on the page.
    missions = every_card_state(officer, forecast, now_window)
    page = officer_page("officer", viewport=viewport)
    show_every_control(page, missions)
    if viewport is PHONE:
        page.click(".menu-button")
    measured = [t["what"] for t in touch_targets(page)]
    assert [c for c in DOSE_CONTROLS if not any(w.startswith(c) for w in measured)] == [], measured
    assert small_touch_targets(page) == []

    # The measurement catches a small control (positive control): the cards' action buttons made small
    # (all of a row, which stretches its buttons to the tallest).
    page.evaluate(
        "() => document.querySelectorAll('.m-actions button').forEach((b) => b.classList.remove('big'))"
    )
    assert sorted(t["what"] for t in small_touch_targets(page)) == [
        "BUTTON.m-end-early End early",
        "BUTTON.m-start Resume",
        "BUTTON.m-start Start",
        "BUTTON.ok m-complete Complete",
    ]


def test_night_theme_follows_the_device_with_readable_contrast(
    forecast,
    now_window,
    tactics,
    officer,
    officer_page,  # noqa: F811
):
    missions = every_card_state(officer, forecast, now_window)
    page = officer_page("officer", viewport=PHONE, color_scheme="dark")
    assert page.get_attribute("html", "data-theme") == "dark"
    show_every_control(page, missions)
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(14, 19, 27)"
    served, short, completed = (
        card(missions["served"]),
        card(missions["short"]),
        card(missions["completed"]),
    )
    key_text = [
        "main h1",
        ".mdt-status",
        ".mission-card .m-title",
        ".mission-card .m-reasons li",
        ".mission-card .badge",
        ".mission-card .m-distance",
        ".m-navigate",
        f"{served} .m-complete",
        ".mission-card.status-planned .m-start",
        ".menu-button",
        ".brand",
        f"{short} .m-end-early",
        f"{short} .m-end label",
        f"{short} .m-end-reason",
        f"{short} .m-end-words",
        f"{completed} .m-reported",
        f"{completed} .m-notes",
        f"{completed} .m-save-tactics",
        f"{completed} .badge",
    ]
    ratios = {selector: round(contrast(page, selector), 2) for selector in key_text}
    assert {s: r for s, r in ratios.items() if r < MIN_CONTRAST} == {}, ratios
    # The map: a dark ground, and boxes drawn in the lightened status colours, filled more strongly.
    assert (
        page.evaluate("() => getComputedStyle(document.querySelector('#map')).backgroundColor")
        == "rgb(17, 24, 33)"
    )
    box_styles = page.evaluate("""() => Object.values(document.querySelector('#map').leafletMap._layers)
        .filter((l) => l.feature && l.feature.properties.status)
        .map((l) => [l.options.color, l.options.fillOpacity])""")
    assert ["#f5a35c", 0.4] in box_styles and ["#7ea6f4", 0.4] in box_styles
    screenshot(page, "officer-phone-night")

    # The check fails on poor contrast (positive control): grey on the night background.
    page.evaluate("() => document.querySelector('.mdt-status').classList.add('hint')")
    page.evaluate("() => { document.documentElement.style.setProperty('--muted', '#3a4559'); }")
    assert contrast(page, ".mdt-status.hint") < MIN_CONTRAST
    assert page.js_errors == [] and page.csp_violations == []


def test_theme_toggle_stays_and_auto_follows_the_device(
    forecast, now_window, officer, officer_page
):  # noqa: F811
    plan_shift_for(officer, forecast, now_window)
    page = officer_page("officer", viewport=MDT, color_scheme="light")
    assert page.get_attribute("html", "data-theme") == "light"
    page.select_option(".theme-choice select", "dark")
    assert page.get_attribute("html", "data-theme") == "dark"
    page.reload()
    page.wait_for_selector("#map[data-ready='1']")
    assert page.get_attribute("html", "data-theme") == "dark"
    assert page.input_value(".theme-choice select") == "dark"

    page.select_option(".theme-choice select", "auto")
    assert page.get_attribute("html", "data-theme") == "light"
    page.emulate_media(color_scheme="dark")
    page.wait_for_function("() => document.documentElement.dataset.theme === 'dark'")
    page.reload()
    assert (
        page.get_attribute("html", "data-theme") == "dark"
        and page.input_value(".theme-choice select") == "auto"
    )
