"""Limits on uploaded files (issue 10): size, what a .gz or .zip unpacks to, and content sniffing.
Each refusal has its positive control: a file just under the limit, or of the right kind, passes."""

import gzip
import json
import re
import zipfile

import pytest
from django.urls import reverse
from ingest_factories import SourceFactory
from ingest_testdata import CANONICAL_HEADER, canonical_rows
from knox.models import AuthToken
from rest_framework.test import APIClient

from ingest import services
from ingest.models import ImportRun, Incident
from ingest.readers import FileFormatError, file_columns
from ingest.sniffing import FileTooLarge, check_content

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
MB = 1_000_000


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run_file(path, strict=False):
    source, mapping = services.resolve_source(name="feed", mapping_spec="canonical")
    return services.import_incidents_file(path=path, source=source, mapping=mapping, strict=strict)


def gzip_bomb(path, unpacked_bytes):
    """A valid canonical CSV whose last column is padded so that it unpacks to `unpacked_bytes`."""
    header = (",".join(CANONICAL_HEADER) + "\n").encode()
    row = b"B-1,2023-05-01T10:00,43.65,-79.4,"
    padding = unpacked_bytes - len(header) - len(row) - 1
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(header + row)
        block = b"A" * MB
        for _ in range(padding // MB):
            fh.write(block)
        fh.write(b"A" * (padding % MB) + b"\n")
    return path


def test_a_small_gzip_that_unpacks_to_50_mb_is_refused_and_nothing_written(
    agency, settings, tmp_path
):
    settings.UPLOAD_MAX_UNPACKED_BYTES = 20 * MB
    bomb = gzip_bomb(tmp_path / "bomb.csv.gz", 50 * MB)
    assert bomb.stat().st_size < 100_000  # the 77 KB file
    run = run_file(bomb)
    assert run.status == ImportRun.Status.FAILED
    assert "bomb.csv.gz: unpacks to more than 20.0 MB" in run.message
    assert "UPLOAD_MAX_UNPACKED_BYTES" in run.message
    assert Incident.objects.count() == 0


def test_a_gzip_just_under_the_unpacked_limit_is_imported(agency, settings, tmp_path):
    path = gzip_bomb(tmp_path / "ok.csv.gz", 2 * MB)
    settings.UPLOAD_MAX_UNPACKED_BYTES = 2 * MB
    run = run_file(path)
    assert run.status == ImportRun.Status.SUCCEEDED, run.message
    assert Incident.objects.count() == 1
    with pytest.raises(FileTooLarge):  # one byte less and the same file is refused
        check_content(path, "csv", max_unpacked=2 * MB - 1)


def test_a_png_renamed_csv_is_refused_saying_what_it_is(agency, tmp_path, write_csv):
    fake = tmp_path / "incidents.csv"
    fake.write_bytes(PNG + bytes(range(256)) * 10)
    run = run_file(fake)
    assert run.status == ImportRun.Status.FAILED
    assert "incidents.csv: this is a PNG image, not a CSV file." in run.message
    real = run_file(write_csv("incidents2.csv", CANONICAL_HEADER, canonical_rows(2)))
    assert real.status == ImportRun.Status.SUCCEEDED and real.created == 2


def test_binary_bytes_and_a_wrong_declared_encoding_are_refused(agency, tmp_path):
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"id,occurred_at\x00\x01\x02\x03" * 100)
    with _refused("is a NUL"):
        check_content(binary, "csv", max_unpacked=MB)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,category\n1,Agression armée à Montréal\n".encode("cp1252"))
    with _refused("not utf-8 text (byte"):
        check_content(latin, "csv", max_unpacked=MB, encoding="utf-8")
    check_content(latin, "csv", max_unpacked=MB, encoding="cp1252")  # the right encoding passes
    check_content(latin, "csv", max_unpacked=MB)  # and so does a detected one


