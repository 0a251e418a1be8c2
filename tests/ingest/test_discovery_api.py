"""How a CAD vendor discovers the setup by the API: the sources it may push to (an administrator
creates them), the agency's zone, extent, grid, shifts and crime types with their codes, import
runs by source and status, and a run's rejected rows as JSON — a feed credential seeing only its
own sources and runs."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from ingest_factories import SourceFactory, UserFactory
from knox.models import AuthToken
from rest_framework.test import APIClient

from agency import roles
from agency.models import Shift
from audit.models import AuditEvent
from ingest import services
from ingest.models import Source

pytestmark = pytest.mark.django_db
SOURCES = "/api/v1/sources/"
RUNS = "/api/v1/import-runs/"


@pytest.fixture
def administrator(db):
    groups = roles.sync_roles()
    user = UserFactory(username="admin-1")
    user.groups.set([groups[roles.ADMINISTRATOR]])
    return user


@pytest.fixture
def sources(agency, crime_types):
    return {
        name: SourceFactory(name=name, kind="cad", code_map={"ASLT": "assault"})
        for name in ("cad-live", "rms-nightly")
    }


@pytest.fixture
def feed(administrator, sources):
    credential, token = services.issue_feed_credential(
        actor=administrator,
        name="CAD incident feed",
        sources=[sources["cad-live"]],
        expires_at=timezone.now() + timedelta(days=90),
    )
    return credential, with_token(token)


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def as_user(user) -> APIClient:
    return with_token(AuthToken.objects.create(user=user)[1])


def push(client, source: str, key: str, **overrides):
    record = {
        "external_id": f"CAD-{key}",
        "occurred_from": "2024-05-01T22:15:00-04:00",
        "latitude": 43.65,
        "longitude": -79.4,
        "code": "ASLT",
        **overrides,
    }
    body = {"source": source, "incidents": [record]}
    return client.post("/api/v1/incidents/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


# ---- sources ----------------------------------------------------------------------------------


def test_a_feed_lists_only_the_sources_it_may_push_to(feed, analyst, sources):
    _, client = feed
    listed = client.get(SOURCES)
    assert listed.status_code == 200
    assert [s["name"] for s in listed.data["results"]] == ["cad-live"]
    cad = listed.data["results"][0]
    assert cad["codes"] == [{"code": "ASLT", "crime_type": "assault"}]
    assert cad["reads_times_in"] == "America/Toronto" and cad["timezone"] == ""
    # control: an analyst sees every source
    every = as_user(analyst).get(SOURCES)
    assert [s["name"] for s in every.data["results"]] == ["cad-live", "rms-nightly"]


def test_a_feed_account_without_a_credential_sees_no_source_and_pushes_nowhere(sources):
    groups = roles.sync_roles()
    orphan = UserFactory(username="feed-orphan")
    orphan.groups.set([groups[roles.FEED]])
    client = as_user(orphan)
    assert client.get(SOURCES).data["results"] == []
    assert push(client, "cad-live", "o-1").status_code == 403
    assert client.get(RUNS).data["results"] == []


def test_an_administrator_creates_a_source_audited(administrator, analyst, sources):
    body = {
        "name": "cad-north",
        "kind": "cad",
        "timezone": "America/Winnipeg",
        "codes": [{"code": "B&E", "crime_type": "Break and Enter"}],
    }
    refused = as_user(analyst).post(SOURCES, body, format="json")
    assert refused.status_code == 403
    assert not Source.objects.filter(name="cad-north").exists()
    created = as_user(administrator).post(SOURCES, body, format="json")
    assert created.status_code == 201, created.content
    assert created.data["codes"] == [{"code": "B&E", "crime_type": "break-and-enter"}]
    assert created.data["reads_times_in"] == "America/Winnipeg"
    source = Source.objects.get(name="cad-north")
    assert source.kind == "cad" and source.preset == "canonical"
    event = AuditEvent.objects.get(action="ingest.source_created")
    assert event.actor == administrator and event.object_id == str(source.pk)
    # the new source takes a push at once
    assert push(as_user(analyst), "cad-north", "n-1", code="B&E").data["created"] == 1


def test_a_source_asked_wrongly_is_refused_with_the_field(administrator, sources):
    client = as_user(administrator)
    duplicate = client.post(SOURCES, {"name": "cad-live", "kind": "cad"}, format="json")
    assert duplicate.status_code == 400 and "exists already" in reasons(duplicate, "name")[0]
    zone = client.post(
        SOURCES, {"name": "x", "kind": "cad", "timezone": "Mars/Base"}, format="json"
    )
    assert zone.status_code == 400 and "Mars/Base" in reasons(zone, "timezone")[0]
    codes = client.post(
        SOURCES,
        {"name": "x", "kind": "cad", "codes": [{"code": "A", "crime_type": "arson"}]},
        format="json",
    )
    assert codes.status_code == 400
    assert any(
        e["field"].startswith("codes") and "arson" in e["reason"] for e in codes.json()["errors"]
    )
    assert not Source.objects.filter(name="x").exists()


# ---- the agency -------------------------------------------------------------------------------


def test_the_agency_tells_a_feed_its_zone_extent_grid_shifts_and_codes(
    feed, boxed_agency, crime_types, officer
):
    Shift.objects.create(name="Night", start_time=time(22), duration_minutes=480, order=2)
    _, client = feed
    answer = client.get("/api/v1/agency/")
    assert answer.status_code == 200
    data = answer.json()
    assert data["timezone"] == "America/Toronto"
    assert data["jurisdiction"]["bbox"] == [-79.5, 43.6, -79.3, 43.75]
    geometry = data["jurisdiction"]["geometry"]
    assert geometry["type"] == "MultiPolygon"
    assert [-79.5, 43.6] in geometry["coordinates"][0][0]
    assert data["grid"] == {"cell_size_m": 250, "epsg": None}
    assert {"name": "Night", "start_time": "22:00:00", "duration_minutes": 480} in data["shifts"]
    assault = next(t for t in data["crime_types"] if t["code"] == "assault")
    assert assault["offense_codes"] == ["ASLT-1"]
    assert data["push"] == {"max_incidents_per_batch": 5000, "future_skew_minutes": 10}
    assert as_user(officer).get("/api/v1/agency/").status_code == 200  # officers too
    assert APIClient().get("/api/v1/agency/").status_code == 401


def test_the_agency_without_a_boundary_has_no_extent(analyst, agency):
    data = as_user(analyst).get("/api/v1/agency/").json()
    assert data["jurisdiction"] == {"bbox": None, "geometry": None}


# ---- import runs by source and status; a run's rejected rows ----------------------------------


def test_import_runs_filtered_by_source_and_status(analyst, sources):
    client = as_user(analyst)
    live = push(client, "cad-live", "f-1").data["id"]
    nightly = push(client, "rms-nightly", "f-2").data["id"]
    strict_failed = client.post(
        "/api/v1/incidents/",
        {"source": "rms-nightly", "strict": True, "incidents": [{"external_id": "1"}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="f-3",
    )
    assert strict_failed.status_code == 400
    ids = lambda answer: [run["id"] for run in answer.data["results"]]  # noqa: E731
    assert ids(client.get(RUNS, {"source": "cad-live"})) == [live]
    nightly_runs = ids(client.get(RUNS, {"source": "rms-nightly"}))
    assert nightly in nightly_runs and live not in nightly_runs and len(nightly_runs) == 2
    assert ids(client.get(RUNS, {"source": "rms-nightly", "status": "succeeded"})) == [nightly]
    assert len(ids(client.get(RUNS, {"status": "failed"}))) == 1
    assert len(ids(client.get(RUNS))) == 3  # control: no filter, every run
    unknown = client.get(RUNS, {"source": "nope"})
    assert unknown.status_code == 400 and "/api/v1/sources/" in reasons(unknown, "source")[0]
    assert client.get(RUNS, {"status": "exploded"}).status_code == 400


def test_a_feed_reads_the_rejected_rows_of_its_own_runs_only(feed, analyst):
    _, client = feed
    own = push(client, "cad-live", "r-1", latitude=95.0).data["id"]
    other = push(as_user(analyst), "rms-nightly", "r-2", latitude=95.0).data["id"]
    rows = client.get(f"{RUNS}{own}/rejected/")
    assert rows.status_code == 200
    assert [(r["row"], r["field"]) for r in rows.data["results"]] == [(1, "latitude")]
    assert client.get(f"{RUNS}{other}/rejected/").status_code == 404
    assert as_user(analyst).get(f"{RUNS}{other}/rejected/").status_code == 200  # control
    # and its own runs by source, not the analyst's
    assert [r["id"] for r in client.get(RUNS, {"source": "cad-live"}).data["results"]] == [own]
    assert client.get(RUNS, {"source": "rms-nightly"}).data["results"] == []


def test_rejected_rows_are_paginated_in_row_order(analyst, sources):
    client = as_user(analyst)
    records = [
        {"external_id": str(i), "occurred_from": "2024-05-01T22:15:00Z", "latitude": 91 + i}
        for i in range(5)
    ]
    run = client.post(
        "/api/v1/incidents/",
        {"source": "cad-live", "incidents": records},
        format="json",
        HTTP_IDEMPOTENCY_KEY="p",
    ).data["id"]
    first = client.get(f"{RUNS}{run}/rejected/", {"limit": 2}).json()
    assert first["count"] == 5 and [r["row"] for r in first["results"]] == [1, 2]
    second = client.get(f"{RUNS}{run}/rejected/", {"limit": 2, "offset": 2}).json()
    assert [r["row"] for r in second["results"]] == [3, 4]


def reasons(response, field: str) -> list[str]:
    """The reasons a problem answer (docs/api.md) gives for one field."""
    return [e["reason"] for e in response.json()["errors"] if e["field"] == field]
