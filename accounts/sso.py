"""Sign-in through the agency's directory (OIDC or LDAP, ADR 0029): the one write path that links a
directory user to a local one, applies SSO_GROUP_ROLES to his roles and district/beat scope at every
sign-in, revokes his API tokens when he lost a grant, honours a second factor done at the provider,
and audits all of it. The backends (accounts.oidc, accounts.ldap) only translate their protocol.

A user created here has no usable password: only the directory signs him in. A local account (no
DirectoryIdentity) is never taken over by a directory user of the same name: break-glass
administrators stay local.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from knox.models import AuthToken

from agency import roles
from agency.models import Beat, District, OfficerProfile
from audit.actions import Action
from audit.services import record

from .models import DirectoryFactorDevice, DirectoryIdentity
from .services import revoke_api_tokens

LOGGER = logging.getLogger(__name__)
# The roles a directory group may give (a feed is a service account, never a person).
DIRECTORY_ROLES = (
    roles.OFFICER,
    roles.ANALYST,
    roles.SUPERVISOR,
    roles.ADMINISTRATOR,
    roles.AUDITOR,
)
PROVIDER_FACTOR_NAME = "Second factor at the identity provider"


class DirectorySignInRefused(Exception):
    """A directory sign-in that must not go on; `reason_code` goes into the audit event."""

    def __init__(self, reason_code: str, message: str):
        super().__init__(message)
        self.reason_code = reason_code


@dataclass(frozen=True)
class Grants:
    """What a user's directory groups give him under SSO_GROUP_ROLES."""

    roles: frozenset[str] = frozenset()
    districts: tuple[str, ...] = ()  # codes, in the table's order
    beats: tuple[str, ...] = ()
    matched_groups: tuple[str, ...] = ()
    unknown_scopes: tuple[str, ...] = field(default=())


def group_table() -> dict[str, tuple[str, str | None, str | None]]:
    """SSO_GROUP_ROLES with lower-cased group keys and (role, district, beat) values; a role that is
    not one of the five is a configuration error naming the group."""
    table = {}
    for group, value in (settings.SSO_GROUP_ROLES or {}).items():
        value = [value] if isinstance(value, str) else list(value)
        if not 1 <= len(value) <= 3 or value[0] not in DIRECTORY_ROLES:
            raise ImproperlyConfigured(
                f"SSO_GROUP_ROLES[{group!r}] = {value!r}: expected [role], [role, district] or "
                f"[role, district, beat] with role one of {', '.join(DIRECTORY_ROLES)}."
            )
        role, district, beat = (*value, None, None)[:3]
        table[_normal(group)] = (role, district or None, beat or None)
    return table


def grants_for(groups) -> Grants:
    table = group_table()
    found_roles, districts, beats, matched = set(), [], [], []
    for group in groups:
        entry = table.get(_normal(group))
        if entry is None:
            continue
        role, district, beat = entry
        matched.append(str(group))
        found_roles.add(role)
        if district and district not in districts:
            districts.append(district)
        if beat and beat not in beats:
            beats.append(beat)
    return Grants(
        roles=frozenset(found_roles),
        districts=tuple(districts),
        beats=tuple(beats),
        matched_groups=tuple(matched),
    )


def _normal(group) -> str:
    """Group names and DNs compared case-blind, without spaces after a DN's commas."""
    return ",".join(part.strip() for part in str(group).split(",")).lower()


# --- Linking --------------------------------------------------------------------------------------


@transaction.atomic
def directory_user(*, source: str, subject: str, username: str, email: str = ""):
    """The user linked to this directory subject, created (without a usable password) on the first
    sign-in. A local account of the same name is refused, not taken over."""
    identity = (
        DirectoryIdentity.objects.select_related("user")
        .filter(source=source, subject=subject)
        .first()
    )
    if identity is not None:
        return identity.user
    User = get_user_model()
    username = (username or subject)[:150]
    if User.objects.filter(username__iexact=username).exists():
        raise DirectorySignInRefused(
            "local_account_exists",
            f"A local account named {username!r} exists; an administrator must link or rename it "
            "before its owner can sign in through the directory.",
        )
    user = User(username=username, email=email or "")
    user.set_unusable_password()
    user.save()
    DirectoryIdentity.objects.create(user=user, source=source, subject=subject)
    return user


def link_identity(*, user, source: str, subject: str) -> None:
    """For a backend that creates the user itself (django-auth-ldap): record the link once."""
    DirectoryIdentity.objects.get_or_create(source=source, subject=subject, defaults={"user": user})


def is_directory_user(user, source: str) -> bool:
    return DirectoryIdentity.objects.filter(user=user, source=source).exists()


# --- Roles and scope at every sign-in -------------------------------------------------------------


def apply_directory_groups(
    *, request, user, source: str, subject: str, groups, badge: str = "", details=None
):
    """Make the user's roles and scope what his directory groups give now; revoke his API tokens if
    he lost a role or a district/beat; refuse a user no group maps to (after taking all away)."""
    grants, summary = _apply_grants(
        request=request, user=user, source=source, subject=subject, groups=groups, badge=badge
    )
    summary.update(details or {})
    if not grants.roles:
        raise DirectorySignInRefused(
            "no_mapped_group",
            f"None of {user.get_username()}'s directory groups is in SSO_GROUP_ROLES: "
            "no role, so no sign-in.",
        )
    if not user.is_active:
        raise DirectorySignInRefused("account_disabled", "This account is disabled here.")
    record(
        action=Action.SSO_LOGIN,
        request=request,
        actor=user,
        object_type="auth.user",
        object_id=str(user.pk),
        after=summary,
    )
    return user


