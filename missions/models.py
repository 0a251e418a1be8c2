"""Missions as data: each shift's plan, its missions and control boxes, visits (dose), suppressions,
analyst additions. Every write goes through missions.services, which records it in audit.AuditEvent."""

import hashlib

from django.conf import settings
from django.contrib.gis.db import models

# Mission events in the one audit log (audit.AuditEvent) are named missions.plan, missions.cancel …
AUDIT_PREFIX = "missions."

DOSE_MINUTES_DEFAULT = 15


class ReasonCode(models.TextChoices):
    """Why an analyst or officer overrode the plan; free text says the rest and is always required."""

    INTELLIGENCE = "intelligence", "Intelligence / recent information"
    COMMUNITY = "community", "Community request or concern"
    EVENT = "event", "Special event or operation"
    RESOURCES = "resources", "Not enough resources"
    OFFICER_SAFETY = "officer_safety", "Officer safety"
    DATA_ERROR = "data_error", "Data or forecast error"
    ACCESS = "access", "Box not accessible"
    GPS = "gps", "GPS unavailable or wrong"
    CALLED_AWAY = "called_away", "Called away (dispatch or emergency)"
    OTHER = "other", "Other"


# The reasons an officer may pick to end a mission before its dose is met (the API's choices).
END_EARLY_REASONS = (
    ReasonCode.CALLED_AWAY,
    ReasonCode.OFFICER_SAFETY,
    ReasonCode.RESOURCES,
    ReasonCode.ACCESS,
    ReasonCode.GPS,
    ReasonCode.OTHER,
)
END_EARLY_CHOICES = [(code.value, code.label) for code in END_EARLY_REASONS]


class MissionPlan(models.Model):
    """One run of the planner for a shift; the newest plan of a (date, shift) is current."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        COMMAND = "command", "Command"
        ANALYST = "analyst", "Analyst"

    date = models.DateField(help_text="Local date on which the shift starts.")
    shift = models.ForeignKey(
        "agency.Shift", on_delete=models.PROTECT, related_name="mission_plans"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    forecast_run = models.ForeignKey(
        "forecasting.ForecastRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    model_versions = models.JSONField(
        default=list, blank=True, help_text="Labels of the versions used."
    )
    seed_material = models.CharField(max_length=300)
    seed_hex = models.CharField(max_length=64)
    policy = models.JSONField(default=dict, help_text="The planning policy as it was applied.")
    beats = models.JSONField(default=list, help_text="Per beat: seed, capacity, pool, forced.")
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.COMMAND)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["date", "shift"])]

    def __str__(self):
        return f"Plan {self.date} {self.shift.name} #{self.pk}"


class MissionQuerySet(models.QuerySet):
    """The named sets of missions: filter by these, never by hand-written statuses."""

    def live(self):
        """Planned or under way: the shift's end still closes them."""
        return self.filter(status__in=Mission.LIVE)

    def closed(self):
        """Completed, ended early or expired: the base of the completed share."""
        return self.filter(status__in=Mission.CLOSED)

    def not_cancelled(self):
        """Every mission that counts (in the dose planned, reports, boards, the planner's memory)."""
        return self.filter(status__in=Mission.NOT_CANCELLED)


