"""Property tests (hypothesis, fixed seed) of the import parsers: random bytes, random encodings,
random columns and random mappings never raise anything but the parsers' own refusals, and an
import that is refused leaves the database as it was."""

import gzip
import io
import zipfile

import hypothesis
import pandas as pd
import pytest
from hypothesis import strategies as st

from ingest import services
from ingest.mapping import MappingError, load_mapping, parse_mapping, parse_mapping_text
from ingest.models import ImportRun, Incident
from ingest.readers import ROW, FileFormatError, detect_format, file_columns, read_chunks, sniff_csv
from ingest.sniffing import check_content
from ingest.validation import RowContext, validate_chunk

MB = 1_000_000
PURE = hypothesis.settings(
    max_examples=100,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
WITH_DATABASE = hypothesis.settings(PURE, max_examples=25)
NAMES = ("feed.csv", "feed.csv.gz", "feed.txt", "feed.geojson", "feed.json", "feed.zip")
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "shift_jis", "koi8-r")
CANONICAL = ("id", "occurred_at", "latitude", "longitude", "category")
CELLS = st.one_of(
    st.text(max_size=20),
    st.sampled_from(
        [
            "2023-05-01T10:00",
            "2023-13-45",
            "43.65",
            "-79.4",
            "NaN",
            "inf",
            "1e308",
            "=cmd()",
            "Assault",
            "",
            "  ",
            "9999-12-31T23:59",
            "\x00",
            "🚓",
        ]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@st.composite
def csv_files(draw):
    """A CSV (maybe gzipped) of random columns and cells, in a random encoding and delimiter."""
    columns = draw(
        st.lists(
            st.one_of(st.sampled_from(CANONICAL), st.text(min_size=1, max_size=12)),
            min_size=1,
            max_size=7,
        )
    )
    rows = draw(
        st.lists(st.lists(CELLS, min_size=len(columns), max_size=len(columns)), max_size=12)
    )
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    frame = pd.DataFrame(rows, columns=range(len(columns)))
    text = frame.to_csv(index=False, header=columns, sep=delimiter)
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    gzipped = draw(st.booleans())
    return ("feed.csv.gz", gzip.compress(data)) if gzipped else ("feed.csv", data)


def any_file():
    return st.one_of(
        csv_files(),
        st.tuples(st.sampled_from(NAMES), st.binary(max_size=2000)),
        st.tuples(st.just("feed.zip"), st.binary(max_size=200).map(_zipped)),
    )


def _zipped(payload: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("feed.shp", payload)
        zf.writestr("feed.shx", payload[:10])
        zf.writestr("feed.dbf", payload[10:])
    return out.getvalue()


@hypothesis.given(file=any_file())
@PURE
def test_reading_any_file_is_rows_or_a_file_format_error(tmp_path, file):
    name, data = file
    path = tmp_path / name
    path.write_bytes(data)
    mapping = load_mapping("canonical")
    try:
        fmt = detect_format(path, mapping.format)
        check_content(path, fmt, max_unpacked=MB)
        dialect = sniff_csv(path) if fmt == "csv" else None
        columns = file_columns(path, fmt, dialect)
        wanted = list(mapping.columns) if fmt == "csv" else columns[:3]
        for chunk in read_chunks(path, columns=wanted, fmt=fmt, chunk_rows=5, dialect=dialect):
            assert ROW in chunk.columns
    except FileFormatError as exc:
        assert str(exc).startswith(path.name)  # the refusal names the file


@hypothesis.given(text=st.text(max_size=300))
@PURE
def test_any_mapping_text_is_a_mapping_or_a_mapping_error(text):
    try:
        parse_mapping(parse_mapping_text(text))
    except MappingError as exc:
        assert str(exc)


@hypothesis.given(
    data=st.dictionaries(
        st.sampled_from(["fields", "timezone", "format", "srid", "codes", "kind", "encoding", "x"]),
        st.one_of(
            st.text(max_size=10),
            st.integers(),
            st.none(),
            st.lists(st.text(max_size=5), max_size=3),
            st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
        ),
    )
)
@PURE
def test_any_mapping_dict_is_a_mapping_or_a_mapping_error(data):
    try:
        parse_mapping(data)
    except MappingError as exc:
        assert str(exc)


@pytest.mark.slow
@hypothesis.given(
    rows=st.lists(st.fixed_dictionaries(dict.fromkeys(CANONICAL, CELLS)), max_size=20)
)
@PURE
def test_validation_keeps_or_rejects_every_row_with_a_reason(rows):
    mapping = load_mapping("canonical")
    chunk = pd.DataFrame(rows, columns=list(CANONICAL)).astype(object)
    chunk[ROW] = range(1, len(chunk) + 1)
    result = validate_chunk(chunk, mapping, RowContext(timezone="America/Toronto", code_lookup={}))
    assert len(result.valid) + len(result.rejected) == len(rows)
    assert all(reason for reason in result.rejected["reason"])
    kept = set(result.valid[ROW]) | set(result.rejected[ROW])
    assert kept == set(range(1, len(rows) + 1))


@pytest.mark.slow
@pytest.mark.django_db
@hypothesis.given(file=any_file(), strict=st.booleans())
@WITH_DATABASE
def test_an_import_succeeds_or_fails_cleanly_and_a_refusal_writes_nothing(
    agency, tmp_path, file, strict
):
    name, data = file
    path = tmp_path / name
    path.write_bytes(data)
    before = _incidents()
    source, mapping = services.resolve_source(name="fuzz", mapping_spec="canonical")
    run = services.import_incidents_file(path=path, source=source, mapping=mapping, strict=strict)
    assert run.status in (ImportRun.Status.SUCCEEDED, ImportRun.Status.FAILED)
    if run.status == ImportRun.Status.FAILED:
        assert run.message and _incidents() == before
    else:
        assert run.created + run.updated + run.unchanged + run.rejected <= run.total_rows
        assert not (strict and run.rejected)


def test_a_far_future_local_time_is_rejected_not_a_crash():
    """Found by the property above: 9999-12-31 in Toronto overflowed the UTC conversion."""
    chunk = pd.DataFrame(
        {
            "id": ["F-1", "F-2"],
            "occurred_at": ["9999-12-31T23:59", "2023-05-01T10:00"],
            "latitude": ["43.65"] * 2,
            "longitude": ["-79.4"] * 2,
            "category": ["X"] * 2,
        }
    )
    chunk[ROW] = [1, 2]
    result = validate_chunk(
        chunk, load_mapping("canonical"), RowContext(timezone="America/Toronto", code_lookup={})
    )
    assert list(result.valid["external_id"]) == ["F-2"]
    assert list(result.rejected["reason_code"]) == ["bad_time"]
    assert "not in 1900–2199" in result.rejected["reason"][0]


def _incidents() -> set:
    return set(Incident.objects.values_list("external_id", "occurred_from", "location"))


def test_the_strategies_make_files_an_import_accepts(tmp_path):
    """Positive control: a canonical CSV made the way the strategy makes them reads as rows."""
    path = tmp_path / "feed.csv"
    path.write_text(
        ",".join(CANONICAL) + "\nA-1,2023-05-01T10:00,43.65,-79.4,Assault\n", encoding="cp1252"
    )
    chunk = next(
        read_chunks(path, columns=list(CANONICAL), fmt="csv", chunk_rows=5, dialect=sniff_csv(path))
    )
    assert (chunk.loc[0, "id"], chunk.loc[0, "category"]) == ("A-1", "Assault")
