"""Incidents as fed by CAD/RMS sources, and the risk-terrain point layers used by forecasting.

No personal data is ever stored here: no names, dates of birth, narratives or phone numbers.
"""

from django.contrib.gis.db import models


class Source(models.Model):
    class Kind(models.TextChoices):
        CAD = "cad", "CAD (calls for service)"
        RMS = "rms", "RMS (crime reports)"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.RMS)
    timezone = models.CharField(max_length=64, blank=True, help_text="Blank = the agency's zone.")
    mapping = models.JSONField(default=dict, blank=True, help_text="Field mapping of the feed.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Incident(models.Model):
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="incidents")
    external_id = models.CharField(max_length=100)
    occurred_from = models.DateTimeField(db_index=True)
    occurred_to = models.DateTimeField(
        null=True, blank=True, help_text="End of the window for crimes discovered later."
    )
    reported_at = models.DateTimeField(null=True, blank=True)
    location = models.PointField(srid=4326)
    crime_type = models.ForeignKey(
        "agency.CrimeType", null=True, blank=True, on_delete=models.PROTECT,
        help_text="Blank = unmapped; raw_code keeps the feed's code.",
    )
    raw_code = models.CharField(max_length=100, blank=True)
    call_type = models.CharField(max_length=100, blank=True)
    priority = models.CharField(max_length=20, blank=True)
    disposition = models.CharField(max_length=100, blank=True)
    premise_type = models.CharField(max_length=100, blank=True)
    officer_initiated = models.BooleanField(default=False)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="incident_unique_per_source")
        ]
        indexes = [models.Index(fields=["crime_type", "occurred_from"])]

    def __str__(self):
        return f"{self.source_id}:{self.external_id}"


class RiskLayer(models.Model):
    """A point layer for risk-terrain features, e.g. bars, transit stops, schools."""

    name = models.SlugField(max_length=64, unique=True)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class RiskLayerPoint(models.Model):
    layer = models.ForeignKey(RiskLayer, on_delete=models.CASCADE, related_name="points")
    name = models.CharField(max_length=200, blank=True)
    location = models.PointField(srid=4326)

    def __str__(self):
        return f"{self.layer.name}: {self.name}"
