"""LDAP / Active Directory sign-in (django-auth-ldap, ADR 0029): the login form's name and password
are checked by a bind as the user; his groups (read afresh at every sign-in) go through
accounts.sso like an OIDC user's. A wrong password is a failed sign-in like any other (audited,
counted by django-axes). The searches are built from the plain LDAP_* settings.
"""

from __future__ import annotations

import ldap
from django.conf import settings
from django_auth_ldap.backend import LDAPBackend, LDAPSettings
from django_auth_ldap.config import (
    ActiveDirectoryGroupType,
    GroupOfNamesType,
    LDAPSearch,
    NestedActiveDirectoryGroupType,
    PosixGroupType,
)

from . import sso
from .models import DirectoryIdentity

SOURCE = DirectoryIdentity.Source.LDAP
GROUP_TYPES = {
    "groupOfNames": GroupOfNamesType,  # OpenLDAP: member=DN
    "posixGroup": PosixGroupType,  # memberUid=name
    "activeDirectory": ActiveDirectoryGroupType,  # AD: objectClass=group, member=DN
    "nestedActiveDirectory": NestedActiveDirectoryGroupType,  # AD, groups within groups too
}


class DirectoryLDAPBackend(LDAPBackend):
    @property
    def settings(self):
        ldap_settings = LDAPSettings(self.settings_prefix, self.default_settings)
        ldap_settings.USER_SEARCH = LDAPSearch(
            settings.LDAP_USER_BASE, ldap.SCOPE_SUBTREE, settings.LDAP_USER_FILTER
        )
        ldap_settings.GROUP_SEARCH = LDAPSearch(
            settings.LDAP_GROUP_BASE, ldap.SCOPE_SUBTREE, settings.LDAP_GROUP_FILTER
        )
        ldap_settings.GROUP_TYPE = GROUP_TYPES[settings.LDAP_GROUP_TYPE]()
        return ldap_settings

    @settings.setter
    def settings(self, value):  # django-auth-ldap's tests set it; here the settings decide
        pass

    def get_or_build_user(self, username, ldap_user):
        """The user linked to this directory name; a local account of that name is not taken over."""
        subject = username.lower()
        identity = DirectoryIdentity.objects.select_related("user").filter(
            source=SOURCE, subject=subject
        )
        if identity.exists():
            return identity.get().user, False
        user, built = super().get_or_build_user(username, ldap_user)
        if not built:
            sso.record_refusal(
                request=ldap_user._request,
                source=SOURCE,
                subject=subject,
                reason_code="local_account_exists",
                reason=f"A local account named {username!r} exists; the directory does not take it over.",
            )
            raise ldap_user.AuthenticationFailed("a local account has this name")
        return user, built

    def authenticate_ldap_user(self, ldap_user, password):
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is None:
            return None
        subject = ldap_user._username.lower()
        sso.link_identity(user=user, source=SOURCE, subject=subject)
        wanted = settings.LDAP_BADGE_ATTRIBUTE.lower()
        badge_values = [v for k, v in (ldap_user.attrs or {}).items() if k.lower() == wanted]
        badge_values = badge_values[0] if badge_values else [""]
        try:
            return sso.apply_directory_groups(
                request=ldap_user._request,
                user=user,
                source=SOURCE,
                subject=subject,
                groups=ldap_user.group_dns,
                badge=str(badge_values[0]),
                details={"second_factor": "local"},
            )
        except sso.DirectorySignInRefused as exc:
            sso.record_refusal(
                request=ldap_user._request,
                source=SOURCE,
                subject=subject,
                reason_code=exc.reason_code,
                reason=str(exc),
            )
            return None
