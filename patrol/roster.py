"""The roster's one write path: which unit works which beat in which shift, and who rides in it.

The CAD's roster export (CSV), `POST /api/v1/roster/` and the roster page's edit form all call
`import_roster` with rows of the same shape — date, shift, beat, unit, officers — so one rule set
judges them all. Each bad row is refused with its row, field and reason; the good rows are kept.
A row for a unit, date and shift already on the roster replaces that entry (the CAD re-exports
the day as it changes); a unit the roster names for the first time is added to the beat's district.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction

from agency.models import Agency, Beat, OfficerProfile, Shift
from audit.actions import Action
from audit.services import record
from missions_site.access import ADMINISTRATOR, ANALYST, FEED, SUPERVISOR, has_role

from .models import RosterEntry, Unit

ROSTER_COLUMNS = ("date", "shift", "beat", "unit", "officers")
ROSTER_MAX_ROWS = 20_000
OFFICER_SEPARATORS = re.compile(r"[;|,\s]+")


class RosterError(ValueError):
    """The whole input is refused (not a roster file, too many rows)."""


@dataclass
class RosterResult:
    created: int = 0
    updated: int = 0
    units_added: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)  # {"row", "field", "reason"}

    @property
    def kept(self) -> int:
        return self.created + self.updated

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "units_added": self.units_added,
            "rejected": self.rejected,
        }


def read_roster_csv(data: bytes | str, *, name: str = "roster.csv") -> list[dict]:
    """Rows of the CAD's roster CSV as dicts (header names lower-cased); refuses a file without the
    roster's columns, saying which are missing."""
    text = data.decode("utf-8-sig", errors="replace") if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ROSTER_COLUMNS if c not in header and c != "officers"]
    if missing:
        raise RosterError(
            f"{name}: not a roster file: no column {', '.join(missing)} "
            f"(expected {', '.join(ROSTER_COLUMNS)})."
        )
    reader.fieldnames = header
    return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]


def import_roster(
    *, rows: Iterable[dict], actor, source: str = "csv", file_name: str = ""
) -> RosterResult:
    """Validate and store roster rows (row 1 = the first data row). The actor must be allowed to
    change the roster; a supervisor scoped to districts may change only theirs (out-of-district
    rows are refused with their reason, the rest kept)."""
    _require_editor(actor)
    rows = list(rows)
    if len(rows) > ROSTER_MAX_ROWS:
        raise RosterError(
            f"A roster holds at most {ROSTER_MAX_ROWS} rows; this one has {len(rows)}."
        )
    allowed_districts = _districts_of(actor)
    shifts = {s.name.lower(): s for s in Shift.objects.all()} | {
        str(s.pk): s for s in Shift.objects.all()
    }
    beats = {b.code.lower(): b for b in Beat.objects.select_related("district")}
    units = {u.call_sign.lower(): u for u in Unit.objects.all()}
    officers = _officers_by_name(rows)
    result = RosterResult()
    seen: dict[tuple, int] = {}
    with transaction.atomic():
        for number, raw in enumerate(rows, start=1):
            problem, parsed = _parsed(raw, shifts, beats, officers)
            if (
                problem is None
                and allowed_districts is not None
                and parsed["beat"].district_id not in allowed_districts
            ):
                problem = ("beat", f"Beat {parsed['beat'].code} is outside your district(s).")
            if problem is None:
                key = (parsed["unit"].lower(), parsed["date"], parsed["shift"].pk)
                if key in seen:
                    problem = (
                        "unit",
                        f"Duplicate: unit {parsed['unit']} is already rostered for this date "
                        f"and shift in row {seen[key]}.",
                    )
                else:
                    seen[key] = number
            if problem is not None:
                result.rejected.append({"row": number, "field": problem[0], "reason": problem[1]})
                continue
            unit = units.get(parsed["unit"].lower())
            if unit is None:
                unit = Unit.objects.create(
                    call_sign=parsed["unit"], district=parsed["beat"].district
                )
                units[unit.call_sign.lower()] = unit
                result.units_added.append(unit.call_sign)
            entry, created = RosterEntry.objects.update_or_create(
                unit=unit,
                date=parsed["date"],
                shift=parsed["shift"],
                defaults={"beat": parsed["beat"]},
            )
            entry.officers.set(parsed["officers"])
            if created:
                result.created += 1
            else:
                result.updated += 1
        record(
            action=Action.ROSTER_IMPORTED,
            actor=actor,
            object_type="patrol.rosterentry",
            after={
                "source": source,
                "file": file_name,
                "rows": len(rows),
                "created": result.created,
                "updated": result.updated,
                "units_added": result.units_added,
                "rejected": len(result.rejected),
            },
        )
    return result


