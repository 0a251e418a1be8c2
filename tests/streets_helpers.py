"""A tiny street centreline file over the small test agency (tests/conftest.py `small_agency`, 4 km ×
2 km from -79.40, 43.65): four east-west streets and six north-south ones 500-700 m apart, each cut
into segments at every crossing as city centreline files are, plus one unnamed lane."""

import json

EAST_WEST = (
    ("Front St W", 43.6525),
    ("King St W", 43.6570),
    ("Queen St W", 43.6615),
    ("Dundas St W", 43.6660),
)
NORTH_SOUTH = (
    ("Bathurst St", -79.3960),
    ("Portland St", -79.3880),
    ("Spadina Ave", -79.3800),
    ("Huron St", -79.3720),
    ("Beverley St", -79.3640),
    ("McCaul St", -79.3560),
)
WEST, EAST, SOUTH, NORTH = -79.3995, -79.3510, 43.6503, 43.6677
LANE = ((-79.3840, 43.6590), (-79.3830, 43.6600))  # an unnamed lane: drawn, never a label


def street_features() -> list[dict]:
    features = []
    xs = [WEST] + [x for _, x in NORTH_SOUTH] + [EAST]
    ys = [SOUTH] + [y for _, y in EAST_WEST] + [NORTH]
    for name, y in EAST_WEST:
        features += [_line(name, [(a, y), (b, y)]) for a, b in zip(xs, xs[1:], strict=False)]
    for name, x in NORTH_SOUTH:
        features += [_line(name, [(x, a), (x, b)]) for a, b in zip(ys, ys[1:], strict=False)]
    features.append(_line(None, list(LANE)))
    return features


def write_streets(
    path, features=None, *, crs: str | None = None, name_key: str = "LINEAR_NAME_FULL"
):
    features = street_features() if features is None else features
    for feature in features:
        feature["properties"] = {
            name_key: feature["properties"].pop("name", None),
            "ID": len(path.name),
        }
    collection = {"type": "FeatureCollection", "features": features}
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(collection))
    return path


def _line(name, coords) -> dict:
    return {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
    }
