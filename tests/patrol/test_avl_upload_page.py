"""Issue 18: a CAD's AVL file uploaded on a page (analysts and administrators), imported as a job on
a real worker through patrol.avl_import (the service of `manage.py import_avl`), its progress on the
job page, and the refused rows listed with their reasons while the good rows are stored."""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forecasting.services import build_grid
from geo.models import GridCell
from jobs.models import JobRun
from patrol.job_kinds import AVL_IMPORT_KIND
from patrol.models import BoxExposure, Position, RejectedPosition, Unit

TORONTO = ZoneInfo("America/Toronto")
T0 = datetime(2026, 6, 1, 15, 0, tzinfo=TORONTO)  # an Evening shift
WORKER_WAIT_S = 60
PAGE = "patrol-avl-import"


def small_csv(box) -> bytes:
    y, x = box.center.y, box.center.x
    lines = ["time,vehicle_id,lat,lon,speed,accuracy"]
    lines += [
        f"{(T0 + timedelta(seconds=s)).isoformat()},V-31,{y},{x},30,5" for s in range(0, 300, 10)
    ]
    lines.append(f"{(T0 + timedelta(seconds=5)).isoformat()},9Z99,{y},{x},,")  # row 31: unknown
    lines.append(
        f"{(T0 + timedelta(seconds=7)).isoformat()},V-31,north,{x},,"
    )  # row 32: not a number
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.worker
def test_an_uploaded_file_keeps_its_good_rows_and_lists_the_bad_ones_with_reasons(
    celery_worker_thread, small_agency, analyst, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    build_grid()
    Unit.objects.create(call_sign="2A31", vehicle_id="V-31")
    box = GridCell.objects.filter(active=True, beat__isnull=False).order_by("pk").first()
    client.force_login(analyst)
    upload = SimpleUploadedFile("cad-avl.csv", small_csv(box), content_type="text/csv")
    response = client.post(reverse(PAGE), {"avl_file": upload, "measure": "1"})
    job = JobRun.objects.get(kind=AVL_IMPORT_KIND)
    assert response.status_code == 302 and response.url == reverse("job-page", args=[job.pk])

    deadline = time.monotonic() + WORKER_WAIT_S
    while not job.is_finished and time.monotonic() < deadline:
        time.sleep(0.2)
        job.refresh_from_db()
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    assert (job.result["rows"], job.result["stored"], job.result["rejected"]) == (32, 30, 2)
    assert Position.objects.count() == 30  # the good rows, placed in their box
    assert set(Position.objects.values_list("cell_id", flat=True)) == {box.pk}
    assert job.result["measured_shifts"] == 1 and BoxExposure.objects.get(cell=box).minutes > 4
    assert not any(tmp_path.rglob("cad-avl.csv"))  # the upload is deleted once read

    job_page = client.get(reverse("job-page", args=[job.pk])).content.decode()
    result_url = f"{reverse(PAGE)}?job={job.pk}"
    assert "Importing vehicle positions" in job_page and result_url in job_page
    page = client.get(result_url).content.decode()
    assert '<span id="avl-stored">30</span>' in page and '<span id="avl-rejected">2</span>' in page
    assert "Unknown unit &#x27;9Z99&#x27;: add it to the roster&#x27;s units first." in page
    assert "latitude is not a number: &#x27;north&#x27;." in page
    rows = RejectedPosition.objects.filter(job=job).order_by("row_number")
    assert [(r.row_number, r.field) for r in rows] == [(31, "unit"), (32, "latitude")]
    assert all(r.file_name == "cad-avl.csv" and r.received_by == analyst for r in rows)


@pytest.mark.django_db
def test_a_file_of_the_wrong_kind_is_refused_on_the_page_and_nothing_is_queued(
    small_agency, analyst, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(analyst)
    upload = SimpleUploadedFile("positions.xlsx", b"PK\x03\x04", content_type="application/zip")
    response = client.post(reverse(PAGE), {"avl_file": upload})
    assert response.status_code == 400
    assert "positions.xlsx: not a vehicle-location file" in response.content.decode()
    assert not JobRun.objects.filter(kind=AVL_IMPORT_KIND).exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))  # the refused file is not kept
    assert client.post(reverse(PAGE), {}).status_code == 400  # no file at all: said so


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["Officer", "Supervisor", "Auditor", "Feed"])
def test_only_analysts_and_administrators_may_upload_positions(
    role, role_user, analyst, client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(role_user(role))
    upload = SimpleUploadedFile("avl.csv", b"unit,at,lat,lon\n", content_type="text/csv")
    assert client.get(reverse(PAGE)).status_code == 403
    assert client.post(reverse(PAGE), {"avl_file": upload}).status_code == 403
    assert not JobRun.objects.filter(kind=AVL_IMPORT_KIND).exists()
    for allowed in (analyst, role_user("Administrator")):  # positive control: the same request
        client.force_login(allowed)
        assert client.get(reverse(PAGE)).status_code == 200
        upload = SimpleUploadedFile("avl.csv", b"unit,at,lat,lon\n", content_type="text/csv")
        assert client.post(reverse(PAGE), {"avl_file": upload}).status_code == 302
    assert JobRun.objects.filter(kind=AVL_IMPORT_KIND).count() == 2


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get(reverse(PAGE))
    assert response.status_code == 302 and "/accounts/login/" in response.url


@pytest.mark.parametrize("token", ["../../etc/passwd", "0" * 32 + "/../x.csv", "abc/avl.csv", ""])
def test_a_job_names_its_upload_only_inside_the_upload_folder(token, settings, tmp_path):
    from patrol.avl_import import AvlFileError, upload_path

    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(AvlFileError):
        upload_path(token)
    good = upload_path("0" * 32 + "/avl.csv")  # control: a stored upload's own name
    assert good == tmp_path / "patrol/avl-uploads" / ("0" * 32) / "avl.csv"


def test_uploads_no_job_read_are_purged_after_the_retention(settings, tmp_path):
    import os

    from patrol.avl_import import purge_stale_uploads

    settings.MEDIA_ROOT, settings.UPLOAD_RETENTION_DAYS = tmp_path, 7
    root = tmp_path / "patrol/avl-uploads"
    old, fresh = root / ("a" * 32), root / ("b" * 32)
    for folder in (old, fresh):
        folder.mkdir(parents=True)
        (folder / "avl.csv").write_text("unit,at\n")
    now = time.time()
    os.utime(old, (now - 8 * 86400, now - 8 * 86400))
    assert purge_stale_uploads(now=now) == 1
    assert not old.exists() and fresh.exists()  # control: a recent upload is kept