def remove_roster_entry(*, entry_id: int, actor) -> None:
    """Take one unit off the roster of a shift (the supervisor's page)."""
    _require_editor(actor)
    with transaction.atomic():
        entry = RosterEntry.objects.select_related("beat", "unit", "shift").get(pk=entry_id)
        allowed = _districts_of(actor)
        if allowed is not None and entry.beat.district_id not in allowed:
            raise PermissionDenied(f"Beat {entry.beat.code} is outside your district(s).")
        before = {
            "unit": entry.unit.call_sign,
            "date": entry.date.isoformat(),
            "shift": entry.shift.name,
            "beat": entry.beat.code,
        }
        entry.delete()
        record(
            action=Action.ROSTER_ENTRY_REMOVED,
            actor=actor,
            object_type="patrol.rosterentry",
            object_id=str(entry_id),
            before=before,
        )


# --- helpers ---------------------------------------------------------------------------------------


def _require_editor(actor) -> None:
    if actor is None or not actor.has_perm("patrol.change_rosterentry"):
        raise PermissionDenied("You need the permission 'patrol.change_rosterentry' for this.")


def _districts_of(actor) -> set[int] | None:
    """The districts a supervisor is scoped to (None: every district)."""
    if has_role(actor, ANALYST, ADMINISTRATOR, FEED) or not has_role(actor, SUPERVISOR):
        return None
    if not Agency.current().supervisors_scoped_to_district:
        return None
    profile = getattr(actor, "officer_profile", None)
    if profile is None:
        return set()
    ids = set(profile.supervised_districts.values_list("pk", flat=True))
    return ids | ({profile.home_district_id} if profile.home_district_id else set())


def _officers_by_name(rows: list[dict]) -> dict[str, object]:
    """Users named in the rows, by username and by badge number (lower-cased)."""
    names = set()
    for raw in rows:
        if isinstance(raw, dict):
            names |= {n.lower() for n in _officer_names(raw.get("officers"))}
    if not names:
        return {}
    found: dict[str, object] = {}
    users = get_user_model().objects.filter(is_active=True)
    for user in users.filter(username__in=names):
        found[user.username.lower()] = user
    for name in names - set(found):
        user = users.filter(username__iexact=name).first()
        if user is not None:
            found[name] = user
    for profile in OfficerProfile.objects.filter(
        badge_number__in=names - set(found)
    ).select_related("user"):
        found[profile.badge_number.lower()] = profile.user
    return found


def _officer_names(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [n for n in OFFICER_SEPARATORS.split(str(value).strip()) if n]


def _parsed(raw, shifts, beats, officers):
    """(None, fields) or ((field, reason), None)."""
    if not isinstance(raw, dict):
        return ("", "Each roster row is an object with date, shift, beat, unit and officers."), None
    text = {k: str(raw.get(k) or "").strip() for k in ("date", "shift", "beat", "unit")}
    for key in ("date", "shift", "beat", "unit"):
        if not text[key]:
            return (key, f"No {key}."), None
    try:
        day = date.fromisoformat(text["date"])
    except ValueError:
        return ("date", f"The date {text['date'][:40]!r} is not YYYY-MM-DD."), None
    shift = shifts.get(text["shift"].lower())
    if shift is None:
        names = ", ".join(sorted({s.name for s in shifts.values()}))
        return ("shift", f"Unknown shift {text['shift'][:40]!r}: one of {names}."), None
    beat = beats.get(text["beat"].lower())
    if beat is None:
        return ("beat", f"Unknown beat {text['beat'][:40]!r}."), None
    if len(text["unit"]) > 32:
        return ("unit", "A unit's call sign has at most 32 characters."), None
    riders = []
    for name in _officer_names(raw.get("officers")):
        user = officers.get(name.lower())
        if user is None:
            return (
                "officers",
                f"Unknown officer {name[:40]!r}: give a username or a badge number.",
            ), None
        riders.append(user)
    return None, {
        "date": day,
        "shift": shift,
        "beat": beat,
        "unit": text["unit"],
        "officers": riders,
    }
