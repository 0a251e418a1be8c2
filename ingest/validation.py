"""Validate and normalise a chunk of feed rows, vectorised: mapped strings in, typed incident
columns out, and every bad row with its reason. Pure Python (pandas, shapely, pyproj).

Times: local wall-clock times are read in the source's zone and stored in UTC. A time in the
spring-forward gap moves to the first instant after the gap (02:30 → 03:00); an ambiguous time in
the autumn overlap is the first occurrence (daylight time), as agency.models does for shifts.
Times that carry an offset or a Z are taken as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyproj
import shapely

from .mapping import GEOMETRY_LAT, GEOMETRY_LON, GEOMETRY_TYPE, TEXT_FIELDS, TIME_FIELDS, Mapping
from .readers import ROW

EXTERNAL_ID_MAX = 100
TEXT_MAX = {
    "raw_code": 100,
    "call_type": 100,
    "priority": 20,
    "disposition": 100,
    "premise_type": 100,
}
OUTPUT_COLUMNS = [
    ROW,
    "external_id",
    *TIME_FIELDS,
    "longitude",
    "latitude",
    "crime_type_id",
    *TEXT_FIELDS,
    "officer_initiated",
    "content_hash",
]
# Times outside these years are refused: far dates overflow time-zone arithmetic (a 500 before).
EARLIEST, LATEST = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01")
_OFFSET_AT_END = r"(?:[Zz]|[+-]\d\d(?::?\d\d)?)$"


@dataclass
class RowContext:
    """What validation needs to know beyond the row: zone, codes, jurisdiction."""

    timezone: str
    code_lookup: dict[str, int]  # lower-cased feed code -> crime type id
    boundary: object | None = None  # shapely geometry (prepared), WGS84
    # Times after this (UTC) are refused as in the future; None = no limit (file imports).
    latest: pd.Timestamp | None = None
    _transformers: dict = field(default_factory=dict)

    def to_wgs84(self, srid: int) -> pyproj.Transformer:
        if srid not in self._transformers:
            self._transformers[srid] = pyproj.Transformer.from_crs(srid, 4326, always_xy=True)
        return self._transformers[srid]


@dataclass
class ChunkResult:
    valid: pd.DataFrame  # OUTPUT_COLUMNS
    rejected: pd.DataFrame  # ROW, external_id, field, reason_code, reason, raw


def validate_chunk(chunk: pd.DataFrame, mapping: Mapping, ctx: RowContext) -> ChunkResult:
    """Split a chunk into normalised valid rows and rejected rows (first failing rule wins)."""
    n = len(chunk)
    codes = np.full(n, None, dtype=object)
    reasons = np.full(n, None, dtype=object)
    fields = np.full(n, "", dtype=object)  # the column at fault (as the feed names it)

    def reject(mask, code: str, message, at="") -> None:
        mask = np.asarray(mask, dtype=bool) & pd.isna(codes)
        if mask.any():
            codes[mask] = code
            reasons[mask] = message[mask] if isinstance(message, np.ndarray) else message
            fields[mask] = at[mask] if isinstance(at, np.ndarray) else at

    def column(target: str) -> pd.Series:
        name = mapping.fields.get(target)
        if name is None:
            return pd.Series([""] * n, index=chunk.index, dtype=object)
        return chunk[name].astype(str).str.strip()

    out = pd.DataFrame(index=chunk.index)
    out[ROW] = chunk[ROW].to_numpy()
    ids = column("external_id")
    out["external_id"] = ids
    id_column = mapping.fields.get("external_id", "external_id")
    reject(ids.eq("").to_numpy(), "missing_id", "The id is empty.", id_column)
    reject(
        ids.str.len().gt(EXTERNAL_ID_MAX).to_numpy(),
        "bad_id",
        f"The id is longer than {EXTERNAL_ID_MAX} characters.",
        id_column,
    )

    for target in TIME_FIELDS:
        text = column(target)
        parsed = parse_times(text, ctx.timezone, mapping.time_format)
        out[target] = parsed
        name = mapping.fields.get(target, target)
        if target == "occurred_from":
            reject(text.eq("").to_numpy(), "missing_time", "The occurred time is empty.", name)
        bad = (text.ne("") & parsed.isna()).to_numpy()
        reject(
            bad,
            "bad_time",
            _messages(
                f"Unparseable time (or not in {EARLIEST.year}–{LATEST.year - 1}) in '{name}': ",
                text,
            ),
            name,
        )
        if ctx.latest is not None:
            future = (parsed > ctx.latest).fillna(False).to_numpy(dtype=bool)
            reject(
                future,
                "future_time",
                _messages(
                    f"'{name}' is in the future (later than {ctx.latest:%Y-%m-%d %H:%M} UTC,"
                    " the server's clock plus the allowed skew): ",
                    text,
                ),
                name,
            )
    window_bad = (
        out["occurred_to"].notna() & (out["occurred_to"] < out["occurred_from"])
    ).to_numpy()
    reject(
        window_bad,
        "bad_time",
        "occurred_to is before occurred_from.",
        mapping.fields.get("occurred_to", "occurred_to"),
    )

    lon, lat = _coordinates(chunk, mapping, ctx, reject)
    out["longitude"], out["latitude"] = lon, lat
    if ctx.boundary is not None:
        inside = np.zeros(n, dtype=bool)
        ok = ~np.isnan(lon) & ~np.isnan(lat)
        inside[ok] = shapely.intersects_xy(ctx.boundary, lon[ok], lat[ok])
        reject(
            ok & ~inside,
            "outside_jurisdiction",
            "The location is outside the jurisdiction.",
            _pair(mapping),
        )

    for target in TEXT_FIELDS:
        out[target] = column(target).str.slice(0, TEXT_MAX[target])
    lookup = out["raw_code"].str.lower().map(ctx.code_lookup)
    out["crime_type_id"] = lookup.astype("Int64")
    out["officer_initiated"] = _officer_initiated(chunk, mapping)

    rejected_mask = pd.notna(codes)
    valid = out.loc[~rejected_mask].copy()
    valid["content_hash"] = content_hash(valid)
    raw = chunk.loc[rejected_mask, [c for c in mapping.columns if c in chunk.columns]]
    rejected = pd.DataFrame(
        {
            ROW: chunk.loc[rejected_mask, ROW].to_numpy(),
            "external_id": ids[rejected_mask].str.slice(0, 200).to_numpy(),
            "field": fields[rejected_mask],
            "reason_code": codes[rejected_mask],
            "reason": reasons[rejected_mask],
            "raw": json_safe_records(raw),
        }
    )
    return ChunkResult(valid=valid[OUTPUT_COLUMNS].reset_index(drop=True), rejected=rejected)


def json_safe_records(raw: pd.DataFrame) -> list[dict[str, str]]:
    """Rows as dicts of strings, missing values as '' (a NaN would make the stored JSON invalid)."""
    if not len(raw):
        return []
    text = raw.astype(object).where(raw.notna(), "").map(str)
    return text.to_dict("records")


def parse_times(text: pd.Series, timezone: str, time_format: str = "") -> pd.Series:
    """Strings → UTC timestamps (NaT where empty, unparseable or outside EARLIEST–LATEST); see the
    module note on DST."""
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    present = text.ne("")
    if not present.any():
        return result
    with_offset = present & text.str.contains(_OFFSET_AT_END, regex=True)
    local = present & ~with_offset
    if local.any():
        parsed = _to_datetime(text[local], time_format)
        if parsed.dt.tz is None:  # 9999-12-31 in a western zone would pass year 9999 in UTC
            parsed = parsed.where((parsed >= EARLIEST) & (parsed < LATEST))
        if parsed.dt.tz is not None:  # a format with %z
            result[local] = parsed.dt.tz_convert("UTC").astype(result.dtype)
        else:
            aware = parsed.dt.tz_localize(
                timezone, ambiguous=np.ones(len(parsed), dtype=bool), nonexistent="shift_forward"
            )
            result[local] = aware.dt.tz_convert("UTC").astype(result.dtype)
    if with_offset.any():
        parsed = pd.to_datetime(text[with_offset], format="ISO8601", utc=True, errors="coerce")
        result[with_offset] = parsed.astype(result.dtype)
    return result.where(
        (result >= EARLIEST.tz_localize("UTC")) & (result < LATEST.tz_localize("UTC"))
    )


def content_hash(valid: pd.DataFrame) -> np.ndarray:
    """A stable 64-bit digest (hex) of what an incident stores, ignoring the feed's updated-at."""
    if valid.empty:
        return np.array([], dtype=object)
    parts = pd.DataFrame(
        {
            "id": valid["external_id"],
            "from": _epoch_us(valid["occurred_from"]),
            "to": _epoch_us(valid["occurred_to"]),
            "reported": _epoch_us(valid["reported_at"]),
            "lon": np.round(valid["longitude"].to_numpy(dtype=float), 7),
            "lat": np.round(valid["latitude"].to_numpy(dtype=float), 7),
            "type": valid["crime_type_id"].fillna(-1).astype("int64"),
            **{f: valid[f].astype(str) for f in TEXT_FIELDS},
            "officer": valid["officer_initiated"].astype(bool),
        }
    )
    digest = pd.util.hash_pandas_object(parts, index=False).to_numpy(dtype=np.uint64)
    return np.char.mod("%016x", digest).astype(object)


