"""Real Chromium without network: the installed service worker reloads the officer page and this
shift's missions offline; actions taken offline wait on their card, survive a reload, belong to the
officer who took them, and are sent after he signs in again."""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from agency.models import Agency
from forecasting import street_api
from geo.street_services import import_streets
from missions import services
from missions.models import Mission
from tactics.models import TacticUse
from tests.browser.conftest import screenshot, sign_in
from tests.browser.officer_field import (  # noqa: F401
    MDT,
    MIN_CONTRAST,
    PHONE,
    contrast,
    officer_page,
    plan_shift_for,
)
from tests.missions.factories import OfficerProfileFactory, serve_dose
from tests.streets_helpers import write_streets

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MISSIONS_API = "/api/v1/officer/missions/"
KEPT_FOR_OFFLINE = f"""() => navigator.serviceWorker.controller !== null && Promise.all([
  caches.open('missions-data').then((c) => c.match('{MISSIONS_API}')),
  caches.match('/officer/')]).then((kept) => kept.every(Boolean))"""
QUEUED_START_AT = (
    "() => Object.keys(localStorage).filter((k) => k.startsWith('missions.offlineQueue.'))"
    ".flatMap((k) => JSON.parse(localStorage.getItem(k))).find((i) => i.action === 'start').body.at"
)
CLOCK_TOLERANCE_S = 2.5  # a tick is a second; the page and the test read the clock a moment apart
QUEUED = (
    "() => Object.keys(localStorage).filter((k) => k.startsWith('missions.offlineQueue.'))"
    ".map((k) => [k, JSON.parse(localStorage.getItem(k)).map((i) => i.action)])"
)


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
    # The emulation reaches the page's network a moment later: act only once the page sees it.
    page.wait_for_function("(offline) => navigator.onLine === !offline", arg=offline)


def abort_writes(route):
    if route.request.method == "GET":
        route.fallback()
    else:
        route.abort("internetdisconnected")


def after_a_tick(card):
    """Until the card's running timer has moved on: its tick (which shows the dose buttons) has run.
    The locator is read again each time: a reload of the missions redraws the cards."""
    shown = card.locator(".m-clock").inner_text()
    for _ in range(50):
        card.page.wait_for_timeout(100)
        if card.locator(".m-clock").inner_text() != shown:
            return
    raise AssertionError("the card's timer did not tick")


def test_offline_reload_shows_the_shifts_missions_from_the_service_worker(
    forecast,
    now_window,
    officer,
    officer_page,  # noqa: F811
):
    missions = plan_shift_for(officer, forecast, now_window)
    page = officer_page("officer", viewport=MDT)
    wait_until_kept(page)
    shown = sorted(
        int(v)
        for v in page.locator(".mission-card").evaluate_all(
            "(cards) => cards.map((c) => c.dataset.mission)"
        )
    )
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
    forecast,
    now_window,
    tactics,
    officer,
    role_user,
    officer_page,
    live_server,  # noqa: F811
):
    mission = plan_shift_for(officer, forecast, now_window)[0]
    colleague = role_user("Officer", username="colleague")
    OfficerProfileFactory(
        user=colleague, badge_number="4712", home_beat=mission.beat
    )  # same beat, same cards
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
    assert (
        not card.locator(".m-complete").is_visible()
        and not card.locator(".m-end-early").is_visible()
    )
    assert page.evaluate(QUEUED) == [[f"missions.offlineQueue.user.{officer.pk}", ["complete"]]]

    # A reload without network: the page, the missions and the waiting action are all still there.
    page.reload()
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    card.locator(".m-waiting").wait_for(state="visible")
    after_a_tick(card)
    assert (
        not card.locator(".m-complete").is_visible()
        and not card.locator(".m-end-early").is_visible()
    )

    # Network back but the session gone: the server says 401, and the action is kept, not dropped.
    page.context.clear_cookies()
    set_offline(page, False)
    page.wait_for_function(
        "() => /Sign in again to send 1/.test(document.querySelector('#mdt-queue').textContent)"
    )
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
    page.wait_for_selector(
        f".mission-card.status-completed[data-mission='{mission.pk}']", timeout=15_000
    )
    mission.refresh_from_db()
    assert mission.status == "completed"
    assert list(
        TacticUse.objects.filter(mission=mission).values_list("tactic__name", flat=True)
    ) == ["Community contact"]
    assert card.locator(".m-reported").inner_text() == "Tactics reported: Community contact"
    assert page.evaluate(QUEUED) == []
    assert page.inner_text("#mdt-queue") == "Saved actions sent (1)."
    assert page.js_errors == [] and page.csp_violations == []


