"""Crime-spike alerts and near-repeat series (forecasting/engine/alerts.py) on counts with known
answers: planted spikes, quiet periods, and the false-discovery bound simulated on many quiet areas."""

import math

import numpy as np
import pytest
from scipy import stats

from forecasting.engine.alerts import (
    AreaCount,
    Event,
    benjamini_hochberg,
    count_words,
    find_spikes,
    near_repeat_series,
    poisson_exceedance,
    rarity_words,
)

WEEK = 7


def test_poisson_exceedance_matches_the_distribution():
    # P(X >= 12 | 4) by hand: 1 - sum_{k<12} e^-4 4^k / k!
    by_hand = 1 - sum(np.exp(-4) * 4**k / math.factorial(k) for k in range(12))
    assert poisson_exceedance(np.array([12]), np.array([4.0]))[0] == pytest.approx(by_hand)
    assert poisson_exceedance(np.array([0]), np.array([4.0]))[0] == 1.0


def test_benjamini_hochberg_on_a_textbook_case():
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.5])
    rejected, q = benjamini_hochberg(p, 0.05)
    # sorted 0.005, 0.01, 0.03, 0.04, 0.5 against 0.01, 0.02, 0.03, 0.04, 0.05: first four pass
    assert rejected.tolist() == [True, True, True, True, False]
    assert q[3] == pytest.approx(0.025)  # 0.005 * 5 / 1, then min over later ranks (0.01*5/2)
    rejected, _ = benjamini_hochberg(p, 0.01)
    assert rejected.tolist() == [False, False, False, False, False]  # control: a stricter level


def _simulate_days(rng, rates, days):
    """Daily counts per (area, type) rate: array days × areas."""
    return rng.poisson(rates[None, :], size=(days, rates.size))


def _counts(observed_window, expected_window):
    return [
        AreaCount(f"A{i}", "burglary", int(o), float(e))
        for i, (o, e) in enumerate(zip(observed_window, expected_window, strict=True))
    ]


def test_a_planted_spike_is_found_within_its_first_days():
    rng = np.random.default_rng(22)
    areas = 300
    rates = rng.gamma(2.0, 0.25, size=areas)  # about 0.5 a day, spread
    start, size_per_day = 40, 2.0  # area 7 gets two more incidents a day from day 40
    daily = _simulate_days(rng, rates, 60)
    daily[start:, 7] += rng.poisson(size_per_day, size=60 - start)
    found_on = None
    for day in range(WEEK, 60):
        window = daily[day - WEEK : day].sum(axis=0)
        spikes = find_spikes(_counts(window, rates * WEEK), window_days=WEEK, fdr=0.05)
        if any(s.area == "A7" for s in spikes):
            found_on = day - start  # days of the spike inside the window
            break
    assert found_on is not None and 1 <= found_on <= 4, found_on


def test_a_quiet_period_raises_none():
    rates = np.linspace(0.1, 2.0, 200)
    expected = rates * WEEK
    # counts exactly at their expectation (rounded): nothing is unusual
    assert find_spikes(_counts(np.round(expected), expected), window_days=WEEK) == []
    # control: one area at three times its expectation is found
    observed = np.round(expected)
    observed[50] = 3 * expected[50] + 5
    assert [s.area for s in find_spikes(_counts(observed, expected), window_days=WEEK)] == ["A50"]


def test_quiet_weeks_raise_an_alert_in_at_most_the_fdr_share_of_weeks():
    """Under the global null FDR = P(any alert); 400 simulated quiet weeks of 500 areas."""
    rng = np.random.default_rng(7)
    rates = rng.gamma(1.5, 0.4, size=500) * WEEK
    weeks_with_alerts = sum(
        bool(find_spikes(_counts(rng.poisson(rates), rates), window_days=WEEK, fdr=0.05))
        for _ in range(400)
    )
    # binomial upper 99.9 % bound for 400 weeks at 5 %
    assert weeks_with_alerts <= stats.binom.ppf(0.999, 400, 0.05)


def test_false_alert_share_stays_within_the_fdr_bound_on_many_areas():
    """950 quiet areas and 50 with real rises: the mean share of false alerts among alerts <= q,
    while most real rises are found (the control that the test has power)."""
    rng = np.random.default_rng(2026)
    fdr, runs = 0.10, 300
    rates = rng.gamma(1.5, 0.4, size=1000) * WEEK
    spiked = np.zeros(1000, dtype=bool)
    spiked[rng.choice(1000, 50, replace=False)] = True
    shares, found = [], []
    for _ in range(runs):
        observed = rng.poisson(rates + spiked * (2.5 * rates + 6))
        raised = {
            int(s.area[1:])
            for s in find_spikes(_counts(observed, rates), window_days=WEEK, fdr=fdr)
        }
        false = sum(1 for i in raised if not spiked[i])
        shares.append(false / max(len(raised), 1))
        found.append(sum(1 for i in raised if spiked[i]) / spiked.sum())
    mean_share = float(np.mean(shares))
    standard_error = float(np.std(shares) / np.sqrt(runs))
    assert mean_share <= fdr + 3 * standard_error, (mean_share, standard_error)
    assert np.mean(found) > 0.8


def test_words_say_how_unusual():
    spike = find_spikes([AreaCount("D2", "burglary", 12, 4.0)], window_days=WEEK)[0]
    # P(X >= 12 | 4) is about 0.0009: one week in about 1,100 weeks → "about once in 21 years"
    assert spike.p_value == pytest.approx(stats.poisson.sf(11, 4.0))
    assert rarity_words(365) == "unusual at this level about once a year"
    assert rarity_words(400) == "unusual at this level about once a year"
    assert rarity_words(60) == "unusual at this level about once in 2 months"
    assert rarity_words(5000) == "unusual at this level less than once in ten years"
    assert (
        count_words(12, 4.2, "burglaries", "D2", 7)
        == "12 burglaries in D2 this week, about 4 expected"
    )


def test_near_repeat_series_chains_close_incidents_of_one_type():
    def ev(i, x, y, t, kind="burglary"):
        return Event(i, x, y, t, kind)

    events = [
        ev(1, 0, 0, 0.0),
        ev(2, 150, 0, 2.0),
        ev(3, 300, 0, 4.0),  # chained through 2 (300 m from 1, but 150 m from 2)
        ev(4, 5000, 0, 3.0),  # far away
        ev(5, 100, 0, 30.0),  # too late
        ev(6, 50, 50, 1.0, "robbery"),  # another type
    ]
    series = near_repeat_series(events, radius_m=200, days=7, min_events=3)
    assert [s.events for s in series] == [(1, 2, 3)]
    assert series[0].span_m == pytest.approx(150)
    # control: with k = 4 the same incidents make no series
    assert near_repeat_series(events, radius_m=200, days=7, min_events=4) == []
    # an old series is not reported again
    assert (
        near_repeat_series(events, radius_m=200, days=7, min_events=3, recent_after_days=4.0) == []
    )
