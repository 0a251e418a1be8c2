"""Service credentials of unattended feeds: an administrator issues one, rotates its token and
revokes it; each step is audited. The token is returned once and never stored in clear."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from knox.models import AuthToken

from agency import roles
from audit.actions import Action
from audit.services import record

from ..models import FeedCredential, Source


class FeedCredentialError(ValueError):
    """A credential that cannot be issued or changed as asked; the message says why."""


@transaction.atomic
def issue_feed_credential(
    *, actor, name: str, sources: list[Source], expires_at: datetime
) -> tuple[FeedCredential, str]:
    """A new feed: its service user (Feed role, no password) and its one token until `expires_at`."""
    name = name.strip()
    if not name:
        raise FeedCredentialError("Give the feed a name.")
    if FeedCredential.objects.filter(name=name).exists():
        raise FeedCredentialError(
            f"A feed named {name!r} exists already: rotate its token instead."
        )
    _check_expiry(expires_at)
    user = get_user_model().objects.create_user(username=_free_username(name))
    user.set_unusable_password()  # it signs in with its token only, never on a page
    user.save(update_fields=["password"])
    user.groups.add(Group.objects.get_or_create(name=roles.FEED)[0])
    credential = FeedCredential.objects.create(
        name=name, user=user, expires_at=expires_at, created_by=actor
    )
    credential.sources.set(sources)
    token = _new_token(credential)
    record(
        action=Action.FEED_CREDENTIAL_ISSUED,
        actor=actor,
        object_type="ingest.feedcredential",
        object_id=str(credential.pk),
        after=_described(credential),
    )
    return credential, token


@transaction.atomic
def rotate_feed_credential(
    *, actor, credential: FeedCredential, expires_at: datetime | None = None
) -> str:
    """A new token (the old one stops working now), optionally with a new expiry."""
    credential = FeedCredential.objects.select_for_update().get(pk=credential.pk)
    if credential.is_revoked:
        raise FeedCredentialError(f"{credential.name} is revoked: issue a new feed instead.")
    before = _described(credential)
    if expires_at is not None:
        _check_expiry(expires_at)
        credential.expires_at = expires_at
    credential.rotated_at = timezone.now()
    credential.save(update_fields=["expires_at", "rotated_at"])
    token = _new_token(credential)
    record(
        action=Action.FEED_CREDENTIAL_ROTATED,
        actor=actor,
        object_type="ingest.feedcredential",
        object_id=str(credential.pk),
        before=before,
        after=_described(credential),
    )
    return token


@transaction.atomic
def revoke_feed_credential(*, actor, credential: FeedCredential, reason: str = "") -> None:
    """The token stops working now and no new one can be issued; the runs it pushed are kept."""
    credential = FeedCredential.objects.select_for_update().get(pk=credential.pk)
    if credential.is_revoked:
        return
    before = _described(credential)
    AuthToken.objects.filter(user=credential.user).delete()
    credential.revoked_at = timezone.now()
    credential.save(update_fields=["revoked_at"])
    credential.user.is_active = False
    credential.user.save(update_fields=["is_active"])
    record(
        action=Action.FEED_CREDENTIAL_REVOKED,
        actor=actor,
        object_type="ingest.feedcredential",
        object_id=str(credential.pk),
        before=before,
        after=_described(credential),
        reason=reason,
    )


@transaction.atomic
def set_feed_sources(*, actor, credential: FeedCredential, sources: list[Source]) -> None:
    """What the feed may push to, from now on."""
    credential = FeedCredential.objects.select_for_update().get(pk=credential.pk)
    before = _described(credential)
    credential.sources.set(sources)
    record(
        action=Action.FEED_CREDENTIAL_SOURCES_CHANGED,
        actor=actor,
        object_type="ingest.feedcredential",
        object_id=str(credential.pk),
        before=before,
        after=_described(credential),
    )


def _new_token(credential: FeedCredential) -> str:
    AuthToken.objects.filter(user=credential.user).delete()
    _, token = AuthToken.objects.create(
        user=credential.user, expiry=credential.expires_at - timezone.now()
    )
    return token


def _check_expiry(expires_at: datetime) -> None:
    if expires_at <= timezone.now():
        raise FeedCredentialError("The expiry must be in the future.")


def _free_username(name: str) -> str:
    users = get_user_model().objects
    base = username = f"feed-{slugify(name)[:100] or 'unnamed'}"
    n = 1
    while users.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


def _described(credential: FeedCredential) -> dict:
    return {
        "name": credential.name,
        "user": credential.user.get_username(),
        "sources": sorted(credential.sources.values_list("name", flat=True)),
        "expires_at": credential.expires_at.isoformat(),
        "revoked": credential.is_revoked,
    }
