"""PostgreSQL's binary forms over whole numpy arrays, for the positions table's bulk paths: fixes
and exposure written with COPY … (FORMAT binary) (`encode`), fixes read back as one bytea of
records aggregated in the server (`records`). One structured array per batch: no Python per row,
no text to format or parse. Columns are fixed-width and never NULL (a missing float travels as NaN;
the SQL around them turns it into NULL, or NULL into NaN, where it must).

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


def _record(kinds: list[str]) -> np.dtype:
    fields = [("count", ">i2")]
    for i, kind in enumerate(kinds):
        fields += [(f"size{i}", ">i4"), (f"value{i}", KINDS[kind][0])]
    return np.dtype(fields)


def encode(columns: list[tuple[str, np.ndarray]]) -> bytes:
    """The COPY … FROM STDIN (FORMAT binary) stream of these (kind, values) columns, all of one
    length. A timestamptz column is given as int64 nanoseconds since the Unix epoch (UTC), a date
    column as datetime64[D]."""
    kinds = [kind for kind, _ in columns]
    rows = len(columns[0][1]) if columns else 0
    out = np.empty(rows, dtype=_record(kinds))
    out["count"] = len(columns)
    for i, (kind, values) in enumerate(columns):
        out[f"size{i}"] = out.dtype[f"value{i}"].itemsize
        if kind == "timestamptz":
            values = np.asarray(values, dtype=np.int64) // 1000 - PG_EPOCH_US
        elif kind == "date":
            values = np.asarray(values, dtype="datetime64[D]").astype(np.int64) - PG_EPOCH_DAYS
        out[f"value{i}"] = values
    return HEADER + out.tobytes() + TRAILER


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
