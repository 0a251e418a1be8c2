"""TOTP second factor: required by role, enrolled with a QR code, single-use codes, hashed single-use
recovery codes, enforced on pages, the API and the token endpoint; one setting turns it off (demo)."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import RecoveryCode
from tests.accounts.conftest import events, sign_in, signed_in
from tests.conftest import TEST_PASSWORD, authenticator, totp_code

pytestmark = pytest.mark.django_db


def later(seconds=31):
    """After a wrong code django-otp makes the device wait (1 s, then 2, 4 …): come back later."""
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=False)


def code_of(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_analyst_without_a_device_is_sent_to_enrolment_and_reaches_nothing_else(analyst):
    client = Client()
    response = sign_in(client, "analyst")
    assert response.status_code == 302 and signed_in(client)
    page = client.get(reverse("analyst-home"))
    assert page.status_code == 302 and page.url.startswith(reverse("mfa-enrol"))
    api = client.get("/api/v1/shifts/")
    assert api.status_code == 403 and "second factor" in api.json()["detail"]
    assert client.get(reverse("admin:index")).url.startswith(reverse("mfa-enrol"))


def test_enrolment_with_qr_code_then_everything_opens(analyst):
    client = Client()
    sign_in(client, "analyst")
    page = client.get(reverse("mfa-enrol"))
    assert page.status_code == 200 and reverse("mfa-qr").encode() in page.content
    qr = client.get(reverse("mfa-qr"))
    assert qr["Content-Type"] == "image/svg+xml" and qr.content.lstrip().startswith(
        (b"<?xml", b"<svg")
    )
    device = TOTPDevice.objects.get(user=analyst, confirmed=False)
    assert page.context["secret"].encode() in page.content  # for typing in by hand

    wrong = client.post(
        reverse("mfa-enrol"), {"token": "000000" if code_of(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and b"did not match" in wrong.content
    assert events("mfa.failed")[-1].outcome == "failure"

    with later():
        device.refresh_from_db()
        done = client.post(reverse("mfa-enrol"), {"token": code_of(device)})
    assert done.status_code == 200 and b"Recovery codes" in done.content
    assert len(done.context["codes"]) == 10
    device.refresh_from_db()
    assert device.confirmed
    enrolled = events("mfa.enrolled")[-1]
    assert enrolled.actor_username == "analyst" and enrolled.outcome == "success"
    assert client.get(reverse("analyst-home")).status_code == 200
    assert client.get("/api/v1/shifts/").status_code == 200


def test_sign_in_asks_for_the_code_and_refuses_a_replayed_one(analyst):
    device = authenticator(analyst)
    first = Client()
    sign_in(first, "analyst")
    assert first.get(reverse("analyst-home")).url.startswith(reverse("mfa-verify"))
    code = code_of(device)
    assert (
        first.post(reverse("mfa-verify"), {"token": code, "next": "/analyst/"}).url == "/analyst/"
    )
    assert first.get(reverse("analyst-home")).status_code == 200

    second = Client()  # someone who saw the code on the screen, in the same 30 s
    sign_in(second, "analyst")
    replay = second.post(reverse("mfa-verify"), {"token": code})
    assert replay.status_code == 200 and b"not valid" in replay.content
    assert second.get(reverse("analyst-home")).status_code == 302
    assert events("mfa.failed")[-1].reason_code == "code_wrong"
    with later():  # the app's next code is accepted (positive control)
        assert second.post(reverse("mfa-verify"), {"token": totp_code(analyst)}).status_code == 302
        assert second.get(reverse("analyst-home")).status_code == 200


def test_recovery_codes_are_hashed_and_single_use(analyst):
    client = Client()
    sign_in(client, "analyst")
    device = TOTPDevice.objects.create(user=analyst, name="phone", confirmed=False)
    codes = client.post(reverse("mfa-enrol"), {"token": code_of(device)}).context["codes"]
    stored = set(RecoveryCode.objects.values_list("digest", flat=True))
    assert len(stored) == 10 and not stored & set(codes)
    assert all(code.replace("-", "") not in digest for code in codes for digest in stored)

    lost_phone = Client()
    sign_in(lost_phone, "analyst")
    assert lost_phone.post(reverse("mfa-verify"), {"token": codes[3]}).status_code == 302
    assert lost_phone.get(reverse("analyst-home")).status_code == 200
    used = events("mfa.recovery_code_used")[-1]
    assert used.actor_username == "analyst" and used.after == {"recovery_codes_left": 9}

    again = Client()
    sign_in(again, "analyst")
    assert again.post(reverse("mfa-verify"), {"token": codes[3]}).status_code == 200
    assert again.get(reverse("analyst-home")).status_code == 302
    with later():
        assert again.post(reverse("mfa-verify"), {"token": codes[4]}).status_code == 302


def test_token_endpoint_requires_the_second_factor(analyst):
    api = APIClient()
    credentials = {"username": "analyst", "password": TEST_PASSWORD}
    assert api.post(reverse("api-token"), credentials).status_code == 403  # not enrolled yet
    authenticator(analyst)
    assert api.post(reverse("api-token"), credentials).status_code == 400
    assert api.post(reverse("api-token"), {**credentials, "otp_token": "12345x"}).status_code == 400
    with later():
        code = totp_code(analyst)
        issued = api.post(reverse("api-token"), {**credentials, "otp_token": code})
        assert issued.status_code == 200
        assert (
            api.post(reverse("api-token"), {**credentials, "otp_token": code}).status_code == 400
        )  # replay
        api.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
        assert api.get("/api/v1/shifts/").status_code == 200


def test_officers_sign_in_without_a_second_factor_unless_the_setting_asks(officer, settings):
    client = Client()
    sign_in(client, "officer")
    assert client.get(reverse("officer-home")).status_code == 200
    settings.MFA_REQUIRED_FOR_OFFICERS = True
    assert client.get(reverse("officer-home")).url.startswith(reverse("mfa-enrol"))


def test_demo_setting_turns_the_second_factor_off_and_says_so(analyst, settings):
    assert b"demo: second factor off" not in Client().get(reverse("login")).content
    settings.MFA_ENABLED = False
    client = Client()
    assert b"demo: second factor off" in client.get(reverse("login")).content
    sign_in(client, "analyst")
    assert client.get(reverse("analyst-home")).status_code == 200
