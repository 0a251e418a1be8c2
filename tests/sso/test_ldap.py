"""Sign-in with LDAP against a real OpenLDAP slapd (tests/sso/conftest.py): the login form's bind
with the right password signs in with the mapped role and district, a wrong one is refused and
counted like a local failure, and a user taken out of his group in the directory loses the role and
his API tokens at the next sign-in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken

from accounts.models import DirectoryIdentity
from tests.accounts.conftest import sign_in
from tests.conftest import TEST_PASSWORD
from tests.sso.conftest import PASSWORD
from tests.sso.test_oidc import events, roles, signed_in_as

pytestmark = [pytest.mark.django_db, pytest.mark.subprocess]


def test_the_right_password_signs_in_with_the_mapped_role_and_district(ldap_settings):
    client = Client()
    response = sign_in(client, "jdoe", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    user = signed_in_as(client)
    assert user.username == "jdoe" and (user.first_name, user.email) == ("Jane", "jdoe@example.org")
    assert roles(user) == {"Officer"}
    assert user.officer_profile.home_district.code == "D1"
    assert user.officer_profile.badge_number == "4711"  # employeeNumber
    assert not user.has_usable_password()
    assert DirectoryIdentity.objects.get(user=user, source="ldap").subject == "jdoe"
    (login,) = events("sso.login", actor_id=user.pk)
    assert login.after["source"] == "ldap" and login.after["roles"] == ["Officer"]
    assert client.get(reverse("officer-home")).status_code == 200


def test_a_wrong_password_is_refused(ldap_settings):
    refused = Client()
    response = sign_in(refused, "jdoe", "not-the-passphrase")
    assert response.status_code == 200 and signed_in_as(refused) is None
    (failure,) = events("auth.login_failed")
    assert failure.object_id == "jdoe"
    assert not events("sso.login")

    accepted = Client()  # control: the right one
    assert sign_in(accepted, "jdoe", PASSWORD)["Location"] == reverse("home")


def test_taken_out_of_a_group_loses_the_role_and_the_tokens(ldap_settings, ldap_server):
    client = Client()
    sign_in(client, "rroe", PASSWORD)
    user = signed_in_as(client)
    assert roles(user) == {"Officer", "Analyst"}
    _, token = AuthToken.objects.create(user=user)

    ldap_server.remove_member("crime-analysts", "rroe")
    try:
        client = Client()
        assert sign_in(client, "rroe", PASSWORD)["Location"] == reverse("home")
        assert signed_in_as(client) == user and roles(user) == {"Officer"}
        assert not AuthToken.objects.filter(user=user).exists()
        assert events("token.revoked", reason_code="directory_grant_removed")

        ldap_server.remove_member("patrol-d1", "rroe")  # in no mapped group: disabled here
        client = Client()
        response = sign_in(client, "rroe", PASSWORD)
        assert response.status_code == 200 and signed_in_as(client) is None
        assert roles(user) == set()
        assert events("sso.login_failed", reason_code="no_mapped_group")
    finally:
        ldap_server.add_member("crime-analysts", "rroe")
        ldap_server.add_member("patrol-d1", "rroe")


def test_a_local_account_is_not_taken_over_by_the_directory(ldap_settings, role_user):
    local = role_user("Administrator", username="admin")
    client = Client()
    response = sign_in(client, "admin", PASSWORD)  # the directory's "admin", its password
    assert response.status_code == 200 and signed_in_as(client) is None
    assert roles(local) == {"Administrator"}
    assert events("sso.login_failed", reason_code="local_account_exists")
    assert sign_in(Client(), "admin", TEST_PASSWORD)["Location"] == reverse("home")
