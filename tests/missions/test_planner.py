"""Unit tests of the pure mission planner: seeding, capacity, eligibility, dosage, temperature,
controls and forced missions. No database: plain arrays in, dataclasses out."""

import hashlib
from collections import Counter

import numpy as np
import pytest

from missions.planner import (
    PlanningError,
    PlanningInputs,
    PlanningPolicy,
    beat_generator,
    dose_factor,
    plan,
    preventable_harm,
    shift_seed_material,
)

CRIME_TYPES = ("assault", "burglary", "robbery")
SEED = shift_seed_material(date="2024-03-01", shift="day", model_version="kde-v7")
MANY_SEEDS = 400


def make_inputs(n_cells=120, n_beats=4, seed=0, **overrides) -> PlanningInputs:
    """Cells spread round-robin over beats, gamma-distributed expected counts."""
    rng = np.random.default_rng(seed)
    fields = {
        "cell_ids": np.array([f"c{i:04d}" for i in range(n_cells)], dtype=object),
        "beat": np.arange(n_cells) % n_beats,
        "expected": rng.gamma(0.6, 0.4, size=(n_cells, len(CRIME_TYPES))),
        "crime_types": CRIME_TYPES,
        "severity_weight": np.array([1.0, 0.6, 1.5]),
        "patrol_efficacy": np.array([0.3, 0.2, 0.4]),
        "reasons": [(f"reason for c{i:04d}",) for i in range(n_cells)],
        "beat_codes": tuple(f"B{b}" for b in range(n_beats)),
    }
    fields.update(overrides)
    return PlanningInputs(**fields)


def ranked_inputs(scores, beat=None, **overrides) -> PlanningInputs:
    """One crime type with unit weight, so each cell's score is exactly the given number."""
    scores = np.asarray(scores, dtype=float)
    n = scores.size
    fields = {
        "cell_ids": np.array([f"c{i:04d}" for i in range(n)], dtype=object),
        "beat": np.zeros(n, dtype=int) if beat is None else beat,
        "expected": scores[:, None],
        "crime_types": ("any",),
        "severity_weight": [1.0],
        "patrol_efficacy": [1.0],
    }
    fields.update(overrides)
    return PlanningInputs(**fields)


def chosen(p, beat=None):
    return [m.cell_index for m in p.missions if beat is None or m.beat == beat]


def selection_counts(inputs, policy, n_seeds=MANY_SEEDS):
    counts = Counter()
    for i in range(n_seeds):
        counts.update(chosen(plan(inputs, policy, seed_material=f"2024-03-01|shift{i}|v1")))
    return counts


# --- seeding ---------------------------------------------------------------------------------------


def test_same_inputs_and_seed_give_the_same_plan():
    inputs = make_inputs()
    policy = PlanningPolicy(missions_per_beat=3, temperature=1.0, control_share=0.2)
    a = plan(inputs, policy, seed_material=SEED)
    b = plan(make_inputs(), policy, seed_material=SEED)
    assert a == b
    assert a.seed_hex == hashlib.sha256(SEED.encode()).hexdigest()
    assert a.seed_material == SEED


def test_another_shift_draws_differently_when_temperature_is_positive():
    inputs = make_inputs()
    policy = PlanningPolicy(missions_per_beat=3, temperature=1.0)
    other = shift_seed_material(date="2024-03-01", shift="night", model_version="kde-v7")
    assert chosen(plan(inputs, policy, seed_material=SEED)) != chosen(
        plan(inputs, policy, seed_material=other)
    )


def test_each_beat_has_its_own_seed_and_can_be_replanned_alone():
    inputs = make_inputs()
    policy = PlanningPolicy(missions_per_beat=3, temperature=1.0, control_share=0.2)
    full = plan(inputs, policy, seed_material=SEED)
    assert len({d.seed_hex for d in full.beats}) == inputs.n_beats
    alone = plan(inputs, policy, seed_material=SEED, beats=[2])
    assert alone.missions == full.missions_in(2)
    assert alone.controls == full.controls_in(2)

    # Changing another beat's forecast leaves beat 2's draw alone.
    expected = inputs.expected.copy()
    expected[inputs.beat == 0] *= 7.0
    changed = plan(make_inputs(expected=expected), policy, seed_material=SEED)
    assert changed.missions_in(2) == full.missions_in(2)
    assert changed.missions_in(0) != full.missions_in(0)


