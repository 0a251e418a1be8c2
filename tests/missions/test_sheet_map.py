"""The printed map's SVG parts (pure shapely): everything fits the frame, each box gets its label,
the streets a box's location names are written next to it, other street names once along them, no
label overlaps another, even when crowded, and a narrow district's overview spans the width."""

import math

import shapely

from missions.sheet_map import (
    BOX_LABEL_PX,
    NEAR_BOX_PX,
    STREET_LABEL_PX,
    MapBox,
    MapStreet,
    _text_size,
    draw_map,
    join_segments,
    label_polygon,
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


def frame_pixels(svg, polygon):
    """A lon/lat polygon in the map's pixels, from the drawn path (the same frame as the labels)."""
    (ring,) = svg_rings(next(b["d"] for b in svg["boxes"] if b["label"] == polygon))
    return shapely.Polygon(ring)


def svg_rings(d: str) -> list[list[tuple[float, float]]]:
    return [
        [tuple(map(float, pt.split(","))) for pt in ring.strip().lstrip("M").split("L")]
        for ring in d.replace("Z", "").split(" M")
    ]


def brock_and_sorauren():
    """Two long streets crossing at the west end of the map, a box at their corner named by them,
    and a box far east named by a third street: the map's middle is far from both boxes."""
    brock = MapStreet("Brock Pl", shapely.LineString([(-79.41, 43.6535), (-79.37, 43.6535)]), True)
    sorauren = MapStreet(
        "Sorauren Rd", shapely.LineString([(-79.3975, 43.64), (-79.3975, 43.67)]), False
    )
    fern = MapStreet("Fern Ave", shapely.LineString([(-79.41, 43.6585), (-79.37, 43.6585)]), False)
    corner = MapBox(
        shapely.box(-79.3973, 43.6537, -79.3963, 43.6544), "2", ("Brock Pl", "Sorauren Rd")
    )
    east = MapBox(shapely.box(-79.3835, 43.6570, -79.3825, 43.6577), "5", ("Fern Ave",))
    return [corner, east], [brock, sorauren, fern]


def test_the_streets_of_a_box_location_are_named_next_to_that_box():
    boxes, streets = brock_and_sorauren()
    svg = draw_map(
        bounds=BOUNDS,
        width_px=700,
        max_height_px=500,
        outline=shapely.box(*BOUNDS),
        beats=[],
        boxes=boxes,
        streets=streets,
    )
    names = [lb for lb in svg["labels"] if lb["kind"] == "street-name"]
    assert sorted(lb["text"] for lb in names) == ["Brock Pl", "Fern Ave", "Sorauren Rd"]
    for box in boxes:
        drawn = frame_pixels(svg, box.label)
        for name in box.street_names:
            (label,) = [lb for lb in names if lb["text"] == name]
            # The old placement wrote each name mid-street, 200-300 px from these boxes.
            assert drawn.distance(label_polygon(label)) <= NEAR_BOX_PX, (box.label, label)
    angles = {lb["text"]: lb["angle"] for lb in names}
    assert {n: abs(a) for n, a in angles.items()} == {
        "Brock Pl": 0,
        "Fern Ave": 0,
        "Sorauren Rd": 90,
    }


def test_a_crowded_box_gets_its_street_names_as_close_as_the_free_space_allows():
    boxes, streets = brock_and_sorauren()
    corner = boxes[0]
    # Labels of other boxes packed around the corner box take the places next to it.
    packed = [
        MapBox(
            shapely.box(-79.3990 + i * 0.0007, 43.6525, -79.3989 + i * 0.0007, 43.6526),
            f"Box {i}·{j}",
        )
        for i in range(5)
        for j in range(1)
    ]
    svg = draw_map(
        bounds=BOUNDS,
        width_px=700,
        max_height_px=500,
        outline=shapely.box(*BOUNDS),
        beats=[],
        boxes=[*packed, corner],
        streets=streets,
    )
    rects = [label_rect(lb) for lb in svg["labels"]]
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    drawn = frame_pixels(svg, corner.label)
    names = {lb["text"]: lb for lb in svg["labels"] if lb["kind"] == "street-name"}
    assert set(corner.street_names) <= set(names)
    assert all(
        drawn.distance(label_polygon(names[n])) <= 2 * NEAR_BOX_PX for n in corner.street_names
    )


def test_two_boxes_on_one_street_share_its_name_when_it_is_next_to_both():
    boxes, streets = brock_and_sorauren()
    neighbour = MapBox(shapely.box(-79.3960, 43.6537, -79.3950, 43.6544), "3", ("Brock Pl",))
    far = MapBox(shapely.box(-79.3845, 43.6537, -79.3835, 43.6544), "4", ("Brock Pl",))
    svg = draw_map(
        bounds=BOUNDS,
        width_px=700,
        max_height_px=500,
        outline=shapely.box(*BOUNDS),
        beats=[],
        boxes=[boxes[0], neighbour, far],
        streets=streets,
    )
    brock = [lb for lb in svg["labels"] if lb["text"] == "Brock Pl"]
    assert len(brock) == 2  # once for the two neighbours, once more for the far box
    for box in (boxes[0], neighbour, far):
        drawn = frame_pixels(svg, box.label)
        assert min(drawn.distance(label_polygon(lb)) for lb in brock) <= NEAR_BOX_PX


def test_a_narrow_district_overview_spans_the_whole_width():
    tall = shapely.box(-79.395, 43.60, -79.390, 43.70)  # 400 m × 11 km
    kwargs = dict(
        bounds=tall.bounds,
        width_px=700,
        max_height_px=430,
        outline=tall,
        beats=[],
        boxes=[],
        streets=[],
    )
    assert draw_map(**kwargs)["width"] < 100  # as the district's shape alone allows
    svg = draw_map(**kwargs, full_width=True)
    assert svg["width"] == 700 and svg["height"] <= 430
    xs = [x for ring in svg_rings(svg["outline"]) for x, _ in ring]
    assert abs((min(xs) + max(xs)) / 2 - 350) < 2  # the district in the middle
