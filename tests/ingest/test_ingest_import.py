"""File imports on PostGIS: idempotent, newer wins, strict, rejected rows, personal data, formats."""

import io
import json
import zipfile

import numpy as np
import pyogrio
import pyproj
import pytest
import shapely
from django.core.management import CommandError, call_command
from django.db import connection
from ingest_factories import CrimeTypeFactory, SourceFactory
from ingest_testdata import CANONICAL_HEADER, canonical_rows

from ingest import services
from ingest.mapping import load_mapping, parse_mapping
from ingest.models import ImportRun, Incident, RejectedRow, Source
from ingest.services import upsert
from jobs.models import JobRun
from jobs.services import close_stale_jobs

pytestmark = pytest.mark.django_db


def run_file(path, source_name="feed", mapping="canonical", strict=False):
    source, resolved = services.resolve_source(name=source_name, mapping_spec=mapping)
    return services.import_incidents_file(path=path, source=source, mapping=resolved, strict=strict)


def counts(run):
    return (run.created, run.updated, run.unchanged, run.rejected, run.unmapped)


def test_import_then_reimport_changes_nothing(agency, crime_types, write_csv):
    path = write_csv(
        "a.csv", CANONICAL_HEADER, canonical_rows(30) + canonical_rows(5, start=30, code="Arson")
    )
    first = run_file(path)
    assert first.status == ImportRun.Status.SUCCEEDED
    assert counts(first) == (35, 0, 0, 0, 5)
    stamps = dict(Incident.objects.values_list("external_id", "imported_at"))
    again = run_file(path)
    assert counts(again) == (0, 0, 35, 0, 5)
    assert dict(Incident.objects.values_list("external_id", "imported_at")) == stamps
    assert Incident.objects.count() == 35
    assert Incident.objects.filter(crime_type=crime_types["assault"]).count() == 30
    unmapped = Incident.objects.filter(crime_type__isnull=True)
    assert set(unmapped.values_list("raw_code", flat=True)) == {"Arson"}
    assert again.details["unmapped_codes"] == {"Arson": 5}


def test_codes_map_by_offense_code_name_and_explicit_code_map(agency, crime_types, write_csv):
    path = write_csv(
        "codes.csv",
        CANONICAL_HEADER,
        [
            ["1", "2023-01-01T00:00", "43.65", "-79.4", "ASLT-1"],  # an offense code of Assault
            ["2", "2023-01-01T00:00", "43.65", "-79.4", "robbery"],  # the code of Robbery
            ["3", "2023-01-01T00:00", "43.65", "-79.4", "Break and Enter"],  # a name
            [
                "4",
                "2023-01-01T00:00",
                "43.65",
                "-79.4",
                "B&E",
            ],  # only through the source's code map
        ],
    )
    source = SourceFactory(name="codes")
    mapping = parse_mapping({**_canonical_dict(), "codes": {"B&E": "break-and-enter"}})
    run = services.import_incidents_file(path=path, source=source, mapping=mapping)
    types = dict(Incident.objects.values_list("external_id", "crime_type__code"))
    assert types == {"1": "assault", "2": "robbery", "3": "break-and-enter", "4": "break-and-enter"}
    assert run.unmapped == 0


def test_newer_updated_at_wins_and_older_never_overwrites(agency, crime_types, write_csv):
    header = [
        "ID",
        "Date",
        "Latitude",
        "Longitude",
        "Primary Type",
        "Location Description",
        "Updated On",
    ]

    def version(premise, updated):
        return write_csv(
            f"v-{updated[:2]}{updated[3:5]}.csv",
            header,
            [["9", "05/01/2023 10:00:00 PM", "43.65", "-79.4", "ROBBERY", premise, updated]],
        )

    v1 = version("STREET", "05/02/2023 08:00:00 AM")
    v2 = version("ALLEY", "05/03/2023 08:00:00 AM")
    old = version("SIDEWALK", "05/01/2023 08:00:00 PM")
    assert counts(run_file(v1, mapping="socrata-crimes")) == (1, 0, 0, 0, 0)
    assert counts(run_file(v2, mapping="socrata-crimes"))[:3] == (0, 1, 0)
    stale = run_file(old, mapping="socrata-crimes")
    assert counts(stale)[:3] == (0, 0, 1)
    assert stale.details["not_newer"] == 1
    incident = Incident.objects.get()
    assert incident.premise_type == "ALLEY"
    assert incident.source_updated_at.isoformat() == "2023-05-03T13:00:00+00:00"  # CDT → UTC
    assert incident.occurred_from.isoformat() == "2023-05-02T03:00:00+00:00"
    assert run_file(v2, mapping="socrata-crimes").unchanged == 1


