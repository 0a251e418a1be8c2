"""Real Chromium on the officer's MDT view: log in, see the shift's missions on the map and in the
list, tap Start (no GPS: choose a reason), watch the server-based timer run, end early with a reason
before the dose is served, and complete another mission whose dose is served, with a tactic."""

import pytest

from agency.models import Beat
from missions import services
from missions.models import Mission
from tactics.models import TacticUse
from tests.browser.conftest import screenshot
from tests.missions.factories import OfficerProfileFactory, serve_dose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_starts_and_completes_a_mission(
    forecast, policy, now_window, tactics, officer, login
):  # noqa: F811
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    OfficerProfileFactory(
        user=officer, badge_number="4711", home_beat=Beat.objects.get(code="D1-B1")
    )

    page = login("officer")
    assert page.url.endswith("/officer/")
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    cards = page.locator(".mission-card")
    assert cards.count() == 2
    assert page.get_attribute("#map", "data-missions-drawn") == "2"  # boxes drawn (on a canvas)
    assert "2 missions this shift." in page.inner_text("#mdt-status")

    first = cards.first
    mission = Mission.objects.get(pk=int(first.get_attribute("data-mission")))
    first.locator(".m-start").click()  # no GPS in the test browser: the reason picker appears
    first.locator(".m-manual").wait_for(state="visible", timeout=5_000)
    first.locator(".m-start-manual").click()
    page.wait_for_function(
        "() => document.querySelector('.mission-card.status-active .m-clock') !== null",
        timeout=10_000,
    )
    active = page.locator(".mission-card.status-active")
    # Started by hand with no position (this browser has no GPS): nothing is measured, and the
    # timer says so instead of counting (docs/adr/0026).
    active.locator(".m-stale").wait_for(state="visible", timeout=5_000)
    assert "No position yet" in active.locator(".m-stale").inner_text()
    page.wait_for_timeout(1_500)
    assert active.locator(".m-clock").inner_text() == "0:00"
    mission.refresh_from_db()
    assert mission.status == "active" and mission.visits.get().start_reason == "GPS not available"
    screenshot(page, "officer-mission-active")

    # The dose is not served: no Complete, only End early, which asks for a reason first.
    assert active.locator(".m-complete").is_hidden() and active.locator(".m-end-early").is_visible()
    active.locator(".m-end-early").click()
    active.locator(".m-end").wait_for(state="visible", timeout=5_000)
    active.locator(".m-end-early").click()  # no reason chosen: nothing is sent
    assert "Choose why" in page.inner_text("#mdt-status")
    active.locator(".m-end-reason").select_option("called_away")
    active.locator(".m-end-early").click()
    page.wait_for_selector(
        f".mission-card.status-ended_early[data-mission='{mission.pk}']", timeout=10_000
    )
    mission.refresh_from_db()
    assert mission.status == "ended_early" and mission.ended_reason_code == "called_away"
    assert mission.minutes_served is not None and mission.minutes_served < mission.dose_minutes
    # Until the shift ends its tactics can still be reported.
    ended = page.locator(f".mission-card[data-mission='{mission.pk}']")
    ended.locator(".m-tactic-list label", has_text="Community contact").click()
    ended.locator(".m-save-tactics").click()
    page.wait_for_function(
        "() => document.getElementById('mdt-status').textContent === 'Tactics saved.'",
        timeout=10_000,
    )
    assert list(
        TacticUse.objects.filter(mission=mission).values_list("tactic__name", flat=True)
    ) == ["Community contact"]

    # Another mission whose dose is served: Complete, with the tactics used.
    # The ended-early card now sorts below the planned one (cards under way or planned first).
    assert cards.nth(1).get_attribute("data-mission") == str(mission.pk)
    second = Mission.objects.get(pk=int(cards.nth(0).get_attribute("data-mission")))
    services.start_mission(user=officer, mission_id=second.pk, reason="GPS not available")
    serve_dose(second)
    page.reload()
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    active = page.locator(f".mission-card.status-active[data-mission='{second.pk}']")
    active.locator(".m-complete").wait_for(state="visible", timeout=5_000)
    assert active.locator(".m-end-early").is_hidden()
    active.locator(".m-tactic-list label", has_text="Community contact").click()
    active.locator(".m-notes").fill("Talked to the shop owners.")
    active.locator(".m-complete").click()
    page.wait_for_selector(
        f".mission-card.status-completed[data-mission='{second.pk}']", timeout=10_000
    )
    second.refresh_from_db()
    assert second.status == "completed" and second.notes == "Talked to the shop owners."
    assert list(
        TacticUse.objects.filter(mission=second).values_list("tactic__name", flat=True)
    ) == ["Community contact"]
    assert page.js_errors == []
    screenshot(page, "officer-mission-completed")
