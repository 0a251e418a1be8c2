"""Tactics: patrol actions suited to some crime types, suggested on missions, and the officers'
self-reports of which ones they used."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class Tactic(models.Model):
    """A patrol action. It may declare conditions a box must meet for it to be suggested: a point of
    a risk layer within some metres (transit stops for a platform walk-through), or a recent
    incident of a crime type in the box (a break-in for a door-knock)."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    crime_types = models.ManyToManyField("agency.CrimeType", related_name="tactics", blank=True)
    enabled = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0, help_text="Position in the officer's list.")
    near_layer = models.ForeignKey(
        "ingest.RiskLayer",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="needs a point of layer",
        help_text="Suggest only for boxes with a point of this layer within the distance below.",
    )
    near_metres = models.PositiveIntegerField(
        null=True,
        blank=True,
        verbose_name="within metres",
        help_text="Distance from the box's edge.",
    )
    recent_crime_type = models.ForeignKey(
        "agency.CrimeType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="needs a recent incident of",
        help_text="Suggest only for boxes with an incident of this type within the days below.",
    )
    recent_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        verbose_name="within days",
        help_text="Days before the mission's shift ends.",
    )
    # When the catalogue last changed: officers' devices revalidate their missions against it.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    @property
    def has_conditions(self) -> bool:
        return self.near_layer_id is not None or self.recent_crime_type_id is not None

    @property
    def conditions_text(self) -> str:
        """The conditions in words, e.g. "transit_stops within 150 m" (empty without conditions)."""
        parts = []
        if self.near_layer_id is not None:
            parts.append(f"{self.near_layer.name} within {self.near_metres} m")
        if self.recent_crime_type_id is not None:
            parts.append(f"{self.recent_crime_type.name} in the box within {self.recent_days} days")
        return "; ".join(parts)

    def clean(self):
        pairs = (("near_layer", "near_metres"), ("recent_crime_type", "recent_days"))
        errors = {}
        for what, how_much in pairs:
            if (getattr(self, f"{what}_id") is None) != (getattr(self, how_much) is None):
                missing = how_much if getattr(self, how_much) is None else what
                errors[missing] = "Give both parts of the condition, or neither."
            elif getattr(self, how_much) == 0:
                errors[how_much] = "Must be at least 1."
        if errors:
            raise ValidationError(errors)


class TacticUse(models.Model):
    """An officer's report that a tactic was used on a mission (one row per mission and tactic)."""

    mission = models.ForeignKey(
        "missions.Mission", on_delete=models.CASCADE, related_name="tactic_uses"
    )
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