def test_without_updated_at_a_changed_row_is_updated_by_content(agency, write_csv):
    run_file(write_csv("a.csv", CANONICAL_HEADER, canonical_rows(3)))
    changed = canonical_rows(3)
    changed[1][2] = "43.700000"
    run = run_file(write_csv("b.csv", CANONICAL_HEADER, changed))
    assert counts(run)[:3] == (0, 1, 2)
    assert Incident.objects.get(external_id="C-1").location.y == pytest.approx(43.7)


def test_rejected_rows_are_kept_with_row_number_reason_and_values(boxed_agency, write_csv):
    rows = canonical_rows(4)
    rows[1][1] = "31/31/2023"
    rows[2][2] = ""
    rows[3][2], rows[3][3] = "45.5", "-73.6"
    run = run_file(write_csv("bad.csv", CANONICAL_HEADER, rows))
    assert run.status == ImportRun.Status.SUCCEEDED  # completed, with rejected rows
    assert counts(run)[:4] == (1, 0, 0, 3)
    rejected = list(RejectedRow.objects.filter(run=run).values_list("row_number", "reason_code"))
    assert rejected == [(2, "bad_time"), (3, "missing_coordinates"), (4, "outside_jurisdiction")]
    row = RejectedRow.objects.get(run=run, row_number=2)
    assert row.raw["occurred_at"] == "31/31/2023" and row.external_id == "C-1"
    assert run.details["rejected_by_reason"] == {
        "bad_time": 1,
        "missing_coordinates": 1,
        "outside_jurisdiction": 1,
    }


def test_strict_applies_all_rows_or_none(agency, write_csv):
    rows = canonical_rows(10)
    rows[7][1] = "nope"
    run = run_file(write_csv("strict.csv", CANONICAL_HEADER, rows), strict=True)
    assert run.status == ImportRun.Status.FAILED
    assert "nothing was applied" in run.message
    assert Incident.objects.count() == 0
    assert run.rejected == 1 and RejectedRow.objects.filter(run=run).count() == 1
    clean = run_file(write_csv("strict-ok.csv", CANONICAL_HEADER, canonical_rows(10)), strict=True)
    assert clean.status == ImportRun.Status.SUCCEEDED and Incident.objects.count() == 10


def test_personal_data_columns_are_never_stored(agency, write_csv, tmp_path):
    header = [
        "id",
        "occurred_at",
        "latitude",
        "longitude",
        "category",
        "suspect_name",
        "dob",
        "narrative",
        "phone",
        "home_address",
    ]
    secrets = [
        "Jane Q Public",
        "1970-02-03",
        "She said the car was blue",
        "416-555-0199",
        "12 Elm Street",
    ]
    rows = [
        ["P1", "2023-01-01T10:00", "43.65", "-79.4", "Assault", *secrets],
        ["P2", "garbage", "43.65", "-79.4", "Assault", *secrets],
    ]  # a rejected row too
    mapping_file = tmp_path / "greedy.yaml"
    mapping_file.write_text(
        json.dumps(
            {
                "fields": {
                    "external_id": "id",
                    "occurred_from": "occurred_at",
                    "latitude": "latitude",
                    "longitude": "longitude",
                    "raw_code": "category",
                    "call_type": "suspect_name",
                    "disposition": "narrative",
                    "priority": "phone",
                    "premise_type": "home_address",
                    "narrative": "narrative",
                    "date_of_birth": "dob",
                }
            }
        )
    )
    run = run_file(write_csv("pii.csv", header, rows), source_name="pii", mapping=str(mapping_file))
    assert (run.created, run.rejected) == (1, 1)
    assert any("suspect_name" in w for w in run.details["warnings"])
    dump = (
        _table_text("ingest_incident")
        + _table_text("ingest_rejectedrow")
        + _table_text("ingest_source")
        + _table_text("ingest_importrun")
    )
    for secret in secrets:
        assert secret not in dump
    incident = Incident.objects.get()
    assert (incident.call_type, incident.disposition, incident.priority, incident.premise_type) == (
        "",
        "",
        "",
        "",
    )


