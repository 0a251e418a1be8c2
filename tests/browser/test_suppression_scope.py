"""Real Chromium on the analyst's shift page: a suppression asks which shifts it covers, previews the
missions it will cancel (count and list) before cancelling any, never cancels a mission under way
without an explicit tick, and its lift offers to re-plan the shifts it left short — which a real
worker then does through the planner (issue 23, item 1).

The old behaviour failed each: one "Suppress" button cancelled the box's missions in every shift of
the date (under way or not) and said only "Boxes suppressed."; a lift restored nothing."""

import pytest

from agency.models import Beat, Shift
from missions import services
from missions.models import Mission, Suppression
from tests.missions.factories import OfficerProfileFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def box_in_every_shift(forecast, policy, now_window, analyst):  # noqa: F811
    """The shift under way planned; one of its drawn missions' box also has a mission in each other
    shift of the date (analyst additions): the box of issue 23's Evening/Day/Night surprise."""
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    drawn = Mission.objects.filter(shift=now_window.shift, origin="drawn").order_by("pk").first()
    others = list(Shift.objects.exclude(pk=now_window.shift.pk))
    services.add_missions(
        user=analyst,
        reason_code="intelligence",
        reason="Same box, other shifts",
        date_from=now_window.date,
        shifts=others,
        cell_ids=[drawn.cell.cell_id],
    )
    return drawn


def open_shift(page, live_server, window):
    page.goto(f"{live_server.url}/missions/?date={window.date:%Y-%m-%d}&shift={window.shift.pk}")
    page.wait_for_selector("#map[data-ready='1']", timeout=15_000)


def fill_suppression(page, cell_id, span, reason="Parade route"):
    page.click("#suppress-details summary")
    page.check(f"input[name='sup-span'][value='{span}']")
    page.fill("#id_sup-cell_ids", cell_id)
    page.select_option("#id_sup-reason_code", "event")
    page.fill("#id_sup-reason", reason)
    with page.expect_navigation():
        page.click("#suppress-form button[type=submit]")


def test_this_shift_only_is_previewed_then_cancels_only_this_shifts_mission(
    box_in_every_shift, now_window, login, live_server
):
    drawn = box_in_every_shift
    others = set(
        Mission.objects.filter(cell=drawn.cell).exclude(pk=drawn.pk).values_list("pk", flat=True)
    )
    assert len(others) == Shift.objects.count() - 1
    page = login("analyst")
    open_shift(page, live_server, now_window)
    fill_suppression(page, drawn.cell.cell_id, "shift")

    # The preview: nothing cancelled yet, it names the one mission of this shift it will cancel.
    assert not Suppression.objects.exists()
    assert Mission.objects.get(pk=drawn.pk).status == "planned"
    assert page.inner_text("#cancel-count") == "It cancels 1 mission"
    assert page.locator("#cancel-list tbody tr").count() == 1
    assert page.get_attribute("#cancel-list tbody tr", "data-mission") == str(drawn.pk)
    assert now_window.shift.name in page.inner_text("#suppress-scope")

    with page.expect_navigation():
        page.click("#confirm-form button[type=submit]")
    assert f"Boxes suppressed: 1 mission cancelled (#{drawn.pk})." in page.inner_text("main")
    assert Mission.objects.get(pk=drawn.pk).status == "cancelled"
    # The box's missions of the other shifts of the date stay as they were.
    assert (
        set(Mission.objects.filter(pk__in=others, status="planned").values_list("pk", flat=True))
        == others
    )
    suppression = Suppression.objects.get()
    assert list(suppression.shifts.all()) == [now_window.shift]
    assert page.js_errors == [] and page.csp_violations == []


