import datetime as dt

import numpy as np
import pandas as pd
import pytest
from engine_helpers import SHIFTS, SQUARE, TZ

from forecasting.engine.events import prepare_events
from forecasting.engine.grid import build_grid
from forecasting.engine.history import build_history
from forecasting.engine.shifts import (
    ShiftTime,
    assign_to_shifts,
    parse_shift_starts,
    shift_hours,
    shift_window,
    shift_windows,
    tiling_shifts,
)


def _containing(w, when_local):
    t = pd.Timestamp(when_local).tz_localize(TZ, ambiguous=True)
    return assign_to_shifts(pd.DatetimeIndex([t]).tz_convert("UTC"), w)[0]


def test_spring_forward_shift_is_7_hours():
    w = shift_windows(dt.date(2021, 3, 13), dt.date(2021, 3, 15), SHIFTS, TZ)
    hours = shift_hours(w)
    i = _containing(w, "2021-03-14 01:30")
    assert hours[i] == 7
    assert np.sum(hours != 8) == 1
    assert w["start_local"].iloc[i].hour == 22 and w["date"].iloc[i] == dt.date(2021, 3, 13)


def test_fall_back_shift_is_9_hours():
    w = shift_windows(dt.date(2021, 11, 6), dt.date(2021, 11, 8), SHIFTS, TZ)
    hours = shift_hours(w)
    assert hours[_containing(w, "2021-11-07 03:00")] == 9
    assert np.sum(hours != 8) == 1


def test_windows_contiguous_and_indexed():
    w = shift_windows(dt.date(2021, 1, 1), dt.date(2021, 12, 31), SHIFTS, TZ)
    assert len(w) == 364 * 3
    assert (w["end"].iloc[:-1].to_numpy() == w["start"].iloc[1:].to_numpy()).all()
    assert list(w["shift_index"].iloc[:3]) == [0, 1, 2]
    assert str(w["start"].dt.tz) == "UTC"


def test_gap_and_ambiguous_wall_times():
    gap = shift_windows(dt.date(2021, 3, 14), dt.date(2021, 3, 15), [dt.time(2, 30)], TZ)
    assert gap["start_local"].iloc[0] == pd.Timestamp("2021-03-14 03:00", tz=TZ)
    amb = shift_windows(dt.date(2021, 11, 7), dt.date(2021, 11, 8), [dt.time(1, 30)], TZ)
    assert amb["start_local"].iloc[0].utcoffset() == pd.Timedelta(
        hours=-4
    )  # first occurrence (EDT)


def test_assign_outside_is_minus_one():
    w = shift_windows(dt.date(2021, 1, 1), dt.date(2021, 1, 2), SHIFTS, TZ)
    t = pd.DatetimeIndex(["2020-12-31 12:00", "2021-01-01 12:00", "2021-01-05 12:00"], tz="UTC")
    assert list(assign_to_shifts(t, w)) == [-1, 0, -1]


# Overlapping 10-hour shifts (ADR 0007): durations are honoured, so windows overlap by two hours.
TEN_HOURS = [ShiftTime(dt.time(h), dt.timedelta(hours=10)) for h in (6, 14, 22)]


def test_bare_starts_tile_the_day_as_shifts_with_durations_would():
    assert tiling_shifts(SHIFTS) == [
        ShiftTime(dt.time(h), dt.timedelta(hours=8)) for h in (6, 14, 22)
    ]
    as_times = shift_windows(dt.date(2021, 3, 1), dt.date(2021, 12, 1), SHIFTS, TZ)
    as_specs = shift_windows(dt.date(2021, 3, 1), dt.date(2021, 12, 1), tiling_shifts(SHIFTS), TZ)
    pd.testing.assert_frame_equal(as_times, as_specs)


