"""Port Meridian's street network in local metres: a survey grid of named arterials about every
kilometre with local streets between them (some blocks missing, spacing a little irregular), a
lakeshore boulevard along the coast and a river road along the east bank. Cut into segments at
every crossing, as a city's centreline file is; clipped to the land."""

from __future__ import annotations

import itertools

import numpy as np
import shapely
from shapely.geometry import LineString

from .geography import HEIGHT_M, WIDTH_M, coast_y, river_x

ARTERIAL_SPACING_M = 1000.0
LOCAL_SPACING_M = 200.0  # about four local streets between two arterials
SPACING_JITTER_M = 30.0
MISSING_BLOCK_SHARE = 0.12  # local blocks left out (parks, rail yards, dead ends)
SHORE_SETBACK_M = 120.0  # Lakeshore Blvd runs this far inland of the coast
RIVER_SETBACK_M = 120.0

# West to east and south to north: the arterials first, then the local streets between them.
NORTH_SOUTH_ARTERIALS = (
    "Meridian Rd",
    "Mill St",
    "Foundry Rd",
    "Station St",
    "Bay St",
    "Market St",
    "Cedar Ave",
    "Quarry Rd",
    "Highfield Rd",
    "Church St",
    "Union St",
    "Dock St",
    "Pine Ave",
    "Quay St",
)
EAST_WEST_ARTERIALS = (  # the first lies in the lake: the shore is a kilometre north
    "Front St",
    "Harbour Ave",
    "King St",
    "Queen St",
    "Wellington St",
    "Victoria St",
    "Albert St",
    "Northgate Rd",
    "Concession Rd",
    "Township Line",
    "Ridge Rd",
)
LOCAL_NAMES = (
    "Elm",
    "Oak",
    "Maple",
    "Birch",
    "Willow",
    "Ash",
    "Spruce",
    "Poplar",
    "Linden",
    "Hazel",
    "Alder",
    "Chestnut",
    "Walnut",
    "Juniper",
    "Laurel",
    "Rowan",
    "Sumac",
    "Tamarack",
    "Hemlock",
    "Cherry",
    "Brock",
    "Simcoe",
    "Wolfe",
    "Grenville",
    "Denison",
    "Bathurst",
    "Palmer",
    "Fraser",
    "Lennox",
    "Howard",
    "Garnet",
    "Clinton",
    "Sorauren",
    "Argyle",
    "Beatrice",
    "Clifford",
    "Auburn",
    "Balsam",
    "Carlaw",
    "Dufferin",
    "Euclid",
    "Fennings",
    "Gladstone",
    "Harcourt",
    "Ivy",
    "Jarvis",
    "Kendal",
    "Logan",
    "Manning",
    "Niagara",
    "Ossington",
    "Pape",
    "Queensway",
    "Roxton",
    "Shaw",
    "Tecumseth",
    "Vermont",
    "Wardell",
    "Yarmouth",
    "Zina",
)
LOCAL_SUFFIXES = ("St", "Ave", "Rd", "Cres", "Lane", "Pl", "Dr", "Way")
LOCAL_RUN_BLOCKS = (
    2,
    5,
)  # a local street runs through 2 to 4 arterial blocks, then is another street


def make_streets(land, rng: np.random.Generator) -> list[tuple[str, LineString]]:
    """(name, segment in local metres) for every street segment on `land`."""
    xs, x_arterial = _positions(WIDTH_M, rng)
    ys, y_arterial = _positions(HEIGHT_M, rng)
    # Every name once while they last (about 560 for some 400 local streets), then round again.
    local_names = itertools.cycle(
        [f"{name} {suffix}" for suffix in LOCAL_SUFFIXES for name in LOCAL_NAMES]
    )
    segments = [
        (name, LineString([(x, a), (x, b)]))
        for x, a, b, name in _blocks(
            xs, x_arterial, ys, y_arterial, NORTH_SOUTH_ARTERIALS, local_names, rng
        )
    ] + [
        (name, LineString([(a, y), (b, y)]))
        for y, a, b, name in _blocks(
            ys, y_arterial, xs, x_arterial, EAST_WEST_ARTERIALS, local_names, rng
        )
    ]
    segments += _curve("Lakeshore Blvd", xs, lambda x: coast_y(x) + SHORE_SETBACK_M, along_x=True)
    segments += _curve("River Rd", ys, lambda y: river_x(y) - RIVER_SETBACK_M, along_x=False)
    shapely.prepare(land)
    lines = np.array([line for _, line in segments], dtype=object)
    whole = shapely.contains(land, lines)  # most segments: no need to cut them
    cut = lines.copy()
    cut[~whole] = shapely.intersection(lines[~whole], land)
    clipped = []
    for (name, _), inside in zip(segments, cut, strict=True):
        clipped += [
            (name, part)
            for part in shapely.get_parts(inside)
            if part.geom_type == "LineString" and part.length > 1.0
        ]
    return clipped


def _positions(extent: float, rng) -> tuple[np.ndarray, np.ndarray]:
    """Street positions from 0 to `extent` and whether each is an arterial: one every
    ARTERIAL_SPACING_M, local streets between at about LOCAL_SPACING_M."""
    positions, arterial = [], []
    for k in range(int(extent // ARTERIAL_SPACING_M) + 1):
        positions.append(k * ARTERIAL_SPACING_M)
        arterial.append(True)
        for step in np.arange(LOCAL_SPACING_M, ARTERIAL_SPACING_M - 1, LOCAL_SPACING_M):
            positions.append(
                k * ARTERIAL_SPACING_M + step + rng.uniform(-SPACING_JITTER_M, SPACING_JITTER_M)
            )
            arterial.append(False)
    return np.array(positions), np.array(arterial)


def _blocks(positions, arterial, cuts, cut_arterial, arterial_names, local_names, rng):
    """(position, from, to, name) of each block of the streets at `positions`, between consecutive
    crossings at `cuts`. Arterials run through under one name; a local street keeps its name for a
    few arterial blocks, and some of its blocks are missing."""
    interval = np.cumsum(cut_arterial[:-1]) - 1  # the arterial block each block lies in
    k = 0
    for position, is_arterial in zip(positions, arterial, strict=True):
        if is_arterial:
            name = arterial_names[k % len(arterial_names)]
            k += 1
            yield from ((position, a, b, name) for a, b in zip(cuts[:-1], cuts[1:], strict=True))
            continue
        runs = np.repeat(np.arange(len(cuts)), rng.integers(*LOCAL_RUN_BLOCKS, size=len(cuts)))
        names: dict[int, str] = {}
        for a, b, block in zip(cuts[:-1], cuts[1:], interval, strict=True):
            if rng.random() >= MISSING_BLOCK_SHARE:
                yield position, a, b, names.setdefault(int(runs[block]), next(local_names))


def _curve(
    name: str, cuts: np.ndarray, offset_of, *, along_x: bool
) -> list[tuple[str, LineString]]:
    """A street following the coast or the river, cut where the grid's streets cross it."""
    segments = []
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        t = np.linspace(a, b, 6)
        coords = np.column_stack([t, offset_of(t)] if along_x else [offset_of(t), t])
        segments.append((name, LineString(coords)))
    return segments