def test_the_rest_of_the_day_and_a_date_range_say_what_they_cancel(
    box_in_every_shift, now_window, login, live_server
):
    drawn = box_in_every_shift
    later = Mission.objects.filter(
        cell=drawn.cell, shift__start_time__gte=now_window.shift.start_time
    ).count()
    page = login("analyst")
    open_shift(page, live_server, now_window)
    fill_suppression(page, drawn.cell.cell_id, "day")
    assert (
        page.inner_text("#cancel-count") == f"It cancels {later} mission{'s' if later != 1 else ''}"
    )
    assert page.locator("#cancel-list tbody tr").count() == later

    open_shift(page, live_server, now_window)
    fill_suppression(page, drawn.cell.cell_id, "range")
    every = Mission.objects.filter(cell=drawn.cell).count()
    assert page.inner_text("#cancel-count") == f"It cancels {every} missions"
    assert "every shift" in page.inner_text("#suppress-scope")
    assert not Suppression.objects.exists()  # previews write nothing


def test_a_mission_under_way_is_cancelled_only_with_the_tick(
    box_in_every_shift, now_window, officer, login, live_server
):
    drawn = box_in_every_shift
    OfficerProfileFactory(user=officer, home_beat=Beat.objects.get(pk=drawn.beat_id))
    services.start_mission(user=officer, mission_id=drawn.pk, reason="GPS not available")
    page = login("analyst")
    open_shift(page, live_server, now_window)
    fill_suppression(page, drawn.cell.cell_id, "shift")
    assert "1 of these missions is under way" in page.inner_text("#under-way-warning")
    assert "Under way" in page.inner_text(f"#cancel-list tr[data-mission='{drawn.pk}']")

    # Without the tick: refused, nothing written, the message names the mission.
    with page.expect_navigation():
        page.click("#confirm-form button[type=submit]")
    assert f"#{drawn.pk}" in page.inner_text(".messages, main")
    assert "under way" in page.inner_text("main")
    assert Mission.objects.get(pk=drawn.pk).status == "active" and not Suppression.objects.exists()

    # Control: the same with the tick cancels it.
    fill_suppression(page, drawn.cell.cell_id, "shift")
    page.check("#confirm-under-way")
    with page.expect_navigation():
        page.click("#confirm-form button[type=submit]")
    assert Mission.objects.get(pk=drawn.pk).status == "cancelled"
    assert list(Suppression.objects.get().cancelled.values_list("pk", flat=True)) == [drawn.pk]


def test_a_lift_offers_to_replan_the_beat_it_left_short_and_the_worker_does(
    box_in_every_shift, now_window, analyst, policy, login, live_server, celery_worker_thread
):
    drawn = box_in_every_shift
    beat = drawn.beat
    suppression = services.suppress_boxes(
        user=analyst,
        reason_code="event",
        reason="Parade route",
        date_from=now_window.date,
        shifts=[now_window.shift],
        cell_ids=[drawn.cell.cell_id],
    )
    live = Mission.objects.not_cancelled().filter(
        shift=now_window.shift, date=now_window.date, beat=beat
    )
    assert live.count() == policy.missions_per_beat_per_shift - 1  # the beat is one short

    page = login("analyst")
    open_shift(page, live_server, now_window)
    assert page.locator("#replan-offer").count() == 0  # no offer before a lift
    page.click(f"li[data-suppression='{suppression.pk}'] details.lift summary")
    page.fill(f"li[data-suppression='{suppression.pk}'] input[name='lift-reason']", "Parade over")
    with page.expect_navigation():
        page.click(f"li[data-suppression='{suppression.pk}'] button[type=submit]")
    offer = page.locator(
        f"#replan-offer li[data-replan='{now_window.date:%Y-%m-%d}-{now_window.shift.pk}']"
    )
    assert offer.count() == 1
    assert f"1 mission cancelled in beat {beat.code}" in offer.inner_text()

    with page.expect_navigation():
        offer.locator("button[type=submit]").click()
    page.wait_for_function(
        "() => document.getElementById('job-status').textContent === 'Succeeded'", timeout=30_000
    )
    assert live.count() == policy.missions_per_beat_per_shift  # filled again by the planner
    assert page.js_errors == []
