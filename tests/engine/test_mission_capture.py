"""Mission capture on hand-made forecasts and incidents whose answers are known."""

import numpy as np
import pytest

from forecasting.engine.mission_capture import (
    HARM_WEIGHTED,
    MODEL,
    UNIFORM,
    MissionSetup,
    capture_summary,
    draw_planned,
    draw_uniform,
    plain_words,
)
from missions.planner import PlanningPolicy

# Two beats of four cells; cell 8 lies outside every beat.
BEAT = np.array([0, 0, 0, 0, 1, 1, 1, 1, -1])
CELL_IDS = np.array([f"c{i}" for i in range(9)], dtype=object)
TOP_ONE = PlanningPolicy(missions_per_beat=1, temperature=0.0)


def _setup(policy=TOP_ONE, weights=None):
    return MissionSetup(BEAT, ("A", "B"), "districts", type_weight=weights or {}, policy=policy)


def _draw(expected, setup, shifts):
    return draw_planned(
        expected, setup, CELL_IDS, ["2021-07-01"] * shifts, [str(j) for j in range(shifts)], 3
    )


def test_the_planner_draws_each_beats_top_box_weighted_by_harm():
    # Type x favours cells 0 and 4, type y cells 1 and 5; y weighs three times x.
    x = np.array([[4.0], [2], [0.1], [0.1], [4], [2], [0.1], [0.1], [9]])
    y = np.array([[0.0], [1], [0], [0], [0], [1], [0], [0], [9]])
    drawn = _draw({"x": x, "y": y}, _setup(weights={"x": 1.0, "y": 3.0}), 1)
    assert np.flatnonzero(drawn[:, 0]).tolist() == [1, 5]
    drawn = _draw({"x": x, "y": y}, _setup(weights={"x": 1.0, "y": 1.0}), 1)
    assert np.flatnonzero(drawn[:, 0]).tolist() == [0, 4]  # cell 8 is in no beat: never drawn


def test_dosage_memory_and_consecutive_limit_carry_from_shift_to_shift():
    """Cell 0 is best every shift; with at most one shift in a row it alternates with cell 1, and
    with a strong dose lowering the second shift goes to cell 1 as well."""
    x = np.tile(np.array([[4.0], [3], [0.1], [0.1], [4], [3], [0.1], [0.1], [0]]), (1, 4))
    one_in_a_row = PlanningPolicy(missions_per_beat=1, temperature=0.0, max_consecutive_shifts=1)
    drawn = _draw({"x": x}, _setup(one_in_a_row), 4)
    assert [np.flatnonzero(drawn[:4, j]).tolist() for j in range(4)] == [[0], [1], [0], [1]]
    dosed = PlanningPolicy(missions_per_beat=1, temperature=0.0, dose_score_factor=0.5)
    drawn = _draw({"x": x[:, :2]}, _setup(dosed), 2)
    assert drawn[0, 0] and drawn[1, 1]  # 4 × 0.5 = 2 < 3 after one dose
    no_memory = MissionSetup(BEAT, ("A", "B"), "districts", policy=dosed, dosage_memory_days=0)
    assert _draw({"x": x[:, :2]}, no_memory, 2)[0].tolist() == [True, True]


def test_uniform_draw_takes_the_capacity_of_each_beat_inside_it():
    drawn = draw_uniform(_setup(PlanningPolicy(missions_per_beat=2)), 50, seed=1)
    assert (drawn[:4].sum(axis=0) == 2).all() and (drawn[4:8].sum(axis=0) == 2).all()
    assert not drawn[8].any()
    share = drawn[:8].mean(axis=1)  # every in-beat box about half the time
    assert np.all(np.abs(share - 0.5) < 0.2)


