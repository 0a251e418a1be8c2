"""oversight.stats on small hand-made cases whose answers are known (worked out in the comments)."""

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats as sps

from oversight import stats


@pytest.mark.subprocess
def test_module_imports_no_django():
    code = "import sys, oversight.stats; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- concentration ---------------------------------------------------------------------------------


def test_gini_of_equal_values_is_zero_and_of_one_holder_is_n_minus_1_over_n():
    assert stats.gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert stats.gini([0, 0, 0, 12]) == pytest.approx(0.75)  # (n-1)/n with n = 4
    # [1, 2, 3, 4]: Σ|xi-xj| over ordered pairs = 20, / (2 n² mean) = 20 / (2·16·2.5) = 0.25
    assert stats.gini([4, 1, 3, 2]) == pytest.approx(0.25)


def test_gini_counts_boxes_without_patrol():
    """Leaving out the zero boxes would hide the concentration."""
    assert stats.gini([10, 10]) == pytest.approx(0.0)
    assert stats.gini([10, 10, 0, 0]) == pytest.approx(0.5)


def test_gini_of_nothing_is_zero_and_negative_values_are_refused():
    assert stats.gini([]) == 0.0
    assert stats.gini([0, 0]) == 0.0
    with pytest.raises(ValueError):
        stats.gini([-1, 2])


def test_top_share_takes_at_least_one_box():
    values = [50] + [1] * 199 + [0] * 50  # 250 boxes: the top 1 % is ceil(2.5) = 3 boxes
    assert stats.top_share(values, 0.01) == pytest.approx(52 / 249)
    assert stats.top_share([3, 1], 0.01) == pytest.approx(0.75)  # one box of two
    assert stats.top_share([0, 0], 0.01) == 0.0


def test_longest_run_of_consecutive_shifts():
    assert stats.longest_run([]) == 0
    assert stats.longest_run([7]) == 1
    assert stats.longest_run([1, 2, 3, 5, 6, 9, 10, 11, 12]) == 4
    assert stats.longest_run([3, 1, 2, 2]) == 3  # order and repeats do not matter


def test_units_in_every_period():
    weeks = {"a": {0, 1, 2}, "b": {0, 2}, "c": {0, 1, 2, 3}}
    assert stats.units_in_every_period(weeks, [0, 1, 2]) == ["a", "c"]
    assert stats.units_in_every_period(weeks, [0, 1, 2, 3]) == ["c"]
    assert stats.units_in_every_period(weeks, []) == []


def test_exposure_table_shares_and_ratio():
    rows = stats.exposure_table(
        ["North", "South"],
        minutes=[300, 100],
        missions=[20, 7],
        incidents=[50, 50],
        boxes=[10, 30],
        residents=[2000, 0],
    )
    north, south = rows
    assert (north.minute_share, north.crime_share, north.area_share) == pytest.approx(
        (0.75, 0.5, 0.25)
    )
    assert north.exposure_to_crime == pytest.approx(
        1.5
    )  # half the crime, three quarters of the patrol
    assert south.exposure_to_crime == pytest.approx(0.5)
    assert north.minutes_per_1000_residents == pytest.approx(150.0)
    assert south.minutes_per_1000_residents is None  # no residents: no per-resident figure


def test_exposure_without_crime_has_no_ratio():
    (row,) = stats.exposure_table(["A"], minutes=[10], missions=[1], incidents=[0], boxes=[1])
    assert row.exposure_to_crime is None and row.residents is None


def test_capture_by_group():
    out = stats.capture_by_group(["B", "A", "A", "B", "A"], [True, True, False, False, False])
    assert out == {
        "A": {"incidents": 3, "captured": 1, "share": pytest.approx(1 / 3)},
        "B": {"incidents": 2, "captured": 1, "share": 0.5},
    }


def test_ring_counts_add_the_eight_neighbours_only():
    counts = {(0, 0): 100, (1, 0): 1, (-1, -1): 2, (0, 1): 3, (2, 0): 50}
    # Around (0, 0): 1 + 2 + 3 (its own 100 and the box two columns away are not in the ring).
    # Around (1, 0): (0, 0)=100, (2, 0)=50, (0, 1)=3.
    assert stats.ring_counts([0, 1], [0, 0], counts).tolist() == [6.0, 153.0]


# --- the rate ratio --------------------------------------------------------------------------------


def test_one_stratum_matches_the_exact_binomial_interval():
    """10 incidents in 100 mission box-shifts, 20 in 100 control ones: RR = 0.5. Given 30 incidents,
    the mission count is Binomial(30, p) with p = RR/(RR+1); the Clopper-Pearson interval of p
    turned into RR = p/(1-p) is the exact interval."""
    rr = stats.conditional_rate_ratio([10], [100], [20], [100])
    ci = sps.binomtest(10, 30).proportion_ci(0.95, method="exact")
    assert rr.estimate == pytest.approx(0.5, rel=1e-6)
    assert rr.low == pytest.approx(ci.low / (1 - ci.low), rel=1e-4)
    assert rr.high == pytest.approx(ci.high / (1 - ci.high), rel=1e-4)
    assert rr.p_value == pytest.approx(sps.binomtest(10, 30, 0.5).pvalue, rel=1e-6)
    assert rr.verdict == "cannot tell yet: the interval includes no effect"  # 0.23–1.07 covers 1


def test_exposure_enters_the_ratio():
    rr = stats.conditional_rate_ratio([10], [50], [20], [200])  # 0.2 per unit vs 0.1 per unit
    assert rr.estimate == pytest.approx(2.0, rel=1e-6)


