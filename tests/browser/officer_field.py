"""Shared set-up of the officer's field tests: a planned shift on the officer's beat, a phone or MDT
browser context, and measurements made in the page (overflow, touch targets, contrast)."""

import pytest

from agency.models import Beat, MissionPolicy
from missions import services
from missions.models import Mission
from tests.browser.conftest import signed_in, watched_page
from tests.missions.factories import OfficerProfileFactory, serve_dose

PHONE = {"width": 390, "height": 844}
NARROW_PHONE = {"width": 360, "height": 740}
MDT = {"width": 1024, "height": 768}
MIN_TOUCH_PX = 44
MIN_CONTRAST = 4.5


def plan_shift_for(
    officer, forecast, now_window, badge="4711", beat="D1-B1", per_beat=None
) -> list[Mission]:
    """The shift under way planned (`per_beat` missions a beat, else the policy's), the officer on its
    beat; his missions in rank order."""
    if per_beat is not None:
        policy = MissionPolicy.current()
        policy.missions_per_beat_per_shift = per_beat
        policy.save()
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    OfficerProfileFactory(user=officer, badge_number=badge, home_beat=Beat.objects.get(code=beat))
    return list(Mission.objects.filter(beat__code=beat).order_by("rank"))


def every_card_state(officer, forecast, now_window) -> dict[str, Mission]:
    """Four missions, one in each state a card can show, so every control is on the page at once:
    "completed" (tactics to correct, Save tactics), "served" (active, dose met: Complete), "short"
    (active, just started: End early) and "planned" (Start)."""
    completed, served, short, planned = plan_shift_for(officer, forecast, now_window, per_beat=4)
    for mission in (completed, served):
        services.start_mission(user=officer, mission_id=mission.pk, reason="GPS not available")
        serve_dose(mission)
    services.complete_mission(user=officer, mission_id=completed.pk, tactic_ids=[], notes="")
    # Starting the next ends the officer's visit to `served` (one box at a time); its dose stays met.
    services.start_mission(user=officer, mission_id=short.pk, reason="GPS not available")
    return {"completed": completed, "served": served, "short": short, "planned": planned}


def card(mission) -> str:
    return f".mission-card[data-mission='{mission.pk}']"


def open_officer_page(browser, live_server, username, *, viewport=MDT, **context_options):
    """A signed-in officer's page in a fresh context (phone: touch and mobile viewport)."""
    phone = viewport["width"] < MDT["width"]
    context = browser.new_context(
        viewport=viewport, is_mobile=phone, has_touch=phone, **context_options
    )
    page = watched_page(context)
    signed_in(page, live_server.url, username)
    assert page.url.endswith("/officer/")
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    return page


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: no sideways scroll)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


# The visible controls a finger must hit, with their size. A checkbox counts by its label (the label
# is the target); attribution links are inline text (WCAG 2.5.8 exempts them).
TOUCH_TARGETS = """() => Array.from(document.querySelectorAll(
    "a[href], button, select, textarea, input:not([type=checkbox]):not([type=hidden]), label.check"))
  .filter((el) => el.offsetParent !== null && !el.closest(".leaflet-control-attribution"))
  .map((el) => { const r = el.getBoundingClientRect();
    return { what: el.tagName + "." + el.className + " " + (el.textContent || "").trim().slice(0, 30),
             width: r.width, height: r.height }; })"""


def touch_targets(page) -> list[dict]:
    targets = page.evaluate(TOUCH_TARGETS)
    assert targets, "no controls found: the measurement would pass on an empty page"
    return targets


def small_touch_targets(page) -> list[dict]:
    return [
        t for t in touch_targets(page) if t["width"] < MIN_TOUCH_PX or t["height"] < MIN_TOUCH_PX
    ]


# Text colour and the colour behind it (the first ancestor with an opaque background).
COLOURS = """(selector) => { const el = document.querySelector(selector); if (!el) { return null; }
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  let node = el, bg = null;
  while (node && node.nodeType === 1) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length < 4 || c[3] > 0.9) { bg = c.slice(0, 3); break; }
    node = node.parentElement;
  }
  return { text: rgb(getComputedStyle(el).color).slice(0, 3), background: bg || [255, 255, 255] }; }"""


def contrast(page, selector: str) -> float:
    """WCAG 2 contrast ratio of the element's text against its background."""
    colours = page.evaluate(COLOURS, selector)
    assert colours is not None, f"{selector} not on the page"
    lighter, darker = sorted(
        (luminance(colours["text"]), luminance(colours["background"])), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def luminance(rgb) -> float:
    def channel(value):
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.fixture
def officer_page(browser, live_server):
    """open(username, viewport=…, **context options) → a signed-in officer page; closed afterwards."""
    contexts = []

    def open_(username, **options):
        page = open_officer_page(browser, live_server, username, **options)
        contexts.append(page.context)
        return page

    yield open_
    for context in contexts:
        context.close()
