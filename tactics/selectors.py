"""Reads of tactics: suggestions for missions by their driving crime types, and counts of what
officers reported using, by crime type, district and shift."""

from __future__ import annotations

from collections import Counter
from datetime import date as Date

from django.db.models import Count, Max, Prefetch

from agency.models import CrimeType

from .conditions import tactics_that_fit
from .models import Tactic, TacticUse

SUGGESTIONS_PER_MISSION = 4


def enabled_tactics() -> list[Tactic]:
    return list(
        Tactic.objects.filter(enabled=True).prefetch_related(
            Prefetch("crime_types", queryset=CrimeType.objects.only("code"))
        )
    )


def catalogue_version() -> tuple:
    """What changes whenever the suggestions could: the number of tactics and their last change
    (a save through `services.save_tactic`, crime types included). One aggregate query."""
    row = Tactic.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    return row["n"], row["last"]


def suggested_tactics(missions, *, limit: int = SUGGESTIONS_PER_MISSION) -> dict[int, list[Tactic]]:
    """Per mission id, the enabled tactics for its driving crime types (largest share first) whose
    conditions its box meets; tactics tied to no crime type suit every mission and come last. Two
    queries for any number of missions, plus one per tactic with conditions."""
    missions = list(missions)
    if not missions:
        return {}
    tactics = enabled_tactics()
    fits = tactics_that_fit(tactics, missions)
    by_type: dict[str, list[Tactic]] = {}
    general = []
    for tactic in tactics:
        codes = [ct.code for ct in tactic.crime_types.all()]
        if not codes:
            general.append(tactic)
        for code in codes:
            by_type.setdefault(code, []).append(tactic)
    out = {}
    for mission in missions:
        chosen: list[Tactic] = []
        for driver in mission.drivers or []:
            for tactic in by_type.get(driver.get("crime_type"), []):
                if tactic not in chosen:
                    chosen.append(tactic)
        chosen += [t for t in general if t not in chosen]
        chosen = [t for t in chosen if t.pk not in fits or mission.pk in fits[t.pk]]
        out[mission.pk] = chosen[:limit]
    return out


def tactic_counts(*, date_from: Date, date_to: Date) -> dict:
    """Tactics reported on missions of the date range, counted three ways."""
    uses = TacticUse.objects.filter(mission__date__range=(date_from, date_to))
    by = {
        "crime_type": "mission__primary_crime_type__name",
        "district": "mission__beat__district__code",
        "shift": "mission__shift__name",
    }
    out: dict = {
        "total": Counter(),
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
    }
    for key, path in by.items():
        rows = (
            uses.values("tactic__name", path).annotate(n=Count("pk")).order_by("tactic__name", path)
        )
        out[f"by_{key}"] = [
            {"tactic": r["tactic__name"], key: r[path] or "(none)", "count": r["n"]} for r in rows
        ]
    for r in uses.values("tactic__name").annotate(n=Count("pk")).order_by("-n", "tactic__name"):
        out["total"][r["tactic__name"]] = r["n"]
    out["total"] = [{"tactic": name, "count": n} for name, n in out["total"].most_common()]
    return out
