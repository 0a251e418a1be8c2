"""What the API fuzz found, each pinned by a test beside its positive control: NUL characters in a
query string, unknown /api/ URLs, a missing mission, malformed training bodies, an unknown token,
and a schema that documents the error answers and nullable times it really gives."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from agency import roles
from missions_site.api_errors import NUL_MESSAGE, problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_role(world):
    def make(role):
        client = APIClient()
        client.force_authenticate(world.users[role])
        return client

    return make


def test_a_nul_in_the_query_string_is_a_400_not_a_database_error(as_role):
    analyst = as_role(roles.ANALYST)
    for url in (
        "/api/v1/audit/?object_id=1%00",
        "/api/v1/beats.geojson?district=D%001",
        "/api/v1/grid/?%00=x",
    ):
        refused = analyst.get(url)
        assert refused.status_code == 400, url
        assert refused.json() == problem(400, NUL_MESSAGE, "nul_in_query")
    assert analyst.get("/api/v1/audit/?object_id=1").status_code == 200
    assert analyst.get("/api/v1/beats.geojson?district=D1").json()["features"]


def test_a_nul_in_a_page_query_is_a_400_too(client, world):
    client.force_login(world.users[roles.ANALYST])
    assert client.get(reverse("ingest-index") + "?q=%00").status_code == 400
    assert client.get(reverse("ingest-index") + "?q=x").status_code == 200


def test_an_unknown_api_url_is_a_json_404_and_a_page_stays_html(as_role, client, world):
    missing = as_role(roles.ANALYST).get("/api/v1/missions/not-a-number/cancel/")
    assert missing.status_code == 404 and missing.json() == problem(404, "Not found.", "not_found")
    client.force_login(world.users[roles.ANALYST])
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_calling_off_a_missing_mission_is_a_404(as_role, world):
    body = {"reason_code": "other", "reason": "Duplicate"}
    analyst = as_role(roles.ANALYST)
    missing = analyst.post(reverse("api-mission-cancel", args=[999_999]), body, format="json")
    assert missing.status_code == 404 and missing.json()["detail"] == "No such mission."
    mission = world.objects["mission"]
    called_off = analyst.post(reverse("api-mission-cancel", args=[mission.pk]), body, format="json")
    assert called_off.status_code == 200, called_off.content


@pytest.mark.parametrize(
    "body", [{"crime_types": 1.5}, {"crime_types": [{"a": 1}]}, {"weeks": "many"}, ["burglary"]]
)
def test_a_malformed_training_request_is_a_400(as_role, body):
    refused = as_role(roles.ANALYST).post("/api/v1/model-versions/train/", body, format="json")
    assert refused.status_code == 400, refused.content


def test_a_well_formed_training_request_is_queued(as_role):
    accepted = as_role(roles.ANALYST).post(
        "/api/v1/model-versions/train/", {"crime_types": ["burglary"], "weeks": 4}, format="json"
    )
    assert accepted.status_code == 202, accepted.content


def test_a_malformed_forecast_request_is_a_400(as_role):
    refused = as_role(roles.ANALYST).post("/api/v1/forecasts/", ["Day"], format="json")
    assert refused.status_code == 400
    unknown = as_role(roles.ANALYST).post("/api/v1/forecasts/", {"shift": "Brunch"}, format="json")
    assert unknown.status_code == 404 and "Brunch" in unknown.json()["detail"]


def test_revoking_an_unknown_token_says_so(as_role):
    missing = as_role(roles.OFFICER).delete(reverse("api-token-revoke", args=["nosuchkey"]))
    assert missing.status_code == 404 and missing.json() == problem(
        404, "You have no such token.", "not_found"
    )


def test_the_schema_documents_errors_and_nullable_times(as_role):
    schema = as_role(roles.ADMINISTRATOR).get("/api/v1/schema/?format=json").json()
    cancel = schema["paths"]["/api/v1/missions/{id}/cancel/"]["post"]["responses"]
    assert {"400", "401", "403", "404"} <= set(cancel)
    assert cancel["404"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    districts = schema["paths"]["/api/v1/districts.geojson"]["get"]["responses"]
    assert "400" not in districts and "404" not in districts  # no input, no object named
    run = schema["components"]["schemas"]["ImportRun"]["properties"]
    assert run["finished_at"].get("nullable") is True and "nullable" not in run["created_at"]
    start_time = schema["components"]["schemas"]["Shift"]["properties"]["start_time"]
    assert "format" not in start_time and start_time["pattern"].startswith("^")
