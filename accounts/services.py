"""Every write of sign-in security: MFA enrolment and verification, recovery codes, API tokens,
unlocking, and disabling dormant or expired accounts. Each is audited (audit.services.record)."""

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from audit.actions import Action
from audit.services import record
from missions_site.access import FEED

from .models import RecoveryCode, RecoveryCodeDevice, digest_recovery_code, new_recovery_code

SESSION_TOKEN_KEYS = "api_token_keys"  # noqa: S105 (a session key name) tokens issued here, revoked at logout
TOTP_DEVICE_NAME = "Authenticator app"


# --- Second factor -------------------------------------------------------------------------------


def start_totp_enrolment(*, user) -> TOTPDevice:
    """The user's pending (unconfirmed) TOTP device, created once and reused until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def confirm_totp_enrolment(*, request, user, token: str) -> list[str] | None:
    """Confirm the pending device with a code from the app; returns new recovery codes, or None."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token):
        record(
            action=Action.MFA_FAILED,
            request=request,
            actor=user,
            outcome="failure",
            object_type="otp_totp.totpdevice",
            object_id=str(device.pk if device else ""),
            reason_code="enrolment_code_wrong",
            reason="The code from the app did not match.",
        )
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()  # one authenticator per user
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _replace_recovery_codes(user=user)
    otp_login(request, device)
    record(
        action=Action.MFA_ENROLLED,
        request=request,
        actor=user,
        object_type="otp_totp.totpdevice",
        object_id=str(device.pk),
        after={"device": device.name, "recovery_codes": len(codes)},
    )
    return codes


@transaction.atomic
def regenerate_recovery_codes(*, request, user) -> list[str]:
    codes = _replace_recovery_codes(user=user)
    record(
        action=Action.MFA_RECOVERY_CODES_REGENERATED,
        request=request,
        actor=user,
        object_type="accounts.recoverycodedevice",
        after={"recovery_codes": len(codes)},
    )
    return codes


def verify_second_factor(*, request, user, token: str):
    """The device that accepts `token` (a TOTP code, once; or a recovery code, once), or None."""
    device = match_token(user, (token or "").strip())
    if device is None:
        record(
            action=Action.MFA_FAILED,
            request=request,
            actor=user,
            outcome="failure",
            reason_code="code_wrong",
            reason="Wrong, reused or throttled second-factor code.",
        )
        return None
    if isinstance(device, RecoveryCodeDevice):
        record(
            action=Action.MFA_RECOVERY_CODE_USED,
            request=request,
            actor=user,
            object_type="accounts.recoverycodedevice",
            object_id=str(device.pk),
            after={"recovery_codes_left": device.codes.count()},
        )
    else:
        record(
            action=Action.MFA_VERIFIED,
            request=request,
            actor=user,
            object_type=device._meta.label_lower,
            object_id=str(device.pk),
        )
    return device


def mark_session_verified(*, request, device) -> None:
    otp_login(request, device)


def _replace_recovery_codes(*, user) -> list[str]:
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [new_recovery_code() for _ in range(settings.MFA_RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(device=device, digest=digest_recovery_code(code)) for code in codes]
    )
    return codes


# --- API tokens ----------------------------------------------------------------------------------


def issue_api_token(*, request, user, remember_in_session: bool = False) -> tuple[AuthToken, str]:
    """A new expiring token (stored as a digest; the clear text is returned once)."""
    instance, token = AuthToken.objects.create(user=user)
    if remember_in_session:
        request.session[SESSION_TOKEN_KEYS] = [
            *request.session.get(SESSION_TOKEN_KEYS, []),
            instance.token_key,
        ]
    record(
        action=Action.TOKEN_CREATED,
        request=request,
        actor=user,
        object_type="knox.authtoken",
        object_id=instance.token_key,
        after={"user": user.get_username(), "expiry": instance.expiry.isoformat()},
    )
    return instance, token


