"""Reads for the role home pages: figures gathered from every app, per district, and the
supervisor's live board of the shift under way."""

import json
from datetime import datetime
from typing import Any

from django.db.models import Count
from django.utils import timezone

from agency.models import District
from agency.selectors import current_shift_window
from forecasting.selectors import cell_counts_by_district
from ingest.selectors import incident_counts_by_district
from missions import scope, state
from missions import selectors as mission_selectors
from missions.models import Mission, Visit
from patrol.roster_selectors import units_by_beat


def jurisdiction_overview() -> list[dict]:
    """Per district: beats, active cells and incidents in the last 28 days."""
    cells = cell_counts_by_district()
    incidents = incident_counts_by_district(days=28)
    districts = District.objects.annotate(beat_count=Count("beats")).order_by("code")
    return [
        {
            "code": d.code,
            "name": d.name,
            "beats": d.beat_count,
            "cells": cells.get(d.pk, 0),
            "incidents_28d": incidents.get(d.code, 0),
        }
        for d in districts
    ]


# The board's statuses in the order a shift moves through them (cancelled missions are left out).
BOARD_STATUSES = Mission.NOT_CANCELLED


def board_district_codes(user) -> list[str]:
    """The districts the supervisor's board map opens fitted to: those the supervisor looks after
    (supervised districts and home district, as in `missions.scope`); none (the whole jurisdiction)
    when the account has no profile or no district."""
    profile = getattr(user, "officer_profile", None)
    if profile is None:
        return []
    ids = set(profile.supervised_districts.values_list("pk", flat=True))
    if profile.home_district_id:
        ids.add(profile.home_district_id)
    return list(District.objects.filter(pk__in=ids).order_by("code").values_list("code", flat=True))


def shift_board(user, *, now: datetime | None = None) -> dict:
    """The supervisor's board of the shift under way: its missions in the user's scope by beat and by
    unit (the officer who patrolled), each with its status and dose progress, and as GeoJSON boxes
    for the map. A handful of queries whatever the number of missions."""
    now = now or timezone.now()
    window = current_shift_window(at=now)
    board: dict[str, Any] = {
        "server_time": now.isoformat(),
        "shift": window.as_dict() if window else None,
        "statuses": [{"code": s.value, "label": s.label} for s in BOARD_STATUSES],
        "totals": {s.value: 0 for s in BOARD_STATUSES},
        "beats": [],
        "units": [],
        "boxes": {"type": "FeatureCollection", "features": []},
    }
    if window is None:
        return board
    missions = scope.visible_missions(
        user,
        mission_selectors.shift_missions(
            date=window.date, shift=window.shift, include_cancelled=False
        ),
        now=now,
    )
    patrolled_by = _units(missions)
    # Missions of a beat are offered to the units rostered on it this shift (the CAD's roster);
    # without a roster, the unit is the officer who patrolled the mission.
    rostered = units_by_beat(day=window.date, shift=window.shift)
    actions = state.allowed_actions(user, missions, now=now)
    districts = dict(
        District.objects.filter(beats__in={m.beat_id for m in missions}).values_list(
            "beats__pk", "name"
        )
    )
    beats: dict[str, dict] = {}
    per_unit: dict[str, dict] = {}
    for mission in missions:
        row = _board_row(
            mission,
            units=rostered.get(mission.beat_id)
            or ([patrolled_by[mission.pk]] if mission.pk in patrolled_by else []),
            patrolled_by=patrolled_by.get(mission.pk),
            actions=actions[mission.pk],
            now=now,
        )
        beat = beats.setdefault(
            mission.beat.code,
            {
                "code": mission.beat.code,
                "district": districts.get(mission.beat_id, ""),
                "counts": {s.value: 0 for s in BOARD_STATUSES},
                "missions": [],
            },
        )
        beat["counts"][mission.status] += 1
        beat["missions"].append(row)
        board["totals"][mission.status] += 1
        for name in row["units"]:
            unit = per_unit.setdefault(
                name,
                {
                    "unit": name,
                    "beats": set(),
                    "missions": 0,
                    "minutes_served": 0.0,
                    "minutes_self_reported": 0.0,
                    "in_box": None,
                },
            )
            unit["beats"].add(mission.beat.code)
            unit["missions"] += 1
            unit["minutes_served"] += row["minutes_served"]
            unit["minutes_self_reported"] += row["minutes_self_reported"]
            if row["running"] and not row["stale"]:  # "In box now" follows the positions
                unit["in_box"] = row["label"]
        board["boxes"]["features"].append(
            {
                "type": "Feature",
                "id": mission.pk,
                "geometry": json.loads(mission.cell.geom.geojson),
                "properties": {
                    "id": mission.pk,
                    "status": mission.status,
                    "beat": mission.beat.code,
                    "label": row["label"],
                    "progress": row["progress"],
                },
            }
        )
    board["beats"] = [beats[code] for code in sorted(beats)]
    board["units"] = [
        {
            **u,
            "beats": sorted(u["beats"]),
            "minutes_served": round(u["minutes_served"], 1),
            "minutes_self_reported": round(u["minutes_self_reported"], 1),
        }
        for u in sorted(per_unit.values(), key=lambda u: u["unit"])
    ]
    return board


def _board_row(
    mission: Mission,
    *,
    units: list[str],
    patrolled_by: str | None,
    actions: list[str],
    now: datetime,
) -> dict:
    timer = mission_selectors.timer_state(mission, now=now)
    served = (
        mission.minutes_served if mission.minutes_served is not None else timer["dose_seconds"] / 60
    )
    # Shown apart, never part of the dose (docs/adr/0026); blank on missions closed before.
    self_reported = (
        mission.minutes_self_reported
        if mission.minutes_served is not None
        else timer["self_reported_seconds"] / 60
    )
    return {
        "id": mission.pk,
        "rank": mission.rank,
        "status": mission.status,
        "status_label": mission.get_status_display(),
        # Named where it is (its location label, e.g. "King St & Bay St"), the box id only without one.
        "label": f"#{mission.rank} {mission.primary_crime_type.name if mission.primary_crime_type else 'Patrol'}"
        f" · {mission.cell.location_label or f'box {mission.cell.cell_id}'}",
        "dose_minutes": mission.dose_minutes,
        "minutes_served": round(served, 1),
        "minutes_self_reported": round(self_reported or 0.0, 1),
        "progress": round(min(1.0, served / mission.dose_minutes), 3)
        if mission.dose_minutes
        else 1.0,
        "running": timer["running"],
        "unit": ", ".join(units) or None,  # the units it is offered to (the beat's roster)
        "units": units,
        "patrolled_by": patrolled_by,
        "measured_by_avl": timer["measured_by_avl"],
        "minutes_avl_other": round(mission.minutes_avl_other, 1),  # not part of the dose
        "stale": timer["stale"],  # under way but no position lately: not known to be in the box
        "ended_reason": mission.ended_reason,
        "allowed_actions": actions,  # what the user may do now (missions/state.py)
    }


def _units(missions: list[Mission]) -> dict[int, str]:
    """Per mission, the unit that patrolled it last: the officer's badge and name (one query)."""
    units = {}
    visits = (
        Visit.objects.filter(mission__in=[m.pk for m in missions])
        .select_related("officer__officer_profile")
        .order_by("started_at", "pk")
    )
    for visit in visits:
        if visit.officer is not None:
            profile = getattr(visit.officer, "officer_profile", None)
            units[visit.mission_id] = str(profile) if profile else visit.officer.get_username()
    return units
