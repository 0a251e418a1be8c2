"""API shapes of the missions app: inputs, and the GeoJSON the selectors build, typed for the schema.

Reasons are optional here on purpose: the services check them, so the API, the pages and the
commands answer a missing reason with the same clear message."""

import json

from django.conf import settings
from django.contrib.gis.geos import GEOSException, GEOSGeometry
from rest_framework import serializers

from agency.models import Shift
from audit.models import AuditEvent
from forecasting.engine.reasons import FACTORS, KINDS, WEEKDAYS, WINDOWS
from missions_site.geometry_limits import TooManyVertices, check_geojson_vertices, too_many_vertices

from . import state
from .models import END_EARLY_CHOICES, Mission, ReasonCode, Suppression


class ReasonFields(serializers.Serializer):
    reason_code = serializers.ChoiceField(
        choices=ReasonCode.choices, required=False, allow_blank=True
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class PositionIn(serializers.Serializer):
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    accuracy_m = serializers.FloatField(min_value=0, required=False, default=0.0)
    at = serializers.DateTimeField(
        required=False, help_text="When the fix was taken (offline devices)."
    )


class QueuedFields(serializers.Serializer):
    """An action the device queued offline keeps its own time (docs/adr/0026); a live one is timed
    by the server's clock, and its `at`, if sent, must be within a minute of it."""

    queued = serializers.BooleanField(
        required=False, default=False, help_text="Taken offline and sent from the device's queue."
    )
    offline_since = serializers.DateTimeField(
        required=False,
        help_text="When the device went offline (queued actions): `at` may not be earlier.",
    )


class StartIn(QueuedFields):
    latitude = serializers.FloatField(min_value=-90, max_value=90, required=False)
    longitude = serializers.FloatField(min_value=-180, max_value=180, required=False)
    accuracy_m = serializers.FloatField(min_value=0, required=False, default=0.0)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Required when the position is not inside the box (manual start).",
    )
    at = serializers.DateTimeField(
        required=False, help_text="When the officer started (its own time only when queued)."
    )

    def validate(self, attrs):
        if ("latitude" in attrs) != ("longitude" in attrs):
            raise serializers.ValidationError("Send both latitude and longitude, or neither.")
        return attrs


class CompleteIn(QueuedFields):
    tactics = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    notes = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        help_text="Replaces the notes when given; left out, the notes already reported are kept.",
    )
    at = serializers.DateTimeField(
        required=False, help_text="When the officer acted (its own time only when queued)."
    )


class EndEarlyIn(CompleteIn):
    reason_code = serializers.ChoiceField(
        choices=END_EARLY_CHOICES,
        required=False,
        allow_blank=True,
        help_text="Why the mission ends before its dose is met (required).",
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text='In a few words; required with reason_code "other".',
    )


class TacticsIn(QueuedFields):
    tactics = serializers.ListField(
        child=serializers.IntegerField(), help_text="The tactics used: replaces the list."
    )
    notes = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        help_text="Replaces the notes when given.",
    )
    at = serializers.DateTimeField(
        required=False, help_text="When the officer acted (its own time only when queued)."
    )
    base_version = serializers.CharField(
        required=False,
        max_length=64,
        help_text="The mission's tactics_version the edit was made from. When the report has "
        "changed since (a stale offline edit), the tactics are merged as a union, not replaced "
        "(ADR 0032).",
    )


class VisitIn(serializers.Serializer):
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField()