class Mission(models.Model):
    """A box to patrol during one shift. Controls are not missions: they live in ControlBox."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        ENDED_EARLY = "ended_early", "Ended early"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"

    class Origin(models.TextChoices):
        DRAWN = "drawn", "Drawn by the planner"
        ANALYST = "analyst", "Added by an analyst"

    # The named sets of statuses (MissionQuerySet filters by them; missions/state.py moves between
    # them, and tests/missions/test_state_machine.py checks they agree with its table): every status
    # is live, closed or cancelled.
    LIVE = (Status.PLANNED, Status.ACTIVE)  # the shift's end still closes it
    CLOSED = (Status.COMPLETED, Status.ENDED_EARLY, Status.EXPIRED)  # ended one way or another
    NOT_CANCELLED = (
        LIVE + CLOSED
    )  # what counts: dose planned, reports, boards, the planner's memory

    objects = MissionQuerySet.as_manager()

    date = models.DateField()
    shift = models.ForeignKey("agency.Shift", on_delete=models.PROTECT, related_name="missions")
    starts_at = models.DateTimeField(help_text="Shift start (UTC).")
    ends_at = models.DateTimeField(help_text="Shift end (UTC): the mission expires then.")
    cell = models.ForeignKey("geo.GridCell", on_delete=models.PROTECT, related_name="missions")
    beat = models.ForeignKey("agency.Beat", on_delete=models.PROTECT, related_name="missions")
    plan = models.ForeignKey(
        MissionPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="missions"
    )
    addition = models.ForeignKey(
        "MissionAddition", null=True, blank=True, on_delete=models.PROTECT, related_name="missions"
    )
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.DRAWN)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLANNED)
    forced = models.BooleanField(default=False, help_text="Not drawn: added by an analyst or kept.")
    score = models.FloatField(default=0.0, help_text="Preventable harm after dosage lowering.")
    raw_score = models.FloatField(default=0.0, help_text="Preventable harm before dosage lowering.")
    drivers = models.JSONField(
        default=list,
        blank=True,
        help_text='[{"crime_type": code, "share": 0.6, "contribution": …}]',
    )
    primary_crime_type = models.ForeignKey(
        "agency.CrimeType", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reasons = models.JSONField(
        default=list,
        blank=True,
        help_text="Why this box: factors and analyst notes as data (forecasting/engine/reasons.py).",
    )
    model_versions = models.JSONField(default=list, blank=True)
    seed_hex = models.CharField(max_length=64, blank=True, help_text="The beat's seed.")
    draw = models.FloatField(null=True, blank=True, help_text="Uniform draw; blank when not drawn.")
    probability = models.FloatField(default=1.0)
    rank = models.PositiveIntegerField(default=0)
    dose_minutes = models.PositiveIntegerField(default=DOSE_MINUTES_DEFAULT)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="Ended early, expired or cancelled at."
    )
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The officer who completed the mission or ended it early.",
    )
    notes = models.TextField(blank=True, help_text="The officer's notes on completion.")
    minutes_served = models.FloatField(
        null=True,
        blank=True,
        help_text="Minutes measured in the box (its visits, backed by positions) when it closed.",
    )
    minutes_self_reported = models.FloatField(
        null=True,
        blank=True,
        help_text="Minutes of its visits without position evidence when it closed: shown apart, "
        "never counted toward the dose (blank: closed before they were told apart).",
    )
    start_method = models.CharField(
        max_length=16,
        blank=True,
        help_text="avl: started by itself when a rostered unit's vehicle entered the box.",
    )
    minutes_avl = models.FloatField(
        default=0.0,
        help_text="Minutes the units rostered on its beat were measured in the box by AVL "
        "(docs/adr/0028): they serve the dose.",
    )
    minutes_avl_other = models.FloatField(
        default=0.0,
        help_text="Minutes other units were measured in the box by AVL: the box's exposure, shown "
        "apart, not part of the dose.",
    )
    ended_reason_code = models.CharField(max_length=32, choices=ReasonCode.choices, blank=True)
    ended_reason = models.TextField(
        blank=True, help_text="Why the officer ended before the dose was met."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "shift__order", "beat__code", "rank", "pk"]
        indexes = [
            models.Index(fields=["date", "shift", "status"]),
            models.Index(fields=["status", "ends_at"]),
            models.Index(
                fields=["date", "shift", "beat"]
            ),  # officers polling their beat's missions
        ]
        permissions = [
            ("patrol_mission", "Can start, ping and complete missions (officer)"),
            ("plan_missions", "Can run the planner for a shift"),
            ("evaluate_missions", "Can see control boxes and outcome evaluation"),
            ("read_audit", "Can read the audit log of overrides and mission changes"),
        ]

    def __str__(self):
        return f"{self.date} {self.shift_id} {self.cell_id} ({self.status})"


class ControlBox(models.Model):
    """An eligible box held back for evaluation: recorded with its plan, never shown to officers."""

    plan = models.ForeignKey(MissionPlan, on_delete=models.CASCADE, related_name="controls")
    cell = models.ForeignKey("geo.GridCell", on_delete=models.PROTECT, related_name="+")
    beat = models.ForeignKey("agency.Beat", on_delete=models.PROTECT, related_name="+")
    score = models.FloatField()
    raw_score = models.FloatField()
    draw = models.FloatField()

    class Meta:
        ordering = ["plan", "beat", "pk"]
        verbose_name_plural = "control boxes"


class Visit(models.Model):
    """Time an officer spent in a mission's box; the dose is the sum of a mission's visits."""

    class Method(models.TextChoices):
        GEOFENCE = "geofence", "Arrived (GPS)"
        MANUAL = "manual", "Started by hand"
        OFFLINE = "offline", "Reported after being offline"

    class EndReason(models.TextChoices):
        LEFT_BOX = "left_box", "Left the box"
        COMPLETED = "completed", "Mission completed"
        EXPIRED = "expired", "Shift ended"
        CANCELLED = "cancelled", "Mission cancelled"
        REPORTED = "reported", "Reported offline"

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="visits")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="mission_visits",
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    start_method = models.CharField(max_length=16, choices=Method.choices)
    start_reason = models.CharField(max_length=500, blank=True)
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    # Position evidence (docs/adr/0026): the officer's last position in the box during the visit
    # (server clock; blank: none yet, e.g. a start by hand), and the seconds between positions at
    # most VISIT_POSITION_GAP_S apart up to it (a longer silence is not measured).
    last_position_at = models.DateTimeField(null=True, blank=True)
    measured_seconds = models.FloatField(default=0.0)

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [
            # Two devices starting one mission at once: the database lets only one visit be open.
            models.UniqueConstraint(
                fields=["mission"], condition=models.Q(ended_at__isnull=True), name="one_open_visit"
            ),
        ]

    def seconds(self, now) -> float:
        """The visit's whole length up to `now`, with or without positions."""
        return max(0.0, (self.end(now) - self.started_at).total_seconds())

    def end(self, now):
        return self.ended_at or min(now, self.mission.ends_at)

    def measured(self, now, gap_s: float) -> float:
        """Seconds in the box backed by positions up to `now`: those between positions, and the
        time since the last one while it is at most `gap_s` old (after a longer silence the visit's
        measured time ended at its last position)."""
        if self.ended_at is not None or self.last_position_at is None:
            return self.measured_seconds
        tail = (self.end(now) - self.last_position_at).total_seconds()
        if tail < 0:  # `now` is before the last position (a queued action): not what came after
            return max(0.0, self.measured_seconds + tail)
        return self.measured_seconds + (tail if tail <= gap_s else 0.0)

    def note_position(self, at, gap_s: float) -> None:
        """A position in the box at `at` (server clock): measured time runs on from the last one
        when it came at most `gap_s` before (unsaved)."""
        if self.last_position_at is not None:
            step = (at - self.last_position_at).total_seconds()
            if step <= 0:
                return
            if step <= gap_s:
                self.measured_seconds += step
        self.last_position_at = at

    def close(self, at, reason: str, gap_s: float) -> None:
        """End the visit at `at`: its measured time is final (unsaved)."""
        end = max(at, self.started_at)
        self.measured_seconds = self.measured(end, gap_s)
        self.ended_at, self.end_reason = end, reason