def test_capture_hit_rate_and_base_rate_have_the_known_values():
    """Two shifts on two days. Model boxes: cells 0 and 4 in both shifts.
    x incidents: shift 0 — cell 0: 2, cell 1: 1, cell 5: 1; shift 1 — cell 4: 1, cell 8: 5 (no beat).
    y incidents: shift 1 — cell 0: 1."""
    x = np.zeros((9, 2))
    x[[0, 1, 5], 0] = [2, 1, 1]
    x[[4, 8], 1] = [1, 5]
    y = np.zeros((9, 2))
    y[0, 1] = 1
    model = np.zeros((9, 2), dtype=bool)
    model[[0, 4], :] = True
    naive = np.zeros((9, 2), dtype=bool)
    naive[[1, 5], :] = True
    setup = _setup(weights={"x": 1.0, "y": 2.0})
    out = capture_summary(
        {MODEL: model, "naive_7d": naive},
        {"x": x, "y": y},
        setup,
        np.array(["d1", "d2"]),
        draws=200,
    )
    m = out["sources"][MODEL]
    # x: 3 of the 5 in-beat incidents (cell 8 is outside every beat); y: 1 of 1.
    assert m["types"]["x"]["capture"] == pytest.approx(3 / 5)
    assert m["types"]["y"]["capture"] == pytest.approx(1.0)
    # Harm-weighted: (3·1 + 1·2) / (5·1 + 1·2).
    assert m["capture"] == pytest.approx(5 / 7)
    # x hit rate: boxes 0 (shift 0) and 4 (shift 1) of 4 box-shifts saw an x incident.
    assert m["types"]["x"]["hit_rate"] == pytest.approx(2 / 4)
    # Any type: box 0 in both shifts, box 4 in shift 1 → 3 of 4.
    assert m["hit_rate"] == pytest.approx(3 / 4)
    # Base rate for x: beat A had 2 of 4 busy boxes in shift 0, 0 in shift 1; beat B 1/4, then 1/4.
    assert m["types"]["x"]["base_rate"] == pytest.approx((2 / 4 + 0 + 1 / 4 + 1 / 4) / 4)
    n = out["sources"]["naive_7d"]
    assert n["types"]["x"]["capture"] == pytest.approx(2 / 5)
    assert n["capture"] == pytest.approx(2 / 7)
    assert out["best_naive"] == "naive_7d"
    assert out["model_over_best_naive"][HARM_WEIGHTED]["ratio"] == pytest.approx(2.5)
    lo, hi = m["capture_90"]
    assert lo <= m["capture"] <= hi  # days resampled: the interval spans the day-level values
    assert lo >= 0.5 - 1e-9 and hi <= 1.0  # the days alone: 2 of 4, and 3 of 3
    assert out["days"] == 2 and out["shifts"] == 2


def test_the_best_naive_count_is_the_one_with_the_higher_capture():
    x = np.zeros((9, 1))
    x[[1, 2], 0] = [1, 3]
    boxes = {}
    for name, cell in (("naive_7d", 1), ("naive_365d", 2), (MODEL, 0)):
        boxes[name] = np.zeros((9, 1), dtype=bool)
        boxes[name][cell, 0] = True
    out = capture_summary(boxes, {"x": x}, _setup(), np.array(["d1"]), draws=50)
    assert out["best_naive"] == "naive_365d"
    assert out["model_over_best_naive"]["x"]["ratio"] == 0.0


def test_plain_words_state_the_hit_and_base_rates():
    x = np.zeros((9, 2))
    x[0, 0] = 1
    model = np.zeros((9, 2), dtype=bool)
    model[[0, 4], :] = True
    uniform = np.zeros((9, 2), dtype=bool)
    uniform[[2, 6], :] = True
    out = capture_summary(
        {MODEL: model, "naive_7d": uniform, UNIFORM: uniform},
        {"x": x},
        _setup(),
        np.array(["d1", "d1"]),
        draws=50,
    )
    text = " ".join(plain_words(out))
    # One of 4 box-shifts saw a crime; a random box in its beat: (1/4 + 0 + 0 + 0) / 4.
    assert "saw a crime in 25.0% of shifts; a random box in the same beat, 6.2%" in text
    assert "held 100.0%" in text and "at random within each beat held 0.0%" in text


def test_counts_a_hair_below_zero_from_float_sums_are_drawn_as_zero():
    x = np.array([[3.0], [-1e-9], [0], [0], [2], [0], [0], [0], [0]], dtype=np.float32)
    drawn = _draw({"x": x}, _setup(), 1)
    assert np.flatnonzero(drawn[:, 0]).tolist() == [0, 4]
