"""A printed map as SVG parts (no tiles, so it prints anywhere, black and white safe): streets, beat
and district outlines, mission boxes, and labels placed so that none overlaps another.

Pure shapely: takes lon/lat shapes, returns paths and label positions in CSS pixels (1/96 in), so
the template only writes them out. Box labels are placed first (they must be there), then the names
of the streets each box's location names, on the free part of that street nearest the box (so the
map agrees with the list), then the other street names, longest streets first, each on its longest
free block, turned along it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.affinity

PADDING_PX = 10
BOX_LABEL_PX = 13
STREET_LABEL_PX = 10
CHAR_WIDTH = 0.6  # of the font size: a generous average for a sans-serif face
LABEL_GAP_PX = 2
SIMPLIFY_PX = 0.5
NEAR_BOX_PX = 40  # a street's name this close to a box is next to it: another box reuses it
ALONG_STREET_STEP_PX = 3  # spacing of the places tried along a street for a name next to a box


@dataclass(frozen=True)
class MapBox:
    polygon: object  # shapely Polygon, lon/lat
    label: str
    street_names: tuple[str, ...] = ()  # named by its location ("A & B"): written next to it


@dataclass(frozen=True)
class MapStreet:
    name: str
    line: object  # shapely (Multi)LineString, lon/lat
    major: bool


def join_segments(streets: list[MapStreet]) -> list[MapStreet]:
    """One street per name, its segments joined end to end (first-seen order kept): centreline files
    cut a street at every crossing, and one block is too short for its name at a beat's scale."""
    named: dict[str, list[MapStreet]] = {}
    unnamed = []
    for street in streets:
        (named.setdefault(street.name, []) if street.name else unnamed).append(street)
    joined = [
        MapStreet(
            name,
            shapely.line_merge(shapely.union_all([s.line for s in same])),
            any(s.major for s in same),
        )
        for name, same in named.items()
    ]
    return joined + unnamed


def draw_map(
    *,
    bounds,
    width_px: int,
    max_height_px: int,
    outline,
    beats: list[tuple[str, object]],
    boxes: list[MapBox],
    streets: list[MapStreet],
    name_beats: bool = False,
    full_width: bool = False,
) -> dict:
    """The SVG parts of a map of `bounds` (west, south, east, north) at most width × max height
    (`full_width`: exactly width wide, showing more east and west of the bounds if need be)."""
    frame = _Frame(bounds, width_px, max_height_px, full_width=full_width)
    labels = _Labels(frame.width, frame.height)
    drawn_boxes = [{"d": frame.path(box.polygon), "label": box.label} for box in boxes]
    box_labels = [labels.place_box(frame, box) for box in boxes if box.label]
    lines_by_name = _lines_by_name(streets)
    near_box_labels = []
    for box in boxes:
        for name in dict.fromkeys(box.street_names):
            if name in lines_by_name and not _named_near(near_box_labels, name, frame, box):
                near_box_labels.append(
                    labels.place_street_near(frame, name, lines_by_name[name], box.polygon)
                )
    beat_labels = (
        [
            labels.place_at(
                frame, shapely.point_on_surface(geom), code, STREET_LABEL_PX + 2, "beat-name"
            )
            for code, geom in beats
        ]
        if name_beats
        else []
    )
    street_labels = []
    named = {label["text"] for label in near_box_labels if label}
    for street in streets:
        if street.name and street.name not in named:
            label = labels.place_street(frame, street)
            if label:
                street_labels.append(label)
                named.add(street.name)
    return {
        "width": frame.width,
        "height": frame.height,
        "streets": [{"d": d, "major": s.major} for s in streets if (d := frame.lines(s.line))],
        "beats": [{"d": frame.path(geom), "code": code} for code, geom in beats],
        "outline": frame.path(outline),
        "boxes": drawn_boxes,
        "labels": [
            label
            for label in [*box_labels, *near_box_labels, *beat_labels, *street_labels]
            if label
        ],
    }


def _named_near(labels: list, name: str, frame, box: MapBox) -> bool:
    box_px = frame.pixels(box.polygon)
    return any(
        label and label["text"] == name and box_px.distance(label_polygon(label)) <= NEAR_BOX_PX
        for label in labels
    )


