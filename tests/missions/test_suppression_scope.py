"""Suppression by shift through the service and the API (issue 23, item 1): a suppression names the
shifts it covers and the planner honours only those; a preview writes nothing and lists what it would
cancel; a mission under way is cancelled only when the caller says so (with a control)."""

import pytest
from django.urls import reverse

from agency.models import Beat, Shift
from missions import selectors, services
from missions.models import Mission, Suppression
from tests.missions.factories import OfficerProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(forecast, policy, now_window):
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    return Mission.objects.filter(shift=now_window.shift).order_by("pk").first()


def body(mission, **extra):
    return {
        "cell_ids": [mission.cell.cell_id],
        "date_from": mission.date.isoformat(),
        "reason_code": "event",
        "reason": "Parade route",
        **extra,
    }


def test_a_shift_suppression_is_honoured_by_that_shifts_plan_only(
    planned, forecast, analyst, now_window
):
    other = Shift.objects.exclude(pk=now_window.shift.pk).first()
    services.suppress_boxes(
        user=analyst,
        reason_code="event",
        reason="Parade route",
        date_from=now_window.date,
        shifts=[other],
        cell_ids=[planned.cell.cell_id],
    )
    # The shift under way is not covered: its mission stays and a re-plan may keep the box.
    assert Mission.objects.get(pk=planned.pk).status == "planned"
    forecast(now_window.date, other)
    services.plan_missions(date=now_window.date, shift=other)
    assert not Mission.objects.filter(shift=other, cell=planned.cell).exists()
    from missions.services.planning import _PlanningGrid, _suppressed

    grid = _PlanningGrid.load()
    index = grid.index[planned.cell_id]
    assert _suppressed(grid, date=now_window.date, shift=other)[index]
    assert not _suppressed(grid, date=now_window.date, shift=now_window.shift)[index]


def test_the_preview_lists_what_it_would_cancel_and_writes_nothing(planned, api, analyst):
    response = api(analyst).post(
        reverse("api-suppressions"),
        body(planned, shifts=[planned.shift_id], preview=True),
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["cancel_count"] == 1 and data["missions"][0]["id"] == planned.pk
    assert data["shifts"] == [planned.shift.name] and data["under_way_count"] == 0
    assert not Suppression.objects.exists()
    assert Mission.objects.get(pk=planned.pk).status == "planned"


def test_a_mission_under_way_needs_cancel_under_way(planned, api, analyst, officer):
    OfficerProfileFactory(user=officer, home_beat=Beat.objects.get(pk=planned.beat_id))
    services.start_mission(user=officer, mission_id=planned.pk, reason="GPS not available")
    refused = api(analyst).post(reverse("api-suppressions"), body(planned), format="json")
    assert refused.status_code == 400
    assert f"#{planned.pk}" in refused.content.decode() and "under way" in refused.content.decode()
    assert Mission.objects.get(pk=planned.pk).status == "active"
    assert not Suppression.objects.exists()
    # Control: the same request saying so cancels it, and the audit names it.
    done = api(analyst).post(
        reverse("api-suppressions"), body(planned, cancel_under_way=True), format="json"
    )
    assert done.status_code == 201, done.content
    assert done.json()["cancelled"] == [planned.pk]
    assert Mission.objects.get(pk=planned.pk).status == "cancelled"
    from audit.models import AuditEvent

    entry = AuditEvent.objects.get(action="missions.suppress")
    assert entry.after["under_way_cancelled"] == [planned.pk] and entry.after["shifts"] == "all"


def test_replan_offers_name_the_short_beats_of_shifts_not_ended(planned, analyst, now_window):
    suppression = services.suppress_boxes(
        user=analyst,
        reason_code="event",
        reason="Parade route",
        date_from=now_window.date,
        shifts=[now_window.shift],
        cell_ids=[planned.cell.cell_id],
    )
    offers = selectors.replan_offers(suppression)
    assert [(o["shift"], o["beats"], o["cancelled"]) for o in offers] == [
        (now_window.shift, [planned.beat.code], 1)
    ]
    # After the shift's end there is nothing left to re-plan.
    assert selectors.replan_offers(suppression, at=planned.ends_at) == []