def test_overlapping_shifts_keep_their_durations_across_both_dst_changes():
    spring = shift_windows(dt.date(2021, 3, 13), dt.date(2021, 3, 15), TEN_HOURS, TZ)
    autumn = shift_windows(dt.date(2021, 11, 6), dt.date(2021, 11, 8), TEN_HOURS, TZ)
    night_spring = spring[
        (spring["date"] == dt.date(2021, 3, 13)) & (spring["shift_index"] == 2)
    ].index[0]
    night_autumn = autumn[
        (autumn["date"] == dt.date(2021, 11, 6)) & (autumn["shift_index"] == 2)
    ].index[0]
    assert shift_hours(spring)[night_spring] == 9  # 22:00 EST to 08:00 EDT
    assert shift_hours(autumn)[night_autumn] == 11  # 22:00 EDT to 08:00 EST
    assert np.sum(shift_hours(spring) != 10) == 1 and np.sum(shift_hours(autumn) != 10) == 1
    assert (spring["end_local"].dt.hour.tolist()) == [16, 0, 8, 16, 0, 8]
    overlap = spring["end"].iloc[:-1].to_numpy() - spring["start"].iloc[1:].to_numpy()
    assert (overlap == np.timedelta64(2, "h")).all()


def test_one_shift_window_is_the_row_of_all_windows():
    for day in (dt.date(2021, 3, 14), dt.date(2021, 11, 7), dt.date(2021, 7, 1)):
        for spec in (ShiftTime(dt.time(2, 30), dt.timedelta(hours=8)), *TEN_HOURS):
            row = shift_windows(day, day + dt.timedelta(days=1), [spec], TZ).iloc[0]
            assert shift_window(day, spec, TZ) == (
                row["start"].to_pydatetime(),
                row["end"].to_pydatetime(),
            )
    start, end = shift_window(
        dt.date(2021, 3, 14), ShiftTime(dt.time(2, 30), dt.timedelta(hours=8)), TZ
    )
    assert start == dt.datetime(2021, 3, 14, 7, 0, tzinfo=dt.UTC)  # 03:00 EDT: the gap's end
    assert end == dt.datetime(2021, 3, 14, 14, 30, tzinfo=dt.UTC)  # 10:30 EDT: 8 wall-clock hours


def test_an_incident_in_the_overlap_is_a_target_of_both_shifts():
    raw = pd.DataFrame(
        {
            "id": ["overlap", "day-only", "autumn-night-and-day"],
            "occurred_at": ["2021-11-03T15:10:00", "2021-11-03T11:10:00", "2021-11-07T07:20:00"],
            "longitude": [-79.395] * 3,
            "latitude": [43.655] * 3,
            "category": ["assault"] * 3,
        }
    )
    events = prepare_events(raw, TZ, detect_heaping=False)
    grid = build_grid(SQUARE, cell_size=250)
    h = build_history(
        events,
        grid,
        start_date=dt.date(2021, 11, 1),
        end_date=dt.date(2021, 11, 9),
        shift_starts=TEN_HOURS,
        tz=TZ,
    )
    per_bin = h.observed("assault", np.arange(h.n_bins)).sum(axis=0)

    def bin_of(day, index):
        return h.bins[(h.bins["date"] == day) & (h.bins["shift_index"] == index)].index[0]

    assert per_bin[bin_of(dt.date(2021, 11, 3), 0)] == 2  # 15:10 and 11:10 in the day shift
    assert per_bin[bin_of(dt.date(2021, 11, 3), 1)] == 1  # 15:10 in the evening shift too
    assert per_bin[bin_of(dt.date(2021, 11, 6), 2)] == 1  # 07:20 EST, inside the 11-hour night
    assert per_bin[bin_of(dt.date(2021, 11, 7), 0)] == 1  # ... and the next day shift
    assert per_bin.sum() == 5
    # A piece is known only once its shift has ended, never at the start of the overlapping shift.
    evening = bin_of(dt.date(2021, 11, 3), 1)
    assert h.observed("assault", np.array([evening]), known_by=evening).sum() == 0


def test_shift_starts_on_the_command_line_may_carry_hours():
    assert parse_shift_starts("06:00, 14:00,22:00") == SHIFTS
    assert parse_shift_starts("06:00/10h,14:00/10,22:00/9.5h") == [
        ShiftTime(dt.time(6), dt.timedelta(hours=10)),
        ShiftTime(dt.time(14), dt.timedelta(hours=10)),
        ShiftTime(dt.time(22), dt.timedelta(hours=9.5)),
    ]
    for bad in ("06:00/10h,14:00", "", "06:00/0h", "06:00/25h"):
        with pytest.raises(ValueError):
            parse_shift_starts(bad)
