"""With DEBUG off (as in production), 403, 404, 500 and a refused CSRF token answer with the site's
own page and a way home, never the exception, a traceback or a server path."""

import pytest
from django.conf import settings
from django.test import Client

from tests.frontend.error_urls import SECRET_DETAIL

pytestmark = pytest.mark.django_db

LEAKS = ("Traceback", "RuntimeError", SECRET_DETAIL, str(settings.BASE_DIR), "site-packages")


def assert_site_page(response, status: int, heading: str) -> None:
    body = response.content.decode()
    assert response.status_code == status
    assert heading in body and 'class="topbar"' in body and 'href="/"' in body
    assert [leak for leak in LEAKS if leak in body] == []


def test_debug_is_off_in_these_tests():
    assert settings.DEBUG is False


@pytest.mark.urls("tests.frontend.error_urls")
def test_a_failing_view_shows_the_500_page_without_details(client, analyst):
    client.raise_request_exception = False
    client.force_login(analyst)
    assert_site_page(client.get("/test-only/fail/"), 500, "Something went wrong on our side")
    # Control: the view really fails with those details, which a debug page would show.
    with pytest.raises(RuntimeError, match=SECRET_DETAIL):
        Client().get("/test-only/fail/")


def test_an_unknown_address_shows_the_404_page(client, analyst):
    client.force_login(analyst)
    assert_site_page(client.get("/no/such/page/"), 404, "There is no such page")
    assert client.get("/analyst/").status_code == 200  # control: a known page is there


def test_a_page_outside_the_role_shows_the_403_page(client, officer, analyst):
    client.force_login(officer)
    assert_site_page(client.get("/ingest/"), 403, "You are not allowed to see this page")
    client.force_login(analyst)
    assert client.get("/ingest/").status_code == 200  # control: the analyst may


def test_a_refused_csrf_token_shows_the_site_page(analyst):
    client = Client(enforce_csrf_checks=True)
    client.force_login(analyst)
    assert_site_page(client.post("/accounts/logout/"), 403, "The form could not be sent")
    token_client = Client()
    token_client.force_login(analyst)
    assert (
        token_client.post("/accounts/logout/").status_code == 302
    )  # control: with the token check off


def test_a_failed_job_and_import_say_what_failed_without_the_traceback(client, analyst, caplog):
    from ingest.models import ImportRun, Source
    from jobs.services import create_job, run_job

    def work(job, progress):
        raise ValueError(f"row 12: bad time (in {SECRET_DETAIL})")

    job = create_job(kind="import_incidents")
    with pytest.raises(ValueError):
        run_job(str(job.pk), work)
    job.refresh_from_db()
    assert "Traceback" in caplog.text and SECRET_DETAIL in caplog.text  # control: the log keeps it
    run = ImportRun.objects.create(source=Source.objects.create(name="RMS"), job=job)
    client.force_login(analyst)
    for path in (f"/jobs/{job.pk}/", f"/ingest/runs/{run.pk}/"):
        body = client.get(path).content.decode()
        assert "unexpected error" in body and str(job.pk) in body, path
        assert [leak for leak in (*LEAKS, "File &quot;") if leak in body] == [], path
