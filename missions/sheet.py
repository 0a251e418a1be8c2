"""The printable shift sheet of a district: its beats' missions with why and what to do, and a
plain SVG map (no tiles, so it prints anywhere). Reads only; built from the same rows as the MDT."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date as Date

import shapely

from agency.models import Beat, District, Shift
from agency.services import to_shapely
from tactics.selectors import suggested_tactics

from .models import Mission
from .selectors import shift_missions

MAP_WIDTH_PX = 640
MAP_PADDING_PX = 12


@dataclass(frozen=True)
class SheetRow:
    mission: Mission
    tactics: list


@dataclass(frozen=True)
class SheetBeat:
    beat: Beat
    rows: list[SheetRow]


@dataclass(frozen=True)
class ShiftSheet:
    district: District
    date: Date
    shift: Shift
    beats: list[SheetBeat]
    map_svg: dict


def shift_sheet(*, district: District, date: Date, shift: Shift) -> ShiftSheet:
    missions = [
        m for m in shift_missions(date=date, shift=shift, include_cancelled=False)
        if m.beat.district_id == district.pk
    ]
    beats = list(Beat.objects.filter(district=district).order_by("code"))
    tactics = suggested_tactics(missions)
    by_beat = {b.pk: [] for b in beats}
    for mission in sorted(missions, key=lambda m: m.rank):
        by_beat.setdefault(mission.beat_id, []).append(SheetRow(mission, tactics.get(mission.pk, [])))
    return ShiftSheet(
        district=district, date=date, shift=shift,
        beats=[SheetBeat(b, by_beat[b.pk]) for b in beats],
        map_svg=_map(district, beats, missions),
    )


def _map(district: District, beats: list[Beat], missions: list[Mission]) -> dict:
    """Outlines and mission boxes as SVG paths in a local equirectangular frame (north up)."""
    outline = to_shapely(district.geom)
    minx, miny, maxx, maxy = outline.bounds
    x_scale = math.cos(math.radians((miny + maxy) / 2))  # metres per degree of lon vs of lat
    width_deg = max((maxx - minx) * x_scale, 1e-9)
    height_deg = max(maxy - miny, 1e-9)
    inner = MAP_WIDTH_PX - 2 * MAP_PADDING_PX
    scale = inner / width_deg
    height = int(height_deg * scale) + 2 * MAP_PADDING_PX

    def to_px(coords):
        return [
            (MAP_PADDING_PX + (x - minx) * x_scale * scale, MAP_PADDING_PX + (maxy - y) * scale)
            for x, y in coords
        ]

    def path(geom) -> str:
        parts = []
        for polygon in getattr(geom, "geoms", [geom]):
            for ring in [polygon.exterior, *polygon.interiors]:
                pts = to_px(ring.coords)
                parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
        return " ".join(parts)

    boxes = []
    for m in missions:
        cell = to_shapely(m.cell.geom)
        cx, cy = to_px([shapely.centroid(cell).coords[0]])[0]
        boxes.append({"d": path(cell), "x": cx, "y": cy, "label": f"{m.beat.code.split('-')[-1]}·{m.rank}"})
    return {
        "width": MAP_WIDTH_PX, "height": height,
        "district": path(outline),
        "beats": [{"d": path(to_shapely(b.geom)), "code": b.code} for b in beats],
        "boxes": boxes,
    }