class OfflineReportIn(serializers.Serializer):
    visits = VisitIn(many=True)
    offline_since = serializers.DateTimeField(
        help_text="When the device went offline: no visit may start earlier."
    )
    tactics = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    completed_at = serializers.DateTimeField(required=False)
    reason_code = serializers.ChoiceField(
        choices=END_EARLY_CHOICES,
        required=False,
        allow_blank=True,
        help_text="Required when the visits do not serve the dose: the mission is then ended early.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class GeometryField(serializers.JSONField):
    """A GeoJSON polygon in WGS 84 (as drawn on the map)."""

    def to_internal_value(self, data):
        data = super().to_internal_value(data)
        limit = settings.GEOMETRY_MAX_VERTICES
        try:
            if isinstance(data, dict):
                check_geojson_vertices(data, limit=limit)  # before GEOS parses a huge polygon
            geom = GEOSGeometry(
                json.dumps(data) if isinstance(data, dict) else str(data), srid=4326
            )
        except TooManyVertices as exc:
            raise serializers.ValidationError(str(exc)) from None
        except (GEOSException, ValueError, TypeError) as exc:
            raise serializers.ValidationError(f"Not a GeoJSON geometry: {exc}") from None
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise serializers.ValidationError("Draw a polygon or a rectangle.")
        if geom.num_coords > limit:  # a WKT string, counted once parsed
            raise serializers.ValidationError(too_many_vertices(limit))
        return geom


class BoxesIn(ReasonFields):
    cell_ids = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    area = GeometryField(required=False, help_text="GeoJSON polygon; the boxes it covers are used.")
    date_from = serializers.DateField()
    date_to = serializers.DateField(required=False, help_text="Defaults to date_from.")


class AddMissionsIn(BoxesIn):
    shifts = serializers.PrimaryKeyRelatedField(
        queryset=Shift.objects.all(), many=True, required=False, help_text="Blank = every shift."
    )


class SuppressIn(AddMissionsIn):
    cancel_under_way = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Also cancel missions already under way (refused with their list otherwise).",
    )
    preview = serializers.BooleanField(
        required=False, default=False, help_text="Only say what would be cancelled; write nothing."
    )


class PlanIn(serializers.Serializer):
    date = serializers.DateField()
    shift = serializers.PrimaryKeyRelatedField(queryset=Shift.objects.all())


