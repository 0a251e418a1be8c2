"""The roll-call briefing of a district for a shift, read out by a sergeant and printed on one page:
what changed since the last shift (alerts, notable incidents by type and place, missions not
completed and why) and this shift's missions on a map with their tactics. Reads only, from the same
rows as the shift sheet and the MDT; no personal data (no names, no free-text notes, no incident
addresses finer than the box's location label)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date as Date
from datetime import timedelta

import shapely
from django.utils import timezone

from agency.models import District, Shift
from agency.selectors import shift_window, shift_windows_before
from agency.services import to_shapely
from agency.shift_windows import ShiftWindow
from alerts.models import Alert
from alerts.selectors import alerts_in
from geo.street_selectors import ARTERIAL_LENGTH_M, streets_in_bounds
from ingest.selectors import counted_incidents
from missions.models import Mission, ReasonCode, Suppression
from missions.scope import supervisor_district_ids
from missions.selectors import shift_missions, with_reason_texts
from missions.sheet_map import MapBox, MapStreet, draw_map, join_segments
from missions_site.access import ADMINISTRATOR, ANALYST, has_role
from tactics.selectors import suggested_tactics

MAP_WIDTH_PX = 460  # beside nothing: the page has room for the lists under it
MAP_MAX_HEIGHT_PX = 300
NOTABLE_TYPES = 6  # crime types listed, most incidents first
PLACES_PER_TYPE = 3  # location labels per type
ALERTS_MAX = 6
NOT_DONE_MAX = 10


@dataclass(frozen=True)
class TypeSummary:
    name: str
    count: int
    places: list[tuple[str, int]]  # (location label, incidents), most first


@dataclass(frozen=True)
class NotDone:
    mission: Mission
    why: str


@dataclass(frozen=True)
class BriefingRow:
    mission: Mission
    tactics: list


@dataclass(frozen=True)
class Briefing:
    district: District
    window: ShiftWindow
    previous: ShiftWindow | None
    alerts: list[Alert]
    incidents: list[TypeSummary]
    incident_total: int
    not_done: list[NotDone]
    rows: list[BriefingRow]
    map_svg: dict


def briefing(*, district: District, date: Date, shift: Shift) -> Briefing:
    window = shift_window(date=date, shift=shift)
    before = shift_windows_before(at=window.starts_at, count=1)
    previous = before[0] if before else None
    alerts, incidents, total, not_done = [], [], 0, []
    if previous is not None:
        alerts = alerts_in(district=district, since=previous.starts_at)  # up to now
        incidents, total = _incidents(district, previous)
        not_done = _not_done(district, previous)
    missions = with_reason_texts(
        m
        for m in shift_missions(date=date, shift=shift, include_cancelled=False)
        if m.beat.district_id == district.pk
    )
    missions.sort(key=lambda m: (m.beat.code, m.rank))
    tactics = suggested_tactics(missions)
    return Briefing(
        district=district,
        window=window,
        previous=previous,
        alerts=alerts[:ALERTS_MAX],
        incidents=incidents,
        incident_total=total,
        not_done=not_done,
        rows=[BriefingRow(m, tactics.get(m.pk, [])[:3]) for m in missions],
        map_svg=_map(district, missions),
    )


def _incidents(district: District, previous: ShiftWindow) -> tuple[list[TypeSummary], int]:
    rows = (
        counted_incidents(previous.starts_at, previous.ends_at)
        .filter(cell__district=district)
        .values_list("crime_type__name", "cell__location_label", "cell__cell_id")
    )
    by_type: dict[str, Counter] = {}
    for name, label, cell_id in rows:
        by_type.setdefault(name, Counter())[label or f"box {cell_id}"] += 1
    summaries = [
        TypeSummary(name, sum(places.values()), places.most_common(PLACES_PER_TYPE))
        for name, places in by_type.items()
    ]
    summaries.sort(key=lambda s: (-s.count, s.name))
    return summaries[:NOTABLE_TYPES], sum(s.count for s in summaries)


def _not_done(district: District, previous: ShiftWindow) -> list[NotDone]:
    missions = [
        m
        for m in shift_missions(date=previous.date, shift=previous.shift, include_cancelled=True)
        if m.beat.district_id == district.pk and m.status != Mission.Status.COMPLETED
    ]
    missions.sort(key=lambda m: (m.beat.code, m.rank))
    called_off = dict(
        Suppression.objects.filter(mission__in=[m.pk for m in missions])
        .order_by("created_at")
        .values_list("mission_id", "reason_code")
    )
    return [NotDone(m, _why(m, called_off.get(m.pk, ""))) for m in missions[:NOT_DONE_MAX]]


def _why(mission: Mission, call_off_code: str = "") -> str:
    """The status and the coded reason (a call-off's is on its suppression); never the free text
    (it may name people)."""
    reason = mission.ended_reason_code or call_off_code
    code = ReasonCode(reason).label if reason else ""
    served = f", {mission.minutes_served or 0:.0f} of {mission.dose_minutes} min served"
    if mission.status == Mission.Status.ENDED_EARLY:
        return f"Ended early{f': {code}' if code else ''}{served}"
    if mission.status == Mission.Status.CANCELLED:
        return f"Cancelled{f': {code}' if code else ''}"
    if mission.status == Mission.Status.EXPIRED:
        return f"Not finished before the shift ended{served}"
    return f"Still {mission.get_status_display().lower()}"


def _map(district: District, missions: list[Mission]) -> dict:
    outline = to_shapely(district.geom)
    shapes = [outline, *(to_shapely(m.cell.geom) for m in missions)]
    west, south, east, north = shapely.total_bounds(shapes)
    pad_x, pad_y = (east - west) * 0.02, (north - south) * 0.02
    bounds = (west - pad_x, south - pad_y, east + pad_x, north + pad_y)
    streets = join_segments(
        [
            MapStreet(name, line, True)
            for name, line, length in streets_in_bounds(bounds)
            if length >= ARTERIAL_LENGTH_M
        ]
    )
    return draw_map(
        bounds=bounds,
        width_px=MAP_WIDTH_PX,
        max_height_px=MAP_MAX_HEIGHT_PX,
        outline=outline,
        beats=[(b.code, to_shapely(b.geom)) for b in district.beats.order_by("code")],
        name_beats=True,
        boxes=[
            MapBox(to_shapely(m.cell.geom), f"{m.beat.code.split('-')[-1]}·{m.rank}")
            for m in missions
        ],
        streets=streets,
    )


BOARD_ALERT_DAYS = 2


def board_alerts(user) -> list[Alert]:
    """The supervisor board's alerts: those of the last two days in the districts he may see."""
    since = timezone.now() - timedelta(days=BOARD_ALERT_DAYS)
    allowed = supervisor_district_ids(user)
    districts = District.objects.order_by("code")
    if allowed is not None and not has_role(user, ANALYST, ADMINISTRATOR):
        districts = districts.filter(pk__in=allowed)
    found = [a for d in districts for a in alerts_in(district=d, since=since)]
    return sorted(found, key=lambda a: a.updated_at, reverse=True)[:ALERTS_MAX]
