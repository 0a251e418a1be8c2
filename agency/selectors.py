"""Reads of the agency's configuration shared by pages and the API."""

import json
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from forecasting.engine.shifts import shift_windows

from .models import Agency, Beat, District, Shift


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


def shift_windows_near(*, now: datetime) -> list[tuple[date, Shift, datetime, datetime]]:
    """(local date, shift, start, end) of every shift starting yesterday, today or tomorrow in the
    agency's zone, by start: the one place that turns "now" into shift windows."""
    tz = Agency.current().tz
    shifts = list(Shift.objects.order_by("start_time", "pk"))
    if not shifts:
        return []
    today = local_today(now=now)
    rows = shift_windows(
        today - timedelta(days=1), today + timedelta(days=2), [s.shift_time for s in shifts], tz.key
    )
    windows = [
        (day, shifts[i], start.to_pydatetime(), end.to_pydatetime())
        for day, i, start, end in zip(
            rows["date"], rows["shift_index"], rows["start"], rows["end"], strict=True
        )
    ]
    return sorted(windows, key=lambda w: w[2])


def current_shift(*, now: datetime | None = None) -> tuple[Shift, datetime, datetime] | None:
    """The shift under way now, with its window (yesterday's night shift counts when it runs past
    midnight)."""
    now = now or timezone.now()
    for _, shift, start, end in shift_windows_near(now=now):
        if start <= now < end:
            return shift, start, end
    return None


def current_or_next_shift(*, now: datetime | None = None) -> tuple[date, Shift] | None:
    """(local date, shift) of the shift under way, else of the next one to start."""
    now = now or timezone.now()
    for day, shift, _, end in shift_windows_near(now=now):
        if now < end:
            return day, shift
    return None


def shifts_due(*, now: datetime, lead: timedelta) -> list[tuple[date, Shift]]:
    """(local date, shift) of every shift under way at `now` or starting within `lead`."""
    return [
        (day, shift)
        for day, shift, start, end in shift_windows_near(now=now)
        if start - lead <= now < end
    ]


def _feature_collection(items) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": json.loads(geom.geojson), "properties": props}
            for geom, props in items
        ],
    }
