"""AuditEvent: the one append-only, hash-chained record of every security and operational event.

Python refuses updates and deletes here; on PostgreSQL a trigger and the app role's missing rights
refuse them in the database too (migration 0002, docs/adr/0009-audit-log.md).
"""

from django.conf import settings
from django.db import models

APPEND_ONLY = "The audit log is append-only."


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError(APPEND_ONLY)

    def delete(self):
        raise TypeError(APPEND_ONLY)


class AuditEvent(models.Model):
    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILURE = "failure", "Failure"
        DENIED = "denied", "Denied"

    at = models.DateTimeField(db_index=True, help_text="UTC, millisecond precision.")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(
        max_length=150, blank=True, help_text="Kept if the user is renamed."
    )
    role = models.CharField(max_length=64, blank=True)
    source_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True, help_text="Dotted, e.g. auth.login.")
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.SUCCESS)
    reason_code = models.CharField(max_length=32, blank=True)
    reason = models.TextField(blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    # Unique: two events can never follow the same one, so the chain cannot fork even if a writer
    # skipped the lock.
    previous_hash = models.CharField(max_length=64, blank=True, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        permissions = [("read_audit", "Can read and export the audit log")]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["outcome", "at"]),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(APPEND_ONLY)