def test_signing_out_forgets_the_kept_shift(
    forecast, now_window, officer, officer_page, live_server
):  # noqa: F811
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


# Streets of a view the worker is asked to keep: answered slowly, so the answer is still on its way
# when the officer signs out.
SLOW_STREETS = "/api/v1/streets/?bbox=-79.41,43.64,-79.40,43.65&zoom=16"
SLOW_ANSWER_S = 1.5


def test_an_answer_arriving_after_signing_out_is_not_kept(
    forecast, now_window, officer, officer_page, live_server, monkeypatch
):  # noqa: F811
    plan_shift_for(officer, forecast, now_window)
    page = officer_page("officer", viewport=MDT)
    wait_until_kept(page)
    answer = street_api.streets_in_view

    def slow(**view):
        time.sleep(SLOW_ANSWER_S)
        return answer(**view)

    monkeypatch.setattr(street_api, "streets_in_view", slow)  # the live server's thread reads it
    page.evaluate(
        "(url) => navigator.serviceWorker.controller.postMessage({ beatStreets: url })",
        SLOW_STREETS,
    )
    page.click(".logout button")
    page.wait_for_url("**/accounts/login/**")
    page.wait_for_timeout(SLOW_ANSWER_S * 1000 + 1000)  # the streets' answer has come and gone
    names = page.evaluate("() => caches.keys()")
    assert [n for n in names if n.startswith("missions-")] == []
    # The control: signed in again, the officer page is kept for offline use as before.
    monkeypatch.setattr(street_api, "streets_in_view", answer)
    sign_in(page, live_server.url, "officer")
    page.goto(f"{live_server.url}/officer/")
    wait_until_kept(page)


