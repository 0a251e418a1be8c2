"""Read incident and layer files in chunks of string columns: CSV (plain or gzipped, delimiter and
encoding detected), GeoJSON and zipped Shapefile (points in WGS84 as @longitude/@latitude).

Pure Python (pandas, pyogrio): only the columns a mapping names are ever read.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely
from charset_normalizer import from_bytes

from missions_site.server_paths import hide_server_paths

from .mapping import GEOMETRY_LAT, GEOMETRY_LON, GEOMETRY_TYPE

ROW = "_row"  # 1-based number of the data row in the file
SNIFF_BYTES = 64 * 1024
CSV_SUFFIXES = (".csv", ".txt", ".tsv", ".csv.gz", ".txt.gz", ".tsv.gz")
GEOJSON_SUFFIXES = (".geojson", ".json", ".geojson.gz")
SHAPEFILE_SUFFIXES = (".zip", ".shp")


class FileFormatError(ValueError):
    """A file that cannot be read as the format it claims, or lacks a mapped column. Its message
    names the file, never the server's path to it (GDAL's and Python's own words carry one)."""

    def __init__(self, message: str):
        super().__init__(hide_server_paths(message))


@dataclass(frozen=True)
class CsvDialect:
    encoding: str
    delimiter: str


def detect_format(path: str | Path, declared: str = "auto") -> str:
    if declared and declared != "auto":
        return declared
    name = Path(path).name.lower()
    if name.endswith(CSV_SUFFIXES):
        return "csv"
    if name.endswith(GEOJSON_SUFFIXES):
        return "geojson"
    if name.endswith(SHAPEFILE_SUFFIXES):
        return "shapefile"
    raise FileFormatError(
        f"{Path(path).name}: cannot tell the format from the name; use .csv, .geojson or .zip"
        " (Shapefile), or set the source's format."
    )


def sniff_csv(path: str | Path, *, encoding: str = "", delimiter: str = "") -> CsvDialect:
    """Detect what is not set: the encoding (charset-normalizer) and the delimiter (csv.Sniffer)."""
    sample = _head_bytes(Path(path))
    if not encoding:
        best = from_bytes(sample).best()
        encoding = best.encoding if best else "utf-8"
        if encoding in ("ascii", "utf_8"):
            encoding = "utf-8"
    if not delimiter:
        text = sample.decode(encoding, errors="replace")
        lines = "\n".join(text.splitlines()[:20])
        try:
            delimiter = csv.Sniffer().sniff(lines, delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    return CsvDialect(encoding=encoding, delimiter=delimiter)


def file_columns(path: str | Path, fmt: str, dialect: CsvDialect | None = None) -> list[str]:
    path = Path(path)
    if fmt == "csv":
        dialect = dialect or sniff_csv(path)
        try:
            header = pd.read_csv(
                path,
                nrows=0,
                sep=dialect.delimiter,
                encoding=dialect.encoding,
                encoding_errors="replace",
            )
        except (ValueError, OSError, pd.errors.ParserError) as exc:
            raise FileFormatError(f"{path.name}: not a readable CSV file ({exc}).") from exc
        return [str(c) for c in header.columns]
    info = _spatial_info(path)
    return [*map(str, info["fields"]), GEOMETRY_LON, GEOMETRY_LAT]


def count_rows(path: str | Path, fmt: str) -> int:
    """Data rows, for progress: physical lines minus the header for CSV (quoted line breaks
    make it an overestimate, which is fine for a progress bar)."""
    path = Path(path)
    if fmt == "csv":
        lines = 0
        with _open_binary(path) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                lines += block.count(b"\n")
        return max(lines - 1, 0)
    return int(_spatial_info(path)["features"])


def read_chunks(
    path: str | Path,
    *,
    columns: list[str],
    fmt: str,
    chunk_rows: int,
    dialect: CsvDialect | None = None,
) -> Iterator[pd.DataFrame]:
    """Chunks of the named columns as strings ('' for empty), each with its `_row` numbers."""
    path = Path(path)
    available = file_columns(path, fmt, dialect)
    missing = [c for c in columns if c not in available]
    if missing:
        raise FileFormatError(
            f"{path.name}: column(s) {', '.join(repr(c) for c in missing)} not found"
            f" (the file has: {', '.join(available)})."
        )
    if fmt == "csv":
        yield from _csv_chunks(path, columns, chunk_rows, dialect or sniff_csv(path))
    else:
        yield from _spatial_chunks(path, columns, chunk_rows)


def records_frame(
    records: list[dict], columns: list[str], rows: list[int] | None = None
) -> pd.DataFrame:
    """An API batch as the same string frame a file chunk is (missing keys → ''); `rows` are the
    records' row numbers (default 1, 2, …)."""
    frame = (
        pd.DataFrame.from_records(records, columns=columns)
        if records
        else pd.DataFrame(columns=columns)
    )
    frame = frame.astype(object).where(frame.notna(), "")
    frame = frame.map(lambda v: "" if v is None else str(v)) if len(frame) else frame
    frame[ROW] = np.arange(1, len(frame) + 1) if rows is None else np.asarray(rows, dtype=int)
    return frame


def _csv_chunks(path: Path, columns: list[str], chunk_rows: int, dialect: CsvDialect):
    try:
        reader = pd.read_csv(
            path,
            usecols=columns,
            dtype=str,
            keep_default_na=False,
            sep=dialect.delimiter,
            encoding=dialect.encoding,
            encoding_errors="replace",
            chunksize=chunk_rows,
            skipinitialspace=True,
        )
        start = 1
        for chunk in reader:
            chunk = chunk.reset_index(drop=True)
            chunk[ROW] = np.arange(start, start + len(chunk))
            start += len(chunk)
            yield chunk
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"{path.name}: the CSV cannot be parsed: {exc}") from exc


