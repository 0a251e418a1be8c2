"""A SpatiaLite write still locked out after SQLITE_BUSY_TIMEOUT_S of retries is answered 503 with
Retry-After, as the site's own page or as JSON on the API, never 500 (one middleware does it)."""

import pytest

from missions_site.api_errors import problem
from missions_site.database_busy import MESSAGE, RETRY_AFTER_S

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.deploy.busy_urls")]


@pytest.fixture
def signed_in(client, analyst):
    client.raise_request_exception = False  # a 500 is an answer to look at
    client.force_login(analyst)
    return client


def test_an_api_request_locked_out_is_told_to_retry(signed_in):
    response = signed_in.post("/api/v1/test-only/locked/")
    assert response.status_code == 503 and response["Retry-After"] == str(RETRY_AFTER_S)
    assert response.json() == problem(503, MESSAGE, "database_busy")


def test_a_page_locked_out_shows_the_busy_page(signed_in):
    response = signed_in.get("/test-only/locked/")
    body = response.content.decode()
    assert response.status_code == 503 and response["Retry-After"] == str(RETRY_AFTER_S)
    assert "The database is busy" in body and "database is locked" not in body


def test_other_database_errors_stay_server_errors(signed_in):
    response = signed_in.get("/test-only/broken/")
    assert (
        response.status_code == 500
        and "Something went wrong on our side" in response.content.decode()
    )
