"""The planner's concentration limits over the week before a shift: a box's maximum share of its
beat's missions, and a minimum spread over the beat's boxes — each shown binding and not binding."""

import numpy as np
import pytest

from missions.planner import PlanningError, PlanningPolicy, plan, under_weekly_share

from .test_planner import SEED, chosen, ranked_inputs

SCORES = np.linspace(1, 2, 20)  # cell 19 is the best, then 18, …


def test_box_share_cap_binds_on_a_box_that_had_too_many_of_the_beats_missions():
    week = np.zeros(20, dtype=int)
    week[19], week[18], week[10] = 5, 1, 2  # 8 missions in the beat this week, 5 of them in box 19
    inputs = ranked_inputs(SCORES, week_missions=week)
    capped = PlanningPolicy(missions_per_beat=2, temperature=0.0, max_box_share_per_week=0.25)
    # Allowance: floor(0.25 × (8 + 2)) = 2 missions → box 19 (5) and box 10 (2) are out, box 18 (1) in.
    assert under_weekly_share(inputs, np.array([2]), capped)[[19, 18, 10]].tolist() == [
        False,
        True,
        False,
    ]
    assert chosen(plan(inputs, capped, seed_material=SEED)) == [18, 17]
    uncapped = PlanningPolicy(missions_per_beat=2, temperature=0.0)  # share 1: no cap
    assert chosen(plan(inputs, uncapped, seed_material=SEED)) == [19, 18]


def test_box_share_cap_does_not_bind_when_the_box_is_within_its_share():
    week = np.zeros(20, dtype=int)
    week[19], week[5] = 1, 9  # box 19 had 1 of 10
    policy = PlanningPolicy(missions_per_beat=2, temperature=0.0, max_box_share_per_week=0.25)
    assert chosen(plan(ranked_inputs(SCORES, week_missions=week), policy, seed_material=SEED)) == [
        19,
        18,
    ]


def test_every_box_may_take_one_mission_even_under_a_tiny_share():
    policy = PlanningPolicy(missions_per_beat=2, temperature=0.0, max_box_share_per_week=0.01)
    p = plan(
        ranked_inputs(SCORES), policy, seed_material=SEED
    )  # a fresh week: allowance floor(0.02) → 1
    assert chosen(p) == [19, 18]


def test_minimum_spread_swaps_in_unused_boxes():
    week = np.zeros(20, dtype=int)
    week[[19, 18, 17]] = 4  # the beat used only 3 boxes this week
    inputs = ranked_inputs(SCORES, week_missions=week)
    spread = PlanningPolicy(missions_per_beat=3, temperature=0.0, min_boxes_per_beat_week=4)
    p = plan(inputs, spread, seed_material=SEED)
    # One more box is needed: the last drawn (17) gives way to the best unused box (16).
    assert chosen(p) == [19, 18, 16]
    swapped = p.missions[-1]
    assert swapped.draw is None and swapped.probability == 1.0
    wider = PlanningPolicy(missions_per_beat=3, temperature=0.0, min_boxes_per_beat_week=10)
    assert chosen(plan(inputs, wider, seed_material=SEED)) == [16, 15, 14]  # all three must be new


def test_minimum_spread_does_not_bind_when_the_beat_already_spread():
    week = np.zeros(20, dtype=int)
    week[[19, 18, 17, 3, 2]] = 1  # five boxes used already
    inputs = ranked_inputs(SCORES, week_missions=week)
    policy = PlanningPolicy(missions_per_beat=3, temperature=0.0, min_boxes_per_beat_week=4)
    assert chosen(plan(inputs, policy, seed_material=SEED)) == [19, 18, 17]
    off = PlanningPolicy(missions_per_beat=3, temperature=0.0)
    assert chosen(plan(inputs, off, seed_material=SEED)) == [19, 18, 17]


def test_minimum_spread_never_uses_control_boxes_or_another_beats_boxes():
    beat = np.array([0] * 10 + [1] * 10)
    week = np.zeros(20, dtype=int)
    week[[9, 8]] = 3
    inputs = ranked_inputs(SCORES, beat=beat, week_missions=week, beat_codes=("A", "B"))
    policy = PlanningPolicy(
        missions_per_beat=2, temperature=0.5, control_share=0.5, min_boxes_per_beat_week=4
    )
    for i in range(30):
        p = plan(inputs, policy, seed_material=f"2024-03-01|day{i}|v1")
        controls = {c.cell_index for c in p.controls}
        beat_a = chosen(p, beat=0)
        assert not controls & set(chosen(p))
        assert all(beat[c] == 0 for c in beat_a)
        assert sum(week[c] == 0 for c in beat_a) == 2  # both must be new: 2 used, 4 wanted


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_box_share_per_week": 0},
        {"max_box_share_per_week": 1.5},
        {"min_boxes_per_beat_week": -1},
    ],
)
def test_policy_rejects_bad_concentration_settings(kwargs):
    with pytest.raises(PlanningError):
        PlanningPolicy(**kwargs)
