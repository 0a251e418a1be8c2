import datetime as dt

import numpy as np
import pandas as pd
from engine_helpers import SHIFTS, TZ

from forecasting.engine.events import detect_heaped_minutes, prepare_events, spread_over_bins
from forecasting.engine.shifts import _utc_ns, shift_windows


def _frame(times, cats=None, **extra):
    n = len(times)
    d = {
        "id": [str(i) for i in range(n)],
        "occurred_at": times,
        "latitude": [43.66] * n,
        "longitude": [-79.39] * n,
        "category": cats or ["Assault"] * n,
    }
    d.update(extra)
    return pd.DataFrame(d)


def test_naive_time_in_dst_gap_and_overlap_do_not_crash():
    ev = prepare_events(
        _frame(["2021-03-14T02:30", "2021-11-07T01:30", "2021-06-01T10:00-04:00"]), TZ
    )
    start = pd.to_datetime(ev.frame["start_ns"].to_numpy(), utc=True)
    assert start[0] == pd.Timestamp(
        "2021-03-14 07:00", tz="UTC"
    )  # moved to 03:00 EDT, after the gap
    assert start[1] == pd.Timestamp("2021-11-07 05:30", tz="UTC")  # first occurrence, EDT
    assert start[2] == pd.Timestamp("2021-06-01 14:00", tz="UTC")  # explicit offset respected
    assert len(ev.rejected) == 0


def test_bad_rows_rejected_with_reason():
    df = _frame(["2021-01-01T10:00", "not a time", "2021-01-01T10:00"])
    df.loc[2, "latitude"] = np.nan
    ev = prepare_events(df, TZ)
    assert len(ev.frame) == 1
    assert sorted(ev.rejected["reason"]) == ["missing coordinates", "unparseable occurred_at"]


def test_heaping_is_detected_from_data_not_assumed():
    rng = np.random.default_rng(0)
    minutes = rng.integers(0, 24, 5000) * 60
    cats = np.array(["A"] * 5000)
    assert detect_heaped_minutes(minutes, cats) == {}  # uniform hours: nothing heaped
    heaped = np.concatenate([minutes, np.zeros(800, int)])
    out = detect_heaped_minutes(heaped, np.array(["A"] * len(heaped)))
    assert list(out["A"]) == [0]
    assert 0.7 < out["A"][0] < 0.9  # ~800 of ~1010 events at midnight are defaults


def test_aoristic_weights_proportional_to_overlap():
    w = shift_windows(dt.date(2021, 1, 1), dt.date(2021, 1, 3), SHIFTS, TZ)
    bs, be = _utc_ns(w["start"]), _utc_ns(w["end"])
    # 10:00 -> 18:00 local: 4 h in the 06-14 shift, 4 h in the 14-22 shift.
    s = _utc_ns(pd.DatetimeIndex([pd.Timestamp("2021-01-01 10:00", tz=TZ)]))
    e = _utc_ns(pd.DatetimeIndex([pd.Timestamp("2021-01-01 18:00", tz=TZ)]))
    ev, b, wt = spread_over_bins(s, e, bs, be)
    assert list(b) == [0, 1]
    assert np.allclose(wt, [0.5, 0.5])


def test_occurred_to_window_used():
    df = _frame(["2021-01-01T10:00"], occurred_to=["2021-01-01T18:00"])
    ev = prepare_events(df, TZ)
    span = (ev.frame["end_ns"] - ev.frame["start_ns"]).iloc[0]
    assert span == 8 * 3600 * 10**9


def test_heaped_events_keep_part_of_their_weight_at_the_recorded_time():
    from engine_helpers import SQUARE

    from forecasting.engine.grid import build_grid
    from forecasting.engine.history import build_history

    rng = np.random.default_rng(3)
    days = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 50, 3000), unit="D")
    hours = np.where(rng.random(3000) < 0.3, 0, rng.integers(0, 24, 3000))
    times = (days + pd.to_timedelta(hours, unit="h")).strftime("%Y-%m-%dT%H:%M").tolist()
    ev = prepare_events(_frame(times), TZ)
    share = ev.heaped["Assault"][0]
    assert 0.8 < share < 0.95  # ~30 % at midnight against ~3 % expected
    h = build_history(
        ev,
        build_grid(SQUARE),
        start_date=dt.date(2020, 12, 31),
        end_date=dt.date(2021, 3, 1),
        shift_starts=SHIFTS,
        tz=TZ,
    )
    assert np.isclose(h.weight.sum(), 3000)
    # A midnight event's day piece is known only when its local day is over.
    assert np.all(h.known > h.bin)