def test_strata_with_the_same_ratio_give_that_ratio():
    """Low-risk stratum 2 vs 4 per 100, high-risk 20 vs 40: the ratio is 0.5 in both, although
    pooling the raw counts (missions sit in high-risk boxes more often) would say otherwise."""
    rr = stats.conditional_rate_ratio([2, 80], [100, 400], [16, 40], [400, 100])
    assert rr.estimate == pytest.approx(0.5, rel=1e-6)
    pooled = (82 / 500) / (56 / 500)
    assert pooled > 1.4  # the confounded comparison points the wrong way
    assert rr.high < 1 and rr.verdict == "fewer incidents in mission boxes"


def test_strata_missing_a_group_are_ignored():
    with_extra = stats.conditional_rate_ratio([10, 7], [100, 30], [20, 0], [100, 0])
    alone = stats.conditional_rate_ratio([10], [100], [20], [100])
    assert with_extra.estimate == pytest.approx(alone.estimate)
    # The 7 incidents of the band without controls are reported, not compared.
    assert with_extra.mission_incidents == 17 and with_extra.compared_mission_incidents == 10
    assert with_extra.enough_data == alone.enough_data


def test_no_incidents_or_too_few_say_so():
    none = stats.conditional_rate_ratio([0], [100], [0], [100])
    assert none.estimate is None and none.verdict == "not enough data yet"
    few = stats.conditional_rate_ratio([1], [100], [5], [100])
    assert few.estimate == pytest.approx(0.2) and few.verdict == "not enough data yet"
    zero_missions = stats.conditional_rate_ratio([0], [100], [30], [100])
    assert zero_missions.estimate == 0.0 and zero_missions.low == 0.0 and zero_missions.high < 0.2
    d = stats.conditional_rate_ratio([12], [100], [0], [100]).as_dict()
    assert d["high"] is None  # unbounded above, written as null in JSON


def test_risk_bands_cut_at_control_quantiles():
    controls = [1, 2, 3, 4, 5, 6, 7, 8]
    bands = stats.risk_bands([0.5, 2.5, 4.0, 4.5, 6.0, 100], controls, 4)
    assert bands.tolist() == [0, 0, 1, 2, 2, 3]  # quartile cuts at 2.75, 4.5, 6.25; a tie goes up
    assert stats.risk_bands([1, 2], [], 4).tolist() == [0, 0]


def test_stratified_counts():
    a, ta, b, tb = stats.stratified_counts(
        [0, 0, 1, 1, 1], [True, False, True, True, False], [1, 2, 3, 4, 5]
    )
    assert (a.tolist(), ta.tolist(), b.tolist(), tb.tolist()) == ([1, 7], [1, 2], [2, 5], [1, 1])


def test_mission_effect_uses_the_forecast_as_exposure():
    """Missions expected 2 each and saw 1.6 on average; controls expected 1 and saw 1: RR 0.8."""
    forecast = [2.0] * 50 + [1.0] * 50
    counts = [2, 1, 2, 2, 1] * 10 + [1] * 50
    rr = stats.mission_effect(forecast, [True] * 50 + [False] * 50, counts, n_bands=1)
    assert rr.estimate == pytest.approx(0.8, rel=1e-6)


# --- power -----------------------------------------------------------------------------------------


def test_weeks_to_detect_from_the_poisson_variance():
    """λ = 0.1 per box-shift, 100 mission and 50 control box-shifts a week, a 20 % drop:
    (1.95996 + 0.84162)² × (1/(0.1·0.8·100) + 1/(0.1·50)) / ln(0.8)² = 7.8489 × 0.325 / 0.049793."""
    weeks = stats.weeks_to_detect(
        -0.2,
        mission_box_shifts_per_week=100,
        control_box_shifts_per_week=50,
        incidents_per_box_shift=0.1,
    )
    assert weeks == pytest.approx(7.84887 * 0.325 / math.log(0.8) ** 2, rel=1e-4)
    assert weeks == pytest.approx(51.23, abs=0.01)
    twice_the_controls = stats.weeks_to_detect(
        -0.2,
        mission_box_shifts_per_week=100,
        control_box_shifts_per_week=100,
        incidents_per_box_shift=0.1,
    )
    assert twice_the_controls < weeks
    assert (
        stats.weeks_to_detect(
            0.0,
            mission_box_shifts_per_week=1,
            control_box_shifts_per_week=1,
            incidents_per_box_shift=1,
        )
        is None
    )
    assert (
        stats.weeks_to_detect(
            -0.2,
            mission_box_shifts_per_week=1,
            control_box_shifts_per_week=0,
            incidents_per_box_shift=1,
        )
        is None
    )


def test_the_power_note_holds_in_simulation():
    """After the weeks the formula gives, about 80 % of simulated trials find a true 30 % drop."""
    rng = np.random.default_rng(5)
    per_week = dict(
        mission_box_shifts_per_week=60, control_box_shifts_per_week=30, incidents_per_box_shift=0.2
    )
    weeks = math.ceil(stats.weeks_to_detect(-0.3, **per_week))
    m, c = 60 * weeks, 30 * weeks
    found = 0
    trials = 200
    for _ in range(trials):
        a, b = rng.poisson(0.2 * 0.7 * m), rng.poisson(0.2 * c)
        found += stats.conditional_rate_ratio([a], [m], [b], [c]).high < 1
    assert 0.7 <= found / trials <= 0.92