def epoch_us(values: pd.Series) -> pd.Series:
    """UTC timestamps as integer microseconds since 1970 (nullable), for COPY."""
    return _epoch_us(values)


@dataclass
class DuplicateTracker:
    """Ids seen earlier in the same file: an identical repeat is dropped, a different one rejected."""

    seen: dict[str, tuple[str, int]] = field(default_factory=dict)
    repeats: int = 0
    id_field: str = "external_id"  # the feed's name of the id column, for the rejected rows

    def split(self, valid: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        if valid.empty:
            return valid, _empty_rejected()
        ids = valid["external_id"]
        first_hash = valid.groupby("external_id", sort=False)["content_hash"].transform("first")
        first_row = valid.groupby("external_id", sort=False)[ROW].transform("first")
        earlier = ids.map(lambda i: self.seen.get(i, (None, 0)))
        earlier_hash = earlier.map(lambda t: t[0])
        earlier_row = earlier.map(lambda t: t[1])
        ref_hash = earlier_hash.where(earlier_hash.notna(), first_hash)
        ref_row = earlier_row.where(earlier_hash.notna(), first_row)
        repeated = earlier_hash.notna() | ids.duplicated(keep="first")
        same = repeated & (valid["content_hash"] == ref_hash)
        differ = repeated & ~same
        self.repeats += int(same.sum())
        for ext_id, digest, row in valid.loc[
            ~repeated, ["external_id", "content_hash", ROW]
        ].itertuples(index=False):
            self.seen[ext_id] = (digest, int(row))
        rejected = pd.DataFrame(
            {
                ROW: valid.loc[differ, ROW].to_numpy(),
                "external_id": ids[differ].to_numpy(),
                "field": self.id_field,
                "reason_code": "duplicate_id",
                "reason": (
                    "The id appears again with different content (first at row "
                    + ref_row[differ].astype(str)
                    + ")."
                ).to_numpy(),
                "raw": [{"id": i} for i in ids[differ]],
            }
        )
        return valid.loc[~repeated].reset_index(drop=True), rejected


def _empty_rejected() -> pd.DataFrame:
    return pd.DataFrame(
        {ROW: [], "external_id": [], "field": [], "reason_code": [], "reason": [], "raw": []}
    )


def _to_datetime(text: pd.Series, time_format: str) -> pd.Series:
    if time_format:
        return pd.to_datetime(text, format=time_format, errors="coerce")
    return pd.to_datetime(text, format="ISO8601", errors="coerce")


def _coordinates(chunk, mapping: Mapping, ctx: RowContext, reject) -> tuple[np.ndarray, np.ndarray]:
    if mapping.uses_xy:
        xcol, ycol = mapping.fields["x"], mapping.fields["y"]
    else:
        xcol, ycol = mapping.fields.get("longitude"), mapping.fields.get("latitude")
    n = len(chunk)
    if xcol is None:
        reject(np.ones(n, dtype=bool), "missing_coordinates", "The mapping names no coordinates.")
        return np.full(n, np.nan), np.full(n, np.nan)
    pair = _pair(mapping)
    if xcol == GEOMETRY_LON and GEOMETRY_TYPE in chunk.columns:
        kinds = chunk[GEOMETRY_TYPE].astype(object)
        not_point = (kinds.ne("") & kinds.ne("Point")).to_numpy()
        reject(
            not_point,
            "not_a_point",
            (
                "Row "
                + chunk[ROW].astype(str)
                + ": the geometry is a "
                + kinds.astype(str)
                + ", not a point."
            ).to_numpy(dtype=object),
            "geometry",
        )
    xs, ys = chunk[xcol], chunk[ycol]
    x = pd.to_numeric(xs, errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(ys, errors="coerce").to_numpy(dtype=float)
    empty = (_blank(xs) | _blank(ys)).to_numpy()
    reject(empty, "missing_coordinates", "The coordinates are missing.", pair)
    reject(
        np.isnan(x) | np.isnan(y),
        "bad_coordinates",
        _messages("Unparseable coordinates: ", xs.astype(str) + ", " + ys.astype(str)),
        _at_fault(np.isnan(y), np.isnan(x), ycol, xcol),
    )
    reject(
        (x == 0) & (y == 0), "missing_coordinates", "The coordinates are 0, 0 (no location).", pair
    )
    srid = 4326 if not mapping.uses_xy else mapping.srid
    if srid != 4326:
        x, y = ctx.to_wgs84(srid).transform(x, y)
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    out_of_range = ~np.isnan(x) & ~np.isnan(y) & ((np.abs(x) > 180) | (np.abs(y) > 90))
    reject(
        out_of_range,
        "bad_coordinates",
        "The coordinates are not longitude/latitude (check the mapping's srid).",
        _at_fault(np.abs(y) > 90, np.abs(x) > 180, ycol, xcol),
    )
    bad = np.isnan(x) | np.isnan(y) | out_of_range
    return np.where(bad, np.nan, x), np.where(bad, np.nan, y)


def _pair(mapping: Mapping) -> str:
    """The coordinate columns as the feed names them, latitude (y) first: "latitude,longitude"."""
    if mapping.uses_xy:
        return f"{mapping.fields['y']},{mapping.fields['x']}"
    lat, lon = mapping.fields.get("latitude"), mapping.fields.get("longitude")
    if lat == GEOMETRY_LAT or lat is None:
        return "geometry"
    return f"{lat},{lon}"


def _at_fault(y_bad: np.ndarray, x_bad: np.ndarray, ycol: str, xcol: str) -> np.ndarray:
    """Per row, the coordinate column(s) at fault: y, x or both ("y,x")."""
    if xcol == GEOMETRY_LON:
        return np.full(len(y_bad), "geometry", dtype=object)
    both = np.full(len(y_bad), f"{ycol},{xcol}", dtype=object)
    return np.where(y_bad & ~x_bad, ycol, np.where(x_bad & ~y_bad, xcol, both)).astype(object)


def _officer_initiated(chunk, mapping: Mapping) -> np.ndarray:
    name = mapping.officer_initiated_field
    if not name or name not in chunk.columns:
        return np.zeros(len(chunk), dtype=bool)
    values = chunk[name].astype(str).str.strip().str.lower()
    return values.isin(set(mapping.officer_initiated_values)).to_numpy()


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | values.astype(str).str.strip().isin(["", "nan"])


def _messages(prefix: str, values: pd.Series) -> np.ndarray:
    return (prefix + "'" + values.astype(str).str.slice(0, 80) + "'").to_numpy(dtype=object)


def _epoch_us(values: pd.Series) -> pd.Series:
    as_utc = pd.to_datetime(values, utc=True)
    delta = as_utc - pd.Timestamp(0, tz="UTC")
    return (delta // pd.Timedelta(microseconds=1)).astype("Int64")
