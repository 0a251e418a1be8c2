"""Real Chromium: an import's page follows its job with the one job poller (static/js/job.js) and,
when the job ends, reloads to show the import's outcome."""

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_import_run_page_follows_its_job_then_shows_the_counts(
    small_agency, analyst, login, live_server, tmp_path
):
    from ingest import services
    from ingest.models import ImportRun
    from jobs.services import run_job

    path = tmp_path / "feed.csv"
    path.write_text(
        "id,occurred_at,latitude,longitude,category\n"
        "B-1,2023-05-01T10:00,43.65,-79.40,Assault\n"
        "B-2,not a time,43.65,-79.40,Assault\n"
    )
    source, _ = services.resolve_source(name="feed", mapping_spec="canonical")
    run = services.start_run(
        source=source, via=ImportRun.Via.UPLOAD, file_name=path.name, file_path=str(path)
    )
    page = login("analyst")
    page.goto(f"{live_server.url}{reverse('ingest-run', args=[run.pk])}")
    assert page.inner_text("#job-status") == "Queued"
    assert page.query_selector(".figures") is None

    run_job(str(run.job_id), lambda job, progress: services.run_import(run=run, progress=progress))
    page.wait_for_selector(".figures", timeout=10_000)  # the poller saw the job end and reloaded
    figures = page.inner_text(".figures")
    assert "1\ncreated" in figures and "1\nrejected" in figures
    assert page.query_selector("[data-job-api]") is None
    assert page.js_errors == []
