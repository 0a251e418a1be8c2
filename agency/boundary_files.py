"""Read geography files (GeoJSON, zipped or plain Shapefile) into WGS84 shapely shapes: polygon
boundaries here, street centrelines through `read_features` with their own geometry check.

Every problem becomes a `BoundaryFileError` that names the file, the feature and the field,
so an import can refuse the whole file before anything is written.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyogrio
import pyproj
import shapely
from pyogrio.errors import DataSourceError
from shapely.geometry import MultiPolygon, Polygon

WGS84 = pyproj.CRS.from_epsg(4326)


class BoundaryFileError(ValueError):
    """A geography file that cannot be imported, with a message that says what and where."""


@dataclass(frozen=True)
class BoundaryFeature:
    number: int  # 1-based position in the file, for messages
    properties: dict
    geometry: MultiPolygon  # WGS84 lon/lat (a street file's features hold lines)


def read_boundary_features(path: str | Path, *, srid: int | None = None) -> list[BoundaryFeature]:
    """All polygon features of `path` in WGS84; `srid` overrides or supplies the file's CRS."""
    return read_features(path, srid=srid, shape=_as_multipolygon)


def read_features(
    path: str | Path, *, srid: int | None, shape: Callable[[Path, int, object], object]
) -> list[BoundaryFeature]:
    """All features of `path` in WGS84, each geometry checked and normalised by `shape(path,
    number, geometry)`, which raises BoundaryFileError for a geometry of the wrong kind."""
    path = Path(path)
    if not path.exists():
        raise BoundaryFileError(f"{path}: no such file.")
    try:
        meta, _, wkbs, field_data = pyogrio.raw.read(str(path), force_2d=True)
    except DataSourceError as exc:
        raise BoundaryFileError(
            f"{path.name}: not a readable GeoJSON or Shapefile ({exc})."
        ) from exc
    except Exception as exc:  # GDAL reports broken zips and truncated files in several ways
        raise BoundaryFileError(f"{path.name}: cannot be read: {exc}") from exc
    if wkbs is None or len(wkbs) == 0:
        raise BoundaryFileError(f"{path.name}: the file has no features.")

    source_crs = _source_crs(path, meta.get("crs"), srid)
    geoms = shapely.from_wkb(wkbs)
    if source_crs != WGS84:
        transformer = pyproj.Transformer.from_crs(source_crs, WGS84, always_xy=True)
        geoms = shapely.transform(
            geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )

    fields = list(meta.get("fields", []))
    features = []
    for i, geom in enumerate(geoms):
        properties = {
            name: _plain(values[i]) for name, values in zip(fields, field_data, strict=True)
        }
        features.append(BoundaryFeature(i + 1, properties, shape(path, i + 1, geom)))
    _check_lonlat(path, features)
    return features


def field_value(path: Path | str, feature: BoundaryFeature, field: str) -> str:
    if field not in feature.properties:
        names = ", ".join(sorted(feature.properties)) or "none"
        raise BoundaryFileError(f"{Path(path).name}: field {field!r} not found (fields: {names}).")
    value = feature.properties[field]
    if value is None or str(value).strip() == "":
        raise BoundaryFileError(
            f"{Path(path).name}, feature {feature.number}: field {field!r} is empty."
        )
    return str(value).strip()


def _source_crs(path: Path, crs_text: str | None, srid: int | None) -> pyproj.CRS:
    if srid:
        return pyproj.CRS.from_epsg(srid)
    if not crs_text:
        raise BoundaryFileError(
            f"{path.name}: the file does not say its coordinate system (a Shapefile needs its .prj);"
            " pass --srid."
        )
    return pyproj.CRS.from_user_input(crs_text)


def _as_multipolygon(path: Path, number: int, geom) -> MultiPolygon:
    if geom is None or geom.is_empty:
        raise BoundaryFileError(f"{path.name}, feature {number}: empty geometry.")
    if isinstance(geom, Polygon):
        geom = MultiPolygon([geom])
    if not isinstance(geom, MultiPolygon):
        raise BoundaryFileError(
            f"{path.name}, feature {number}: {geom.geom_type} is not a polygon; boundaries must be"
            " Polygon or MultiPolygon."
        )
    if not geom.is_valid:
        repaired = shapely.make_valid(geom)
        polygons = [g for g in getattr(repaired, "geoms", [repaired]) if isinstance(g, Polygon)]
        geom = MultiPolygon(polygons)
        if geom.is_empty:
            raise BoundaryFileError(f"{path.name}, feature {number}: invalid polygon.")
    return geom


def _check_lonlat(path: Path, features: list[BoundaryFeature]) -> None:
    minx, miny, maxx, maxy = shapely.total_bounds([f.geometry for f in features])
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise BoundaryFileError(
            f"{path.name}: coordinates ({minx:.0f}, {miny:.0f}) … ({maxx:.0f}, {maxy:.0f}) are not"
            " longitude/latitude: the file's coordinate system is wrong or missing; pass --srid."
        )


def _plain(value):
    return value.item() if hasattr(value, "item") else value
