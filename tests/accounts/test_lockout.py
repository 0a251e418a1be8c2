"""django-axes: five failures lock the account from that address (and the address) until an
administrator unlocks; never the account from elsewhere (issue 21, finding 2)."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.accounts.conftest import events, sign_in, signed_in
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db
WRONG = "not-the-password"  # noqa: S105


def fail(client, username, times, **extra):
    for _ in range(times):
        response = sign_in(client, username, WRONG, **extra)
        assert not signed_in(client)
    return response


def test_right_password_after_four_failures_signs_in(officer):
    client = Client()
    fail(client, "officer", 4)
    response = sign_in(client, "officer")
    assert response.status_code == 302 and signed_in(client)


def test_sixth_attempt_with_the_right_password_is_refused_and_audited(officer):
    client = Client()
    fail(client, "officer", 5)
    response = sign_in(client, "officer")
    assert response.status_code == 429 and b"Sign-in locked" in response.content
    assert not signed_in(client)
    lockouts = events("auth.lockout")
    assert lockouts and lockouts[0].outcome == "denied" and lockouts[0].object_id == "officer"
    assert (
        lockouts[0].source_address == "127.0.0.1" and lockouts[0].reason_code == "too_many_failures"
    )


def test_a_stranger_cannot_lock_a_known_user_out_from_elsewhere(officer):
    # The probe: 5 × POST /accounts/login/ with a wrong password for a known username from one
    # address; the right password from another address then got 429.
    stranger = Client(REMOTE_ADDR="203.0.113.66")
    fail(stranger, "officer", 5)
    assert sign_in(stranger, "officer").status_code == 429 and not signed_in(stranger)
    owner = Client(REMOTE_ADDR="10.0.0.7")
    response = sign_in(owner, "officer")
    assert response.status_code == 302 and signed_in(owner)


def test_a_user_locked_by_his_own_typos_stays_locked_at_his_address(officer):
    mdt = Client(REMOTE_ADDR="10.0.0.7")
    fail(mdt, "officer", 5)
    assert sign_in(mdt, "officer").status_code == 429 and not signed_in(mdt)
    assert sign_in(Client(REMOTE_ADDR="10.0.0.7"), "officer").status_code == 429


def test_token_endpoint_locked_by_a_stranger_still_serves_the_owner(officer):
    stranger = APIClient(REMOTE_ADDR="203.0.113.66")
    for _ in range(5):
        stranger.post(reverse("api-token"), {"username": "officer", "password": WRONG})
    owner = APIClient(REMOTE_ADDR="10.0.0.7")
    response = owner.post(reverse("api-token"), {"username": "officer", "password": TEST_PASSWORD})
    assert response.status_code == 200 and response.json()["token"]


def test_lock_by_address_spares_other_addresses(officer, supervisor):
    attacker = Client(REMOTE_ADDR="10.0.0.66")
    for name in ("a", "b", "c", "d", "e"):
        sign_in(attacker, name, WRONG)
    assert sign_in(attacker, "officer").status_code == 429 and not signed_in(attacker)
    elsewhere = Client(REMOTE_ADDR="10.0.0.7")
    assert sign_in(elsewhere, "officer").status_code == 302 and signed_in(elsewhere)


def test_lock_stays_after_the_window_until_unlocked(officer):
    client = Client()
    fail(client, "officer", 5)
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        assert sign_in(client, "officer").status_code == 429


def test_failures_further_apart_than_the_window_do_not_lock(officer):
    client = Client()
    start = timezone.now()
    for i in range(6):
        with time_machine.travel(start + timedelta(minutes=20 * i)):
            fail(client, "officer", 1)
    with time_machine.travel(start + timedelta(minutes=121)):
        assert sign_in(client, "officer").status_code == 302 and signed_in(client)


def test_administrator_unlocks_from_the_user_list(officer, administrator, client):
    locked = Client()
    fail(locked, "officer", 5)
    assert sign_in(locked, "officer").status_code == 429

    admin = client  # signed in with a verified second factor
    admin.force_login(administrator)
    response = admin.post(
        reverse("admin:auth_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [officer.pk]},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="officer").exists()
    unlock = events("auth.unlock")[-1]
    assert (
        unlock.actor_username == "admin"
        and unlock.object_id == "officer"
        and unlock.outcome == "success"
    )

    assert sign_in(locked, "officer").status_code == 302 and signed_in(locked)


def test_deleting_the_axes_record_unlocks_and_is_audited(officer, administrator, client):
    locked = Client()
    fail(locked, "officer", 5)
    attempt = AccessAttempt.objects.filter(username="officer").first()
    admin = client
    admin.force_login(administrator)
    response = admin.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert events("auth.unlock")[-1].actor_username == "admin"
    assert sign_in(locked, "officer").status_code == 302


def test_token_endpoint_counts_failures_and_locks(officer):
    client = APIClient()
    for _ in range(4):
        assert (
            client.post(
                reverse("api-token"), {"username": "officer", "password": WRONG}
            ).status_code
            == 400
        )
    locked = client.post(reverse("api-token"), {"username": "officer", "password": WRONG})
    assert locked.status_code == 429
    assert (
        "An administrator must unlock it" in locked.json()["detail"]
    )  # the API's shape, not the page
    assert (
        client.post(
            reverse("api-token"), {"username": "officer", "password": TEST_PASSWORD}
        ).status_code
        == 429
    )


def test_token_endpoint_is_throttled_per_address(officer):
    client = APIClient()
    for _ in range(10):  # API_TOKEN_THROTTLE_RATE: 10/min
        assert (
            client.post(
                reverse("api-token"), {"username": "officer", "password": TEST_PASSWORD}
            ).status_code
            == 200
        )
    throttled = client.post(
        reverse("api-token"), {"username": "officer", "password": TEST_PASSWORD}
    )
    assert throttled.status_code == 429 and "throttled" in throttled.json()["detail"]


def test_login_page_is_throttled_per_address(officer):
    client = Client()
    for _ in range(30):  # LOGIN_THROTTLE_RATE: 30/min; without the banner no password is even tried
        assert sign_in(client, "officer", WRONG, banner=False).status_code == 200
    assert sign_in(client, "officer").status_code == 429 and not signed_in(client)
    assert Client(REMOTE_ADDR="10.0.0.8").post("/accounts/login/", {}).status_code == 200
