"""Real Chromium on the analyst's shift page (issue 23, item 6): the plan explains its order and its
drivers. A beat whose missions are not in score order says why (the draw), each drawn mission says it
was drawn at random among the top boxes with its chance; drivers are crime type names in words, each
with the reasons of that same crime type beside it (never "assault 91%" beside a break-in reason)."""

import re

import pytest

from missions import services
from missions.models import Mission

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_order_and_the_drivers_explain_themselves(
    forecast, crime_types, policy, now_window, analyst, login, live_server
):
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    missions = list(Mission.objects.filter(shift=now_window.shift).order_by("beat__code", "rank"))
    out_of_order = any(
        a.beat_id == b.beat_id and a.score < b.score
        for a, b in zip(missions, missions[1:], strict=False)
    )
    page = login("analyst")
    page.goto(
        f"{live_server.url}/missions/?date={now_window.date:%Y-%m-%d}&shift={now_window.shift.pk}"
    )
    page.wait_for_selector("#mission-table tbody tr[data-mission]")
    # The order: when it is not the score's, the page says why, and every drawn mission its chance.
    assert (page.locator("#order-note").count() == 1) == out_of_order
    if out_of_order:
        assert "drawn at random among its top boxes" in page.inner_text("#order-note")
    for m in missions:
        words = page.inner_text(f"tr[data-mission='{m.pk}'] td.order")
        if m.draw is not None:
            assert words == (
                f"Drawn at random among the top boxes (chance {round(m.probability * 100)} %)"
            )
    assert any(m.draw is not None for m in missions)  # the fixture's policy draws (temperature 0.5)

    # The drivers: names, not codes, each with reasons of its own crime type only.
    names = {ct.code: ct.name for ct in crime_types}
    for m in missions:
        row = page.locator(f"tr[data-mission='{m.pk}'] li.driver")
        assert row.count() >= 1
        for i in range(row.count()):
            item = row.nth(i)
            name = item.locator(".driver-name").inner_text()
            assert name in names.values()
            assert "% of the box's expected harm" in item.locator(".driver-share").inner_text()
            if item.locator(".driver-reasons").count():
                text = item.locator(".driver-reasons").inner_text()
                others = [n for n in names.values() if n != name]
                # a reason of another crime type never sits beside this driver
                assert not any(o.lower() in text.lower() for o in others), (name, text)
                assert name.lower().rstrip("y") in text.lower() or "in this box" in text.lower()
        why = page.inner_text(f"tr[data-mission='{m.pk}'] td.why")
        assert not re.search(r"\b(" + "|".join(names) + r") \d+ ?%", why), why  # "burglary 91%"
    assert page.js_errors == []
