"""Reads of the agency's configuration shared by pages and the API."""

import json
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from .models import Agency, Beat, District, Shift
from .shift_windows import ShiftWindow, windows_starting


def districts_geojson() -> dict:
    # Explicit order: Django leaves Meta.ordering out of GROUP BY queries such as this count.
    districts = District.objects.annotate(beat_count=Count("beats")).order_by("code")
    return _feature_collection(
        (d.geom, {"code": d.code, "name": d.name, "beats": d.beat_count}) for d in districts
    )


def beats_geojson(*, district_code: str | None = None) -> dict:
    beats = Beat.objects.select_related("district")
    if district_code:
        beats = beats.filter(district__code=district_code)
    return _feature_collection(
        (b.geom, {"code": b.code, "name": b.name, "district": b.district.code}) for b in beats
    )


class UnknownShift(LookupError):
    """No shift has this name or id; the message names the shifts there are."""


def shift_named(value: str | int) -> Shift:
    """The shift called `value` (any case), else the one whose id it is: how every command, page
    and API call names a shift. Raises UnknownShift."""
    text = str(value).strip()
    shift = Shift.objects.filter(name__iexact=text).first() if text else None
    if shift is None and text.isdigit():
        shift = Shift.objects.filter(pk=int(text)).first()
    if shift is None:
        names = ", ".join(Shift.objects.values_list("name", flat=True))
        raise UnknownShift(f"No shift {text!r}; shifts are: {names or 'none configured'}.")
    return shift


def local_today(*, now: datetime | None = None) -> date:
    """The date in the agency's zone at `now` (default: now)."""
    return (now or timezone.now()).astimezone(Agency.current().tz).date()


def shift_window(*, date: date, shift: Shift) -> ShiftWindow:
    """The window of `shift` starting on local `date`."""
    return ShiftWindow.of(shift, date, Agency.current().tz)


def shift_windows_between(*, first: date, last: date) -> list[ShiftWindow]:
    """Every shift starting on a local date from `first` to `last` (both included), by start."""
    return windows_starting(_shifts(), first=first, last=last, tz=Agency.current().tz)


def shift_windows_around(*, at: datetime | None = None) -> list[ShiftWindow]:
    """Every shift starting yesterday, today or tomorrow in the agency's zone at `at` (default now),
    by start: enough to hold the shift under way (a night shift runs past midnight) and the next."""
    today = local_today(now=at)
    return shift_windows_between(first=today - timedelta(days=1), last=today + timedelta(days=1))


def current_shift_window(*, at: datetime | None = None) -> ShiftWindow | None:
    """The shift under way at `at` (default now); in an overlap, the one that started first."""
    at = at or timezone.now()
    return next((w for w in shift_windows_around(at=at) if w.contains(at)), None)


def current_or_next_shift_window(*, at: datetime | None = None) -> ShiftWindow | None:
    """The shift under way at `at` (default now), else the next one to start; None without shifts."""
    at = at or timezone.now()
    return next((w for w in shift_windows_around(at=at) if at < w.ends_at), None)


def due_shift_windows(*, lead: timedelta, at: datetime | None = None) -> list[ShiftWindow]:
    """Every shift under way at `at` (default now) or starting within `lead` of it, by start: what
    the scheduler forecasts and plans."""
    at = at or timezone.now()
    return [w for w in shift_windows_around(at=at) if w.starts_at - lead <= at < w.ends_at]


def shift_windows_before(*, at: datetime, count: int) -> list[ShiftWindow]:
    """The `count` shifts that started last before `at`, newest first."""
    shifts = _shifts()
    if not shifts or count <= 0:
        return []
    today = local_today(now=at)
    days_back = count // len(shifts) + 1  # every day has each shift once, so this holds `count`
    windows = windows_starting(
        shifts, first=today - timedelta(days=days_back), last=today, tz=Agency.current().tz
    )
    return [w for w in reversed(windows) if w.starts_at < at][:count]


def _shifts() -> list[Shift]:
    return list(Shift.objects.order_by("start_time", "pk"))


def _feature_collection(items) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": json.loads(geom.geojson), "properties": props}
            for geom, props in items
        ],
    }
