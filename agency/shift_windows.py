"""One occurrence of a shift: the type every app passes around for "the Night shift of 6 July", built
from the engine's one definition of a shift's window (ADR 0007, ADR 0020). The selectors in
agency.selectors read the agency's zone and shifts and return these."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from forecasting.engine import shifts as engine

from .models import Shift


@dataclass(frozen=True)
class ShiftWindow:
    """`shift` starting on local `date`, from `starts_at` to `ends_at` ([start, end), aware, UTC).

    Kept in UTC because Python subtracts two times of one zone in wall-clock time, which would make
    a 9-hour fall-back night look like 8 hours."""

    shift: Shift
    date: dt.date  # the local date on which the shift starts
    starts_at: dt.datetime
    ends_at: dt.datetime

    @classmethod
    def of(cls, shift: Shift, date: dt.date, tz: ZoneInfo) -> ShiftWindow:
        """The window of `shift` starting on local `date` in zone `tz`."""
        starts_at, ends_at = engine.shift_window(date, shift.shift_time, tz.key)
        return cls(shift, date, starts_at, ends_at)

    @property
    def key(self) -> tuple[dt.date, int]:
        """(date, shift id): how forecasts, plans and missions are filed."""
        return self.date, self.shift.pk

    @property
    def label(self) -> str:
        return f"{self.date.isoformat()} {self.shift.name}"

    @property
    def duration(self) -> dt.timedelta:
        return self.ends_at - self.starts_at

    def contains(self, at: dt.datetime) -> bool:
        """Whether the shift is under way at `at` (aware): from its start, up to but not its end."""
        return self.starts_at <= at < self.ends_at

    def as_dict(self) -> dict:
        """The shift as the API and the pages' scripts read it."""
        return {
            "id": self.shift.pk,
            "name": self.shift.name,
            "date": self.date.isoformat(),
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
        }


def windows_starting(
    shifts: Sequence[Shift], *, first: dt.date, last: dt.date, tz: ZoneInfo
) -> list[ShiftWindow]:
    """The window of each of `shifts` on every local date from `first` to `last` (both included),
    by start (shifts starting together: in start-time order, then as given), in one vectorised call
    of the engine."""
    if not shifts or last < first:
        return []
    ordered = sorted(shifts, key=lambda s: s.start_time)  # the engine's shift_index order
    rows = engine.shift_windows(
        first, last + dt.timedelta(days=1), [s.shift_time for s in ordered], tz.key
    )
    windows = [
        ShiftWindow(ordered[i], day, start.to_pydatetime(), end.to_pydatetime())
        for day, i, start, end in zip(
            rows["date"], rows["shift_index"], rows["start"], rows["end"], strict=True
        )
    ]
    return sorted(windows, key=lambda w: w.starts_at)
