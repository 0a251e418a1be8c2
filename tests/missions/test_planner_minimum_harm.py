"""The planner's minimum harm: boxes far below the agency's typical harm (median over beats of each
beat's best box) are not drawn, so a quiet beat gets fewer or no missions, and the plan says why."""

import numpy as np
import pytest

from missions.planner import (
    PlanningError,
    PlanningPolicy,
    best_harm_per_beat,
    plan,
    preventable_harm,
)

from .test_planner import SEED, ranked_inputs

# Beats B0..B2 are busy (best boxes 3.0, 2.0, 2.5), B3 is quiet (best 0.4): typical harm = 2.25.
SCORES = [3.0, 2.8, 2.6, 2.0, 1.9, 1.8, 2.5, 2.4, 2.3, 0.4, 0.3, 0.2]
BEATS = np.repeat(np.arange(4), 3)
CODES = ("B0", "B1", "B2", "B3")


def planned(min_harm_share, missions_per_beat=2):
    inputs = ranked_inputs(SCORES, beat=BEATS, beat_codes=CODES)
    policy = PlanningPolicy(
        missions_per_beat=missions_per_beat, temperature=0.0, min_harm_share=min_harm_share
    )
    return plan(inputs, policy, seed_material=SEED)


def per_beat(result):
    return [len(result.missions_in(b)) for b in range(4)]


def test_best_harm_and_typical_harm():
    inputs = ranked_inputs(SCORES, beat=BEATS, beat_codes=CODES)
    assert best_harm_per_beat(inputs, preventable_harm(inputs)).tolist() == [3.0, 2.0, 2.5, 0.4]
    assert planned(0.5).typical_harm == pytest.approx(2.25)
    assert planned(0.5).minimum_harm == pytest.approx(1.125)


def test_a_beat_far_below_the_typical_harm_gets_no_mission_and_the_plan_says_why():
    result = planned(0.5)
    assert per_beat(result) == [2, 2, 2, 0]
    notes = {d.beat_code: d.note for d in result.beats}
    assert notes["B3"] == "Beat B3: no mission — best box harm 0.4, below the minimum 1.1"
    assert notes["B0"] == notes["B1"] == notes["B2"] == ""


def test_without_a_minimum_the_quiet_beat_is_planned_as_before():
    # The control: the same inputs with the setting off (its default) give every beat its missions.
    result = planned(0.0)
    assert per_beat(result) == [2, 2, 2, 2]
    assert all(d.note == "" for d in result.beats)
    assert result.minimum_harm == 0


def test_a_beat_with_few_boxes_above_the_minimum_gets_fewer_missions():
    # Minimum 0.85 × 2.25 = 1.91: B1 (2.0, 1.9, 1.8) has one box at or above it.
    result = planned(0.85, missions_per_beat=3)
    assert per_beat(result) == [3, 1, 3, 0]
    note = next(d.note for d in result.beats if d.beat_code == "B1")
    assert (
        note
        == "Beat B1: 1 drawn mission instead of 3 — only 1 box at or above the minimum harm 1.9"
    )


def test_forced_missions_stay_in_a_quiet_beat():
    inputs = ranked_inputs(SCORES, beat=BEATS, beat_codes=CODES)
    policy = PlanningPolicy(missions_per_beat=2, temperature=0.0, min_harm_share=0.5)
    result = plan(inputs, policy, seed_material=SEED, forced={3: [11]})
    assert [m.cell_index for m in result.missions_in(3)] == [11]
    assert next(d.note for d in result.beats if d.beat_code == "B3").startswith(
        "Beat B3: no drawn mission"
    )


def test_beats_without_boxes_do_not_lower_the_typical_harm():
    inputs = ranked_inputs(SCORES, beat=BEATS, beat_codes=(*CODES, "EMPTY1", "EMPTY2"))
    result = plan(
        inputs,
        PlanningPolicy(missions_per_beat=2, temperature=0.0, min_harm_share=0.5),
        seed_material=SEED,
    )
    assert result.typical_harm == pytest.approx(2.25)  # the median of B0..B3, not of six beats


def test_large_harms_are_said_in_whole_numbers():
    inputs = ranked_inputs([s * 100 for s in SCORES], beat=BEATS, beat_codes=CODES)
    result = plan(
        inputs,
        PlanningPolicy(missions_per_beat=2, temperature=0.0, min_harm_share=0.5),
        seed_material=SEED,
    )
    assert result.beats[3].note == "Beat B3: no mission — best box harm 40, below the minimum 112"


@pytest.mark.parametrize("share", [-0.1, 1.5, float("nan")])
def test_the_minimum_harm_share_is_checked(share):
    with pytest.raises(PlanningError, match="min_harm_share"):
        PlanningPolicy(min_harm_share=share)
