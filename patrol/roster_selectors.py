"""Reads of the roster: the units on a shift (by beat), and the entries of a day a user may edit."""

from __future__ import annotations

from datetime import date

from agency.models import Shift

from .models import RosterEntry


def roster_of_day(*, day: date, district_ids: set[int] | None = None) -> list[RosterEntry]:
    """The day's roster entries (every shift), in the given districts (None: all)."""
    entries = (
        RosterEntry.objects.filter(date=day)
        .select_related("unit", "shift", "beat__district")
        .prefetch_related("officers__officer_profile")
        .order_by("shift__order", "beat__code", "unit__call_sign")
    )
    if district_ids is not None:
        entries = entries.filter(beat__district__in=district_ids)
    return list(entries)


def units_by_beat(*, day: date, shift: Shift) -> dict[int, list[str]]:
    """Per beat id, the call signs of the units rostered on it for the shift (one query)."""
    units: dict[int, list[str]] = {}
    rows = (
        RosterEntry.objects.filter(date=day, shift=shift)
        .order_by("unit__call_sign")
        .values_list("beat_id", "unit__call_sign")
    )
    for beat_id, call_sign in rows:
        units.setdefault(beat_id, []).append(call_sign)
    return units


def rostered_unit_ids(*, day: date, shift: Shift, beat_id: int) -> set[int]:
    return set(
        RosterEntry.objects.filter(date=day, shift=shift, beat_id=beat_id).values_list(
            "unit_id", flat=True
        )
    )