class PositionPing(models.Model):
    """An officer's reported position, stored only when the agency's policy keeps tracks."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    recorded_at = models.DateTimeField()
    location = models.PointField(srid=4326)
    accuracy_m = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["recorded_at"]


class MissionAddition(models.Model):
    """An analyst's request for missions on a box or drawn area over a range of shifts."""

    area = models.PolygonField(srid=4326, help_text="The drawn area or the chosen boxes' outline.")
    cells = models.ManyToManyField("geo.GridCell", related_name="+")
    date_from = models.DateField()
    date_to = models.DateField()
    shifts = models.ManyToManyField("agency.Shift", related_name="+")
    reason_code = models.CharField(max_length=32, choices=ReasonCode.choices)
    reason = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


def tactics_version(tactic_ids, notes: str) -> str:
    """The version of a mission's tactics report, as the officer's card saw it: a short digest of
    the tactics reported and the notes. An edit made from another version is stale (ADR 0032)."""
    text = ",".join(str(i) for i in sorted(set(tactic_ids))) + "|" + (notes or "").strip()
    return hashlib.sha256(text.encode()).hexdigest()[:12]


class Suppression(models.Model):
    """No missions on these boxes for a date range (the shifts named, or all shifts when none are),
    or one mission called off. `cancelled` keeps the missions it cancelled, so a lift can offer to
    re-plan the beats it left short."""

    class Scope(models.TextChoices):
        BOXES = "boxes", "Boxes for a date range"
        MISSION = "mission", "A single mission"

    scope = models.CharField(max_length=16, choices=Scope.choices)
    cells = models.ManyToManyField("geo.GridCell", blank=True, related_name="suppressions")
    mission = models.ForeignKey(
        Mission, null=True, blank=True, on_delete=models.CASCADE, related_name="suppressions"
    )
    shifts = models.ManyToManyField(
        "agency.Shift", blank=True, related_name="+", help_text="None = every shift of each date."
    )
    cancelled = models.ManyToManyField(Mission, blank=True, related_name="cancelled_by")
    date_from = models.DateField()
    date_to = models.DateField()
    reason_code = models.CharField(max_length=32, choices=ReasonCode.choices)
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lift_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_from__lte=models.F("date_to")),
                name="suppression_dates_ordered",
            ),
        ]


class IdempotentRequest(models.Model):
    """A device's request already applied, answered again as it was when the device resends it."""

    key = models.CharField(max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    endpoint = models.CharField(max_length=200)
    # SHA-256 of the request body: the same key with another body is refused, not replayed.
    body_digest = models.CharField(max_length=64, blank=True)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_request_per_idempotency_key")
        ]