@transaction.atomic
def _apply_grants(*, request, user, source, subject, groups, badge):
    groups = sorted({str(g) for g in groups or ()})
    grants = grants_for(groups)
    before_roles = set(user.groups.values_list("name", flat=True))
    before_scope = _scope_of(user)

    known_districts = {d.code: d for d in District.objects.filter(code__in=grants.districts)}
    known_beats = {
        b.code: b for b in Beat.objects.select_related("district").filter(code__in=grants.beats)
    }
    unknown = [f"district {c}" for c in grants.districts if c not in known_districts] + [
        f"beat {c}" for c in grants.beats if c not in known_beats
    ]
    for item in unknown:
        LOGGER.warning("SSO_GROUP_ROLES names %s, which this agency does not have", item)

    user.groups.set(Group.objects.filter(name__in=grants.roles))
    wants_staff = roles.ADMINISTRATOR in grants.roles
    if user.is_staff != wants_staff or user.is_superuser:
        user.is_staff, user.is_superuser = wants_staff, False
        user.save(update_fields=["is_staff", "is_superuser"])
    _set_scope(
        user,
        [known_districts[c] for c in grants.districts if c in known_districts],
        [known_beats[c] for c in grants.beats if c in known_beats],
        badge,
    )
    after_scope = _scope_of(user)

    lost_roles = sorted(before_roles - set(grants.roles))
    lost_scope = sorted(before_scope - after_scope)
    revoked = 0
    if lost_roles or lost_scope:
        revoked = revoke_api_tokens(
            tokens=AuthToken.objects.filter(user=user).select_related("user"),
            request=request,
            reason_code="directory_grant_removed",
            reason=f"Removed in the directory: {', '.join(lost_roles + lost_scope)}.",
        )
    DirectoryIdentity.objects.filter(source=source, subject=subject).update(
        groups=groups, last_sign_in=timezone.now()
    )
    summary = {
        "source": source,
        "subject": subject,
        "groups": list(grants.matched_groups),
        "roles": sorted(grants.roles),
        "scope": sorted(after_scope),
        "lost": lost_roles + lost_scope,
        "tokens_revoked": revoked,
        **({"unknown_scopes": unknown} if unknown else {}),
    }
    return grants, summary


def _scope_of(user) -> set[str]:
    profile = OfficerProfile.objects.filter(user=user).first()
    if profile is None:
        return set()
    scope = {
        f"district {code}" for code in profile.supervised_districts.values_list("code", flat=True)
    }
    if profile.home_district is not None:
        scope.add(f"district {profile.home_district.code}")
    if profile.home_beat is not None:
        scope.add(f"beat {profile.home_beat.code}")
    return scope


def _set_scope(user, districts, beats, badge: str) -> None:
    profile = OfficerProfile.objects.filter(user=user).first()
    if profile is None and not (districts or beats):
        return
    if profile is None:
        profile = OfficerProfile(user=user, badge_number=_free_badge(badge, user))
    home_beat = beats[0] if beats else None
    home_district = home_beat.district if home_beat else (districts[0] if districts else None)
    profile.home_beat, profile.home_district = home_beat, home_district
    if badge and profile.badge_number != badge and _free_badge(badge, user) == badge:
        profile.badge_number = badge
    profile.save()
    profile.supervised_districts.set([d for d in districts if d != home_district])


def _free_badge(badge: str, user) -> str:
    taken = OfficerProfile.objects.exclude(user=user).filter(badge_number=badge).exists()
    return badge[:32] if badge and not taken else f"SSO-{user.pk}"


# --- Second factor at the provider, refusals ------------------------------------------------------


def provider_did_second_factor(claims) -> bool:
    """The ID token says a second factor was used: an `amr` value or the `acr` the settings list."""
    amr = claims.get("amr") or []
    amr = [amr] if isinstance(amr, str) else amr
    if set(map(str, amr)) & set(settings.SSO_MFA_AMR_VALUES):
        return True
    return bool(claims.get("acr")) and str(claims.get("acr")) in settings.SSO_MFA_ACR_VALUES


def mark_verified_by_provider(*, request, user) -> None:
    """The session counts as verified by a second factor (django-otp), as after a local TOTP code."""
    device, _ = DirectoryFactorDevice.objects.get_or_create(
        user=user, defaults={"name": PROVIDER_FACTOR_NAME, "confirmed": True}
    )
    otp_login(request, device)
    record(
        action=Action.MFA_AT_PROVIDER,
        request=request,
        actor=user,
        object_type="accounts.directoryfactordevice",
        object_id=str(device.pk),
    )


def record_refusal(*, request, source: str, reason_code: str, reason: str, subject: str = ""):
    if request is not None:
        request.sso_refusal_recorded = True
    record(
        action=Action.SSO_LOGIN_FAILED,
        request=request,
        outcome="failure",
        object_type="auth.user",
        object_id=subject[:64],
        after={"source": source},
        reason_code=reason_code,
        reason=reason[:500],
    )
