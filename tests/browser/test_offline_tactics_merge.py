"""Real Chromium, offline (issue 23, item 2; ADR 0032): a tactics edit carries the version of the
report it was made from. The card's "Tactics reported" line follows an online save at once; an edit
saved offline keeps its ticks on the card while it waits; sent after a newer report was saved
elsewhere, it is merged with it as a union (the audit says so) instead of overwriting it."""

import pytest

from audit.models import AuditEvent
from missions import services
from tactics.models import TacticUse
from tests.browser.officer_field import PHONE, officer_page, plan_shift_for  # noqa: F401
from tests.browser.test_officer_offline import set_offline, wait_until_kept
from tests.missions.factories import serve_dose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def reported(mission) -> set[str]:
    return set(TacticUse.objects.filter(mission=mission).values_list("tactic__name", flat=True))


def test_a_stale_offline_edit_is_merged_not_written_over_the_newer_report(
    forecast,
    now_window,
    tactics,
    officer,
    officer_page,
    live_server,  # noqa: F811
):
    mission = plan_shift_for(officer, forecast, now_window)[0]
    services.start_mission(user=officer, mission_id=mission.pk, reason="GPS not available")
    serve_dose(mission)
    services.complete_mission(user=officer, mission_id=mission.pk, tactic_ids=[], notes="")
    page = officer_page("officer", viewport=PHONE)
    wait_until_kept(page)
    card = page.locator(f".mission-card[data-mission='{mission.pk}']")
    labels = card.locator(".m-tactic-list label")
    names = [labels.nth(i).inner_text().strip() for i in range(labels.count())]
    specific = next(n for n in names if n != "Community contact")

    # Online: the saved tactics show on the card's line at once (it kept the old line before).
    assert card.locator(".m-reported").inner_text() == "No tactics reported."
    card.locator(".m-tactic-list label", has_text="Community contact").click()
    card.locator(".m-save-tactics").click()
    page.wait_for_function(
        "(id) => document.querySelector(`.mission-card[data-mission='${id}'] .m-reported`)"
        ".textContent === 'Tactics reported: Community contact'",
        arg=mission.pk,
        timeout=10_000,
    )
    assert reported(mission) == {"Community contact"}

    # Offline: another edit (the specific tactic instead) waits; its ticks stay on the card.
    set_offline(page, True)
    card.locator(".m-tactic-list label", has_text="Community contact").click()
    card.locator(".m-tactic-list label", has_text=specific).click()
    card.locator(".m-save-tactics").click()
    card.locator(".m-waiting").wait_for(state="visible")
    assert "Waiting to send" in card.locator(".m-waiting").inner_text()
    ticked = card.locator(".m-tactic-list input:checked")
    assert [
        ticked.nth(i).locator("xpath=..").inner_text().strip() for i in range(ticked.count())
    ] == [specific]
    assert card.locator(".m-reported").inner_text() == (
        f"Tactics reported: Community contact — waiting to send: {specific}"
    )

    # Meanwhile the report is changed elsewhere (the MDT, online): a newer version.
    services.correct_tactics(
        user=officer, mission_id=mission.pk, tactic_ids=[tactics[2].pk], notes="Seen from the MDT"
    )

    # Back online: the stale edit is merged with the newer report, not written over it.
    set_offline(page, False)
    page.wait_for_function(
        "() => /Saved actions sent \\(1\\)/.test(document.querySelector('#mdt-queue').textContent)",
        timeout=15_000,
    )
    assert reported(mission) == {"Community contact", specific}
    mission.refresh_from_db()
    assert mission.notes == "Seen from the MDT"
    merged = AuditEvent.objects.filter(object_id=str(mission.pk), after__merged=True)
    assert merged.count() == 1 and merged.get().after["stale_edit_tactics"] == [specific]
    line = card.locator(".m-reported").inner_text()
    assert line.startswith("Tactics reported: ") and set(
        line.removeprefix("Tactics reported: ").split(", ")
    ) == {"Community contact", specific}
    assert page.js_errors == [] and page.csp_violations == []


def test_an_edit_from_the_current_version_replaces_the_report(
    officer, forecast, now_window, tactics
):
    """Control (service): an edit made from the report as it is still replaces it (no union)."""
    mission = plan_shift_for(officer, forecast, now_window)[0]
    services.start_mission(user=officer, mission_id=mission.pk, reason="GPS not available")
    serve_dose(mission)
    services.complete_mission(
        user=officer, mission_id=mission.pk, tactic_ids=[tactics[2].pk], notes=""
    )
    from missions.models import tactics_version

    current = tactics_version([tactics[2].pk], "")
    services.correct_tactics(
        user=officer, mission_id=mission.pk, tactic_ids=[tactics[0].pk], base_version=current
    )
    assert reported(mission) == {tactics[0].name}
    stale = services.correct_tactics(
        user=officer, mission_id=mission.pk, tactic_ids=[tactics[1].pk], base_version=current
    )
    assert reported(stale) == {tactics[0].name, tactics[1].name}
