"""API tokens (django-rest-knox): hashed, expiring, listed and revoked by the user and an
administrator, revoked at logout; disabling a user ends his sessions and tokens at once."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.accounts.conftest import events, sign_in
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db
API = "/api/v1/shifts/"


def token_for(username: str) -> str:
    response = APIClient().post(
        reverse("api-token"), {"username": username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    return response.json()["token"]


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_tokens_are_stored_hashed_and_expire_after_12_hours(officer):
    token = token_for("officer")
    stored = AuthToken.objects.get(user=officer)
    assert token not in (stored.digest, stored.token_key) and token.startswith(stored.token_key)
    assert events("token.created")[-1].object_id == stored.token_key
    client = with_token(token)
    with time_machine.travel(timezone.now() + timedelta(hours=11, minutes=55)):
        assert client.get(API).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=12, minutes=5)):
        assert client.get(API).status_code == 401


def test_user_lists_and_revokes_a_token_by_api(officer):
    kept, revoked = token_for("officer"), token_for("officer")
    client = with_token(kept)
    listed = client.get(reverse("api-tokens")).json()
    assert {t["token_key"] for t in listed} == {kept[:15], revoked[:15]}
    assert "digest" not in listed[0]
    assert client.delete(reverse("api-token-revoke", args=[revoked[:15]])).status_code == 204
    assert with_token(revoked).get(API).status_code == 401
    assert client.get(API).status_code == 200
    event = events("token.revoked")[-1]
    assert event.actor_username == "officer" and event.reason_code == "revoked_by_user"


def test_api_logout_revokes_the_token_used(officer):
    token, other = token_for("officer"), token_for("officer")
    assert with_token(token).post(reverse("api-logout")).status_code == 204
    assert with_token(token).get(API).status_code == 401
    assert with_token(other).get(API).status_code == 200


def test_logout_revokes_the_tokens_made_in_that_session(officer):
    browser = Client()
    sign_in(browser, "officer")
    page = browser.post(reverse("account-tokens"), {"action": "create"})
    made_here = page.context["new_token"]
    assert made_here and made_here.encode() in page.content
    elsewhere = token_for("officer")
    assert with_token(made_here).get(API).status_code == 200
    browser.post(reverse("logout"))
    assert with_token(made_here).get(API).status_code == 401
    assert with_token(elsewhere).get(API).status_code == 200  # not this session's
    assert events("token.revoked")[-1].reason_code == "logout"


def test_tokens_page_revokes(officer):
    browser = Client()
    sign_in(browser, "officer")
    token = token_for("officer")
    assert token[:15].encode() in browser.get(reverse("account-tokens")).content
    browser.post(reverse("account-tokens"), {"action": "revoke", "token_key": token[:15]})
    assert with_token(token).get(API).status_code == 401


def test_administrator_revokes_in_the_admin(officer, administrator, client):
    token = token_for("officer")
    client.force_login(administrator)
    stored = AuthToken.objects.get(user=officer)
    response = client.post(
        reverse("admin:knox_authtoken_delete", args=[stored.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert with_token(token).get(API).status_code == 401
    event = events("token.revoked")[-1]
    assert event.actor_username == "admin" and event.reason_code == "revoked_by_administrator"


def test_disabling_a_user_ends_sessions_and_tokens_at_once(officer, small_agency):
    browser = Client()
    sign_in(browser, "officer")
    token = token_for("officer")
    assert browser.get(API).status_code == 200 and with_token(token).get(API).status_code == 200
    assert browser.get(reverse("officer-home")).status_code == 200

    officer.is_active = False
    officer.save()

    assert browser.get(API).status_code == 401
    assert browser.get(reverse("officer-home")).url.startswith(reverse("login"))
    assert with_token(token).get(API).status_code == 401
    assert not AuthToken.objects.filter(user=officer).exists()
    assert events("token.revoked")[-1].reason_code == "user_disabled"