def test_duplicate_id_with_other_content_is_rejected_identical_applied_once(agency, write_csv):
    rows = (
        canonical_rows(3)
        + [canonical_rows(1)[0]]
        + [["C-1", "2023-01-09T00:00", "43.65", "-79.4", "Assault"]]
    )
    run = run_file(write_csv("dups.csv", CANONICAL_HEADER, rows))
    assert (run.created, run.rejected) == (3, 1)
    assert run.details["repeated_in_file"] == 1
    rejected = RejectedRow.objects.get(run=run)
    assert (rejected.row_number, rejected.reason_code) == (5, "duplicate_id")
    assert "first at row 2" in rejected.reason


def test_delimiter_and_encoding_are_detected(agency, write_csv):
    rows = [["É-1", "2023-01-01T10:00", "43.65", "-79.4", "Vol qualifié"]]
    path = write_csv("latin.csv", CANONICAL_HEADER, rows * 1, delimiter=";", encoding="cp1252")
    run = run_file(path)
    assert run.details["delimiter"] == ";"
    assert run.created == 1
    assert Incident.objects.get().raw_code == "Vol qualifié"


def test_geojson_and_zipped_shapefile_with_projection(agency, tmp_path):
    geojson = tmp_path / "calls.geojson"
    geojson.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [-79.4, 43.65]},
                        "properties": {
                            "id": "G1",
                            "occurred_at": "2023-01-01T10:00",
                            "category": "Assault",
                        },
                    }
                ],
            }
        )
    )
    assert run_file(geojson, source_name="gj").created == 1
    zipped = _shapefile_zip(tmp_path)  # Shapefile field names have at most 10 characters
    mapping = tmp_path / "shp.yaml"
    mapping.write_text("fields: {external_id: id, occurred_from: occurred, raw_code: category}\n")
    run = run_file(zipped, source_name="shp", mapping=str(mapping))
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    point = Incident.objects.get(source__name="shp", external_id="S1").location
    lon, lat = pyproj.Transformer.from_crs(32617, 4326, always_xy=True).transform(630000, 4833000)
    assert (point.x, point.y) == (pytest.approx(lon), pytest.approx(lat))


def test_memory_stage_gives_the_same_results_as_copy(agency, write_csv, monkeypatch):
    monkeypatch.setattr(upsert, "make_stage", upsert.MemoryStage)
    monkeypatch.setattr(services.imports, "make_stage", upsert.MemoryStage)
    path = write_csv("a.csv", CANONICAL_HEADER, canonical_rows(20))
    assert counts(run_file(path))[:3] == (20, 0, 0)
    assert counts(run_file(path))[:3] == (0, 0, 20)
    changed = canonical_rows(20)
    changed[0][4] = "Robbery"
    assert counts(run_file(write_csv("b.csv", CANONICAL_HEADER, changed)))[:3] == (0, 1, 19)


def test_command_prints_the_summary_and_records_job(agency, write_csv, capsys):
    rows = canonical_rows(5)
    rows[0][2] = "x"
    path = write_csv("cmd.csv", CANONICAL_HEADER, rows)
    out = io.StringIO()
    call_command("import_incidents", str(path), "--source", "cli-feed", stdout=out)
    text = out.getvalue()
    for line in ("created 4", "updated 0", "unchanged 0", "rejected 1", "unmapped 4"):
        assert line in text
    source = Source.objects.get(name="cli-feed")
    assert source.preset == "canonical"
    job = JobRun.objects.get(kind="import_incidents")
    assert job.status == JobRun.Status.SUCCEEDED and job.result["created"] == 4
    assert ImportRun.objects.get().job == job


def test_command_fails_with_nonzero_status_on_a_failed_run(agency, write_csv, tmp_path):
    with pytest.raises(CommandError, match="Import failed"):
        call_command(
            "import_incidents", str(tmp_path / "missing.csv"), "--source", "f", stdout=io.StringIO()
        )
    rows = canonical_rows(3)
    rows[1][1] = ""
    with pytest.raises(CommandError, match="Strict"):
        call_command(
            "import_incidents",
            str(write_csv("s.csv", CANONICAL_HEADER, rows)),
            "--source",
            "f",
            "--strict",
            stdout=io.StringIO(),
        )
    assert Incident.objects.count() == 0
    assert set(JobRun.objects.values_list("status", flat=True)) == {JobRun.Status.FAILED}
    with pytest.raises(CommandError, match="neither a preset"):
        call_command("import_incidents", "x.csv", "--source", "f", "--mapping", "nope")


