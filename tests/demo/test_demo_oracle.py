"""The demo city's true intensity: it matches the generated events and predicts them better than
anything fitted to them could. No Django."""

from __future__ import annotations

import time

import numpy as np
import pytest

from demo.generator import true_expected_counts
from tests.demo.city_helpers import (
    CELL_M,
    cell_counts,
    cell_shift_counts,
    in_window,
    of_type,
    oracle,
    poisson_log_score,
)


def test_true_background_matches_the_background_events(city, cells, test_shifts):
    in_test = in_window(city, *test_shifts)
    for category in ("Assault", "Break and Enter", "Robbery"):
        expected = oracle(city, cells, test_shifts, category, include_triggered=False)
        assert expected.shape == (cells[0].size, test_shifts[0].size)
        actual = (in_test & city.truth.is_background & of_type(city, category)).sum()
        assert abs(actual - expected.sum()) < 4 * np.sqrt(expected.sum())


def test_true_intensity_with_near_repeats_predicts_the_events(city, cells, test_shifts):
    starts, ends = test_shifts
    actual = city.incidents[in_window(city, starts, ends) & of_type(city, "Break and Enter")]
    started = time.perf_counter()
    expected = oracle(city, cells, test_shifts, "break-and-enter")
    assert time.perf_counter() - started < 5.0
    assert abs(len(actual) - expected.sum()) < 4 * np.sqrt(expected.sum()) + 0.02 * len(actual)

    counts = cell_counts(actual, cells)
    n_top = int(np.ceil(0.05 * counts.size))
    oracle_hits = counts[np.argsort(-expected.sum(axis=1))[:n_top]].sum()
    rng = np.random.default_rng(1)
    random_hits = np.mean([counts[rng.permutation(counts.size)[:n_top]].sum() for _ in range(20)])
    assert oracle_hits > 4 * random_hits

    # Shift by shift, knowing recent break-ins beats the long-run map alone.
    observed = cell_shift_counts(actual, cells, starts)
    background = oracle(city, cells, test_shifts, "break-and-enter", include_triggered=False)
    background *= expected.sum() / background.sum()
    assert poisson_log_score(observed, expected) > poisson_log_score(observed, background) + 50


def test_true_intensity_follows_the_clock(city, cells, test_shifts):
    starts, ends = test_shifts
    actual = city.incidents[in_window(city, starts, ends) & of_type(city, "Assault")]
    expected = oracle(city, cells, test_shifts, "Assault")
    observed = cell_shift_counts(actual, cells, starts)
    flat = np.repeat(expected.mean(axis=1, keepdims=True), starts.size, axis=1)
    assert poisson_log_score(observed, expected) > poisson_log_score(observed, flat) + 100


def test_true_counts_accept_codes_and_tz_aware_or_utc_naive_times(city, cells, test_shifts):
    starts, ends = test_shifts
    _, _, lon, lat = cells
    by_name = true_expected_counts(
        city,
        cell_lon=lon[:50],
        cell_lat=lat[:50],
        cell_size_m=CELL_M,
        shift_starts_utc=starts[:9],
        shift_ends_utc=ends[:9],
        category="Auto Theft",
    )
    naive = starts[:9].tz_localize(None).values, ends[:9].tz_localize(None).values
    by_code = true_expected_counts(
        city,
        cell_lon=lon[:50],
        cell_lat=lat[:50],
        cell_size_m=CELL_M,
        shift_starts_utc=naive[0],
        shift_ends_utc=naive[1],
        category="auto-theft",
    )
    np.testing.assert_allclose(by_name, by_code)
    with pytest.raises(KeyError):
        true_expected_counts(
            city,
            cell_lon=lon,
            cell_lat=lat,
            cell_size_m=CELL_M,
            shift_starts_utc=starts,
            shift_ends_utc=ends,
            category="Arson",
        )
