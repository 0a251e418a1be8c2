"""Tactics: patrol actions suited to some crime types, suggested on missions, and the officers'
self-reports of which ones they used."""

from django.conf import settings
from django.db import models


class Tactic(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    crime_types = models.ManyToManyField("agency.CrimeType", related_name="tactics", blank=True)
    enabled = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0, help_text="Position in the officer's list.")

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class TacticUse(models.Model):
    """An officer's report that a tactic was used on a mission (one row per mission and tactic)."""

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="tactic_uses")
    tactic = models.ForeignKey(Tactic, on_delete=models.PROTECT, related_name="uses")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField()

    class Meta:
        ordering = ["mission", "tactic__order", "tactic__name"]
        constraints = [
            models.UniqueConstraint(fields=["mission", "tactic"], name="one_use_per_mission_tactic")
        ]

    def __str__(self):
        return f"{self.tactic} on mission {self.mission_id}"
