"""POST /api/v1/incidents/ as strict as a file import: a finding per record with its row and field
(unmapped codes too), future times refused beyond the skew, strict per batch, at most 5,000
records, an unknown source named with where to find sources — and the schema says so."""

from datetime import timedelta

import pytest
from django.utils import timezone
from ingest_factories import SourceFactory
from knox.models import AuthToken
from rest_framework.test import APIClient

from ingest.models import ImportRun, Incident, RejectedRow

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidents/"
INSIDE = {"latitude": 43.65, "longitude": -79.4}  # inside tests/ingest BOX
OUTSIDE = {"latitude": 45.42, "longitude": -75.70}  # Ottawa


@pytest.fixture
def cad_source(agency, crime_types):
    return SourceFactory(name="cad-live", kind="cad", code_map={"ASLT": "assault"})


@pytest.fixture
def client(analyst):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=analyst)[1]}")
    return client


def record(i, **overrides):
    return {
        "external_id": f"CAD-{i}",
        "occurred_from": "2024-05-01T22:15:00-04:00",
        **INSIDE,
        "code": "ASLT",
        **overrides,
    }


def push(client, records, key, **batch):
    body = {"source": "cad-live", "incidents": records, **batch}
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def findings(response):
    return [(r["row"], r["field"], r["reason_code"]) for r in response.data["rejected_rows"]]


def test_every_bad_record_is_a_finding_with_its_row_and_field(client, boxed_agency, cad_source):
    records = [
        record(1),
        record(2, latitude=95.0),
        record(3, occurred_from="last Tuesday"),
        record(4, code="ZZZ-UNKNOWN"),
        {k: v for k, v in record(5).items() if k != "external_id"},
        "not a record",
        record(7, **OUTSIDE),
        record(8, latitude="north"),
        record(9, occurred_to="2024-05-01T20:00:00-04:00"),
    ]
    answer = push(client, records, "rows")
    assert answer.status_code == 201, answer.content
    assert findings(answer) == [
        (2, "latitude", "bad_coordinates"),
        (3, "occurred_from", "bad_time"),
        (5, "external_id", "missing_id"),
        (6, "", "not_a_record"),
        (7, "latitude,longitude", "outside_jurisdiction"),
        (8, "latitude", "bad_coordinates"),
        (9, "occurred_to", "bad_time"),
    ]
    by_row = {r["row"]: r for r in answer.data["rejected_rows"]}
    assert "less than or equal to 90" in by_row[2]["reason"] and by_row[2]["value"] == "95.0"
    assert "last Tuesday" in by_row[3]["reason"] and by_row[3]["value"] == "last Tuesday"
    assert by_row[7]["value"] == "45.42,-75.7"
    # the unmapped code is stored, and named with its row
    assert answer.data["unmapped_rows"] == [
        {"row": 4, "external_id": "CAD-4", "code": "ZZZ-UNKNOWN"}
    ]
    assert (answer.data["total_rows"], answer.data["created"], answer.data["rejected"]) == (9, 2, 7)
    assert sorted(Incident.objects.values_list("external_id", flat=True)) == ["CAD-1", "CAD-4"]
    assert RejectedRow.objects.filter(run_id=answer.data["id"]).count() == 7


def test_the_run_keeps_the_findings_as_rejected_rows_readable_as_json(client, agency, cad_source):
    answer = push(client, [record(1), record(2, longitude=-200), record(3)], "keep")
    run_id = answer.data["id"]
    rows = client.get(f"/api/v1/import-runs/{run_id}/rejected/").json()
    assert rows["count"] == 1
    assert rows["results"][0] | {"reason": ""} == {
        "row": 2,
        "external_id": "CAD-2",
        "field": "longitude",
        "value": "-200",
        "reason_code": "bad_coordinates",
        "reason": "",
    }


def test_a_time_beyond_the_skew_is_refused_and_one_within_it_accepted(
    client, agency, cad_source, settings
):
    now = timezone.now().replace(microsecond=0)
    soon = (now + timedelta(minutes=settings.INGEST_FUTURE_SKEW_MINUTES - 3)).isoformat()
    later = (now + timedelta(minutes=settings.INGEST_FUTURE_SKEW_MINUTES + 3)).isoformat()
    month = (now + timedelta(days=30)).isoformat()
    answer = push(
        client,
        [
            record(1, occurred_from=soon),  # the positive control: a clock a little ahead
            record(2, occurred_from=later),
            record(3, occurred_from=now.isoformat(), reported_at=month),
            record(4, occurred_from=now.isoformat(), updated_at=month),
        ],
        "future",
    )
    assert answer.status_code == 201, answer.content
    assert findings(answer) == [
        (2, "occurred_from", "future_time"),
        (3, "reported_at", "future_time"),
        (4, "updated_at", "future_time"),
    ]
    assert "in the future" in answer.data["rejected_rows"][0]["reason"]
    assert list(Incident.objects.values_list("external_id", flat=True)) == ["CAD-1"]


