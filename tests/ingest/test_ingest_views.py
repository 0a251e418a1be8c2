"""Pages: feeds index, upload with mapping preview, run progress and result, rejected CSV, quality."""

import csv
import io
import re

import pytest
from django.urls import reverse
from ingest_testdata import CANONICAL_HEADER, canonical_rows

from ingest import services, tasks
from ingest.models import ImportRun, Incident, Source
from jobs.models import JobRun

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def test_analyst_sees_the_pages(analyst_client, agency):
    assert analyst_client.get(reverse("ingest-index")).status_code == 200
    page = analyst_client.get(reverse("ingest-upload"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="ingest-presets"' in html and "toronto-mci" in html and "js/ingest.js" in html


@pytest.fixture
def run_tasks_inline(monkeypatch):
    """Queued tasks run at once, in this process (no worker in these tests)."""
    monkeypatch.setattr(
        tasks.import_incidents_job, "delay", lambda job_id: tasks.import_incidents_job(job_id)
    )


def test_pages_need_the_ingest_permissions(client, officer, agency):
    client.force_login(officer)
    for name in ("ingest-index", "ingest-upload"):
        assert client.get(reverse(name)).status_code == 403
    client.logout()
    assert client.get(reverse("ingest-index")).status_code == 302  # to the login page


def test_preview_shows_the_first_rows_mapped_and_their_problems(
    analyst_client, agency, crime_types, write_csv
):
    rows = canonical_rows(3)
    rows[1][1] = "someday"
    path = write_csv(
        "feed.csv", CANONICAL_HEADER + ["suspect_name"], [r + ["Jane Q Public"] for r in rows]
    )
    with open(path, "rb") as fh:
        response = analyst_client.post(
            reverse("ingest-upload"),
            {
                "file": fh,
                "new_source": "upload-feed",
                "preset": "canonical",
                "mapping_text": "",
                "preview": "1",
            },
        )
    assert response.status_code == 200
    preview = response.context["preview"]
    assert [r["row"] for r in preview["rows"]] == [1, 2, 3]
    assert preview["rows"][0]["crime_type"] == "Assault"
    assert "Unparseable time" in preview["rows"][1]["reason"]
    assert preview["unread_columns"] == ["suspect_name"]
    html = response.content.decode()
    assert "Jane Q Public" not in html
    assert response.context["form"]["upload_token"].value()
    assert not Source.objects.filter(name="upload-feed").exists()  # a preview writes nothing


def test_upload_starts_a_job_and_the_run_page_shows_result_and_rejected_rows(
    analyst_client,
    agency,
    crime_types,
    write_csv,
    run_tasks_inline,
    django_capture_on_commit_callbacks,
):
    rows = canonical_rows(6)
    rows[4][2] = ""
    path = write_csv("feed.csv", CANONICAL_HEADER, rows)
    with open(path, "rb") as fh:
        token_response = analyst_client.post(
            reverse("ingest-upload"),
            {
                "file": fh,
                "new_source": "upload-feed",
                "preset": "toronto-mci",
                "preview": "1",
                "mapping_text": "fields: {external_id: id, occurred_from: occurred_at, latitude: latitude,"
                " longitude: longitude, raw_code: category}\ntimezone: America/Toronto\n",
            },
        )
    token = token_response.context["form"]["upload_token"].value()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = analyst_client.post(
            reverse("ingest-upload"),
            {
                "upload_token": token,
                "new_source": "upload-feed",
                "start": "1",
                "mapping_text": token_response.context["form"]["mapping_text"].value(),
            },
        )
    assert len(queued) == 1
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("ingest-run", args=[run.pk])
    assert run.via == ImportRun.Via.UPLOAD and run.job.kind == "import_incidents"
    run.refresh_from_db()
    assert run.status == ImportRun.Status.SUCCEEDED and (run.created, run.rejected) == (5, 1)
    assert JobRun.objects.get().status == JobRun.Status.SUCCEEDED
    assert Source.objects.get(name="upload-feed").timezone == "America/Toronto"

    page = analyst_client.get(reverse("ingest-run", args=[run.pk]))
    html = page.content.decode()
    assert "The coordinates are missing." in html and "data-job-api" not in html
    download = analyst_client.get(reverse("ingest-rejected-csv", args=[run.pk]))
    lines = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    # One id column: the file's own (issue 23), after row, reason code and reason.
    assert lines[0][:3] == ["row", "reason_code", "reason"] and lines[0].count("id") == 1
    assert lines[1][:2] == ["5", "missing_coordinates"]
    assert lines[1][lines[0].index("id")] == "C-4"
    assert len(lines) == 2


def test_a_running_run_page_polls_its_job(analyst_client, agency, tmp_path):
    source = Source.objects.create(name="s")
    job = JobRun.objects.create(kind="import_incidents", status=JobRun.Status.QUEUED)
    run = ImportRun.objects.create(source=source, job=job, file_name="x.csv")
    html = analyst_client.get(reverse("ingest-run", args=[run.pk])).content.decode()
    assert f'data-job-api="/api/v1/jobs/{job.pk}/"' in html and "<progress" in html


def test_quality_page_shows_heaping_unmapped_and_a_monthly_chart(
    analyst_client, agency, crime_types, write_csv, django_assert_max_num_queries
):
    rows = [
        [
            f"Q{i}",
            f"2023-{1 + i % 3:02d}-0{1 + i % 5}T{'00' if i < 4 else '15'}:{'00' if i < 6 else '30'}",
            "43.65",
            "-79.4",
            "Assault" if i < 8 else "Arson",
        ]
        for i in range(9)
    ]
    rows.append(["Q9"] + rows[8][1:])  # same time, place and code as Q8: a repeat
    source, mapping = services.resolve_source(name="q", mapping_spec="canonical")
    services.import_incidents_file(
        path=write_csv("q.csv", CANONICAL_HEADER, rows), source=source, mapping=mapping
    )
    with django_assert_max_num_queries(16):
        response = analyst_client.get(reverse("ingest-quality", args=[source.pk]))
    q = response.context["q"]
    assert q["total"] == 10
    assert q["heaped_midnight"] == 40.0  # 4 of 10 at exactly 00:00 local
    assert q["unmapped"] == 20.0
    assert len(q["chart"]["bars"]) == 3
    assert (
        response.content.decode().count("<rect x=") == 3
    )  # the monthly chart (swatches and bars are SVG too)
    # A y-axis: ticks from 0 to at least the peak month, each labelled, the top one at the chart's top.
    ticks = [t["label"] for t in q["chart"]["y_axis"]]
    peak = max(b["count"] for b in q["chart"]["bars"])
    assert 3 <= len(ticks) <= 5 and ticks[0] == 0 and ticks[-2] < peak <= ticks[-1]
    assert (
        q["chart"]["y_axis"][0]["y"] == q["chart"]["height"] and q["chart"]["y_axis"][-1]["y"] == 0
    )
    axis = response.content.decode().split('<g class="chart-axis">')[1].split("</g>")[0]
    assert [int(t) for t in re.findall(r'dominant-baseline="middle">(\d+)</text>', axis)] == ticks
    assert {t["name"]: t["count"] for t in q["by_type"]} == {"Assault": 8, "Unmapped": 2}
    assert q["exact_repeats"] == 1


def test_index_lists_sources_and_closes_dead_runs(analyst_client, agency):
    source = Source.objects.create(name="listed")
    job = JobRun.objects.create(
        kind="import_incidents", status=JobRun.Status.RUNNING, worker="gone:1"
    )
    dead = ImportRun.objects.create(source=source, job=job)
    response = analyst_client.get(reverse("ingest-index"))
    assert response.status_code == 200
    assert "listed" in response.content.decode()
    dead.refresh_from_db()
    assert dead.job.status == JobRun.Status.FAILED
    assert Incident.objects.count() == 0


@pytest.mark.parametrize("peak", [0, 1, 3, 4, 5, 9, 10, 11, 41, 99, 101, 999, 12345])
def test_the_y_axis_has_three_to_five_round_ticks_up_to_the_peak(peak):
    from ingest.selectors import axis_ticks

    ticks = axis_ticks(peak)
    step = ticks[1]
    assert 3 <= len(ticks) <= 5 and ticks[0] == 0 and ticks[-1] >= peak
    assert ticks == list(range(0, ticks[-1] + 1, step)) and str(step).strip("0") in {"1", "2", "5"}
    assert len(ticks) == 3 or ticks[-2] < peak  # no tick beyond the one that covers the peak
