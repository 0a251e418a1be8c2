"""The printable shift sheet of a district: a first page with the district's map and every mission,
then one page per beat zoomed to the beat with its streets, boxes and what to do in each. Reads only;
built from the same rows as the MDT. The maps are SVG (sheet_map.py): no tiles, so it prints anywhere."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date as Date

import shapely

from agency.models import Beat, District, Shift
from agency.services import to_shapely
from geo.street_selectors import ARTERIAL_LENGTH_M, streets_in_bounds
from tactics.selectors import suggested_tactics

from .models import Mission
from .selectors import shift_missions, with_reason_texts
from .sheet_map import MapBox, MapStreet, draw_map, join_segments

MAP_WIDTH_PX = 700  # CSS pixels: 7.3 in, inside both US Letter and A4 with 10 mm margins
OVERVIEW_MAX_HEIGHT_PX = 430  # leaves the first page room for the list of missions
BEAT_MAX_HEIGHT_PX = 500  # leaves each beat's page room for its table
BEAT_MARGIN = 0.08  # of the beat's size, so the streets around it show
# The street names of a location label, in the forms forecasting/engine/locations.py writes: "A & B",
# "A near B", "on A", "near A".
LOCATION_STREETS = re.compile(r"^(?:on |near )?(?P<first>.+?)(?: (?:&|near) (?P<second>.+))?$")


@dataclass(frozen=True)
class SheetRow:
    mission: Mission
    tactics: list


@dataclass(frozen=True)
class SheetBeat:
    beat: Beat
    rows: list[SheetRow]
    map_svg: dict


@dataclass(frozen=True)
class ShiftSheet:
    district: District
    date: Date
    shift: Shift
    beats: list[SheetBeat]
    map_svg: dict

    @property
    def rows(self) -> list[SheetRow]:
        return [row for beat in self.beats for row in beat.rows]


def shift_sheet(*, district: District, date: Date, shift: Shift) -> ShiftSheet:
    missions = with_reason_texts(
        m
        for m in shift_missions(date=date, shift=shift, include_cancelled=False)
        if m.beat.district_id == district.pk
    )
    beats = list(Beat.objects.filter(district=district).order_by("code"))
    tactics = suggested_tactics(missions)
    by_beat = {b.pk: [] for b in beats}
    for mission in sorted(missions, key=lambda m: m.rank):
        by_beat.setdefault(mission.beat_id, []).append(
            SheetRow(mission, tactics.get(mission.pk, []))
        )
    outline = to_shapely(district.geom)
    bounds = _around(outline, [m.cell for m in missions], margin=0.02)
    streets = map_streets(bounds)
    return ShiftSheet(
        district=district,
        date=date,
        shift=shift,
        beats=[SheetBeat(b, by_beat[b.pk], _beat_map(b, by_beat[b.pk], streets)) for b in beats],
        map_svg=draw_map(
            bounds=bounds,
            width_px=MAP_WIDTH_PX,
            max_height_px=OVERVIEW_MAX_HEIGHT_PX,
            outline=outline,
            beats=[(b.code, to_shapely(b.geom)) for b in beats],
            name_beats=True,
            full_width=True,
            boxes=[MapBox(to_shapely(m.cell.geom), f"{_short_beat(m)}·{m.rank}") for m in missions],
            streets=[s for s in streets if s.major],
        ),
    )


def _beat_map(beat: Beat, rows: list[SheetRow], streets: list[MapStreet]) -> dict:
    shape = to_shapely(beat.geom)
    bounds = _around(shape, [row.mission.cell for row in rows], margin=BEAT_MARGIN)
    view = shapely.box(*bounds)
    return draw_map(
        bounds=bounds,
        width_px=MAP_WIDTH_PX,
        max_height_px=BEAT_MAX_HEIGHT_PX,
        outline=shape,
        beats=[],
        boxes=[
            MapBox(
                to_shapely(row.mission.cell.geom),
                str(row.mission.rank),
                location_street_names(row.mission.cell.location_label),
            )
            for row in rows
        ],
        streets=[s for s in streets if s.line.intersects(view)],
    )


def location_street_names(label: str) -> tuple[str, ...]:
    """The streets a location label names: ("Brock Pl", "Sorauren Rd") for "Brock Pl & Sorauren Rd"."""
    match = LOCATION_STREETS.match(label.strip())
    return tuple(name for name in match.group("first", "second") if name) if match else ()


def _around(shape, cells, *, margin: float) -> tuple[float, float, float, float]:
    """The bounds of a district or beat and of its mission boxes (a box may reach past the edge),
    widened by `margin` of their size so the streets around show."""
    west, south, east, north = shapely.total_bounds([shape, *(to_shapely(c.geom) for c in cells)])
    pad_x, pad_y = (east - west) * margin, (north - south) * margin
    return west - pad_x, south - pad_y, east + pad_x, north + pad_y


def map_streets(bounds) -> list[MapStreet]:
    """The named streets in `bounds`, one per name, for a printed map (the sheet's, an alert's)."""
    return join_segments(
        [
            MapStreet(name, line, length >= ARTERIAL_LENGTH_M)
            for name, line, length in streets_in_bounds(bounds)
        ]
    )


def _short_beat(mission: Mission) -> str:
    return mission.beat.code.split("-")[-1]
