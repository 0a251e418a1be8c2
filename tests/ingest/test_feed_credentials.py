"""A feed's service credential: issued by an administrator, pushes incidents to the sources it names
without a second factor, reads only its own runs, expires when the agency says, rotates and revokes;
every step and every push audited under it."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from ingest_factories import SourceFactory, UserFactory
from rest_framework.test import APIClient

from accounts.services import disable_dormant_accounts
from agency import roles
from audit.models import AuditEvent
from ingest import services
from ingest.models import FeedCredential, ImportRun
from missions_site import access

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidents/"


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
    return services.issue_feed_credential(
        actor=administrator,
        name="CAD incident feed",
        sources=[sources["cad-live"]],
        expires_at=timezone.now() + timedelta(days=90),
    )


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def push(client, source: str, key: str):
    body = {
        "source": source,
        "incidents": [
            {
                "external_id": f"CAD-{key}",
                "occurred_from": "2024-03-12T02:30:00",
                "latitude": 43.65,
                "longitude": -79.4,
                "code": "ASLT",
            }
        ],
    }
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_feed_pushes_to_its_source_without_a_second_factor_and_is_audited(feed):
    credential, token = feed
    assert access.roles_of(credential.user) == {access.FEED}
    assert not credential.user.has_usable_password()
    answer = push(client_with(token), "cad-live", "k-1")
    assert answer.status_code == 201, answer.content
    assert answer.data["created"] == 1
    run = ImportRun.objects.get()
    assert run.created_by == credential.user
    assert AuditEvent.objects.filter(actor=credential.user).exists()
    assert AuditEvent.objects.filter(action="feed_credential.issued", object_id=str(credential.pk))


def test_a_feed_is_refused_a_source_its_credential_does_not_name(feed, sources):
    _, token = feed
    client = client_with(token)
    refused = push(client, "rms-nightly", "k-2")
    assert refused.status_code == 403
    assert "does not name that source" in refused.data["detail"]
    assert push(client, "cad-live", "k-3").status_code == 201  # control: its own source
    assert ImportRun.objects.count() == 1


def test_a_feed_reads_only_the_runs_it_pushed(feed, sources, analyst):
    _, token = feed
    client = client_with(token)
    own = push(client, "cad-live", "k-4").data["id"]
    other = push(client_with(services_token(analyst)), "rms-nightly", "k-5").data["id"]
    listed = client.get("/api/v1/import-runs/")
    assert listed.status_code == 200
    assert [run["id"] for run in listed.data["results"]] == [own]
    assert client.get(f"/api/v1/import-runs/{own}/").status_code == 200
    assert client.get(f"/api/v1/import-runs/{other}/").status_code == 404
    # control: an analyst reads both
    analyst_runs = client_with(services_token(analyst)).get("/api/v1/import-runs/")
    assert {run["id"] for run in analyst_runs.data["results"]} == {own, other}


def services_token(user) -> str:
    from knox.models import AuthToken

    return AuthToken.objects.create(user=user)[1]


def test_a_feed_reaches_nothing_else(feed, world_paths):
    _, token = feed
    client = client_with(token)
    for path in world_paths:
        assert client.get(path).status_code in (401, 403, 404), path
    assert client.post("/api/v1/auth/logout/").status_code in (401, 403)
    assert client.get("/api/v1/import-runs/").status_code == 200  # control


@pytest.fixture
def world_paths():
    return [
        "/api/v1/officer/missions/",
        "/api/v1/missions/",
        "/api/v1/forecasts/",
        "/api/v1/jobs/",
        "/api/v1/audit/",
        "/api/v1/model-versions/",
        "/api/v1/beats.geojson",
        "/api/v1/auth/tokens/",
        "/api/v1/crime-types/",
        "/api/v1/schema/",
    ]


def test_the_token_stops_at_the_expiry_the_agency_set(feed):
    credential, token = feed
    with time_machine.travel(credential.expires_at - timedelta(minutes=1)):
        assert push(client_with(token), "cad-live", "k-6").status_code == 201  # control
    with time_machine.travel(credential.expires_at + timedelta(minutes=1)):
        assert push(client_with(token), "cad-live", "k-7").status_code == 401


def test_the_token_outlives_the_twelve_hours_of_a_person(feed, settings):
    _, token = feed
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        assert push(client_with(token), "cad-live", "k-8").status_code == 201


def test_rotation_retires_the_old_token_and_revocation_ends_the_feed(feed, administrator):
    credential, old = feed
    new = services.rotate_feed_credential(actor=administrator, credential=credential)
    assert push(client_with(old), "cad-live", "k-9").status_code == 401
    assert push(client_with(new), "cad-live", "k-10").status_code == 201
    services.revoke_feed_credential(actor=administrator, credential=credential, reason="CAD moved")
    assert push(client_with(new), "cad-live", "k-11").status_code == 401
    credential.refresh_from_db()
    assert credential.is_revoked and not credential.user.is_active
    with pytest.raises(services.FeedCredentialError):
        services.rotate_feed_credential(actor=administrator, credential=credential)
    actions = list(
        AuditEvent.objects.filter(object_type="ingest.feedcredential")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "feed_credential.issued",
        "feed_credential.rotated",
        "feed_credential.revoked",
    ]


def test_the_dormant_account_rule_leaves_a_feed_to_its_own_expiry(feed, settings):
    credential, token = feed
    person = UserFactory(username="idle-person")
    later = timezone.now() + timedelta(days=settings.ACCOUNT_DORMANT_DAYS + 1)
    disabled = disable_dormant_accounts(now=later)
    assert person.get_username() in disabled  # control: the rule still disables people
    assert credential.user.get_username() not in disabled


def test_an_administrator_issues_a_feed_in_the_admin_and_sees_the_token_once(
    client, administrator, sources
):
    client.force_login(administrator)  # and verified with a second factor (tests/conftest.py)
    expires = (timezone.localtime() + timedelta(days=30)).strftime("%Y-%m-%d")
    answer = client.post(
        "/admin/ingest/feedcredential/add/",
        {
            "name": "CAD feed",
            "sources": [sources["cad-live"].pk],
            "expires_at_0": expires,
            "expires_at_1": "12:00:00",
        },
        follow=True,
    )
    assert answer.status_code == 200
    shown = [str(m) for m in answer.context["messages"]]
    token = next(m.rsplit(" ", 1)[1] for m in shown if m.startswith("Token for CAD feed"))
    credential = FeedCredential.objects.get(name="CAD feed")
    assert list(credential.sources.all()) == [sources["cad-live"]]
    assert push(client_with(token), "cad-live", "k-12").status_code == 201
    # an expiry in the past is refused with a message, and nothing is created
    refused = client.post(
        "/admin/ingest/feedcredential/add/",
        {"name": "Old feed", "expires_at_0": "2020-01-01", "expires_at_1": "12:00:00"},
    )
    assert refused.status_code == 200 and "must be in the future" in refused.content.decode()
    assert not FeedCredential.objects.filter(name="Old feed").exists()