def test_an_action_refused_on_its_merits_is_dropped_with_the_reason(
    forecast,
    now_window,
    tactics,
    officer,
    officer_page,  # noqa: F811
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
    services.complete_mission(
        user=officer, mission_id=mission.pk, tactic_ids=[], notes="From the MDT."
    )
    set_offline(page, False)
    page.wait_for_function(
        "() => /Not accepted: /.test(document.querySelector('#mdt-queue').textContent)"
    )
    assert page.evaluate(QUEUED) == []
    page.wait_for_selector(f".mission-card.status-completed[data-mission='{mission.pk}']")
    assert card.locator(".m-waiting").is_hidden()
    mission.refresh_from_db()
    assert mission.notes == "From the MDT."


def test_a_start_saved_offline_without_gps_carries_its_reason_runs_the_timer_and_is_sent(
    forecast,
    now_window,
    officer,
    officer_page,  # noqa: F811
):
    mission = plan_shift_for(officer, forecast, now_window)[0]
    page = officer_page("officer", viewport=PHONE)  # no GPS
    wait_until_kept(page)
    card = page.locator(f".mission-card[data-mission='{mission.pk}']")
    assert card.locator(".m-timer").is_hidden()  # control: a planned mission shows no timer
    set_offline(page, True)
    card.locator(".m-start").click()
    card.locator(".m-manual").wait_for(state="visible")  # asked on the device: no server to ask
    card.locator(".m-start-manual").click()
    card.locator(".m-waiting").wait_for(state="visible")
    assert card.locator(".m-waiting").inner_text().startswith("Waiting to send: start")
    assert not card.locator(".m-start").is_visible()
    # A start waiting counts as active: before its dose, the card offers End early (not Complete).
    assert (
        card.locator(".m-end-early").is_visible() and not card.locator(".m-complete").is_visible()
    )

    # The timer runs at once, from the start's saved time, marked as not yet on the server.
    assert card.locator(".m-timer").is_visible()
    assert card.locator(".m-unsent").inner_text() == "Saved, not yet sent"
    assert "unsent" in card.get_attribute("class") and "status-planned" in card.get_attribute(
        "class"
    )
    after_a_tick(card)
    saved_at = datetime.fromisoformat(page.evaluate(QUEUED_START_AT).replace("Z", "+00:00"))
    assert abs((timezone.now() - saved_at).total_seconds()) < CLOCK_TOLERANCE_S
    assert (
        abs(clock_seconds(card) - (timezone.now() - saved_at).total_seconds()) <= CLOCK_TOLERANCE_S
    )

    # Still running after a reload without network (the queue and its time are on the device).
    page.wait_for_timeout(2_000)
    page.reload()
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    after_a_tick(card)
    assert card.locator(".m-unsent").is_visible()
    assert (
        abs(clock_seconds(card) - (timezone.now() - saved_at).total_seconds()) <= CLOCK_TOLERANCE_S
    )

    # Back online: the server's visit starts at the saved time and its timer takes over: started
    # by hand with no position, its time is self-reported, and the card says so (docs/adr/0026).
    set_offline(page, False)
    page.wait_for_selector(
        f".mission-card.status-active[data-mission='{mission.pk}']", timeout=15_000
    )
    mission.refresh_from_db()
    visit = mission.visits.get()
    assert mission.status == "active" and visit.start_reason == "GPS not available"
    assert abs((visit.started_at - saved_at).total_seconds()) < 0.01
    assert page.evaluate(QUEUED) == []
    assert card.locator(".m-unsent").is_hidden() and "unsent" not in card.get_attribute("class")
    card.locator(".m-stale").wait_for(state="visible", timeout=5_000)
    assert "No position yet" in card.locator(".m-stale").inner_text()
    assert clock_seconds(card) == 0  # not measured: no position came
    assert page.js_errors == [] and page.csp_violations == []


def test_a_refused_queued_start_shows_the_refusal_and_stops_the_devices_timer(
    forecast,
    now_window,
    officer,
    officer_page,  # noqa: F811
):
    mission = plan_shift_for(officer, forecast, now_window)[0]
    page = officer_page("officer", viewport=PHONE)
    wait_until_kept(page)
    card = page.locator(f".mission-card[data-mission='{mission.pk}']")
    set_offline(page, True)
    card.locator(".m-start").click()
    card.locator(".m-start-manual").click()
    card.locator(".m-unsent").wait_for(state="visible")
    after_a_tick(card)  # positive control: the device's timer runs

    # Meanwhile the mission was served and completed from another device: the start is refused.
    services.start_mission(user=officer, mission_id=mission.pk, reason="GPS not available")
    serve_dose(mission)
    services.complete_mission(
        user=officer, mission_id=mission.pk, tactic_ids=[], notes="From the MDT."
    )
    set_offline(page, False)
    page.wait_for_selector(
        f".mission-card.status-completed[data-mission='{mission.pk}']", timeout=15_000
    )
    assert (
        card.locator(".m-refused").inner_text() == "Start not accepted: The mission is completed."
    )
    assert "Not accepted: The mission is completed." in page.inner_text("#mdt-queue")
    assert card.locator(".m-unsent").is_hidden() and card.locator(".m-waiting").is_hidden()
    assert "running" not in card.get_attribute("class")
    shown = card.locator(".m-clock").inner_text()
    page.wait_for_timeout(2_500)  # two ticks: a timer still running would have moved
    assert card.locator(".m-clock").inner_text() == shown
    assert page.evaluate(QUEUED) == []
    assert mission.visits.count() == 1  # the refused start opened no visit


# The kept answer of the missions as if it had been kept an hour ago (its server time says so).
AGE_KEPT_COPY = f"""(hourAgo) => caches.open('missions-data').then((cache) => cache.match('{MISSIONS_API}')
  .then((kept) => kept.text().then((body) => {{
    const headers = new Headers(kept.headers); headers.set('X-Server-Time', hourAgo);
    return cache.put('{MISSIONS_API}', new Response(body, {{ status: 200, headers: headers }}));
  }})).then(() => cache.match('{MISSIONS_API}')).then((aged) => aged.headers.get('X-Server-Time')))"""


def test_a_reload_without_network_keeps_the_measured_clock_offset(
    forecast,
    now_window,
    officer,
    officer_page,  # noqa: F811
):
    """The kept answer's server time is from when it was kept: a page reloaded offline that took
    its clock offset from it would stamp an action saved now (and count its timer) from an hour ago."""
    mission = plan_shift_for(officer, forecast, now_window)[0]
    page = officer_page("officer", viewport=PHONE)
    wait_until_kept(page)
    hour_ago = (timezone.now() - timedelta(hours=1)).isoformat()
    assert (
        page.evaluate(AGE_KEPT_COPY, hour_ago) == hour_ago
    )  # control: the kept copy is an hour old
    set_offline(page, True)
    page.reload()
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    assert (
        page.evaluate(f"() => fetch('{MISSIONS_API}').then((r) => r.headers.get('X-Kept-Copy'))")
        == "1"
    )
    card = page.locator(f".mission-card[data-mission='{mission.pk}']")
    card.locator(".m-start").click()
    card.locator(".m-start-manual").click()
    card.locator(".m-unsent").wait_for(state="visible")
    saved_at = datetime.fromisoformat(page.evaluate(QUEUED_START_AT).replace("Z", "+00:00"))
    assert abs((timezone.now() - saved_at).total_seconds()) < CLOCK_TOLERANCE_S
    assert clock_seconds(card) <= CLOCK_TOLERANCE_S


def clock_seconds(card) -> int:
    minutes, seconds = card.locator(".m-clock").inner_text().split(":")
    return int(minutes) * 60 + int(seconds)


BEAT_STREETS_KEPT = """() => caches.open('missions-data')
  .then((c) => c.match('/officer/kept/beat-streets')).then((kept) => kept ? kept.json() : null)
  .then((fc) => fc ? fc.features.length : 0)"""
KEPT_MISSIONS_TIME = f"""() => caches.open('missions-data').then((c) => c.match('{MISSIONS_API}'))
  .then((kept) => kept.headers.get('X-Server-Time'))"""


def test_the_offline_copy_has_the_beat_outline_and_its_streets_and_says_when_it_was_taken(
    forecast,
    now_window,
    officer,
    officer_page,  # noqa: F811
    tmp_path,
):
    """Issue 23 item 5: reloaded offline, the page drew the cards but no beat outline (beats.geojson
    was not under the worker's kept prefixes) and no streets (those of a view were kept only if
    that very view had been shown online), and nothing said it was an old copy. Night theme: the
    street names were dark grey on the dark map."""
    import_streets(
        path=write_streets(tmp_path / "centreline.geojson"), name_field="LINEAR_NAME_FULL"
    )
    plan_shift_for(officer, forecast, now_window)
    page = officer_page("officer", viewport=PHONE, color_scheme="dark")
    wait_until_kept(page)
    for _ in range(75):  # the page asks for its beat's streets once the map is fitted
        if page.evaluate(BEAT_STREETS_KEPT):
            break
        page.wait_for_timeout(200)
    assert page.evaluate(BEAT_STREETS_KEPT) > 0
    assert page.locator("#mdt-offline").is_hidden()  # control: online, no notice

    set_offline(page, True)
    response = page.reload()
    assert response.from_service_worker
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    assert (
        int(page.get_attribute("#map", "data-beats-drawn")) >= 1
    )  # the beat outline, from the copy

    # A view never shown online (moved to the beat's far corner, street zoom): the beat's streets.
    page.evaluate("""() => { const el = document.querySelector('#map');
        el.leafletMap.setView([43.6535, -79.3965], 16);
        delete el.dataset.streets; delete el.dataset.streetNames; }""")
    page.wait_for_function(  # both marks are set by the drawing of the streets, names first
        "() => { const d = document.querySelector('#map').dataset;"
        " return Number(d.streetNames || 0) > 0 && d.streets !== undefined; }",
        timeout=10_000,
    )
    assert int(page.get_attribute("#map", "data-streets")) > 0
    assert {"Front St W", "Bathurst St"} & set(
        page.locator("#map .street-name-text").all_inner_texts()
    )

    kept_at = datetime.fromisoformat(page.evaluate(KEPT_MISSIONS_TIME))
    local = kept_at.astimezone(ZoneInfo(Agency.current().timezone)).strftime("%H:%M")
    notice = page.locator("#mdt-offline")
    assert notice.is_visible() and notice.inner_text() == f"Offline copy from {local}"

    # Night theme: street names readable on the dark map (4.5:1 from the computed colours).
    assert page.get_attribute("html", "data-theme") == "dark"
    assert contrast(page, "#map .street-name-text") >= MIN_CONTRAST
    screenshot(page, "officer-phone-offline")

    # Positive control: back online, the server answers and the notice goes.
    set_offline(page, False)
    page.reload()
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)
    assert page.locator("#mdt-offline").is_hidden()
    assert page.js_errors == [] and page.csp_violations == []