def test_geojson_must_be_a_json_object_with_features(agency, tmp_path):
    not_json = tmp_path / "calls.geojson"
    not_json.write_text("id,occurred_at\n1,2023-01-01\n")
    run = run_file(not_json)
    assert run.status == ImportRun.Status.FAILED
    assert "calls.geojson: not GeoJSON" in run.message
    other_json = tmp_path / "config.json"
    other_json.write_text(json.dumps({"name": "not a map", "values": [1, 2, 3]}))
    with _refused('no "FeatureCollection" or "features"'):
        check_content(other_json, "geojson", max_unpacked=MB)
    good = tmp_path / "good.geojson"
    good.write_text(
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
    assert run_file(good).created == 1


def test_a_zip_must_hold_a_shapefile_and_not_unpack_past_the_limit(agency, settings, tmp_path):
    no_shapefile = tmp_path / "photos.zip"
    with zipfile.ZipFile(no_shapefile, "w") as zf:
        zf.writestr("photo.png", PNG)
        zf.writestr("calls.shp", b"x")  # without its .shx and .dbf
    run = run_file(no_shapefile)
    assert run.status == ImportRun.Status.FAILED
    assert "photos.zip: the zip holds no Shapefile (a .shp with its .shx and .dbf)" in run.message
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for part in ("calls.shp", "calls.shx", "calls.dbf"):
            zf.writestr(part, b"\x00" * (3 * MB))
    with _refused("bomb.zip: unpacks to more than 5.0 MB"):
        check_content(bomb, "shapefile", max_unpacked=5 * MB)
    check_content(bomb, "shapefile", max_unpacked=9 * MB)  # exactly at the limit: the check passes


def test_a_png_named_zip_is_not_a_shapefile(tmp_path):
    fake = tmp_path / "calls.zip"
    fake.write_bytes(PNG)
    with _refused("calls.zip: this is a PNG image; a Shapefile must be uploaded as a .zip"):
        check_content(fake, "shapefile", max_unpacked=MB)


def _upload(client, path, **extra):
    with open(path, "rb") as fh:
        return client.post(
            reverse("ingest-upload"),
            {
                "file": fh,
                "new_source": "upload-feed",
                "preset": "canonical",
                "mapping_text": "",
                "preview": "1",
                **extra,
            },
        )


def test_the_upload_page_refuses_a_file_past_the_size_limit(
    client, analyst, agency, settings, write_csv
):
    client.force_login(analyst)
    path = write_csv("feed.csv", CANONICAL_HEADER, canonical_rows(20))
    size = path.stat().st_size
    settings.UPLOAD_MAX_BYTES = size - 1
    refused = _upload(client, path)
    assert refused.status_code == 200
    message = f"feed.csv is larger than {(size - 1) / MB:,.1f} MB; files of at most"
    assert message in refused.content.decode()
    assert refused.context["preview"] is None
    settings.UPLOAD_MAX_BYTES = size  # just at the limit: previewed
    accepted = _upload(client, path)
    assert accepted.context["preview"] is not None
    assert accepted.context["preview"]["rows"][0]["external_id"] == "C-0"


@pytest.mark.parametrize(
    "file_bytes", [5 * MB, int(1.6 * MB)], ids=["declared-length-past-limit", "counted-past-limit"]
)
def test_an_upload_past_the_limit_stops_being_received_at_the_limit(
    client, analyst, agency, settings, tmp_path, file_bytes
):
    # The probe: a 2 GB multipart upload was written to disk in full before the 200 MB refusal.
    # Here at 1 MB: files past 100 kB go to a temporary file on disk as they arrive.
    client.force_login(analyst)
    settings.UPLOAD_MAX_BYTES = MB
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100_000
    settings.FILE_UPLOAD_TEMP_DIR = spool = tmp_path / "spool"
    spool.mkdir()
    big = tmp_path / "feed.csv"
    big.write_bytes((",".join(CANONICAL_HEADER) + "\n").encode() + b"9" * file_bytes)
    refused = _upload(client, big)
    stream = refused.wsgi_request._stream
    received = stream._pos
    assert received < MB + 200_000 < stream.limit  # stopped at the limit, the rest never read
    assert "feed.csv is larger than 1.0 MB" in refused.content.decode()
    assert refused.context["preview"] is None and not any(spool.iterdir())
    uploads = settings.MEDIA_ROOT / services.uploads.UPLOAD_DIR
    assert not uploads.exists() or not any(uploads.iterdir())


def test_an_upload_under_the_limit_is_received_whole_and_previewed(
    client, analyst, agency, settings, write_csv
):
    client.force_login(analyst)
    path = write_csv("feed.csv", CANONICAL_HEADER, canonical_rows(20))
    settings.UPLOAD_MAX_BYTES = path.stat().st_size
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # through a temporary file, as a large one goes
    accepted = _upload(client, path)
    stream = accepted.wsgi_request._stream
    assert stream._pos == stream.limit
    assert accepted.context["preview"]["rows"][0]["external_id"] == "C-0"


def test_the_upload_page_refuses_a_png_and_deletes_it(client, analyst, agency, tmp_path, settings):
    client.force_login(analyst)
    fake = tmp_path / "photo.csv"
    fake.write_bytes(PNG)
    page = _upload(client, fake)
    assert "photo.csv: this is a PNG image, not a CSV file." in page.content.decode()
    assert page.context["preview"] is None
    uploads = settings.MEDIA_ROOT / services.uploads.UPLOAD_DIR
    assert not uploads.exists() or not any(uploads.iterdir())


def test_the_api_refuses_a_body_past_the_size_limit(analyst, agency, crime_types, settings):
    SourceFactory(name="cad-live", kind="cad", timezone="America/Toronto")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=analyst)[1]}")
    body = {
        "source": "cad-live",
        "incidents": [
            {
                "external_id": f"CAD-{i}",
                "occurred_from": "2024-03-10T12:30:00",
                "latitude": 43.65,
                "longitude": -79.4,
                "code": "X",
            }
            for i in range(20)
        ],
    }
    size = len(json.dumps(body).encode())
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = size - 1  # REQUEST_BODY_MAX_BYTES
    refused = client.post(
        "/api/v1/incidents/",
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="big",
    )
    assert refused.status_code == 413
    assert "at most" in refused.json()["detail"] and "split it" in refused.json()["detail"]
    assert Incident.objects.count() == 0
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = size
    accepted = client.post(
        "/api/v1/incidents/",
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="big",
    )
    assert accepted.status_code == 201, accepted.content
    assert Incident.objects.count() == 20


def _refused(text):
    return pytest.raises(FileFormatError, match=re.escape(text))


def test_import_errors_name_the_file_never_the_server_path(agency, settings):
    # Issue 21, finding 6: the job page showed `…/var/media/ingest/uploads/…` (here: the upload's
    # file is gone when its import runs; Python's error carries the full path).
    missing = settings.MEDIA_ROOT / services.uploads.UPLOAD_DIR / "token" / "calls.csv"
    run = run_file(missing)
    shown = [run.job.error, run.job.message]
    assert all("calls.csv" in text for text in shown)  # control: the file is still named
    assert not any(str(settings.MEDIA_ROOT) in text or "/token/" in text for text in shown)


def test_gdal_errors_name_the_file_never_the_server_path(tmp_path):
    not_spatial = tmp_path / "uploads" / "token" / "calls.txt"
    not_spatial.parent.mkdir(parents=True)
    not_spatial.write_text("hello\n")
    with pytest.raises(FileFormatError) as refused:
        file_columns(not_spatial, "geojson")
    message = str(refused.value)
    assert "calls.txt" in message and "not recognized" in message
    assert str(tmp_path) not in message and "/token/" not in message