def label_polygon(label: dict):
    """The rectangle a placed label covers, turned with it (pixels)."""
    size = BOX_LABEL_PX if label["kind"] == "box-label" else STREET_LABEL_PX
    w, h = _text_size(label["text"], size)
    rect = shapely.box(
        label["x"] - w / 2, label["y"] - h / 2, label["x"] + w / 2, label["y"] + h / 2
    )
    return shapely.affinity.rotate(rect, label["angle"], origin=(label["x"], label["y"]))


def _lines_by_name(streets: list[MapStreet]) -> dict:
    named: dict[str, list] = {}
    for street in streets:
        if street.name:
            named.setdefault(street.name, []).append(street.line)
    return {name: shapely.union_all(lines) for name, lines in named.items()}


class _Frame:
    """Lon/lat to pixels: a local equirectangular frame (north up) fitted into width × max height.
    With `full_width`, a shape narrower than the frame gets more of its east and west sides shown,
    so the map spans the whole width."""

    def __init__(self, bounds, width_px: int, max_height_px: int, *, full_width: bool = False):
        self.west, self.south, self.east, self.north = bounds
        self.x_scale = math.cos(math.radians((self.south + self.north) / 2))
        span_x = max((self.east - self.west) * self.x_scale, 1e-9)
        span_y = max(self.north - self.south, 1e-9)
        inner_w, inner_h = width_px - 2 * PADDING_PX, max_height_px - 2 * PADDING_PX
        if full_width and span_x / span_y < inner_w / inner_h:
            widen = (span_y * inner_w / inner_h - span_x) / self.x_scale / 2
            self.west, self.east = self.west - widen, self.east + widen
            span_x = span_y * inner_w / inner_h
        self.scale = min(inner_w / span_x, inner_h / span_y)
        self.width = int(math.ceil(span_x * self.scale)) + 2 * PADDING_PX
        self.height = int(math.ceil(span_y * self.scale)) + 2 * PADDING_PX
        self.clip = (self.west, self.south, self.east, self.north)

    def xy(self, coords) -> np.ndarray:
        coords = np.asarray(coords, dtype=float).reshape(-1, 2)
        return np.column_stack(
            [
                PADDING_PX + (coords[:, 0] - self.west) * self.x_scale * self.scale,
                PADDING_PX + (self.north - coords[:, 1]) * self.scale,
            ]
        )

    def pixels(self, geom):
        return shapely.transform(geom, self.xy)

    def path(self, geom) -> str:
        parts = []
        for polygon in shapely.get_parts(self.pixels(geom)):
            for ring in [polygon.exterior, *polygon.interiors]:
                parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in ring.coords) + "Z")
        return " ".join(parts)

    def lines(self, geom) -> str:
        clipped = shapely.simplify(self.pixels(shapely.clip_by_rect(geom, *self.clip)), SIMPLIFY_PX)
        parts = [
            p
            for p in shapely.get_parts(clipped)
            if p.geom_type == "LineString" and len(p.coords) > 1
        ]
        return " ".join("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in p.coords) for p in parts)


class _Labels:
    """Label rectangles taken so far; a new label goes only where it overlaps none and stays inside."""

    def __init__(self, width: float, height: float):
        self.width, self.height = width, height
        self.taken: list[tuple[float, float, float, float]] = []

    def place_box(self, frame: _Frame, box: MapBox) -> dict | None:
        x0, y0, x1, y1 = frame.pixels(box.polygon).bounds
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        w, h = _text_size(box.label, BOX_LABEL_PX)
        half_w, half_h = (x1 - x0) / 2, (y1 - y0) / 2
        step = h / 2 + LABEL_GAP_PX
        candidates = [(cx, cy)] if w + 2 * LABEL_GAP_PX <= x1 - x0 else []
        for ring in (1, 2, 3):
            dy, dx = half_h + step * (2 * ring - 1), half_w + w / 2 + LABEL_GAP_PX + (ring - 1) * w
            candidates += [
                (cx, cy - dy),
                (cx, cy + dy),
                (cx + dx, cy),
                (cx - dx, cy),
                (cx + dx, cy - dy),
                (cx - dx, cy - dy),
                (cx + dx, cy + dy),
                (cx - dx, cy + dy),
            ]
        for x, y in candidates:
            if self._take(x, y, w, h):
                return {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "text": box.label,
                    "kind": "box-label",
                    "angle": 0,
                }
        return None

    def place_at(self, frame: _Frame, point, text: str, size: int, kind: str) -> dict | None:
        ((x, y),) = frame.xy(point.coords)
        w, h = _text_size(text, size)
        if self._take(x, y, w, h):
            return {"x": round(x, 1), "y": round(y, 1), "text": text, "kind": kind, "angle": 0}
        return None

    def place_street(self, frame: _Frame, street: MapStreet) -> dict | None:
        pixels = frame.pixels(shapely.clip_by_rect(street.line, *frame.clip))
        blocks = sorted(
            (p for p in shapely.get_parts(pixels) if p.geom_type == "LineString" and p.length > 0),
            key=lambda p: -p.length,
        )
        w, h = _text_size(street.name, STREET_LABEL_PX)
        for block in blocks:
            if block.length < w + 4 * LABEL_GAP_PX:
                break
            for at in (0.5, 0.3, 0.7):
                (x0, y0), (x1, y1) = (
                    block.interpolate(f, normalized=True).coords[0] for f in (at - 0.02, at + 0.02)
                )
                mid = block.interpolate(at, normalized=True)
                angle = _upright(math.degrees(math.atan2(y1 - y0, x1 - x0)))
                if self._take_turned(mid.x, mid.y, w, h, angle):
                    return _street_label(mid.x, mid.y, street.name, angle)
        return None

    def place_street_near(self, frame: _Frame, name: str, line, box) -> dict | None:
        """The street's name on the free part of the street nearest the box, turned along it: the
        nearest place where it overlaps no label, however far that is (None if the street has no
        free place on the map at all)."""
        pixels = frame.pixels(shapely.clip_by_rect(line, *frame.clip))
        box_px = frame.pixels(box)
        w, h = _text_size(name, STREET_LABEL_PX)
        candidates = []
        for part in shapely.get_parts(pixels):
            if part.geom_type != "LineString" or part.length == 0:
                continue
            at = np.arange(0, part.length + ALONG_STREET_STEP_PX / 2, ALONG_STREET_STEP_PX)
            points = shapely.line_interpolate_point(part, at)
            distance = shapely.distance(points, box_px)
            candidates += [
                (d, a, part) for d, a in zip(distance.tolist(), at.tolist(), strict=True)
            ]
        candidates.sort(key=lambda c: c[0])
        for _, at, part in candidates:
            # Turned along the stretch of street the name covers, not only the point under it.
            start, end = (
                part.interpolate(min(max(at + side * w / 2, 0), part.length)) for side in (-1, 1)
            )
            if start.equals(end):
                continue
            angle = _upright(math.degrees(math.atan2(end.y - start.y, end.x - start.x)))
            x, y = part.interpolate(at).coords[0]
            if self._take_turned(x, y, w, h, angle):
                return _street_label(x, y, name, angle)
        return None

    def _take_turned(self, x: float, y: float, w: float, h: float, angle: float) -> bool:
        cos, sin = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
        return self._take(x, y, w * cos + h * sin, w * sin + h * cos)

    def _take(self, x: float, y: float, w: float, h: float) -> bool:
        rect = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        if rect[0] < 0 or rect[1] < 0 or rect[2] > self.width or rect[3] > self.height:
            return False
        if any(
            rect[0] < r[2] and r[0] < rect[2] and rect[1] < r[3] and r[1] < rect[3]
            for r in self.taken
        ):
            return False
        self.taken.append(rect)
        return True


def _upright(angle: float) -> float:
    """An angle of text along a line, turned so the text never reads upside down."""
    return angle - 180 if angle > 90 else angle + 180 if angle < -90 else angle


def _street_label(x: float, y: float, name: str, angle: float) -> dict:
    return {
        "x": round(x, 1),
        "y": round(y, 1),
        "text": name,
        "kind": "street-name",
        "angle": round(angle, 1),
    }


def _text_size(text: str, size: int) -> tuple[float, float]:
    return len(text) * size * CHAR_WIDTH + 2 * LABEL_GAP_PX, size * 1.2 + LABEL_GAP_PX
