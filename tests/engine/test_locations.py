"""Location labels from named street lines (pure shapely, metres): intersections first, then the
nearest street with its nearest crossing, and nothing far from every street."""

from shapely.geometry import LineString

from forecasting.engine.locations import location_labels, street_intersections

# A long avenue east-west, a short street crossing it, and a side street with no crossing.
NAMES = ["Harbour Ave", "Harbour Ave", "Elm St", "Mill Lane", ""]
LINES = [
    LineString([(0, 0), (1000, 0)]),
    LineString([(1000, 0), (3000, 0)]),  # one avenue, two segments
    LineString([(1000, -400), (1000, 400)]),
    LineString([(5000, -500), (5000, 500)]),
    LineString([(900, 50), (1100, 50)]),  # unnamed: never a label, never a crossing
]


def test_crossings_of_differently_named_streets_only():
    found = street_intersections(NAMES, LINES)
    # The avenue's two segments meet each other at x=1000 too: same name, so not a crossing.
    assert list(zip(found.first, found.second, strict=True)) == [("Harbour Ave", "Elm St")]
    assert found.xy.tolist() == [[1000.0, 0.0]]


def test_labels_name_the_intersection_then_the_street_then_nothing():
    centres = [
        (1060, 40),  # 72 m from the crossing
        (2000, 10),  # on the avenue, the crossing 1 km away: too far for "near"
        (1400, 30),  # on the avenue, 400 m from the crossing
        (1400, 200),  # 200 m off the avenue, the crossing 450 m away
        (5030, 0),  # on a street without crossings
        (5200, 0),  # 200 m from it
        (9000, 9000),  # far from everything
    ]
    assert location_labels(centres, NAMES, LINES) == [
        "Harbour Ave & Elm St",
        "on Harbour Ave",
        "Harbour Ave near Elm St",
        "Harbour Ave near Elm St",
        "on Mill Lane",
        "near Mill Lane",
        "",
    ]


def test_no_named_streets_no_labels():
    assert location_labels([(0, 0)], ["", ""], LINES[:2]) == [""]