def test_the_skew_is_a_setting(client, agency, cad_source, settings):
    settings.INGEST_FUTURE_SKEW_MINUTES = 0
    ahead = (timezone.now() + timedelta(minutes=5)).isoformat()
    assert findings(push(client, [record(1, occurred_from=ahead)], "s0")) == [
        (1, "occurred_from", "future_time")
    ]
    settings.INGEST_FUTURE_SKEW_MINUTES = 60
    assert push(client, [record(1, occurred_from=ahead)], "s60").data["created"] == 1


def test_a_strict_batch_with_a_bad_record_stores_nothing(client, agency, cad_source):
    bad = [record(1), record(2, latitude=95.0), record(3, code="ZZZ")]
    refused = push(client, bad, "strict-1", strict=True)
    assert refused.status_code == 400, refused.content
    assert Incident.objects.count() == 0
    # one error per refused record, naming its row, field and reason (docs/api.md)
    problem = refused.json()
    assert [(e["field"], e["row"]) for e in problem["errors"]] == [("incidents.latitude", 2)]
    message = problem["errors"][0]["reason"]
    assert message.startswith("Row 2 (CAD-2):") and "90" in message
    assert "nothing was stored" in problem["detail"]
    run = ImportRun.objects.get()
    assert run.strict and run.job.status == "failed" and run.rejected == 1
    assert f"/api/v1/import-runs/{run.pk}/rejected/" in problem["detail"]
    # not strict, the same records: the good ones stored, the bad one kept as a rejected row
    lenient = push(client, bad, "lenient-1")
    assert lenient.status_code == 201
    assert (lenient.data["created"], lenient.data["rejected"], lenient.data["unmapped"]) == (
        2,
        1,
        1,
    )
    # strict and all good: stored (an unmapped code is not a rejection, as in a file import)
    good = push(client, [record(4), record(5, code="ZZZ")], "strict-2", strict=True)
    assert good.status_code == 201 and good.data["created"] == 2 and good.data["strict"] is True


def test_a_refused_strict_batch_is_checked_again_when_resent(client, agency, cad_source):
    """A refusal is not replayed as a success: the same batch under its key is refused again,
    and the fixed batch (a new batch, so a new key) is stored."""
    bad = [record(1, latitude=95.0)]
    assert push(client, bad, "again", strict=True).status_code == 400
    assert push(client, bad, "again", strict=True).status_code == 400
    fixed = push(client, [record(1)], "again-fixed", strict=True)
    assert fixed.status_code == 201 and fixed.data["created"] == 1


def test_at_most_5000_records_per_batch(client, agency, cad_source):
    rows = [
        {"external_id": str(i), "occurred_from": "2024-05-01T22:15:00Z", **INSIDE}
        for i in range(5001)
    ]
    refused = push(client, rows, "big")
    assert refused.status_code == 400
    assert "At most 5,000 incidents" in str(refused.json()["errors"])
    assert ImportRun.objects.count() == 0
    accepted = push(client, rows[:5000], "big-ok")
    assert accepted.status_code == 201, accepted.content
    assert accepted.data["created"] == 5000 and Incident.objects.count() == 5000


def test_an_unknown_source_says_where_to_find_sources(client, agency, cad_source):
    answer = client.post(
        URL,
        {"source": "cad-typo", "incidents": [record(1)]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="u",
    )
    assert answer.status_code == 400
    message = next(e["reason"] for e in answer.json()["errors"] if e["field"] == "source")
    assert "cad-typo" in message and "GET /api/v1/sources/" in message
    assert "does not exist" not in message
    assert push(client, [record(1)], "u2").status_code == 201  # control: the right name


def test_personal_fields_of_a_refused_record_are_not_kept(client, agency, cad_source):
    push(client, [record(1, latitude=95.0, caller_name="Jane Q Public")], "pii")
    assert "Jane" not in str(RejectedRow.objects.values_list("raw", "reason"))
    assert RejectedRow.objects.get().raw["latitude"] == "95.0"  # control: its own fields are


def test_the_schema_states_formats_bounds_limit_and_strict(analyst):
    client = APIClient()
    client.force_authenticate(analyst)
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    batch = components["IncidentBatchRequest"]["properties"]  # the request's component
    assert batch["incidents"]["maxItems"] == 5000 and batch["incidents"]["minItems"] == 1
    assert batch["strict"]["type"] == "boolean" and batch["strict"]["default"] is False
    record_schema = components["IncidentRecordRequest"]["properties"]
    assert record_schema["occurred_from"]["format"] == "date-time"
    assert (record_schema["latitude"]["minimum"], record_schema["latitude"]["maximum"]) == (-90, 90)
    assert (record_schema["longitude"]["minimum"], record_schema["longitude"]["maximum"]) == (
        -180,
        180,
    )
    result = components["BatchResult"]["properties"]
    assert {"rejected_rows", "unmapped_rows"} <= set(result)
    assert set(components["RejectedRow"]["properties"]) >= {"row", "field", "reason", "value"}