def test_beat_generator_reproduces_the_recorded_draws():
    inputs = make_inputs()
    p = plan(inputs, PlanningPolicy(missions_per_beat=3), seed_material=SEED)
    draw = p.beats[1]
    u = beat_generator(SEED, draw.beat_code).random(draw.pool_size)
    assert {m.draw for m in p.missions_in(1)} <= set(u)


def test_seed_material_rejects_the_separator():
    with pytest.raises(PlanningError):
        shift_seed_material(date="2024-03-01", shift="a|b", model_version="v1")


def test_draw_order_is_pinned_so_past_plans_stay_reproducible():
    # If this changes, stored plans can no longer be re-run: change it only on purpose.
    inputs = ranked_inputs(np.arange(1.0, 21.0), beat=np.arange(20) % 2, beat_codes=("N1", "N2"))
    policy = PlanningPolicy(missions_per_beat=2, temperature=1.0, control_share=0.25)
    p = plan(inputs, policy, seed_material="2024-03-01|day|v1")
    assert [m.cell_id for m in p.missions] == PINNED_MISSIONS
    assert [c.cell_id for c in p.controls] == PINNED_CONTROLS


PINNED_MISSIONS = ["c0012", "c0018", "c0013", "c0015"]
PINNED_CONTROLS = ["c0000", "c0008", "c0014", "c0001", "c0009", "c0005"]


# --- capacity and eligibility ----------------------------------------------------------------------


def test_capacity_per_beat_is_never_exceeded_and_small_beats_get_fewer():
    n = 40
    beat = np.array([0] * 20 + [1] * 17 + [2] * 2 + [-1])
    suppressed = np.zeros(n, dtype=bool)
    suppressed[20:35] = True  # beat 1 keeps 2 eligible boxes
    inputs = ranked_inputs(np.linspace(1, 2, n), beat=beat, suppressed=suppressed)
    policy = PlanningPolicy(missions_per_beat=(4, 3, 5), temperature=1.0)
    for i in range(50):
        p = plan(inputs, policy, seed_material=f"s{i}")
        counts = Counter(m.beat for m in p.missions)
        assert counts == {0: 4, 1: 2, 2: 2}
        assert 39 not in chosen(p)  # no beat: never planned
        assert [m.rank for m in p.missions_in(0)] == [1, 2, 3, 4]


def test_capacity_array_must_match_the_beats():
    with pytest.raises(PlanningError):
        plan(make_inputs(n_beats=4), PlanningPolicy(missions_per_beat=(1, 2)), seed_material=SEED)


def test_a_suppressed_top_box_is_never_chosen():
    scores = np.ones(30)
    scores[7] = 50.0
    suppressed = np.zeros(30, dtype=bool)
    suppressed[7] = True
    inputs = ranked_inputs(scores, suppressed=suppressed)
    for temperature in (0.0, 1.0, 5.0):
        counts = selection_counts(
            inputs, PlanningPolicy(missions_per_beat=3, temperature=temperature), 100
        )
        assert counts[7] == 0


def test_consecutive_shift_cap():
    scores = np.linspace(1, 2, 20)
    consecutive = np.zeros(20, dtype=int)
    consecutive[19] = 3  # the top box has been a mission for 3 shifts in a row
    consecutive[18] = 2
    policy = PlanningPolicy(missions_per_beat=2, temperature=0.0, max_consecutive_shifts=3)
    p = plan(ranked_inputs(scores, consecutive_shifts=consecutive), policy, seed_material=SEED)
    assert chosen(p) == [18, 17]
    relaxed = PlanningPolicy(missions_per_beat=2, temperature=0.0, max_consecutive_shifts=4)
    p = plan(ranked_inputs(scores, consecutive_shifts=consecutive), relaxed, seed_material=SEED)
    assert chosen(p) == [19, 18]


def test_boxes_without_score_are_not_planned():
    inputs = ranked_inputs([0.0, 0.0, 2.0, 0.0])
    p = plan(inputs, PlanningPolicy(missions_per_beat=3, temperature=1.0), seed_material=SEED)
    assert chosen(p) == [2]


# --- scoring and dosage ----------------------------------------------------------------------------


def test_score_is_weighted_preventable_harm_and_one_dose_halves_it():
    inputs = make_inputs(recent_dose_minutes=np.full(120, 15.0))
    raw = preventable_harm(inputs)
    expected_raw = (inputs.expected * np.array([0.3, 0.12, 0.6])).sum(axis=1)
    np.testing.assert_allclose(raw, expected_raw)
    policy = PlanningPolicy(dose_minutes=15.0, dose_score_factor=0.5)
    np.testing.assert_allclose(dose_factor(np.array([0.0, 15.0, 30.0]), policy), [1.0, 0.5, 0.25])
    p = plan(inputs, policy, seed_material=SEED)
    for m in p.missions:
        assert m.score == pytest.approx(0.5 * m.raw_score)
        assert m.raw_score == pytest.approx(raw[m.cell_index])


