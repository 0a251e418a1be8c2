"""Crime-spike alerts, who subscribes to them, who muted what, and to whom each was delivered
(docs/adr/0031-crime-spike-alerts.md). Written only by alerts/services.py."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models


class Alert(models.Model):
    class Kind(models.TextChoices):
        SPIKE = "spike", "Count above forecast"
        SERIES = "series", "Near-repeat series"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    # The same unusual count seen on the next scan updates this row (no new alert, no new e-mail).
    key = models.CharField(max_length=200, db_index=True)
    district = models.ForeignKey("agency.District", on_delete=models.CASCADE, related_name="+")
    beat = models.ForeignKey(
        "agency.Beat", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    crime_type = models.ForeignKey("agency.CrimeType", on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    observed = models.PositiveIntegerField()
    expected = models.FloatField(null=True, blank=True, help_text="Spikes: the forecast's sum.")
    p_value = models.FloatField(null=True, blank=True)
    q_value = models.FloatField(null=True, blank=True, help_text="Benjamini–Hochberg adjusted.")
    once_every_days = models.FloatField(null=True, blank=True)
    headline = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    incident_ids = models.JSONField(default=list, blank=True)
    cell_ids = models.JSONField(default=list, blank=True, help_text="GridCell pks to show.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self):
        return self.headline

    @property
    def area(self) -> str:
        return self.beat.code if self.beat_id else self.district.code


class Subscription(models.Model):
    """Who receives which alerts: a role (every user in that group) or one user; a district and a
    crime type, or all of them when empty."""

    role = models.CharField(max_length=32, blank=True, help_text="A role (group) name.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alert_subscriptions",
    )
    district = models.ForeignKey(
        "agency.District", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    crime_type = models.ForeignKey(
        "agency.CrimeType", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    email = models.BooleanField(default=True, help_text="Also by e-mail, not only in the app.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(role="") & models.Q(user__isnull=False))
                | (~models.Q(role="") & models.Q(user__isnull=True)),
                name="alerts_subscription_role_xor_user",
            )
        ]

    def __str__(self):
        who = self.role or str(self.user)
        return f"{who}: {self.district or 'all districts'}, {self.crime_type or 'all types'}"


class Mute(models.Model):
    """A user who does not want to hear about a district × crime type until a time."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    district = models.ForeignKey("agency.District", on_delete=models.CASCADE, related_name="+")
    crime_type = models.ForeignKey("agency.CrimeType", on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Delivery(models.Model):
    """An alert delivered to a user: in the app always, by e-mail when his subscription asks."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="alerts_one_delivery_per_user")
        ]
