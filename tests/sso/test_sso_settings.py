"""Single sign-on's settings without a server: the group table (roles, scope, bad rows named) and
the security self-check's line for it."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from accounts import sso
from missions_site import selfcheck


def test_groups_map_to_roles_and_scope_case_blind(settings):
    settings.SSO_GROUP_ROLES = {
        "CN=Patrol-D1, OU=Groups,DC=example,DC=org": ["Officer", "D1"],
        "analysts": ["Analyst"],
        "d2-beat": ["Officer", "D2", "D2-B1"],
    }
    grants = sso.grants_for(
        ["cn=patrol-d1,ou=groups,dc=example,dc=org", "d2-beat", "someone-elses-group"]
    )
    assert grants.roles == {"Officer"}
    assert grants.districts == ("D1", "D2") and grants.beats == ("D2-B1",)
    assert sso.grants_for(["Analysts"]).roles == {"Analyst"}
    assert sso.grants_for(["someone-elses-group"]).roles == frozenset()  # control: nothing


@pytest.mark.parametrize("value", [["Feed"], ["Chief"], [], ["Officer", "D1", "B1", "extra"]])
def test_a_bad_row_of_the_table_is_named(settings, value):
    settings.SSO_GROUP_ROLES = {"patrol": ["Officer", "D1"], "bad-group": value}
    with pytest.raises(ImproperlyConfigured, match="bad-group"):
        sso.grants_for(["patrol"])


def test_the_provider_second_factor_is_read_from_amr_or_the_listed_acr(settings):
    settings.SSO_MFA_ACR_VALUES = ["gold"]
    assert sso.provider_did_second_factor({"amr": ["pwd", "mfa"]})
    assert sso.provider_did_second_factor({"amr": ["pwd"], "acr": "gold"})
    assert not sso.provider_did_second_factor({"amr": ["pwd"], "acr": "silver"})
    assert not sso.provider_did_second_factor({})


def test_selfcheck_wants_tls_to_the_directory(settings):
    check = selfcheck.directory_sign_in_encrypted
    assert check(settings).passed and check(settings).value == "off"
    settings.OIDC_ENABLED = True
    settings.OIDC_OP_ISSUER = "https://login.example.org/realms/police"
    settings.OIDC_OP_TOKEN_ENDPOINT = "https://login.example.org/token"
    assert check(settings).passed
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://login.example.org/token"
    result = check(settings)
    assert not result.passed and "OIDC_OP_TOKEN_ENDPOINT not https" in result.value
    settings.OIDC_ENABLED = False
    settings.LDAP_ENABLED = True
    settings.AUTH_LDAP_SERVER_URI = "ldap://dc1.example.org"
    settings.AUTH_LDAP_START_TLS = False
    assert not check(settings).passed
    settings.AUTH_LDAP_START_TLS = True
    assert check(settings).passed
    settings.AUTH_LDAP_START_TLS = False
    settings.AUTH_LDAP_SERVER_URI = "ldaps://dc1.example.org"
    assert check(settings).passed
