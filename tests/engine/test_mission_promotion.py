"""Promotion on what the drawn missions capture, on hand-made forecasts and incidents: the candidate
whose boxes capture more is promoted, whichever it is."""

import numpy as np

from forecasting.engine.mission_capture import (
    HARM_WEIGHTED,
    MissionSetup,
    capture_by_type,
    draw_planned,
)
from forecasting.engine.mission_promotion import promote_on_missions
from missions.planner import PlanningPolicy

# One beat of six boxes; one mission a shift, the top box (temperature 0, no dosage lowering).
BEAT = np.zeros(6, dtype=np.int64)
CELL_IDS = np.array([f"c{i}" for i in range(6)], dtype=object)
SHIFTS = 6
SETUP = MissionSetup(
    BEAT,
    ("B",),
    "districts",
    type_weight={"A": 1.0, "B": 2.0},
    policy=PlanningPolicy(
        missions_per_beat=1, temperature=0.0, dose_score_factor=1.0, max_consecutive_shifts=10**6
    ),
)


def _pointing_at(cell: int, level: float = 1.0) -> np.ndarray:
    pred = np.full((6, SHIFTS), 0.01)
    pred[cell] = level
    return pred


def _draw(expected):
    return draw_planned(
        expected, SETUP, CELL_IDS, ["2021-07-01"] * SHIFTS, [str(j) for j in range(SHIFTS)], 3
    )


def _incidents() -> dict[str, np.ndarray]:
    """Type A's crime falls in box 2 every shift, type B's in box 4."""
    return {
        "A": _pointing_at(2, 1.0) * (np.arange(6)[:, None] == 2),
        "B": _pointing_at(4, 1.0) * (np.arange(6)[:, None] == 4),
    }


def _promote(predictions: dict[tuple[str, str], np.ndarray]):
    counts = {"naive_365d": _draw({c: predictions[("naive_365d", c)] for c in ("A", "B")})}
    return promote_on_missions(
        {"A": "gbm", "B": "gbm"},
        counts,
        _incidents(),
        SETUP,
        _draw,
        lambda name, cat: predictions[(name, cat)],
        np.array([f"2021-07-0{j + 1}" for j in range(SHIFTS)]),
    )


def test_a_type_falls_back_to_the_count_when_the_count_captures_more():
    """The GBM points type B (weight 2) at box 0 where nothing happens; the count at box 4. Fed the
    GBM for both, the planner draws box 0 every shift and captures nothing: B falls back."""
    predictions = {
        ("gbm", "A"): _pointing_at(2, 0.5),
        ("gbm", "B"): _pointing_at(0, 1.0),
        ("naive_365d", "A"): _pointing_at(1, 0.5),
        ("naive_365d", "B"): _pointing_at(4, 1.0),
    }
    promoted, boxes, record = _promote(predictions)
    assert promoted == {"A": "gbm", "B": "naive_365d"}
    assert np.flatnonzero(boxes[:, 0]).tolist() == [4]
    assert record["trials"][0]["capture"][HARM_WEIGHTED] == 0.0
    assert capture_by_type(boxes, _incidents(), SETUP)["B"] == 1.0
    # B is tried first (it weighs more) and kept; A's swap then captures no more and is refused.
    assert [(t["promoted"], t["kept"]) for t in record["trials"][1:]] == [
        ({"A": "gbm", "B": "naive_365d"}, True),
        ({"A": "naive_365d", "B": "naive_365d"}, False),
    ]


def test_the_model_stays_when_it_captures_more():
    """Positive control: the GBM points B at box 4 and the count at box 0: no fall-back."""
    predictions = {
        ("gbm", "A"): _pointing_at(2, 0.5),
        ("gbm", "B"): _pointing_at(4, 1.0),
        ("naive_365d", "A"): _pointing_at(1, 0.5),
        ("naive_365d", "B"): _pointing_at(0, 1.0),
    }
    promoted, boxes, record = _promote(predictions)
    assert promoted == {"A": "gbm", "B": "gbm"}
    assert np.flatnonzero(boxes[:, 0]).tolist() == [4]
    assert record["pai_leaders"] == {"A": "gbm", "B": "gbm"}
    assert not any(t["kept"] for t in record["trials"][1:])  # tried, and refused


def test_capture_by_type_weighs_the_types():
    boxes = np.zeros((6, SHIFTS), dtype=bool)
    boxes[2] = True  # all of A's crime, none of B's
    got = capture_by_type(boxes, _incidents(), SETUP)
    assert got["A"] == 1.0 and got["B"] == 0.0
    assert got[HARM_WEIGHTED] == 1.0 / 3.0  # A weighs 1, B 2, equal crime


def test_a_gain_carried_by_one_day_is_not_enough_to_fall_back():
    """As the first test, but B's crime in the count's box 4 fell on one day of six only: the count
    captures more on the point estimate, not on the days resampled, and the GBM stays."""
    predictions = {
        ("gbm", "A"): _pointing_at(2, 0.5),
        ("gbm", "B"): _pointing_at(0, 1.0),
        ("naive_365d", "A"): _pointing_at(1, 0.5),
        ("naive_365d", "B"): _pointing_at(4, 1.0),
    }
    one_day = _incidents()
    one_day["B"][4, 1:] = 0.0
    counts = {"naive_365d": _draw({c: predictions[("naive_365d", c)] for c in ("A", "B")})}
    promoted, _, record = promote_on_missions(
        {"A": "gbm", "B": "gbm"},
        counts,
        one_day,
        SETUP,
        _draw,
        lambda name, cat: predictions[(name, cat)],
        np.array([f"2021-07-0{j + 1}" for j in range(SHIFTS)]),
    )
    trial = record["trials"][1]
    assert trial["promoted"]["B"] == "naive_365d"
    assert trial["capture"][HARM_WEIGHTED] > record["trials"][0]["capture"][HARM_WEIGHTED]
    assert trial["gain_low"] == 0.0 and not trial["kept"]
    assert promoted == {"A": "gbm", "B": "gbm"}
