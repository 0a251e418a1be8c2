"""Sign-in with OpenID Connect against a real provider (tests/sso/provider, its own process): the
redirect flow through the provider's login form and back to the callback, the group claim to roles
and district, a lost group taking the role and the API tokens, a second factor at the provider, and
ID tokens that must be refused (built here, served once by the provider's token endpoint), each
beside its positive control."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken

from accounts.models import DirectoryIdentity
from tests.sso.conftest import CLIENT_ID

pytestmark = [pytest.mark.django_db, pytest.mark.subprocess]


def events(action: str, **filters):
    from audit.models import AuditEvent

    return list(AuditEvent.objects.filter(action=action, **filters).order_by("pk"))


def start(client: Client) -> str:
    """The app's redirect to the provider's authorisation endpoint."""
    response = client.get(reverse("oidc-login"), {"accept_banner": "on"})
    assert response.status_code == 302
    return response["Location"]


def finish(client: Client, callback: str):
    return client.get(callback.removeprefix("http://testserver"))


def sso_sign_in(client: Client, provider, username: str):
    return finish(client, provider.sign_in(start(client), username))


def signed_in_as(client: Client):
    from django.contrib.auth import get_user_model

    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id) if user_id else None


def roles(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_group_claim_gives_the_role_and_the_district(oidc_settings, oidc_provider):
    oidc_provider.set_user("ofc.d1", groups=["patrol-d1", "not-mapped-here"], employee_number="77")
    client = Client()
    authorize = start(client)
    assert authorize.startswith(oidc_provider.issuer + "/authorize/")
    query = parse_qs(urlparse(authorize).query)
    assert query["client_id"] == [CLIENT_ID] and query["code_challenge_method"] == ["S256"]
    assert query["state"] and query["nonce"]

    response = finish(client, oidc_provider.sign_in(authorize, "ofc.d1"))

    assert response.status_code == 302 and response["Location"] == reverse("home")
    user = signed_in_as(client)
    assert user is not None and user.username == "ofc.d1"
    assert roles(user) == {"Officer"}
    assert user.officer_profile.home_district.code == "D1"
    assert user.officer_profile.badge_number == "77"
    assert not user.has_usable_password()  # only the directory signs him in
    assert DirectoryIdentity.objects.get(user=user).groups == ["not-mapped-here", "patrol-d1"]
    assert client.get(reverse("officer-home")).status_code == 200
    (login,) = events("sso.login", actor_id=user.pk)
    assert login.after["roles"] == ["Officer"] and login.after["scope"] == ["district D1"]
    assert events("auth.login", actor_id=user.pk)  # audited like a local sign-in


def test_a_beat_group_sets_the_beat_and_its_district(oidc_settings, oidc_provider):
    oidc_provider.set_user("ofc.d2b1", groups=["patrol-d2-b1"])
    client = Client()
    sso_sign_in(client, oidc_provider, "ofc.d2b1")
    profile = signed_in_as(client).officer_profile
    assert (profile.home_district.code, profile.home_beat.code) == ("D2", "D2-B1")


def test_removed_group_loses_the_role_and_the_api_tokens(oidc_settings, oidc_provider):
    oidc_provider.set_user("dual", groups=["patrol-d1", "crime-analysts"], amr=["pwd", "mfa"])
    client = Client()
    sso_sign_in(client, oidc_provider, "dual")
    user = signed_in_as(client)
    assert roles(user) == {"Officer", "Analyst"}
    _, token = AuthToken.objects.create(user=user)
    api = Client(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/shifts/").status_code == 200  # control: the token works

    oidc_provider.set_user("dual", groups=["patrol-d1"], amr=["pwd", "mfa"])
    client = Client()
    sso_sign_in(client, oidc_provider, "dual")

    assert signed_in_as(client) == user  # still an officer
    assert roles(user) == {"Officer"}
    assert not AuthToken.objects.filter(user=user).exists()
    assert api.get("/api/v1/shifts/").status_code == 401
    (revoked,) = events("token.revoked", reason_code="directory_grant_removed")
    assert "Analyst" in revoked.reason

    oidc_provider.set_user("dual", groups=[], amr=["pwd", "mfa"])
    client = Client()
    response = sso_sign_in(client, oidc_provider, "dual")
    assert response["Location"] == reverse("login") and signed_in_as(client) is None
    assert roles(user) == set() and not user.officer_profile.home_district
    assert events("sso.login_failed", reason_code="no_mapped_group")


def test_a_second_factor_at_the_provider_counts(oidc_settings, oidc_provider):
    oidc_provider.set_user("analyst.mfa", groups=["crime-analysts"], amr=["pwd", "otp"])
    client = Client()
    sso_sign_in(client, oidc_provider, "analyst.mfa")
    assert client.get(reverse("analyst-home")).status_code == 200  # no TOTP asked
    assert events("mfa.at_provider", actor_id=signed_in_as(client).pk)


def test_without_a_second_factor_at_the_provider_the_local_one_is_asked(
    oidc_settings, oidc_provider
):
    oidc_provider.set_user("analyst.pwd", groups=["crime-analysts"], amr=["pwd"])
    client = Client()
    sso_sign_in(client, oidc_provider, "analyst.pwd")
    assert signed_in_as(client) is not None
    page = client.get(reverse("analyst-home"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("mfa-enrol"))
    assert not events("mfa.at_provider")


def test_an_acr_the_settings_list_counts_as_a_second_factor(oidc_settings, oidc_provider):
    oidc_settings.SSO_MFA_ACR_VALUES = ["gold"]
    oidc_provider.set_user("analyst.acr", groups=["crime-analysts"], amr=["pwd"], acr="gold")
    oidc_provider.set_user("analyst.silver", groups=["crime-analysts"], amr=["pwd"], acr="silver")
    gold, silver = Client(), Client()
    sso_sign_in(gold, oidc_provider, "analyst.acr")
    sso_sign_in(silver, oidc_provider, "analyst.silver")
    assert gold.get(reverse("analyst-home")).status_code == 200
    assert silver.get(reverse("analyst-home")).status_code == 302  # control: another acr


def test_a_local_account_of_the_same_name_is_not_taken_over(
    oidc_settings, oidc_provider, role_user
):
    local = role_user("Administrator", username="breakglass")
    oidc_provider.set_user("breakglass", groups=["crime-analysts"], amr=["mfa"])
    client = Client()
    response = sso_sign_in(client, oidc_provider, "breakglass")
    assert response["Location"] == reverse("login") and signed_in_as(client) is None
    assert roles(local) == {"Administrator"} and local.has_usable_password()
    assert events("sso.login_failed", reason_code="local_account_exists")


# --- ID tokens that must be refused ----------------------------------------------------------------


def id_token(provider, nonce: str, username: str, *, key_pem=None, **changes) -> str:
    now = int(time.time())
    claims = {
        "iss": provider.issuer,
        "aud": CLIENT_ID,
        "sub": username,
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
        "preferred_username": username,
        "groups": ["patrol-d1"],
        "amr": ["pwd"],
        **changes,
    }
    return jwt.encode(
        claims, key_pem or provider.key_pem, algorithm="RS256", headers={"kid": provider.kid}
    )


def another_key() -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


FORGERIES = {
    "wrong_issuer": {"iss": "https://login.evil.example/o"},
    "wrong_audience": {"aud": "another-client"},
    "bad_signature": {"key_pem": "another"},
    "token_expired": {"iat": int(time.time()) - 3600, "exp": int(time.time()) - 600},
    "nonce_mismatch": {"nonce": "a-nonce-from-an-earlier-sign-in"},
}


def sign_in_with_token(client, provider, username: str, **changes):
    authorize = start(client)
    nonce = parse_qs(urlparse(authorize).query)["nonce"][0]
    callback = provider.sign_in(authorize, username)
    if changes.get("key_pem") == "another":
        changes["key_pem"] = another_key()
    if "nonce" in changes:
        nonce = changes.pop("nonce")
    provider.serve_next_id_token(id_token(provider, nonce, username, **changes))
    return finish(client, callback)


@pytest.mark.parametrize("reason", FORGERIES)
def test_a_bad_id_token_is_refused_and_a_good_one_accepted(oidc_settings, oidc_provider, reason):
    username = f"forged.{reason}"
    oidc_provider.set_user(username, groups=["patrol-d1"])

    refused = Client()
    response = sign_in_with_token(refused, oidc_provider, username, **FORGERIES[reason])
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert signed_in_as(refused) is None
    (failure,) = events("sso.login_failed")
    assert failure.reason_code == reason and failure.outcome == "failure"

    accepted = Client()  # control: the same hand-built token, without the fault, signs in
    response = sign_in_with_token(accepted, oidc_provider, username)
    assert response["Location"] == reverse("home")
    assert signed_in_as(accepted).username == username


def test_a_replayed_callback_is_refused(oidc_settings, oidc_provider):
    oidc_provider.set_user("replayed", groups=["patrol-d1"])
    client = Client()
    callback = oidc_provider.sign_in(start(client), "replayed")
    assert finish(client, callback)["Location"] == reverse("home")  # control: the first use
    client.post(reverse("logout"))
    assert signed_in_as(client) is None
    start(client)  # the browser has a sign-in under way again, with a new state

    again = finish(client, callback)  # the old state and code, same browser
    assert again["Location"] == reverse("login") and signed_in_as(client) is None
    assert events("sso.login_failed", reason_code="unknown_state")

    stranger = Client()  # someone else's browser, which never started a sign-in
    assert finish(stranger, callback)["Location"] == reverse("login")
    assert signed_in_as(stranger) is None
    assert events("sso.login_failed", reason_code="callback_refused")


def test_sso_is_off_by_default(client):
    response = client.get(reverse("oidc-login"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "Sign in with" not in client.get(reverse("login")).content.decode()


def test_the_login_page_offers_the_provider_when_on(oidc_settings, client):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with Test Directory" in page and reverse("oidc-login") in page


def test_single_sign_on_starts_only_after_the_system_use_notice(oidc_settings, client):
    refused = client.get(reverse("oidc-login"))
    assert refused.status_code == 302 and refused["Location"] == reverse("login")
    assert "oidc_states" not in client.session
    accepted = client.get(reverse("oidc-login"), {"accept_banner": "on"})  # control
    assert accepted["Location"].startswith(oidc_settings.OIDC_OP_AUTHORIZATION_ENDPOINT)
