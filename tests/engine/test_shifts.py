import datetime as dt

import numpy as np
import pandas as pd
from engine_helpers import SHIFTS, TZ

from forecasting.engine.shifts import assign_to_shifts, shift_hours, shift_windows


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
    assert amb["start_local"].iloc[0].utcoffset() == pd.Timedelta(hours=-4)  # first occurrence (EDT)


def test_assign_outside_is_minus_one():
    w = shift_windows(dt.date(2021, 1, 1), dt.date(2021, 1, 2), SHIFTS, TZ)
    t = pd.DatetimeIndex(["2020-12-31 12:00", "2021-01-01 12:00", "2021-01-05 12:00"], tz="UTC")
    assert list(assign_to_shifts(t, w)) == [-1, 0, -1]
