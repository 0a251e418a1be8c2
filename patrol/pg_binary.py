"""PostgreSQL's binary forms over whole numpy arrays, for the positions table's bulk paths: fixes
and exposure written with COPY … (FORMAT binary) (`encode`), fixes read back as one bytea of
records aggregated in the server (`records`). One structured array per batch (per pattern of
NULLs): no Python per row, no text to format or parse. Columns are fixed-width; a missing float
travels as NaN and is sent as NULL by a NULLABLE column, or turned into NULL (or NULL into NaN) by
the SQL around it.

COPY's format: https://www.postgresql.org/docs/current/sql-copy.html ("Binary Format").
"""

from __future__ import annotations

import numpy as np

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"
# PostgreSQL counts timestamps in microseconds from 2000-01-01 UTC.
PG_EPOCH_US = 946_684_800_000_000

# The column kinds: numpy dtype on the wire (big-endian), PostgreSQL type.
KINDS = {
    "int8": (">i8", "bigint"),
    "float8": (">f8", "double precision"),
    "bool": ("u1", "boolean"),
    "timestamptz": (">i8", "timestamptz"),
    "date": (">i4", "date"),
}
PG_EPOCH_DAYS = 10_957  # 2000-01-01 in days from 1970-01-01
# A float column whose NaN is sent as NULL (a row then has no value bytes for it).
NULLABLE = "float8 or null"
# A point in lon/lat (an (n, 2) array) as PostGIS's binary input takes it: EWKB, SRID 4326.
POINT = "point 4326"
EWKB_POINT = np.dtype(
    [("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")]
)
EWKB_POINT_WITH_SRID = 0x20000001
# The same text on every row: the column's values are one `bytes`.
TEXT = "text"


def _record(kinds: list[str], nulls: frozenset[int] = frozenset(), widths=None) -> np.dtype:
    fields = [("count", ">i2")]
    for i, kind in enumerate(kinds):
        fields.append((f"size{i}", ">i4"))
        if i in nulls:
            continue
        if kind == POINT:
            fields.append((f"value{i}", EWKB_POINT))
        elif kind == TEXT:
            fields.append((f"value{i}", f"S{widths[i]}"))
        else:
            fields.append((f"value{i}", KINDS["float8" if kind == NULLABLE else kind][0]))
    return np.dtype(fields)


def encode(columns: list[tuple[str, np.ndarray | bytes]]) -> bytes:
    """The COPY … FROM STDIN (FORMAT binary) stream of these (kind, values) columns, all of one
    length. A timestamptz column is given as int64 nanoseconds since the Unix epoch (UTC), a date
    column as datetime64[D], a POINT as (lon, lat) rows, a TEXT as one bytes value. Rows are
    grouped by which NULLABLE values are NaN (each group has its own record layout): their order
    changes only if some are."""
    kinds = [kind for kind, _ in columns]
    rows = next((len(v) for k, v in columns if k != TEXT), 0)
    nullable = [i for i, kind in enumerate(kinds) if kind == NULLABLE]
    pattern = np.zeros(rows, dtype=np.int64)
    for bit, i in enumerate(nullable):
        pattern |= np.isnan(np.asarray(columns[i][1], dtype=np.float64)).astype(np.int64) << bit
    parts, codes = [], np.unique(pattern)
    for code in codes:
        take = slice(None) if len(codes) == 1 else pattern == code
        nulls = frozenset(i for bit, i in enumerate(nullable) if code >> bit & 1)
        parts.append(_rows(columns, take, nulls).tobytes())
    return HEADER + b"".join(parts) + TRAILER


def _rows(columns, take, nulls: frozenset[int]) -> np.ndarray:
    kinds = [kind for kind, _ in columns]
    widths = {i: len(v) for i, (k, v) in enumerate(columns) if k == TEXT}
    first = next(np.asarray(v)[take] for k, v in columns if k != TEXT)
    out = np.empty(len(first), dtype=_record(kinds, nulls, widths))
    out["count"] = len(columns)
    for i, (kind, values) in enumerate(columns):
        if i in nulls:
            out[f"size{i}"] = -1
            continue
        out[f"size{i}"] = out.dtype[f"value{i}"].itemsize
        if kind == TEXT:
            out[f"value{i}"] = values
            continue
        values = np.asarray(values)[take]
        if kind == "timestamptz":
            values = np.asarray(values, dtype=np.int64) // 1000 - PG_EPOCH_US
        elif kind == "date":
            values = np.asarray(values, dtype="datetime64[D]").astype(np.int64) - PG_EPOCH_DAYS
        elif kind == POINT:
            point = out[f"value{i}"]
            point["order"], point["type"], point["srid"] = 1, EWKB_POINT_WITH_SRID, 4326
            point["x"], point["y"] = values[:, 0], values[:, 1]
            continue
        out[f"value{i}"] = values
    return out


def records(data: bytes, kinds: list[str]) -> list[np.ndarray]:
    """The columns of fixed-width records of these kinds laid end to end, each field as its type's
    binary send function writes it (e.g. `string_agg(int8send(a) || float8send(b), '')`), none
    NULL; timestamptz as int64 ns since the Unix epoch."""
    layout = np.dtype([(f"value{i}", KINDS[kind][0]) for i, kind in enumerate(kinds)])
    if len(data) % layout.itemsize:
        raise ValueError(f"{len(data)} bytes are not whole records of {layout.itemsize} bytes.")
    found = np.frombuffer(data, dtype=layout)
    return [_native(found[f"value{i}"], kind) for i, kind in enumerate(kinds)]


def _native(values: np.ndarray, kind: str) -> np.ndarray:
    if kind == "timestamptz":
        return (values.astype(np.int64) + PG_EPOCH_US) * 1000
    if kind == "date":
        return (values.astype(np.int64) + PG_EPOCH_DAYS).astype("datetime64[D]")
    if kind == "bool":
        return values.astype(bool)
    return values.astype(values.dtype.newbyteorder("="))
