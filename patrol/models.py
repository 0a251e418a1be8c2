"""Patrol as measured: the agency's units and their roster, the positions their vehicles report
(automatic vehicle location, AVL), and the minutes each unit spent in each box per shift.

Positions are placed on the grid once, on arrival (`geo.placement`), like incidents. Raw positions
are kept for `AVL_RETENTION_DAYS`; the per-box minutes are kept (docs/adr/0024-measured-exposure.md).
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import BrinIndex


class Unit(models.Model):
    """A patrol unit as the CAD names it (call sign, e.g. "2A31"), optionally its vehicle's id."""

    call_sign = models.CharField(max_length=32, unique=True)
    vehicle_id = models.CharField(
        max_length=64, blank=True, default="", help_text="The AVL feed's id, if not the call sign."
    )
    district = models.ForeignKey(
        "agency.District", null=True, blank=True, on_delete=models.SET_NULL, related_name="units"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["call_sign"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle_id"],
                condition=~models.Q(vehicle_id=""),
                name="unit_unique_vehicle_id",
            )
        ]

    def __str__(self):
        return self.call_sign


class RosterEntry(models.Model):
    """Which unit works which beat in which shift, and who rides in it."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="roster")
    date = models.DateField(help_text="The shift's service date (the day it starts).")
    shift = models.ForeignKey("agency.Shift", on_delete=models.CASCADE, related_name="+")
    beat = models.ForeignKey("agency.Beat", on_delete=models.CASCADE, related_name="roster")
    officers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        ordering = ["date", "shift", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "date", "shift"], name="roster_one_beat_per_shift"
            )
        ]

    def __str__(self):
        return f"{self.unit} on {self.beat} {self.date} {self.shift}"


class ExcludedArea(models.Model):
    """Where a unit's time is not patrol (a station, a garage, a hospital bay)."""

    name = models.CharField(max_length=100, unique=True)
    area = models.MultiPolygonField(srid=4326)

    def __str__(self):
        return self.name


class Position(models.Model):
    """One fix of a unit, placed on the grid on arrival; one per unit and time (a re-sent fix is
    the same fix)."""

    class Source(models.TextChoices):
        AVL = "avl", "Vehicle location feed"
        OFFICER = "officer", "Officer's page"

    pk = models.CompositePrimaryKey("unit", "at")

    # The largest table (52 M rows a month for 300 units): no index nobody reads, no check per row
    # that the database need not make. Fixes are looked up by time, by unit and time (the key) and
    # by box and time (the missions' follow-up); never by shape. The key is (unit, time) itself: a
    # surrogate id cost a sequence and an index per fix. Time is a BRIN index: fixes arrive in time
    # order, so a block range's minimum and maximum find a day or a purge's cutoff for almost no
    # upkeep (a btree on time cost as much as the row). The references are not database
    # constraints: checking two keys per fix doubled the time of a bulk insert (both in bench/
    # RESULTS.md, "AVL backfill"); the unit ids come from the units table just before the insert,
    # cells are never deleted (a rebuild deactivates them), and Django still cascades a deleted unit.
    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        related_name="positions",
        db_index=False,
        db_constraint=False,
    )
    at = models.DateTimeField()
    location = models.PointField(srid=4326, spatial_index=False)
    cell = models.ForeignKey(
        "geo.GridCell",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    in_excluded_area = models.BooleanField(default=False)
    speed_kmh = models.FloatField(null=True, blank=True)
    heading_deg = models.FloatField(null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.AVL)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            BrinIndex(fields=["at"], name="position_by_time"),
            models.Index(fields=["cell", "at"], name="position_by_box_and_time"),
        ]


class RejectedPosition(models.Model):
    """A pushed fix that was not stored, with its row and reason (nothing is silently dropped)."""

    received_at = models.DateTimeField(auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(
        max_length=255, blank=True, help_text="The imported file it came from (blank: pushed)."
    )
    job = models.ForeignKey(
        "jobs.JobRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The upload job whose file it came from (the AVL import page).",
    )
    row_number = models.PositiveIntegerField(help_text="1 = the batch's (or file's) first fix.")
    field = models.CharField(max_length=32, blank=True)
    reason = models.CharField(max_length=300)
    raw = models.JSONField(default=dict)

    class Meta:
        ordering = ["-received_at", "row_number"]


class BoxExposure(models.Model):
    """Minutes a unit spent in a box during one shift, measured from its positions."""

    date = models.DateField()
    shift = models.ForeignKey("agency.Shift", on_delete=models.CASCADE, related_name="+")
    cell = models.ForeignKey("geo.GridCell", on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="exposure")
    minutes = models.FloatField()
    measured_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["date", "shift", "cell", "unit"], name="exposure_one_row_per_key"
            )
        ]
        indexes = [models.Index(fields=["date", "shift"])]
