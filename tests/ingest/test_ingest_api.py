"""POST /api/v1/incidents/: token auth, same rules as files, idempotent retries, in the schema."""

import pytest
from ingest_factories import SourceFactory
from knox.models import AuthToken
from rest_framework.test import APIClient

from ingest.models import ImportRun, Incident, RejectedRow

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidents/"


@pytest.fixture
def cad_source(agency, crime_types):
    return SourceFactory(
        name="cad-live", kind="cad", timezone="America/Toronto", code_map={"ASLT": "assault"}
    )


def client_for(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def batch(*records):
    return {"source": "cad-live", "incidents": list(records)}


def record(i, **overrides):
    return {
        "external_id": f"CAD-{i}",
        "occurred_from": "2024-03-10T02:30:00",
        "latitude": 43.65,
        "longitude": -79.4,
        "code": "ASLT",
        "priority": "1",
        "officer_initiated": i % 2 == 0,
        **overrides,
    }


def test_a_retried_batch_is_applied_once(analyst, cad_source):
    client = client_for(analyst)
    body = batch(record(1), record(2), record(3, latitude=None))
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.content
    assert (first.data["created"], first.data["rejected"], first.data["replayed"]) == (2, 1, False)
    assert first.data["rejected_rows"][0]["reason_code"] == "missing_coordinates"
    retry = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert retry.status_code == 200
    assert retry.data["replayed"] is True and retry.data["id"] == first.data["id"]
    assert ImportRun.objects.count() == 1 and Incident.objects.count() == 2
    assert RejectedRow.objects.count() == 1
    incident = Incident.objects.get(external_id="CAD-2")
    # 02:30 on the spring-forward night does not exist in Toronto: moved past the gap.
    assert incident.occurred_from.isoformat() == "2024-03-10T07:00:00+00:00"
    assert incident.crime_type.code == "assault" and incident.officer_initiated is True


def test_same_records_new_key_change_nothing_and_newer_versions_win(analyst, cad_source):
    client = client_for(analyst)
    v1 = record(1, disposition="OPEN", updated_at="2024-03-10T03:00:00-04:00")
    v2 = record(1, disposition="CLOSED", updated_at="2024-03-10T05:00:00-04:00")
    assert client.post(URL, batch(v1), format="json", HTTP_IDEMPOTENCY_KEY="a").data["created"] == 1
    assert (
        client.post(URL, batch(v1), format="json", HTTP_IDEMPOTENCY_KEY="b").data["unchanged"] == 1
    )
    assert client.post(URL, batch(v2), format="json", HTTP_IDEMPOTENCY_KEY="c").data["updated"] == 1
    late = client.post(URL, batch(v1), format="json", HTTP_IDEMPOTENCY_KEY="d")
    assert late.data["unchanged"] == 1 and late.data["details"]["not_newer"] == 1
    assert Incident.objects.get().disposition == "CLOSED"


def test_key_reused_for_another_batch_is_unprocessable(analyst, cad_source):
    client = client_for(analyst)
    assert (
        client.post(URL, batch(record(1)), format="json", HTTP_IDEMPOTENCY_KEY="x").status_code
        == 201
    )
    other = client.post(URL, batch(record(2)), format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert Incident.objects.count() == 1


def test_key_and_valid_batch_are_required(analyst, cad_source):
    client = client_for(analyst)
    assert client.post(URL, batch(record(1)), format="json").status_code == 400
    assert (
        client.post(
            URL,
            {"source": "nope", "incidents": [record(1)]},
            format="json",
            HTTP_IDEMPOTENCY_KEY="k",
        ).status_code
        == 400
    )
    assert client.post(URL, batch(), format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 400
    assert Incident.objects.count() == 0


def test_personal_fields_in_a_batch_are_never_stored(analyst, cad_source):
    client = client_for(analyst)
    response = client.post(
        URL,
        batch(record(1, caller_name="Jane Q Public", narrative="secret")),
        format="json",
        HTTP_IDEMPOTENCY_KEY="pii",
    )
    assert response.status_code == 201
    run = ImportRun.objects.get()
    assert "Jane" not in str(run.details) and "Jane" not in run.payload_hash
    incident = Incident.objects.values().get()
    assert "Jane Q Public" not in str(incident) and "secret" not in str(incident)


def test_needs_a_token_and_the_ingest_permission(officer, cad_source):
    assert (
        APIClient().post(URL, batch(record(1)), format="json", HTTP_IDEMPOTENCY_KEY="k").status_code
        == 401
    )
    response = client_for(officer).post(
        URL, batch(record(1)), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 403
    assert Incident.objects.count() == 0


def test_documented_in_the_openapi_schema(analyst):
    client = APIClient()
    client.force_authenticate(analyst)
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    post = schema["paths"]["/api/v1/incidents/"]["post"]
    assert any(
        p["name"] == "Idempotency-Key" and p["in"] == "header" and p["required"]
        for p in post["parameters"]
    )
    assert {"200", "201", "409"} <= set(post["responses"])
    assert "/api/v1/import-runs/{id}/" in schema["paths"]


def test_import_runs_are_readable(analyst, cad_source):
    client = client_for(analyst)
    client.post(URL, batch(record(1)), format="json", HTTP_IDEMPOTENCY_KEY="r")
    run = ImportRun.objects.get()
    data = client.get(f"/api/v1/import-runs/{run.pk}/").json()
    assert data["status"] == "succeeded" and data["created"] == 1 and data["source"] == "cad-live"