def _spatial_chunks(path: Path, columns: list[str], chunk_rows: int):
    info = _spatial_info(path)
    crs = pyproj.CRS.from_user_input(info["crs"]) if info.get("crs") else pyproj.CRS.from_epsg(4326)
    to_wgs84 = (
        None
        if crs.equals(pyproj.CRS.from_epsg(4326))
        else pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
    )
    fields = [c for c in columns if c not in (GEOMETRY_LON, GEOMETRY_LAT)]
    total = int(info["features"])
    for skip in range(0, max(total, 1), chunk_rows):
        meta, _, wkbs, data = pyogrio.raw.read(
            str(path), columns=fields, skip_features=skip, max_features=chunk_rows, force_2d=True
        )
        n = len(wkbs) if wkbs is not None else (len(data[0]) if data else 0)
        if n == 0:
            break
        names = list(meta["fields"])
        chunk = pd.DataFrame(
            {
                name: pd.Series(values, dtype=object)
                for name, values in zip(names, data, strict=True)
            }
        )
        chunk = (
            chunk.where(chunk.notna(), "").astype(str)
            if len(names)
            else pd.DataFrame(index=range(n))
        )
        lon, lat, kinds = _points(wkbs, n, to_wgs84)
        chunk[GEOMETRY_LON] = lon
        chunk[GEOMETRY_LAT] = lat
        chunk[GEOMETRY_TYPE] = kinds
        chunk[ROW] = np.arange(skip + 1, skip + n + 1)
        yield chunk


def _points(wkbs, n: int, transformer) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Longitude and latitude of point features (NaN for missing or non-point geometries) and
    each feature's geometry type ('' when it has none)."""
    if wkbs is None:
        return np.full(n, np.nan), np.full(n, np.nan), np.full(n, "", dtype=object)
    geoms = shapely.from_wkb(wkbs)
    kinds = np.array([g.geom_type if g is not None else "" for g in geoms], dtype=object)
    is_point = shapely.get_type_id(geoms) == 0
    x = np.where(is_point, shapely.get_x(geoms), np.nan)
    y = np.where(is_point, shapely.get_y(geoms), np.nan)
    if transformer is not None:
        x, y = transformer.transform(x, y)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float), kinds


def _spatial_info(path: Path) -> dict:
    try:
        return pyogrio.read_info(str(path))
    except Exception as exc:  # GDAL reports broken zips and truncated files in several ways
        raise FileFormatError(f"{path.name}: not a readable GeoJSON or Shapefile ({exc}).") from exc


def _open_binary(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _head_bytes(path: Path) -> bytes:
    try:
        with _open_binary(path) as fh:
            return fh.read(SNIFF_BYTES)
    except (OSError, EOFError) as exc:
        raise FileFormatError(f"{path.name}: cannot be read ({exc}).") from exc
