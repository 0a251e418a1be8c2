"""Real Chromium without network: the installed service worker reloads the officer page and this
shift's missions offline; actions taken offline wait on their card, survive a reload, belong to the
officer who took them, and are sent after he signs in again."""

import pytest

from missions import services
from missions.models import Mission
from tactics.models import TacticUse
from tests.browser.conftest import sign_in
from tests.browser.officer_field import MDT, PHONE, officer_page, plan_shift_for  # noqa: F401
from tests.missions.factories import OfficerProfileFactory, serve_dose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MISSIONS_API = "/api/v1/officer/missions/"
KEPT_FOR_OFFLINE = f"""() => navigator.serviceWorker.controller !== null && Promise.all([
  caches.open('missions-data').then((c) => c.match('{MISSIONS_API}')),
  caches.match('/officer/')]).then((kept) => kept.every(Boolean))"""
QUEUED = "() => Object.keys(localStorage).filter((k) => k.startsWith('missions.offlineQueue.'))" \
         ".map((k) => [k, JSON.parse(localStorage.getItem(k)).map((i) => i.action)])"


def wait_until_kept(page, tries=75):
    """Until the service worker controls the page and keeps it and the missions. Polled with
    evaluate, which awaits the check's promise (wait_for_function would take a promise as true)."""
    for _ in range(tries):
        if page.evaluate(KEPT_FOR_OFFLINE):
            return
        page.wait_for_timeout(200)
    raise AssertionError("the service worker did not keep the officer page and its missions")


def set_offline(page, offline: bool):
    """The device without network. Chromium's offline emulation now and then still lets out a POST
    that falls through the service worker (the server completed a mission the page saw fail), so
    while offline the API's writes are also aborted here, as on a device without network."""
    if offline:
        page.context.route("**/api/v1/**", abort_writes)
    else:  # before the network is back: the page sends what waits as soon as it is
        page.context.unroute("**/api/v1/**", abort_writes)
    page.context.set_offline(offline)


def abort_writes(route):
    if route.request.method == "GET":
        route.fallback()
    else:
        route.abort("internetdisconnected")


def after_a_tick(card):
    """Until the card's running timer has moved on: its tick (which shows the dose buttons) has run."""
    shown = card.locator(".m-clock").inner_text()
    moved = card.locator(".m-clock").evaluate(
        "(clock, shown) => new Promise((done) => { let waited = 0; const id = setInterval(() => {"
        " waited += 100; if (clock.textContent !== shown || waited > 5000) { clearInterval(id);"
        " done(clock.textContent !== shown); } }, 100); })", shown)
    assert moved, "the card's timer did not tick"


def test_offline_reload_shows_the_shifts_missions_from_the_service_worker(
    forecast, now_window, officer, officer_page,  # noqa: F811
):
    missions = plan_shift_for(officer, forecast, now_window)
    page = officer_page("officer", viewport=MDT)
    wait_until_kept(page)
    shown = sorted(int(v) for v in page.locator(".mission-card").evaluate_all("(cards) => cards.map((c) => c.dataset.mission)"))
    assert shown == sorted(m.pk for m in missions)

    # The server now has one mission fewer: a page showing all of them offline shows the kept copy.
    Mission.objects.filter(pk=missions[-1].pk).delete()
    set_offline(page, True)
    response = page.reload()
    assert response.from_service_worker
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    assert page.locator(".mission-card").count() == len(missions)
    assert f"{len(missions)} missions this shift." in page.inner_text("#mdt-status")
    assert page.get_attribute("#map", "data-missions-drawn") == str(len(missions))

    # Positive control: back online, the page shows the server's answer again.
    set_offline(page, False)
    page.reload()
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    assert page.locator(".mission-card").count() == len(missions) - 1


