"""One shift-occurrence type and one selector family for "which shift is now, next, due, around,
before" (ADR 0020): the small agency's Day 06:00, Evening 14:00 and Night 22:00 (8 h each) in
Toronto, across both DST changes of 2021, the overnight shift, and overlapping 10-hour shifts."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agency.models import Shift
from agency.selectors import (
    current_or_next_shift_window,
    current_shift_window,
    due_shift_windows,
    shift_window,
    shift_windows_around,
    shift_windows_before,
    shift_windows_between,
)
from agency.shift_windows import ShiftWindow

pytestmark = pytest.mark.django_db
TORONTO = ZoneInfo("America/Toronto")
SPRING = date(2021, 3, 14)  # 02:00 EST -> 03:00 EDT
FALL = date(2021, 11, 7)  # 02:00 EDT -> 01:00 EST


def at(day: date, hour: int, minute: int = 0, *, fold: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, fold=fold, tzinfo=TORONTO)


def named(window: ShiftWindow | None) -> tuple[date, str] | None:
    return (window.date, window.shift.name) if window else None


def hours(window: ShiftWindow) -> float:
    return window.duration.total_seconds() / 3600


@pytest.mark.parametrize(
    ("night", "night_hours"),
    [(SPRING - timedelta(days=1), 7), (FALL - timedelta(days=1), 9), (date(2021, 7, 1), 8)],
)
def test_windows_tile_the_days_around_a_clock_change(small_agency, night, night_hours):
    windows = shift_windows_between(first=night - timedelta(days=1), last=night + timedelta(days=1))
    assert len(windows) == 9
    assert [w.starts_at for w in windows] == sorted(w.starts_at for w in windows)
    for before, after in zip(windows, windows[1:], strict=False):
        assert before.ends_at == after.starts_at  # no gap and no overlap, even on the change night
    by_name = {named(w): w for w in windows}
    assert hours(by_name[(night, "Night")]) == night_hours
    assert hours(by_name[(night, "Day")]) == 8
    night_window = by_name[(night, "Night")]
    local = night_window.starts_at.astimezone(TORONTO), night_window.ends_at.astimezone(TORONTO)
    assert (local[0].hour, local[1].hour, local[1].date()) == (22, 6, night + timedelta(days=1))


def test_shift_window_of_a_date_and_shift_is_the_one_in_the_family(small_agency):
    night = Shift.objects.get(name="Night")
    window = shift_window(date=FALL - timedelta(days=1), shift=night)
    assert window == ShiftWindow.of(night, FALL - timedelta(days=1), TORONTO)
    assert window in shift_windows_around(at=at(FALL, 3))
    assert window.key == (FALL - timedelta(days=1), night.pk)
    assert window.label == "2021-11-06 Night"
    assert window.as_dict() == {
        "id": night.pk,
        "name": "Night",
        "date": "2021-11-06",
        "starts_at": "2021-11-07T02:00:00+00:00",  # 22:00 EDT
        "ends_at": "2021-11-07T11:00:00+00:00",  # 06:00 EST, 9 hours later
    }


def test_contains_is_from_the_start_up_to_but_not_the_end(small_agency):
    window = shift_window(date=SPRING, shift=Shift.objects.get(name="Day"))
    assert window.contains(window.starts_at)
    assert window.contains(window.ends_at - timedelta(microseconds=1))
    assert not window.contains(window.ends_at)
    assert not window.contains(window.starts_at - timedelta(microseconds=1))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(date(2021, 7, 2), 3), (date(2021, 7, 1), "Night")),  # last night's shift, overnight
        (at(date(2021, 7, 2), 15), (date(2021, 7, 2), "Evening")),
        (at(date(2021, 7, 2), 6), (date(2021, 7, 2), "Day")),  # the start belongs to the new shift
        (at(SPRING, 5, 30), (SPRING - timedelta(days=1), "Night")),  # the 7-hour night, EDT
        (at(FALL, 1, 30), (FALL - timedelta(days=1), "Night")),  # 01:30 EDT
        (at(FALL, 1, 30, fold=1), (FALL - timedelta(days=1), "Night")),  # 01:30 EST, an hour later
        (at(FALL, 5, 59), (FALL - timedelta(days=1), "Night")),  # the 9-hour night's last minute
        (at(FALL, 6), (FALL, "Day")),
    ],
)
def test_current_shift_window_across_midnight_and_clock_changes(small_agency, moment, expected):
    window = current_shift_window(at=moment)
    assert named(window) == expected
    assert window.contains(moment)


def test_in_an_overlap_the_current_shift_is_the_one_that_started_first(small_agency):
    Shift.objects.update(duration_minutes=600)  # 10-hour shifts: two hours of overlap at a change
    moment = at(date(2021, 7, 2), 15)
    window = current_shift_window(at=moment)
    assert named(window) == (date(2021, 7, 2), "Day")
    assert (window.starts_at.astimezone(TORONTO).hour, window.ends_at.astimezone(TORONTO).hour) == (
        6,
        16,
    )
    assert named(current_shift_window(at=at(date(2021, 7, 2), 16))) == (date(2021, 7, 2), "Evening")
    # Both are due there: planning and forecasting take every shift under way.
    due = due_shift_windows(lead=timedelta(0), at=moment)
    assert [named(w) for w in due] == [(date(2021, 7, 2), "Day"), (date(2021, 7, 2), "Evening")]


def test_current_or_next_is_the_shift_under_way_else_the_next_to_start(small_agency):
    Shift.objects.exclude(name="Day").delete()  # one shift, 06:00-14:00: the rest of the day is off
    morning = at(date(2021, 7, 2), 9)
    assert named(current_or_next_shift_window(at=morning)) == (date(2021, 7, 2), "Day")
    evening = at(date(2021, 7, 2), 20)
    assert current_shift_window(at=evening) is None
    assert named(current_or_next_shift_window(at=evening)) == (date(2021, 7, 3), "Day")
    assert named(current_or_next_shift_window(at=at(date(2021, 7, 2), 14))) == (
        date(2021, 7, 3),
        "Day",
    )


def test_no_shifts_means_no_windows(small_agency):
    Shift.objects.all().delete()
    moment = at(date(2021, 7, 2), 9)
    assert current_shift_window(at=moment) is None
    assert current_or_next_shift_window(at=moment) is None
    assert due_shift_windows(lead=timedelta(hours=24), at=moment) == []
    assert shift_windows_before(at=moment, count=3) == []


def test_due_windows_are_the_one_under_way_and_those_starting_within_the_lead(small_agency):
    moment = at(FALL, 4)  # 04:00 EST, in the 9-hour night; the Day shift starts at 06:00
    assert [named(w) for w in due_shift_windows(lead=timedelta(minutes=119), at=moment)] == [
        (FALL - timedelta(days=1), "Night")
    ]
    assert [named(w) for w in due_shift_windows(lead=timedelta(minutes=120), at=moment)] == [
        (FALL - timedelta(days=1), "Night"),
        (FALL, "Day"),
    ]


def test_due_windows_across_midnight_reach_the_next_day(small_agency):
    moment = at(date(2021, 7, 1), 21, 30)  # the Evening shift; Night starts at 22:00
    due = due_shift_windows(lead=timedelta(hours=1), at=moment)
    assert [named(w) for w in due] == [(date(2021, 7, 1), "Evening"), (date(2021, 7, 1), "Night")]
    late = at(date(2021, 7, 2), 5, 30)  # last night's shift, and this morning's Day within the lead
    due = due_shift_windows(lead=timedelta(hours=1), at=late)
    assert [named(w) for w in due] == [(date(2021, 7, 1), "Night"), (date(2021, 7, 2), "Day")]


def test_windows_around_a_time_are_yesterdays_todays_and_tomorrows_by_start(small_agency):
    windows = shift_windows_around(at=at(date(2021, 7, 2), 3))
    assert [named(w) for w in windows] == [
        (day, name)
        for day in (date(2021, 7, 1), date(2021, 7, 2), date(2021, 7, 3))
        for name in ("Day", "Evening", "Night")
    ]


def test_windows_before_a_time_are_the_latest_started_newest_first(small_agency):
    moment = at(SPRING, 7)  # the Day shift began at 06:00 EDT
    before = shift_windows_before(at=moment, count=4)
    assert [named(w) for w in before] == [
        (SPRING, "Day"),
        (SPRING - timedelta(days=1), "Night"),
        (SPRING - timedelta(days=1), "Evening"),
        (SPRING - timedelta(days=1), "Day"),
    ]
    starts = shift_window(date=SPRING, shift=Shift.objects.get(name="Day")).starts_at
    assert named(shift_windows_before(at=starts, count=1)[0]) == (
        SPRING - timedelta(days=1),
        "Night",
    )  # a shift is not before itself
    assert len(shift_windows_before(at=moment, count=7)) == 7  # reaches back over two days