def revoke_api_tokens(
    *, tokens, actor=None, request=None, reason_code: str, reason: str = ""
) -> int:
    count = 0
    for token in list(tokens):
        token.delete()
        count += 1
        record(
            action=Action.TOKEN_REVOKED,
            request=request,
            actor=actor,
            object_type="knox.authtoken",
            object_id=token.token_key,
            before={"user": token.user.get_username()},
            reason_code=reason_code,
            reason=reason,
        )
    return count


def revoke_session_api_tokens(*, request, user) -> int:
    keys = request.session.get(SESSION_TOKEN_KEYS, []) if hasattr(request, "session") else []
    tokens = AuthToken.objects.filter(user=user, token_key__in=keys).select_related("user")
    return revoke_api_tokens(tokens=tokens, actor=user, request=request, reason_code="logout")


# --- Lockout -------------------------------------------------------------------------------------


def record_lockout(*, request, username: str | None, ip_address: str | None) -> None:
    record(
        action=Action.AUTH_LOCKOUT,
        request=request,
        outcome="denied",
        object_type="auth.user",
        object_id=username or "",
        after={"username": username, "ip_address": ip_address},
        reason_code="too_many_failures",
        reason=f"{settings.AXES_FAILURE_LIMIT} failed sign-ins: locked until an administrator unlocks.",
    )


@transaction.atomic
def unlock(*, request, actor, username: str | None = None, ip_addresses=()) -> int:
    """Lift the lock of an account and of the addresses its failures came from (a user who mistyped
    five times on his MDT locked both), or of the given addresses; returns the rows removed."""
    addresses = set(ip_addresses)
    match = Q(pk__in=[])
    if username:
        addresses |= set(
            AccessAttempt.objects.filter(username=username, ip_address__isnull=False).values_list(
                "ip_address", flat=True
            )
        )
        match = Q(username=username)
    removed, _ = AccessAttempt.objects.filter(match | Q(ip_address__in=addresses)).delete()
    record(
        action=Action.AUTH_UNLOCK,
        request=request,
        actor=actor,
        object_type="auth.user",
        object_id=username or "",
        before={"username": username, "ip_addresses": sorted(addresses), "attempt_rows": removed},
    )
    return removed


# --- Account lifecycle ---------------------------------------------------------------------------


def end_all_access(*, user, actor=None, request=None) -> int:
    """Revoke every API token of a user who was disabled (sessions end with is_active itself)."""
    tokens = AuthToken.objects.filter(user=user).select_related("user")
    return revoke_api_tokens(
        tokens=tokens, actor=actor, request=request, reason_code="user_disabled"
    )


@transaction.atomic
def disable_dormant_accounts(*, now=None) -> list[str]:
    """Disable accounts unused for ACCOUNT_DORMANT_DAYS and temporary accounts past their expiry."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ACCOUNT_DORMANT_DAYS)
    active = get_user_model().objects.filter(is_active=True)
    # A feed's service account never signs in on a page; its credential's expiry ends it instead.
    dormant = active.exclude(groups__name=FEED).filter(
        Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)
    )
    expired = active.filter(account_expiry__expires_at__lte=now)
    disabled = []
    for reason_code, users in (("expired", expired), ("dormant", dormant)):
        # The second query runs after the first loop: an account both expired and dormant is disabled once.
        for user in users.select_for_update():
            user.is_active = False
            user.save(update_fields=["is_active"])
            disabled.append(user.get_username())
            record(
                action=Action.USER_DISABLED,
                object_type="auth.user",
                object_id=str(user.pk),
                before={"is_active": True},
                after={"is_active": False},
                reason_code=reason_code,
                reason=_DISABLE_REASONS[reason_code].format(days=settings.ACCOUNT_DORMANT_DAYS),
            )
    return disabled


_DISABLE_REASONS = {
    "expired": "Temporary account past its expiry date.",
    "dormant": "No sign-in for {days} days.",
}