def test_a_heavily_dosed_top_box_drops_in_rank_and_is_chosen_less():
    scores = np.linspace(1.0, 2.0, 20)
    dose = np.zeros(20)
    dose[19] = 45.0  # three full doses: score × 1/8
    top_k = PlanningPolicy(missions_per_beat=3, temperature=0.0)
    assert chosen(plan(ranked_inputs(scores), top_k, seed_material=SEED)) == [19, 18, 17]
    dosed = ranked_inputs(scores, recent_dose_minutes=dose)
    assert 19 not in chosen(plan(dosed, top_k, seed_material=SEED))

    sampled = PlanningPolicy(missions_per_beat=3, temperature=1.0)
    undosed_counts = selection_counts(ranked_inputs(scores), sampled)
    dosed_counts = selection_counts(dosed, sampled)
    assert dosed_counts[19] < undosed_counts[19] / 2


# --- temperature -----------------------------------------------------------------------------------


def test_temperature_zero_is_exactly_top_k_with_ties_broken_by_cell_id():
    scores = np.array([3.0, 5.0, 5.0, 1.0, 4.0, 5.0])
    ids = np.array(["f", "e", "b", "a", "c", "d"], dtype=object)  # ties 1, 2, 5 sort as b, d, e
    inputs = ranked_inputs(scores, cell_ids=ids)
    policy = PlanningPolicy(missions_per_beat=4, temperature=0.0)
    for i in range(5):
        p = plan(inputs, policy, seed_material=f"s{i}")
        assert chosen(p) == [2, 5, 1, 4]
        assert all(m.draw is None and m.probability == 1.0 for m in p.missions)


def test_higher_temperature_spreads_choices_over_more_boxes():
    scores = np.geomspace(0.1, 3.0, 40)
    inputs = ranked_inputs(scores)

    def spread(temperature):
        policy = PlanningPolicy(
            missions_per_beat=2, temperature=temperature, candidate_pool_per_mission=20
        )
        counts = selection_counts(inputs, policy, 200)
        return len(counts), max(counts.values())

    cold, warm, hot = spread(0.1), spread(1.0), spread(5.0)
    assert cold[0] < warm[0] < hot[0]
    assert cold[1] > warm[1] > hot[1]


def test_sampling_probability_is_proportional_to_score_at_temperature_one():
    scores = np.array([1.0, 2.0, 3.0, 4.0])
    inputs = ranked_inputs(scores)
    policy = PlanningPolicy(missions_per_beat=1, temperature=1.0)
    p = plan(inputs, policy, seed_material=SEED)
    (m,) = p.missions
    assert m.probability == pytest.approx(scores[m.cell_index] / scores.sum())
    counts = selection_counts(inputs, policy, 2000)
    shares = np.array([counts[i] for i in range(4)]) / 2000
    np.testing.assert_allclose(shares, scores / scores.sum(), atol=0.03)


def test_candidate_pool_limits_sampling_to_the_best_boxes():
    inputs = ranked_inputs(np.linspace(1.0, 2.0, 50))
    policy = PlanningPolicy(missions_per_beat=2, temperature=50.0, candidate_pool_per_mission=3)
    counts = selection_counts(inputs, policy, 200)
    assert set(counts) <= set(range(44, 50))
    assert all(d.pool_size == 6 for d in plan(inputs, policy, seed_material=SEED).beats)


# --- controls --------------------------------------------------------------------------------------


def test_controls_are_never_patrolled_and_about_the_configured_share():
    inputs = make_inputs(n_cells=400, n_beats=4)
    policy = PlanningPolicy(missions_per_beat=3, temperature=1.0, control_share=0.2)
    held, pooled = 0, 0
    for i in range(100):
        p = plan(inputs, policy, seed_material=f"s{i}")
        missions = {m.cell_index for m in p.missions}
        controls = {c.cell_index for c in p.controls}
        assert not missions & controls
        assert len(p.missions) == 12  # the pool is large enough to fill every beat
        held += len(p.controls)
        pooled += sum(d.pool_size for d in p.beats)
    assert held / pooled == pytest.approx(0.2, abs=0.02)


