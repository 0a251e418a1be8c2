"""Sign-in data django-otp and django-axes do not keep: hashed recovery codes and account expiry.

Recovery codes are a django-otp device so the same verify flow (and its throttling) accepts them;
unlike django-otp's static device they are stored as SHA-256 digests, never in clear.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

RECOVERY_CODE_BYTES = 8  # 64 random bits, shown as 16 hex digits in four groups


def digest_recovery_code(code: str) -> str:
    normalised = "".join(code.split()).replace("-", "").lower()
    return hashlib.sha256(normalised.encode()).hexdigest()


def new_recovery_code() -> str:
    raw = secrets.token_hex(RECOVERY_CODE_BYTES)
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):
    """A set of single-use recovery codes; a used code is deleted."""

    class Meta(Device.Meta):
        verbose_name = "recovery code set"

    def verify_token(self, token):
        verify_allowed, _ = self.verify_is_allowed()
        if not verify_allowed:
            return False
        used = self.codes.filter(digest=digest_recovery_code(str(token))).delete()[0]
        if used:
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
            return True
        self.throttle_increment()
        return False

    def get_throttle_factor(self):
        return getattr(settings, "OTP_RECOVERY_THROTTLE_FACTOR", 1)


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    digest = models.CharField(max_length=64, db_index=True)

    def __str__(self):
        return f"recovery code {self.digest[:8]}… of {self.device.user}"


class AccountExpiry(models.Model):
    """A temporary account: disabled by the nightly job once `expires_at` has passed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_expiry"
    )
    expires_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True, help_text="e.g. contractor, secondment")

    class Meta:
        verbose_name = "account expiry"
        verbose_name_plural = "account expiries"

    def __str__(self):
        return f"{self.user} expires {self.expires_at:%Y-%m-%d %H:%M}"


class DirectoryIdentity(models.Model):
    """A user whose roles come from the agency's directory (OIDC or LDAP, ADR 0029): the subject
    there, and the groups and scope it gave at the last sign-in. A user without one is local."""

    class Source(models.TextChoices):
        OIDC = "oidc", "OpenID Connect"
        LDAP = "ldap", "LDAP / Active Directory"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_identities"
    )
    source = models.CharField(max_length=8, choices=Source.choices)
    subject = models.CharField(max_length=255, help_text="The ID token's `sub`, or the LDAP name.")
    groups = models.JSONField(default=list, help_text="The directory groups at the last sign-in.")
    last_sign_in = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "directory identity"
        verbose_name_plural = "directory identities"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "subject"], name="one_user_per_directory_subject"
            )
        ]

    def __str__(self):
        return f"{self.get_source_display()} {self.subject} → {self.user}"


class DirectoryFactorDevice(Device):
    """Stands for a second factor done at the identity provider (the ID token's `amr`/`acr`):
    django-otp marks the session verified with it, so the local TOTP is not asked again. It accepts
    no code itself."""

    class Meta(Device.Meta):
        verbose_name = "second factor at the directory"

    def verify_token(self, token):
        return False

    def verify_is_allowed(self):
        return False, {"reason": "codes are checked at the identity provider"}