class LiftIn(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SuppressionOut(serializers.ModelSerializer):
    cells = serializers.SlugRelatedField(slug_field="cell_id", many=True, read_only=True)
    shifts = serializers.SlugRelatedField(
        slug_field="name", many=True, read_only=True, help_text="Empty: every shift."
    )
    cancelled = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    created_by = serializers.StringRelatedField()

    class Meta:
        model = Suppression
        fields = [
            "id",
            "scope",
            "cells",
            "mission",
            "date_from",
            "date_to",
            "reason_code",
            "reason",
            "shifts",
            "cancelled",
            "created_by",
            "created_at",
            "lifted_at",
            "lift_reason",
        ]


class PreviewMissionOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    date = serializers.DateField()
    shift = serializers.CharField(source="shift.name")
    beat = serializers.CharField(source="beat.code")
    cell_id = serializers.CharField(source="cell.cell_id")
    location = serializers.CharField(source="cell.location_label")
    status = serializers.CharField()
    under_way = serializers.SerializerMethodField()

    def get_under_way(self, mission) -> bool:
        return mission.status == Mission.Status.ACTIVE


class SuppressionPreviewOut(serializers.Serializer):
    """What a suppression would cancel, before it is made."""

    cells = serializers.SerializerMethodField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    shifts = serializers.SerializerMethodField()
    missions = PreviewMissionOut(many=True)
    cancel_count = serializers.SerializerMethodField()
    under_way_count = serializers.SerializerMethodField()

    def get_cells(self, preview) -> list[str]:
        return [c.cell_id for c in preview.cells]

    def get_shifts(self, preview) -> list[str]:
        return [sh.name for sh in preview.shifts]

    def get_cancel_count(self, preview) -> int:
        return len(preview.missions)

    def get_under_way_count(self, preview) -> int:
        return len(preview.under_way)


class AuditEventOut(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_username")

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "role",
            "action",
            "object_type",
            "object_id",
            "outcome",
            "before",
            "after",
            "reason_code",
            "reason",
        ]


# --- outputs: the GeoJSON of missions (built by missions.selectors), typed for the schema -----------


class TimerOut(serializers.Serializer):
    dose_minutes = serializers.IntegerField()
    dose_seconds = serializers.FloatField()
    done_seconds_before_current_visit = serializers.FloatField()
    running = serializers.BooleanField()
    running_since = serializers.DateTimeField(allow_null=True)
    running_officer = serializers.IntegerField(allow_null=True)
    last_position_at = serializers.DateTimeField(
        allow_null=True, help_text="The running visit's last position in the box (server clock)."
    )
    stale = serializers.BooleanField(
        help_text="A visit runs but no position came for position_gap_seconds: it is not counting."
    )
    position_gap_seconds = serializers.FloatField()
    self_reported_seconds = serializers.FloatField(
        help_text="Time in the visits without positions: shown apart, not part of the dose."
    )
    remaining_seconds = serializers.FloatField()
    dose_reached = serializers.BooleanField()
    visits = serializers.IntegerField()
    server_time = serializers.DateTimeField()


class SuggestedTacticOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()


class ReasonOut(serializers.Serializer):
    """One reason as data (forecasting/engine/reasons.py); `reasons` beside it has its words."""

    kind = serializers.ChoiceField(choices=KINDS, help_text="factor, note (an analyst's), text")
    factor = serializers.ChoiceField(
        choices=list(FACTORS), required=False, help_text="What the factor is (kind factor)."
    )
    crime_type = serializers.CharField(
        required=False, allow_null=True, help_text="Crime type code the reason is about."
    )
    value = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="The count, the top share (%) for long_term_hot_spot, metres for risk_layer.",
    )
    window = serializers.ChoiceField(
        choices=list(WINDOWS), required=False, allow_null=True, help_text="Time window counted."
    )
    radius_m = serializers.IntegerField(required=False, help_text="nearby_count, busy_area.")
    weekday = serializers.IntegerField(
        required=False, min_value=0, max_value=len(WEEKDAYS) - 1, help_text="same_shift, 0=Monday."
    )
    shift = serializers.CharField(required=False, help_text="same_shift: the shift's name.")
    layer = serializers.CharField(required=False, help_text="risk_layer: e.g. bars.")
    in_box = serializers.BooleanField(required=False, help_text="risk_layer: inside the box.")
    beat = serializers.CharField(required=False, help_text="beat_top: the beat's code.")
    text = serializers.CharField(required=False, help_text="The words of a note or free text.")


class DriverOut(serializers.Serializer):
    """One crime type's part of the box's preventable harm, largest first."""

    crime_type = serializers.CharField(help_text="Crime type code.")
    share = serializers.FloatField(help_text="Its share of the box's harm (0 to 1).")
    contribution = serializers.FloatField(
        required=False, help_text="Its harm (analysts' reads only)."
    )


class BoxPolygonOut(serializers.Serializer):
    """The box as a GeoJSON Polygon in WGS 84 (one ring: longitude, latitude pairs)."""

    type = serializers.ChoiceField(choices=["Polygon"])
    coordinates = serializers.ListField(
        child=serializers.ListField(
            child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2)
        )
    )


class ShiftWindowOut(serializers.Serializer):
    """A shift on a date (agency.shift_windows.ShiftWindow.as_dict)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    date = serializers.DateField(help_text="Local date on which the shift starts.")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class BeatDrawOut(serializers.Serializer):
    """How the planner drew one beat's missions."""

    beat = serializers.CharField()
    seed_hex = serializers.CharField()
    capacity = serializers.IntegerField()
    eligible = serializers.IntegerField()
    pool_size = serializers.IntegerField()
    forced = serializers.IntegerField()
    best_harm = serializers.FloatField()
    note = serializers.CharField(allow_blank=True)


class PlanOut(serializers.Serializer):
    """The shift's current plan (its seed makes the draw reproducible)."""

    id = serializers.IntegerField()
    seed_hex = serializers.CharField()
    created_at = serializers.DateTimeField()
    model_versions = serializers.ListField(child=serializers.CharField())
    beats = BeatDrawOut(many=True)


