"""The plain logic of the AVL live-feed bench's missions stage (bench/avl_missions_stage.py): the
feed's fixes fall in one shift window and in the past, and each mission's car enters its box early
enough to stay there for its dose before the run ends."""

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "bench" / "load")]
from avl_missions_stage import FIX_MARGIN, entry_schedule, fix_start  # noqa: E402

T = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
WINDOWS = [
    (T - 11 * HOUR, T - 3 * HOUR),
    (T - 3 * HOUR, T + 5 * HOUR),
    (T + 5 * HOUR, T + 13 * HOUR),
]
SPAN = timedelta(minutes=30)


def test_mid_shift_the_fixes_end_a_minute_before_now_in_the_shift_under_way():
    first, i = fix_start(now=T, span=SPAN, windows=WINDOWS)
    assert (first, i) == (T - SPAN - timedelta(minutes=1), 1)


def test_a_stretch_that_would_cross_a_shift_start_moves_back_into_the_shift_that_ended():
    now = T - 3 * HOUR + timedelta(minutes=10)  # the shift began 10 minutes ago
    first, i = fix_start(now=now, span=SPAN, windows=WINDOWS)
    assert i == 0 and first == WINDOWS[0][1] - SPAN - FIX_MARGIN
    assert first + SPAN < WINDOWS[0][1] < now  # all in the shift that ended, all in the past


def test_no_window_holding_the_stretch_is_refused():
    with pytest.raises(ValueError, match="No shift window"):
        fix_start(now=T - 20 * HOUR, span=SPAN, windows=WINDOWS)


def test_entries_are_spread_so_each_car_stays_its_hold_before_the_run_ends():
    ticks = entry_schedule(missions=5, ticks=180, hold=96, lead=6)
    assert ticks == [6, 25, 44, 64, 83]
    assert all(t + 96 < 180 for t in ticks)


def test_a_run_shorter_than_the_hold_spreads_the_entries_over_the_whole_run():
    assert entry_schedule(missions=3, ticks=30, hold=96, lead=6) == [6, 18, 29]
    assert entry_schedule(missions=0, ticks=30, hold=96) == []
