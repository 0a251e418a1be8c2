"""The demo city's patrol units, measured: one unit per beat with a roster for every shift, and the
positions its vehicle's AVL would send every STEP_S seconds — parked at its district's station (an
ExcludedArea: not patrol) at the start of the shift and sometimes in the middle, driving along the
streets (the city's street grid, east–west then north–south between street corners of its beat) and
stopping in some of its beat's mission boxes. Positions go in through
`patrol.services.receive_positions` and each shift is measured with `measure_exposure`, so the
dosage, unit and crime-and-dosage reports show real figures. Tracks are built with numpy (one
`np.interp` per unit and shift); the write path's per-fix checks are the cost (about 100,000 fixes
for two days of a city's beats)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

import numpy as np
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.utils import timezone

from agency.models import Beat
from agency.selectors import local_today, shift_windows_between
from geo.models import GridCell, Street
from geo.placement import NOWHERE, place_points
from missions.models import Mission
from patrol import services
from patrol.models import ExcludedArea, RosterEntry, Unit

PATROL_DAYS_DEFAULT = 2
STEP_S = 30  # one fix every 30 s, as a CAD's AVL sends
SPEED_M_S = 8.0  # about 29 km/h in town
STATION_HALF_M = 60.0  # a station's yard: a 120 m square
BATCH = services.BATCH_MAX
M_PER_DEG_LAT = 110_540.0
M_PER_DEG_LON = 111_320.0


def seed_patrol(
    *,
    days: int = PATROL_DAYS_DEFAULT,
    seed: int = 7,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> dict:
    """Units, roster, stations and AVL positions for every shift of the last `days` days up to now
    (the shift under way up to `now`), each shift measured; returns counts."""
    progress = progress or (lambda pct, msg="": None)
    now = now or timezone.now()
    today = today or local_today(now=now)
    beats = list(Beat.objects.select_related("district").order_by("code"))
    if not beats:
        return {"units": 0, "positions": 0, "shifts": 0, "box_rows": 0}
    cells = list(
        GridCell.objects.filter(active=True, beat__isnull=False)
        .order_by("pk")
        .values_list("beat_id", "center")
    )
    lat0 = float(np.mean([c.y for _, c in cells]))
    frame = _Frame(lat0)
    corners = _corners_by_beat(frame, cells)
    units = _units(beats)
    stations = _stations(frame, beats, corners)
    rng = np.random.default_rng(seed)
    windows = [
        w
        for w in shift_windows_between(first=today - dt.timedelta(days=days), last=today)
        if w.starts_at < now
    ]
    counts = {"units": len(units), "positions": 0, "shifts": 0, "box_rows": 0}
    for k, window in enumerate(windows):
        progress(100 * k / max(len(windows), 1), f"AVL {window.label}")
        missions = defaultdict(list)
        for beat_pk, centre in (
            Mission.objects.not_cancelled()
            .filter(date=window.date, shift=window.shift)
            .values_list("beat_id", "cell__center")
        ):
            missions[beat_pk].append(frame.xy(centre.x, centre.y))
        end = min(window.ends_at, now)
        records = []
        for beat in beats:
            unit = units[beat.pk]
            RosterEntry.objects.update_or_create(
                unit=unit, date=window.date, shift=window.shift, defaults={"beat": beat}
            )
            if beat.pk not in corners:
                continue
            t, x, y = _track(
                rng,
                duration_s=(end - window.starts_at).total_seconds(),
                station=stations[beat.district_id],
                corners=corners[beat.pk],
                missions=missions.get(beat.pk, []),
            )
            lon, lat = frame.lonlat(x, y)
            speed = np.r_[0.0, np.hypot(np.diff(x), np.diff(y)) / STEP_S * 3.6]
            starts = window.starts_at
            records += [
                {
                    "unit": unit.call_sign,
                    "at": (starts + dt.timedelta(seconds=float(s))).isoformat(),
                    "latitude": round(float(la), 6),
                    "longitude": round(float(lo), 6),
                    "speed_kmh": round(float(v), 1),
                    "accuracy_m": 8.0,
                }
                for s, lo, la, v in zip(t, lon, lat, speed, strict=True)
            ]
        for i in range(0, len(records), BATCH):
            counts["positions"] += services.receive_positions(
                records=records[i : i + BATCH], actor=None
            ).stored
        counts["box_rows"] += services.measure_exposure(day=window.date, shift=window.shift)
        counts["shifts"] += 1
    progress(100, "AVL done")
    return counts


class _Frame:
    """Local metres around the city (equirectangular: a few km, so the error is centimetres)."""

    def __init__(self, lat0: float):
        self.kx = M_PER_DEG_LON * np.cos(np.radians(lat0))

    def xy(self, lon, lat) -> tuple[float, float]:
        return float(lon) * self.kx, float(lat) * M_PER_DEG_LAT

    def lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return x / self.kx, y / M_PER_DEG_LAT


def _corners_by_beat(frame: _Frame, cells) -> dict[int, np.ndarray]:
    """Street corners (segment ends) in each beat, in local metres; the beat's box centres when the
    agency has no street file."""
    beat_of_cell = {}
    for pk, beat_pk in GridCell.objects.filter(active=True, beat__isnull=False).values_list(
        "pk", "beat_id"
    ):
        beat_of_cell[pk] = beat_pk
    lon, lat = [], []
    for geom in Street.objects.values_list("geom", flat=True):
        for line in geom:
            for x, y in (line[0], line[-1]):
                lon.append(x)
                lat.append(y)
    out: dict[int, list] = defaultdict(list)
    if lon:
        placed = place_points(lon, lat)
        for lo, la, cell in zip(lon, lat, placed, strict=True):
            if cell != NOWHERE and int(cell) in beat_of_cell:
                out[beat_of_cell[int(cell)]].append(frame.xy(lo, la))
    for beat_pk, centre in cells:
        if len(out.get(beat_pk, [])) < 4:
            out[beat_pk].append(frame.xy(centre.x, centre.y))
    return {b: np.unique(np.array(p), axis=0) for b, p in out.items()}


def _units(beats: list[Beat]) -> dict[int, Unit]:
    """One unit per beat: call sign "<district number>A<beat number>", e.g. 2A03."""
    districts = sorted({b.district.code for b in beats})
    units = {}
    for n, beat in enumerate(beats, start=1):
        d = districts.index(beat.district.code) + 1
        unit, _ = Unit.objects.update_or_create(
            call_sign=f"{d}A{n:02d}", defaults={"district": beat.district, "active": True}
        )
        units[beat.pk] = unit
    return units


def _stations(frame: _Frame, beats: list[Beat], corners) -> dict[int, tuple[float, float]]:
    """Each district's station: the street corner nearest the middle of its beats' corners; its
    yard is an ExcludedArea (time parked there is not patrol)."""
    stations = {}
    for district_pk in {b.district_id for b in beats}:
        points = np.vstack(
            [corners[b.pk] for b in beats if b.district_id == district_pk and b.pk in corners]
        )
        middle = np.median(points, axis=0)
        x, y = points[np.argmin(np.hypot(*(points - middle).T))]
        stations[district_pk] = (float(x), float(y))
        h = STATION_HALF_M
        ring = [(x - h, y - h), (x + h, y - h), (x + h, y + h), (x - h, y + h), (x - h, y - h)]
        lon, lat = frame.lonlat(np.array([p[0] for p in ring]), np.array([p[1] for p in ring]))
        name = f"Station of {next(b.district.name for b in beats if b.district_id == district_pk)}"
        ExcludedArea.objects.update_or_create(
            name=name,
            defaults={"area": MultiPolygon(Polygon(list(zip(lon, lat, strict=True))), srid=4326)},
        )
    return stations


def _track(rng, *, duration_s: float, station, corners: np.ndarray, missions: list):
    """Fix times (s from the shift's start) and positions (local m) of one unit for one shift:
    parked at the station, then driving corner to corner (east–west, then north–south, along the
    grid's streets), stopping 8–25 minutes in about 70 % of its beat's mission boxes and once,
    mid-shift, back at the station."""
    keys_t, keys_x, keys_y = [0.0], [station[0]], [station[1]]

    def stay(seconds):
        keys_t.append(keys_t[-1] + seconds)
        keys_x.append(keys_x[-1])
        keys_y.append(keys_y[-1])

    def go(x, y):
        for cx, cy in ((x, keys_y[-1]), (x, y)):  # along x, then along y
            distance = abs(cx - keys_x[-1]) + abs(cy - keys_y[-1])
            keys_t.append(keys_t[-1] + distance / SPEED_M_S)
            keys_x.append(cx)
            keys_y.append(cy)

    stay(rng.uniform(15, 40) * 60)
    todo = [m for m in missions if rng.random() < 0.7]
    rng.shuffle(todo)
    back_at = duration_s * rng.uniform(0.4, 0.6)
    returned = False
    while keys_t[-1] < duration_s:
        if not returned and keys_t[-1] > back_at:
            go(*station)
            stay(rng.uniform(20, 40) * 60)
            returned = True
        elif todo and rng.random() < 0.4:
            go(*todo.pop())
            stay(rng.uniform(8, 25) * 60)
        else:
            go(*corners[rng.integers(len(corners))])
            stay(rng.uniform(0, 3) * 60)
    t = np.arange(0.0, duration_s, STEP_S)
    x = np.interp(t, keys_t, keys_x) + rng.normal(0, 4, t.size)
    y = np.interp(t, keys_t, keys_y) + rng.normal(0, 4, t.size)
    return t, x, y
