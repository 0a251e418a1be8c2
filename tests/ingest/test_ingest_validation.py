"""Row validation without a database: times and DST, coordinates, reasons, duplicates."""

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from ingest.mapping import load_mapping, parse_mapping
from ingest.readers import ROW
from ingest.validation import DuplicateTracker, RowContext, parse_times, validate_chunk

TZ = "America/Toronto"


def frame(rows, columns):
    df = pd.DataFrame(rows, columns=columns, dtype=str)
    df[ROW] = np.arange(1, len(df) + 1)
    return df


def test_local_times_are_stored_in_utc_and_dst_edges_do_not_crash():
    text = pd.Series(
        [
            "2021-03-14T02:30",  # spring-forward gap → first instant after it (03:00 EDT)
            "2021-11-07T01:30",  # autumn overlap → the first occurrence (EDT, UTC-4)
            "2021-01-15 12:00",  # winter, EST
            "2021-06-01T12:00:00Z",  # explicit UTC
            "2021-06-01T12:00:00+02:00",  # explicit offset
            "not a time",
            "",
        ]
    )
    parsed = parse_times(text, TZ)
    expected = [
        "2021-03-14 07:00",
        "2021-11-07 05:30",
        "2021-01-15 17:00",
        "2021-06-01 12:00",
        "2021-06-01 10:00",
    ]
    assert [t.strftime("%Y-%m-%d %H:%M") for t in parsed[:5]] == expected
    assert str(parsed.dt.tz) == "UTC"
    assert parsed[5:].isna().all()


def test_a_time_format_reads_us_style_times():
    parsed = parse_times(
        pd.Series(["07/04/2023 09:15:00 PM"]), "America/Chicago", "%m/%d/%Y %I:%M:%S %p"
    )
    assert parsed[0] == pd.Timestamp("2023-07-05 02:15", tz="UTC")


def test_each_bad_row_gets_its_reason_and_good_rows_pass():
    mapping = load_mapping("canonical")
    ctx = RowContext(
        timezone=TZ, code_lookup={"assault": 7}, boundary=box(-79.5, 43.6, -79.3, 43.75)
    )
    chunk = frame(
        [
            ["A", "2023-01-01T10:00", "43.65", "-79.4", "Assault"],
            ["", "2023-01-01T10:00", "43.65", "-79.4", "Assault"],
            ["B", "", "43.65", "-79.4", "Assault"],
            ["C", "yesterday", "43.65", "-79.4", "Assault"],
            ["D", "2023-01-01T10:00", "", "-79.4", "Assault"],
            ["E", "2023-01-01T10:00", "north", "-79.4", "Assault"],
            ["F", "2023-01-01T10:00", "0", "0", "Assault"],
            ["G", "2023-01-01T10:00", "45.5", "-73.6", "Assault"],  # Montréal
            ["H", "2023-01-01T10:00", "43.65", "-79.4", "Arson"],
        ],
        ["id", "occurred_at", "latitude", "longitude", "category"],
    )
    result = validate_chunk(chunk, mapping, ctx)
    reasons = dict(zip(result.rejected[ROW], result.rejected["reason_code"], strict=True))
    assert reasons == {
        2: "missing_id",
        3: "missing_time",
        4: "bad_time",
        5: "missing_coordinates",
        6: "bad_coordinates",
        7: "missing_coordinates",
        8: "outside_jurisdiction",
    }
    assert "yesterday" in result.rejected.set_index(ROW).loc[4, "reason"]
    assert result.rejected.set_index(ROW).loc[4, "raw"]["occurred_at"] == "yesterday"
    assert list(result.valid["external_id"]) == ["A", "H"]
    assert result.valid["crime_type_id"].tolist()[0] == 7
    assert pd.isna(result.valid["crime_type_id"].tolist()[1])  # unknown code: kept, unmapped
    assert result.valid["raw_code"].tolist() == ["Assault", "Arson"]


def test_projected_xy_are_converted_to_lonlat():
    mapping = parse_mapping(
        {"fields": {"external_id": "id", "occurred_from": "t", "x": "x", "y": "y"}, "srid": 32617}
    )
    ctx = RowContext(timezone=TZ, code_lookup={})
    # 630000 E, 4833000 N in UTM 17N is in Toronto.
    result = validate_chunk(
        frame([["1", "2023-01-01T00:00", "630000", "4833000"]], ["id", "t", "x", "y"]), mapping, ctx
    )
    lon, lat = result.valid.loc[0, ["longitude", "latitude"]]
    assert -79.5 < lon < -79.3 and 43.6 < lat < 43.7


def test_content_hash_is_stable_and_ignores_nothing_stored():
    mapping = load_mapping("canonical")
    ctx = RowContext(timezone=TZ, code_lookup={})
    rows = [["A", "2023-01-01T10:00", "43.65", "-79.4", "Assault"]]
    cols = ["id", "occurred_at", "latitude", "longitude", "category"]
    one = validate_chunk(frame(rows, cols), mapping, ctx).valid["content_hash"][0]
    again = validate_chunk(frame(rows, cols), mapping, ctx).valid["content_hash"][0]
    moved = validate_chunk(
        frame([["A", "2023-01-01T10:00", "43.65", "-79.41", "Assault"]], cols), mapping, ctx
    ).valid["content_hash"][0]
    assert one == again != moved
    assert len(one) == 16


def test_duplicate_ids_in_a_file_identical_once_different_rejected():
    mapping = load_mapping("canonical")
    ctx = RowContext(timezone=TZ, code_lookup={})
    cols = ["id", "occurred_at", "latitude", "longitude", "category"]
    tracker = DuplicateTracker()
    first = validate_chunk(
        frame(
            [
                ["A", "2023-01-01T10:00", "43.65", "-79.4", "Assault"],
                ["A", "2023-01-01T10:00", "43.65", "-79.4", "Assault"],
            ],
            cols,
        ),
        mapping,
        ctx,
    )
    kept, rejected = tracker.split(first.valid)
    assert list(kept["external_id"]) == ["A"] and rejected.empty and tracker.repeats == 1
    later = frame(
        [
            ["A", "2023-01-02T10:00", "43.65", "-79.4", "Assault"],
            ["B", "2023-01-02T10:00", "43.65", "-79.4", "Assault"],
        ],
        cols,
    )
    later[ROW] = [7, 8]
    kept, rejected = tracker.split(validate_chunk(later, mapping, ctx).valid)
    assert list(kept["external_id"]) == ["B"]
    assert rejected["reason_code"].tolist() == ["duplicate_id"]
    assert "first at row 1" in rejected["reason"][0]


def test_boundary_edges_count_as_inside():
    ctx = RowContext(timezone=TZ, code_lookup={}, boundary=box(0.5, 0.5, 1, 1))
    shapely.prepare(ctx.boundary)
    mapping = load_mapping("canonical")
    result = validate_chunk(
        frame(
            [["A", "2023-01-01", "1", "1", "x"], ["B", "2023-01-01", "0.75", "1.5", "x"]],
            ["id", "occurred_at", "latitude", "longitude", "category"],
        ),
        mapping,
        ctx,
    )
    assert list(result.valid["external_id"]) == ["A"]
