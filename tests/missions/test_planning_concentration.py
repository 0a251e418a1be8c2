"""The planning service reads each box's missions of the past week and applies the policy's
weekly share cap and minimum spread (off by default: the same boxes come back shift after shift)."""

from collections import Counter
from datetime import timedelta

import pytest

from agency.models import Beat, Shift
from missions import services
from missions.models import Mission

pytestmark = pytest.mark.django_db
SHIFTS_PLANNED = 6


def _plan_two_days(forecast, now_window, policy, **limits):
    policy.temperature = 0.0  # the top boxes every time, unless a limit says otherwise
    policy.control_share = 0.0
    policy.max_consecutive_shifts = 50
    for name, value in limits.items():
        setattr(policy, name, value)
    policy.save()
    day = now_window.date + timedelta(days=1)
    shifts = list(Shift.objects.order_by("order"))
    for i in range(SHIFTS_PLANNED):
        date, shift = day + timedelta(days=i // 3), shifts[i % 3]
        forecast(date, shift)  # the same forecast every shift
        services.plan_missions(date=date, shift=shift)
    missions = Mission.objects.exclude(status=Mission.Status.CANCELLED)
    return {
        b.code: Counter(missions.filter(beat=b).values_list("cell_id", flat=True))
        for b in Beat.objects.all()
    }


def test_without_limits_each_beat_repeats_its_two_best_boxes(forecast, now_window, policy):
    by_beat = _plan_two_days(forecast, now_window, policy)
    for counts in by_beat.values():
        assert sorted(counts.values()) == [SHIFTS_PLANNED, SHIFTS_PLANNED]


def test_the_weekly_share_cap_spreads_missions(forecast, now_window, policy):
    by_beat = _plan_two_days(forecast, now_window, policy, max_box_share_per_week=0.25)
    for counts in by_beat.values():
        total = sum(counts.values())
        assert total == 2 * SHIFTS_PLANNED
        assert max(counts.values()) <= 0.25 * total  # 3 of 12 at most
        assert len(counts) >= 4


def test_the_minimum_spread_brings_in_more_boxes(forecast, now_window, policy):
    by_beat = _plan_two_days(forecast, now_window, policy, min_boxes_per_beat_week=5)
    for counts in by_beat.values():
        assert len(counts) == 5  # 2 on the first shift, then new ones until five are used
    plan_policy = services.planning._policy_json(policy)
    assert (
        plan_policy["min_boxes_per_beat_week"] == 5 and plan_policy["max_box_share_per_week"] == 1.0
    )