def test_controls_come_from_eligible_boxes_only_and_are_seeded():
    scores = np.linspace(1.0, 2.0, 30)
    suppressed = np.zeros(30, dtype=bool)
    suppressed[25:] = True
    inputs = ranked_inputs(scores, suppressed=suppressed)
    policy = PlanningPolicy(missions_per_beat=2, temperature=0.0, control_share=0.5)
    for i in range(50):
        p = plan(inputs, policy, seed_material=f"s{i}")
        assert all(c.cell_index < 25 and c.draw is not None for c in p.controls)
        assert plan(inputs, policy, seed_material=f"s{i}").controls == p.controls


def test_no_controls_by_default():
    assert plan(make_inputs(), PlanningPolicy(), seed_material=SEED).controls == []


# --- forced missions -------------------------------------------------------------------------------


def test_forced_cells_come_first_and_count_against_capacity():
    scores = np.linspace(1.0, 2.0, 20)
    suppressed = np.zeros(20, dtype=bool)
    suppressed[3] = True  # an analyst may add a mission on any box
    inputs = ranked_inputs(scores, suppressed=suppressed)
    policy = PlanningPolicy(missions_per_beat=3, temperature=0.0, control_share=0.5)
    p = plan(inputs, policy, seed_material=SEED, forced={0: [3, 19, 3]})
    assert [(m.cell_index, m.forced, m.rank) for m in p.missions] == [
        (3, True, 1),
        (19, True, 2),
        (p.missions[2].cell_index, False, 3),
    ]
    assert p.missions[2].cell_index not in {3, 19}
    assert not {3, 19} & {c.cell_index for c in p.controls}
    assert p.beats[0].forced == 2


def test_forced_cells_beyond_capacity_are_kept_and_nothing_is_sampled():
    inputs = ranked_inputs(np.linspace(1.0, 2.0, 20))
    p = plan(inputs, PlanningPolicy(missions_per_beat=2), seed_material=SEED, forced={0: [1, 2, 3]})
    assert chosen(p) == [1, 2, 3]
    assert all(m.forced for m in p.missions)


def test_forced_cells_are_checked():
    inputs = ranked_inputs(np.ones(5))
    with pytest.raises(PlanningError):
        plan(inputs, PlanningPolicy(), seed_material=SEED, forced={0: [5]})
    with pytest.raises(PlanningError):
        plan(inputs, PlanningPolicy(), seed_material=SEED, forced={3: [1]})


# --- explanations ----------------------------------------------------------------------------------


def test_drivers_are_sorted_by_contribution_and_shares_sum_to_one():
    inputs = make_inputs()
    p = plan(inputs, PlanningPolicy(missions_per_beat=3, temperature=1.0), seed_material=SEED)
    assert p.missions
    for m in p.missions:
        contributions = [d.contribution for d in m.drivers]
        assert contributions == sorted(contributions, reverse=True)
        assert sum(d.share for d in m.drivers) == pytest.approx(1.0)
        assert sum(contributions) == pytest.approx(m.raw_score)
        assert {d.crime_type for d in m.drivers} <= set(CRIME_TYPES)
        assert m.reasons == (f"reason for {m.cell_id}",)
        assert 0 < m.probability <= 1 and 0 <= m.draw < 1


def test_reasons_may_be_a_mapping():
    inputs = ranked_inputs([1.0, 2.0], reasons={1: ["3 robberies nearby last week"]})
    p = plan(inputs, PlanningPolicy(missions_per_beat=2, temperature=0.0), seed_material=SEED)
    assert [m.reasons for m in p.missions] == [("3 robberies nearby last week",), ()]


# --- validation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"temperature": -0.1},
        {"temperature": float("inf")},
        {"control_share": 0.6},
        {"dose_minutes": 0},
        {"dose_score_factor": 1.5},
        {"max_consecutive_shifts": 0},
        {"candidate_pool_per_mission": 0.5},
        {"missions_per_beat": -1},
    ],
)
def test_policy_rejects_bad_settings(kwargs):
    with pytest.raises(PlanningError):
        PlanningPolicy(**kwargs)


@pytest.mark.parametrize(
    "overrides",
    [
        {"beat": np.zeros(3, dtype=int)},
        {"expected": -np.ones((120, 3))},
        {"severity_weight": np.ones(2)},
        {"crime_types": ("a", "b")},
        {"beat_codes": ("B0",)},
        {"reasons": [()]},
    ],
)
def test_inputs_reject_inconsistent_arrays(overrides):
    with pytest.raises(PlanningError):
        make_inputs(**overrides)
