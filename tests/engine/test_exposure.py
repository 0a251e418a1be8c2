"""Measured exposure from hand-made tracks with known answers: each rule has a test that fails
without it (forecasting/engine/exposure.py)."""

import numpy as np
import pandas as pd

from forecasting.engine.exposure import ExposureRules, box_intervals, minutes_by_window

S = 10**9  # nanoseconds per second
T0 = pd.Timestamp("2026-06-01 18:00", tz="UTC").value


def track(*fixes, unit=0):
    """(seconds after T0, box) pairs of one unit as arrays (unit, t_ns, cell)."""
    t = np.array([T0 + int(s * S) for s, _ in fixes], dtype=np.int64)
    return np.full(len(fixes), unit), t, np.array([c for _, c in fixes])


def seconds_in(intervals, cell=None) -> float:
    keep = np.ones(len(intervals), bool) if cell is None else intervals.cell == cell
    return float((intervals.end_ns - intervals.start_ns)[keep].sum() / S)


def test_entering_and_leaving_a_box_counts_from_midpoint_to_midpoint():
    fixes = [(0, -1), *[(s, 5) for s in range(10, 101, 10)], (110, -1)]
    got = box_intervals(*track(*fixes))
    assert len(got) == 1 and got.cell[0] == 5
    assert seconds_in(got) == 100.0  # 5 s after the fix outside until 5 s before the next outside


def test_moving_between_two_boxes_splits_the_time_between_them():
    got = box_intervals(*track((0, 5), (10, 5), (20, 6), (30, 6)))
    assert (seconds_in(got, 5), seconds_in(got, 6)) == (15.0, 15.0)


def test_a_gap_longer_than_the_setting_ends_the_interval():
    fixes = [*[(s, 5) for s in range(0, 61, 10)], *[(s, 5) for s in range(600, 661, 10)]]
    got = box_intervals(*track(*fixes), rules=ExposureRules(max_gap_s=120))
    assert len(got) == 2 and seconds_in(got) == 120.0
    # control: with a gap allowed as long as the silence, the whole 660 s would count
    assert seconds_in(box_intervals(*track(*fixes), rules=ExposureRules(max_gap_s=600))) == 660.0


def test_positions_that_stop_count_nothing_after_the_last_fix():
    """The issue's phone: auto-started on arrival, then GPS off; nothing after the one fix counts."""
    got = box_intervals(*track((0, 5)))
    assert seconds_in(got) == 0.0
    one_more = box_intervals(*track((0, 5), (60, 5)))  # control: a second fix a minute later
    assert seconds_in(one_more) == 60.0


def test_a_fix_with_poor_accuracy_is_ignored():
    unit, t, cell = track(*[(s, 5) for s in range(0, 61, 10)], (35, 9))
    accuracy = np.full(len(t), 10.0)
    accuracy[-1] = 500.0
    got = box_intervals(unit, t, cell, accuracy_m=accuracy)
    assert seconds_in(got, 5) == 60.0 and seconds_in(got, 9) == 0.0
    accuracy[-1] = np.nan  # control: an unreported accuracy keeps the fix (it cuts into box 5)
    assert seconds_in(box_intervals(unit, t, cell, accuracy_m=accuracy), 9) > 0


def test_a_car_at_the_station_is_not_patrol():
    unit, t, cell = track(*[(s, 5) for s in range(0, 301, 30)])
    at_station = np.ones(len(t), dtype=bool)
    assert seconds_in(box_intervals(unit, t, cell, excluded=at_station)) == 0.0
    assert (
        seconds_in(box_intervals(unit, t, cell)) == 300.0
    )  # control: the same fixes, not excluded


def test_two_units_in_one_box_count_twice_and_apart():
    a = track(*[(s, 5) for s in range(0, 61, 10)], unit=0)
    b = track(*[(s, 5) for s in range(30, 91, 10)], unit=1)
    unit, t, cell = (np.concatenate(pair) for pair in zip(a, b, strict=True))
    got = box_intervals(unit, t, cell)
    assert sorted(got.unit.tolist()) == [0, 1]
    assert seconds_in(got) == 120.0  # unit-seconds: 60 each


def test_the_order_of_arrival_does_not_matter():
    unit, t, cell = track((0, -1), (10, 5), (20, 5), (30, 6), (40, 6), (50, -1))
    order = np.array([3, 0, 5, 1, 4, 2])
    a, b = box_intervals(unit, t, cell), box_intervals(unit[order], t[order], cell[order])
    assert all(
        np.array_equal(x, y) for x, y in zip(vars(a).values(), vars(b).values(), strict=True)
    )


def test_a_unit_crossing_a_shift_change_counts_in_both_shifts():
    change = pd.Timestamp("2026-06-02 02:00", tz="UTC").value  # 22:00 in Toronto
    fixes = [(s, 5) for s in range(-300, 301, 30)]
    unit, t, cell = track(*fixes)
    t = t - T0 + change
    windows_start = np.array([change - 8 * 3600 * S, change])
    windows_end = np.array([change, change + 8 * 3600 * S])
    got = minutes_by_window(box_intervals(unit, t, cell), windows_start, windows_end)
    assert got.window.tolist() == [0, 1]
    assert np.allclose(got.minutes, [5.0, 5.0])


def test_the_night_of_the_dst_change_is_nine_hours_long():
    zone = "America/Toronto"
    start = pd.Timestamp("2026-10-31 22:00", tz=zone)  # fall back at 02:00 on 1 November
    end = pd.Timestamp("2026-11-01 06:00", tz=zone)
    minutes = int((end - start).total_seconds() // 60)
    assert minutes == 540  # wall clock says 8 hours
    t = np.array([start.value + m * 60 * S for m in range(minutes + 1)], dtype=np.int64)
    got = minutes_by_window(
        box_intervals(np.zeros(len(t)), t, np.full(len(t), 7)),
        np.array([start.value]),
        np.array([end.value]),
    )
    assert got.minutes.tolist() == [540.0]


def test_the_dose_is_served_at_the_instant_the_unit_minutes_reach_it():
    """One unit 0-10 min, a second 5-15 min: 10 unit-minutes are reached at 7.5 min, not at 10
    (two units serve twice as fast); 25 unit-minutes are never reached (None)."""
    from forecasting.engine.exposure import dose_served_at

    minute = 60 * S
    start = np.array([T0, T0 + 5 * minute])
    end = np.array([T0 + 10 * minute, T0 + 15 * minute])
    assert dose_served_at(start, end, 10) == T0 + 7 * minute + 30 * S
    assert dose_served_at(start, end, 5) == T0 + 5 * minute  # control: alone until then
    assert dose_served_at(start, end, 20) == T0 + 15 * minute
    assert dose_served_at(start, end, 25) is None
