"""The printed map's SVG parts (pure shapely): everything fits the frame, each box gets its label,
a street's name is written once along it, and no label overlaps another, even when crowded."""

import math

import shapely

from missions.sheet_map import (
    BOX_LABEL_PX,
    STREET_LABEL_PX,
    MapBox,
    MapStreet,
    _text_size,
    draw_map,
    join_segments,
)

BOUNDS = (-79.40, 43.65, -79.38, 43.66)  # about 1.6 km × 1.1 km


def crowded():
    # Twelve boxes of about 80 m, touching in a block, and a dense grid of named streets.
    boxes = [
        MapBox(
            shapely.box(
                -79.395 + i * 0.001, 43.653 + j * 0.0007, -79.394 + i * 0.001, 43.6537 + j * 0.0007
            ),
            f"B{i}·{j}",
        )
        for i in range(4)
        for j in range(3)
    ]
    streets = [
        MapStreet(
            f"Street {k} Avenue",
            shapely.LineString([(-79.41, 43.651 + k * 0.0008), (-79.37, 43.651 + k * 0.0008)]),
            k % 3 == 0,
        )
        for k in range(12)
    ]
    streets += [
        MapStreet(
            f"Cross {k} Rd",
            shapely.LineString([(-79.399 + k * 0.0015, 43.64), (-79.399 + k * 0.0015, 43.67)]),
            False,
        )
        for k in range(13)
    ]
    return boxes, streets


def label_rect(label):
    size = BOX_LABEL_PX if label["kind"] == "box-label" else STREET_LABEL_PX
    w, h = _text_size(label["text"], size)
    a = math.radians(label["angle"])
    w, h = w * abs(math.cos(a)) + h * abs(math.sin(a)), w * abs(math.sin(a)) + h * abs(math.cos(a))
    return label["x"] - w / 2, label["y"] - h / 2, label["x"] + w / 2, label["y"] + h / 2


def test_crowded_map_labels_do_not_overlap_and_stay_inside():
    boxes, streets = crowded()
    svg = draw_map(
        bounds=BOUNDS,
        width_px=700,
        max_height_px=500,
        outline=shapely.box(*BOUNDS),
        beats=[],
        boxes=boxes,
        streets=streets,
    )
    assert svg["width"] <= 700 and svg["height"] <= 500
    labels = svg["labels"]
    assert sorted(lb["text"] for lb in labels if lb["kind"] == "box-label") == sorted(
        b.label for b in boxes
    )
    names = [lb["text"] for lb in labels if lb["kind"] == "street-name"]
    assert len(names) == len(set(names)) and len(names) >= 10  # once each, most of them placed
    rects = [label_rect(lb) for lb in labels]
    for i, a in enumerate(rects):
        assert a[0] >= 0 and a[1] >= 0 and a[2] <= svg["width"] and a[3] <= svg["height"]
        for b in rects[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    # Names follow their street: the east-west ones level, the north-south ones upright.
    angles = {lb["text"]: lb["angle"] for lb in labels if lb["kind"] == "street-name"}
    assert all(angles[n] == 0 for n in angles if n.startswith("Street"))
    assert all(abs(angles[n]) == 90 for n in angles if n.startswith("Cross"))


def test_streets_are_cut_to_the_frame_and_a_short_block_gets_no_name():
    stub = MapStreet(
        "A Very Long Street Name Indeed",
        shapely.LineString([(-79.3901, 43.655), (-79.3899, 43.655)]),
        False,
    )
    svg = draw_map(
        bounds=BOUNDS,
        width_px=700,
        max_height_px=500,
        outline=shapely.box(*BOUNDS),
        beats=[],
        boxes=[],
        streets=[stub, *crowded()[1]],
    )
    assert not any(
        lb["text"] == stub.name for lb in svg["labels"]
    )  # 17 m of street: no room for its name
    xs = [
        float(v)
        for s in svg["streets"]
        for pt in s["d"].replace("M", " ").replace("L", " ").split()
        for v in pt.split(",")[:1]
    ]
    assert min(xs) >= 0 and max(xs) <= svg["width"]


def cut_at_crossings(street: MapStreet, steps: int) -> list[MapStreet]:
    """The street as a centreline file has it: one segment per block."""
    (x0, y0), (x1, y1) = street.line.coords
    return [
        MapStreet(
            street.name,
            shapely.LineString(
                [
                    (x0 + (x1 - x0) * k / steps, y0 + (y1 - y0) * k / steps),
                    (x0 + (x1 - x0) * (k + 1) / steps, y0 + (y1 - y0) * (k + 1) / steps),
                ]
            ),
            street.major,
        )
        for k in range(steps)
    ]


def test_a_street_cut_into_blocks_is_joined_again_and_named():
    whole = crowded()[1]
    segments = [
        segment for street in whole for segment in cut_at_crossings(street, 40)
    ]  # blocks of 30-80 m
    unnamed = MapStreet("", shapely.LineString([(-79.391, 43.652), (-79.389, 43.652)]), False)

    def names(streets):
        svg = draw_map(
            bounds=BOUNDS,
            width_px=700,
            max_height_px=500,
            outline=shapely.box(*BOUNDS),
            beats=[],
            boxes=[],
            streets=streets,
        )
        return {lb["text"] for lb in svg["labels"] if lb["kind"] == "street-name"}

    assert names(segments) == set()  # the cause: no single block has room for its name
    joined = join_segments([*segments, unnamed])
    assert [s.name for s in joined] == [s.name for s in whole] + [
        ""
    ]  # one per name, first seen first
    assert all(
        s.line.geom_type == "LineString" and math.isclose(s.line.length, w.line.length)
        for s, w in zip(joined, whole)
    )
    assert [s.major for s in joined[:-1]] == [s.major for s in whole]
    assert len(names(joined)) >= 10 and names(joined) == names(whole)
