"""The sign-in events reach the audit log with who, role, where, which request, what and why —
the failed and denied variants included."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.accounts.conftest import events, sign_in

pytestmark = pytest.mark.django_db


def assert_complete(event, *, action, outcome, actor, role, address="127.0.0.1"):
    assert event.action == action and event.outcome == outcome
    assert event.actor_username == actor and event.role == role
    assert event.source_address == address and event.request_id
    assert event.at is not None and event.hash  # in the chain


def test_lockout_mfa_failure_and_enrolment_events_are_complete(analyst, officer):
    locked = Client(REMOTE_ADDR="10.0.0.9")
    for _ in range(5):
        sign_in(locked, "officer", "wrong-password")
    lockout = events("auth.lockout")[-1]
    assert_complete(
        lockout, action="auth.lockout", outcome="denied", actor="", role="", address="10.0.0.9"
    )
    assert lockout.reason and lockout.after == {"username": "officer", "ip_address": "10.0.0.9"}

    client = Client()
    sign_in(client, "analyst")
    client.post(reverse("mfa-enrol"), {"token": "abcdef"})
    failed = events("mfa.failed")[-1]
    assert_complete(failed, action="mfa.failed", outcome="failure", actor="analyst", role="Analyst")
    assert failed.reason_code == "enrolment_code_wrong"


def test_token_events_are_complete(officer):
    from rest_framework.test import APIClient

    from tests.conftest import TEST_PASSWORD

    api = APIClient()
    token = api.post(
        reverse("api-token"), {"username": "officer", "password": TEST_PASSWORD}
    ).json()["token"]
    assert_complete(
        events("token.created")[-1],
        action="token.created",
        outcome="success",
        actor="officer",
        role="Officer",
    )
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    api.post(reverse("api-logout"))
    revoked = events("token.revoked")[-1]
    assert_complete(
        revoked, action="token.revoked", outcome="success", actor="officer", role="Officer"
    )
    assert revoked.object_id == token[:15] and revoked.reason_code == "logout"


def test_admin_login_goes_through_the_one_sign_in_page():
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url == "/accounts/login/?next=/admin/"


def test_a_successful_second_factor_check_is_audited(analyst):
    # Issue 21, finding 6: failures were audited, successes were not.
    from tests.conftest import authenticator, totp_code

    device = authenticator(analyst)
    client = Client()
    sign_in(client, "analyst")
    assert events("mfa.verified") == []
    assert client.post(reverse("mfa-verify"), {"token": totp_code(analyst)}).status_code == 302
    verified = events("mfa.verified")
    assert len(verified) == 1
    assert_complete(
        verified[0], action="mfa.verified", outcome="success", actor="analyst", role="Analyst"
    )
    assert verified[0].object_type == "otp_totp.totpdevice"
    assert verified[0].object_id == str(device.pk)
    other = Client()  # control: a wrong code is a failure, not a success
    sign_in(other, "analyst")
    other.post(reverse("mfa-verify"), {"token": "abcdef"})
    assert len(events("mfa.verified")) == 1 and events("mfa.failed")