class AddMissionsOut(serializers.Serializer):
    addition = serializers.IntegerField(help_text="The addition's id (its reason and boxes).")
    missions_created = serializers.IntegerField()


class ControlBoxOut(serializers.Serializer):
    """A control box of the plan: drawn like a mission, not patrolled (evaluation only)."""

    cell_id = serializers.CharField()
    beat = serializers.CharField()
    score = serializers.FloatField()
    raw_score = serializers.FloatField()
    draw = serializers.FloatField(allow_null=True)


class MissionPropertiesOut(serializers.Serializer):
    """What the officer needs to act; the analyst's fields only on the analysts' reads."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Mission.Status.choices)
    allowed_actions = serializers.ListField(
        child=serializers.ChoiceField(choices=state.OFFERED),
        help_text="The actions the requesting user may take on the mission now (the state machine's "
        "table, missions/state.py); pages show these as buttons.",
    )
    date = serializers.DateField()
    shift = serializers.CharField()
    beat = serializers.CharField()
    cell_id = serializers.CharField()
    location_label = serializers.CharField()
    rank = serializers.IntegerField()
    origin = serializers.ChoiceField(choices=Mission.Origin.choices)
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Why this box, in words, led by crime type."
    )
    reason_factors = ReasonOut(many=True, help_text="The same reasons as data, in the same order.")
    drivers = DriverOut(many=True)
    crime_type = serializers.CharField(allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    minutes_served = serializers.FloatField(allow_null=True)
    minutes_self_reported = serializers.FloatField(allow_null=True)
    ended_reason = serializers.CharField()
    timer = TimerOut()
    tactics = SuggestedTacticOut(many=True)
    tactics_used = serializers.ListField(child=serializers.IntegerField())
    tactics_version = serializers.CharField(
        help_text="Version of the tactics report: send it back as base_version with an edit."
    )
    notes = serializers.CharField()
    score = serializers.FloatField(required=False)
    raw_score = serializers.FloatField(required=False)
    model_versions = serializers.ListField(child=serializers.CharField(), required=False)
    seed_hex = serializers.CharField(required=False)
    draw = serializers.FloatField(required=False, allow_null=True)
    probability = serializers.FloatField(required=False)
    forced = serializers.BooleanField(required=False)
    plan = serializers.IntegerField(required=False, allow_null=True)
    addition = serializers.IntegerField(required=False, allow_null=True)
    dose_minutes = serializers.IntegerField(required=False)


class MissionFeatureOut(serializers.Serializer):
    """A mission as a GeoJSON feature: its box polygon and its properties."""

    type = serializers.CharField(default="Feature")
    id = serializers.IntegerField()
    geometry = BoxPolygonOut(help_text="The box polygon (GeoJSON, WGS 84).")
    properties = MissionPropertiesOut()


class MissionCollectionOut(serializers.Serializer):
    """Missions as a GeoJSON FeatureCollection, with the shift they belong to."""

    type = serializers.CharField(default="FeatureCollection")
    features = MissionFeatureOut(many=True)
    shift = ShiftWindowOut(
        allow_null=True, required=False, help_text="Null when no shift is under way."
    )
    server_time = serializers.DateTimeField(required=False)
    plan = PlanOut(allow_null=True, required=False, help_text="Analysts' reads: the shift's plan.")


class PingOut(serializers.Serializer):
    started = serializers.ListField(child=serializers.IntegerField())
    stopped = serializers.ListField(child=serializers.IntegerField())
    stored = serializers.BooleanField()
    missions = MissionCollectionOut()


class MissionConflictSerializer(serializers.Serializer):
    """The mission's state does not allow the action: a problem (type, title, status, detail, code,
    errors) with the mission as it is now, so the device can show what happened. `code` is one of
    dose_not_met, dose_met, already_started, visit_running, state_conflict."""

    mission = MissionFeatureOut()