def test_a_later_mapping_fixes_unmapped_codes(agency, write_csv):
    run = run_file(write_csv("a.csv", CANONICAL_HEADER, canonical_rows(4, code="Mischief")))
    assert run.unmapped == 4
    CrimeTypeFactory(code="mischief", name="Mischief")
    assert services.apply_code_mapping(source=Source.objects.get(name="feed")) == 4
    assert not Incident.objects.filter(crime_type__isnull=True).exists()


def test_watched_folder_files_are_imported_once(agency, write_csv, tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    source, mapping = services.resolve_source(name="watched", mapping_spec="canonical")
    services.save_source(source=source, name="watched", mapping=mapping, watch_folder=str(folder))
    write_csv("drop/one.csv", CANONICAL_HEADER, canonical_rows(3))
    (folder / "notes.docx").write_text("not a feed")
    runs = services.scan_watched_folders()
    assert [r.created for r in runs] == [3]
    assert (folder / "imported" / "one.csv").exists() and not (folder / "one.csv").exists()
    assert services.scan_watched_folders() == []
    assert ImportRun.objects.get().via == ImportRun.Via.FOLDER


def test_a_run_whose_process_died_is_closed_as_failed_by_the_job_system(agency):
    source = SourceFactory()
    job = JobRun.objects.create(
        kind="import_incidents", status=JobRun.Status.RUNNING, worker="elsewhere:1"
    )
    run = ImportRun.objects.create(source=source, job=job)
    assert close_stale_jobs() == 1  # nobody holds the job's lock
    run.refresh_from_db()
    assert run.job.status == JobRun.Status.FAILED and "killed or crashed" in run.job.message


def test_every_import_has_its_job(agency, write_csv, tmp_path):
    """Command line, API, watched folder: each run is linked to a JobRun that says how it ended."""
    path = write_csv("cli.csv", CANONICAL_HEADER, canonical_rows(2))
    call_command("import_incidents", str(path), "--source", "cli", stdout=io.StringIO())
    source, _ = services.resolve_source(name="api", mapping_spec="canonical")
    services.push_incidents(
        source=source,
        idempotency_key="k-1",
        records=[
            {
                "external_id": "A-1",
                "occurred_from": "2024-05-01T22:15:00-04:00",
                "latitude": 43.65,
                "longitude": -79.38,
                "code": "Assault",
            }
        ],
    )
    folder = tmp_path / "drop"
    folder.mkdir()
    watched, mapping = services.resolve_source(name="watched", mapping_spec="canonical")
    services.save_source(source=watched, name="watched", mapping=mapping, watch_folder=str(folder))
    write_csv("drop/one.csv", CANONICAL_HEADER, canonical_rows(3))
    services.scan_watched_folders()

    runs = ImportRun.objects.select_related("job").order_by("pk")
    assert [r.via for r in runs] == ["command", "api", "folder"]
    assert [(r.job.kind, r.job.status) for r in runs] == [("import_incidents", "succeeded")] * 3
    assert [r.job.result["created"] for r in runs] == [2, 1, 3]
    assert JobRun.objects.count() == 3


def _canonical_dict():
    mapping = load_mapping("canonical")
    return {"fields": dict(mapping.fields)}


def _table_text(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t::text FROM {table} t")  # noqa: S608 - fixed table names
        return "\n".join(row[0] for row in cursor.fetchall())


def _shapefile_zip(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    point = shapely.Point(630000, 4833000)  # UTM 17N, in Toronto
    pyogrio.raw.write(
        str(folder / "calls.shp"),
        geometry=np.array([shapely.to_wkb(point)], dtype=object),
        field_data=[
            np.array(["S1"], dtype=object),
            np.array(["2023-01-01T10:00"], dtype=object),
            np.array(["Robbery"], dtype=object),
        ],
        fields=["id", "occurred", "category"],
        geometry_type="Point",
        crs="EPSG:32617",
        driver="ESRI Shapefile",
    )
    zipped = tmp_path / "calls.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for part in folder.iterdir():
            zf.write(part, part.name)
    return zipped