def test_queued_report_waits_survives_reload_stays_with_its_officer_and_is_sent_after_sign_in(
    forecast, now_window, tactics, officer, role_user, officer_page, live_server,  # noqa: F811
):
    mission = plan_shift_for(officer, forecast, now_window)[0]
    colleague = role_user("Officer", username="colleague")
    OfficerProfileFactory(user=colleague, badge_number="4712", home_beat=mission.beat)  # same beat, same cards
    services.start_mission(user=officer, mission_id=mission.pk, reason="GPS not available")
    serve_dose(mission)  # Complete is offered once the dose is served
    page = officer_page("officer", viewport=PHONE)
    wait_until_kept(page)
    card = page.locator(f".mission-card[data-mission='{mission.pk}']")

    # Offline: Complete is kept, and the card says it waits instead of offering Complete (or End
    # early) again.
    set_offline(page, True)
    card.locator(".m-tactic-list label", has_text="Community contact").click()
    card.locator(".m-complete").click()
    card.locator(".m-waiting").wait_for(state="visible")
    assert card.locator(".m-waiting").inner_text().startswith("Waiting to send: complete")
    after_a_tick(card)  # the timer's tick decides the dose buttons: it must not bring one back
    assert not card.locator(".m-complete").is_visible() and not card.locator(".m-end-early").is_visible()
    assert page.evaluate(QUEUED) == [[f"missions.offlineQueue.user.{officer.pk}", ["complete"]]]

    # A reload without network: the page, the missions and the waiting action are all still there.
    page.reload()
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    card.locator(".m-waiting").wait_for(state="visible")
    after_a_tick(card)
    assert not card.locator(".m-complete").is_visible() and not card.locator(".m-end-early").is_visible()

    # Network back but the session gone: the server says 401, and the action is kept, not dropped.
    page.context.clear_cookies()
    set_offline(page, False)
    page.wait_for_function("() => /Sign in again to send 1/.test(document.querySelector('#mdt-queue').textContent)")
    assert page.evaluate(QUEUED) == [[f"missions.offlineQueue.user.{officer.pk}", ["complete"]]]
    mission.refresh_from_db()
    assert mission.status == "active"

    # A colleague signs in on the same device: he neither sees nor sends the officer's action.
    sign_in(page, live_server.url, "colleague")
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    assert page.locator(f".mission-card[data-mission='{mission.pk}'] .m-waiting").is_hidden()
    mission.refresh_from_db()
    assert mission.status == "active"
    assert page.evaluate(QUEUED) == [[f"missions.offlineQueue.user.{officer.pk}", ["complete"]]]
    page.click(".menu-button")
    page.click(".logout button")
    page.wait_for_url("**/accounts/login/**")

    # The officer signs in again: the action is sent once, and the card shows what he reported.
    sign_in(page, live_server.url, "officer")
    page.wait_for_selector(f".mission-card.status-completed[data-mission='{mission.pk}']", timeout=15_000)
    mission.refresh_from_db()
    assert mission.status == "completed"
    assert list(TacticUse.objects.filter(mission=mission).values_list("tactic__name", flat=True)) == ["Community contact"]
    assert card.locator(".m-reported").inner_text() == "Tactics reported: Community contact"
    assert page.evaluate(QUEUED) == []
    assert page.inner_text("#mdt-queue") == "Saved actions sent (1)."
    assert page.js_errors == [] and page.csp_violations == []


def test_signing_out_forgets_the_kept_shift(forecast, now_window, officer, officer_page, live_server):  # noqa: F811
    plan_shift_for(officer, forecast, now_window)
    page = officer_page("officer", viewport=MDT)
    wait_until_kept(page)
    page.click(".logout button")
    page.wait_for_url("**/accounts/login/**")
    names = page.evaluate("() => caches.keys()")
    assert [n for n in names if n.startswith("missions-")] == []
    set_offline(page, True)
    with pytest.raises(Exception, match="ERR_INTERNET_DISCONNECTED|ERR_FAILED"):
        page.goto(f"{live_server.url}/officer/")


def test_an_action_refused_on_its_merits_is_dropped_with_the_reason(
    forecast, now_window, tactics, officer, officer_page,  # noqa: F811
):
    mission = plan_shift_for(officer, forecast, now_window)[0]
    services.start_mission(user=officer, mission_id=mission.pk, reason="GPS not available")
    serve_dose(mission)
    page = officer_page("officer", viewport=PHONE)
    wait_until_kept(page)
    card = page.locator(f".mission-card[data-mission='{mission.pk}']")
    set_offline(page, True)
    card.locator(".m-complete").click()
    card.locator(".m-waiting").wait_for(state="visible")

    # Meanwhile the mission was completed from another device: the server refuses the repeat.
    services.complete_mission(user=officer, mission_id=mission.pk, tactic_ids=[], notes="From the MDT.")
    set_offline(page, False)
    page.wait_for_function("() => /Not accepted: /.test(document.querySelector('#mdt-queue').textContent)")
    assert page.evaluate(QUEUED) == []
    page.wait_for_selector(f".mission-card.status-completed[data-mission='{mission.pk}']")
    assert card.locator(".m-waiting").is_hidden()
    mission.refresh_from_db()
    assert mission.notes == "From the MDT."


def test_a_start_saved_offline_without_gps_carries_its_reason_and_is_sent(
    forecast, now_window, officer, officer_page,  # noqa: F811
):
    mission = plan_shift_for(officer, forecast, now_window)[0]
    page = officer_page("officer", viewport=PHONE)  # no GPS
    wait_until_kept(page)
    card = page.locator(f".mission-card[data-mission='{mission.pk}']")
    set_offline(page, True)
    card.locator(".m-start").click()
    card.locator(".m-manual").wait_for(state="visible")  # asked on the device: no server to ask
    card.locator(".m-start-manual").click()
    card.locator(".m-waiting").wait_for(state="visible")
    assert card.locator(".m-waiting").inner_text().startswith("Waiting to send: start")
    assert not card.locator(".m-start").is_visible()
    # A start waiting counts as active: before its dose, the card offers End early (not Complete).
    assert card.locator(".m-end-early").is_visible() and not card.locator(".m-complete").is_visible()

    set_offline(page, False)
    page.wait_for_selector(f".mission-card.status-active[data-mission='{mission.pk}']", timeout=15_000)
    mission.refresh_from_db()
    assert mission.status == "active" and mission.visits.get().start_reason == "GPS not available"
    assert page.evaluate(QUEUED) == []
