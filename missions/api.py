"""REST API of missions: the officer's shift (list, start, ping, complete, offline report) and the
analyst's tools (missions of a shift, add, call off, suppress, plan, controls, audit, reports).
Thin: parse → service or selector → GeoJSON."""

from datetime import date as Date

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from agency.models import Shift
from agency.selectors import UnknownShift, shift_named, shift_window
from jobs.api import JobRunSerializer, accepted
from missions_site.access import RouteMatrix
from missions_site.api_errors import Problem
from missions_site.query_params import DateRangeQuery, QueryDateField, parse_query

from . import gis_export, reports, scope, selectors, services
from . import serializers as s
from .idempotency import idempotent
from .models import Mission, Suppression
from .tasks import enqueue_planning

SERVER_TIME_HEADER = "X-Server-Time"
GEOJSON = OpenApiResponse(
    s.MissionCollectionOut, description="GeoJSON FeatureCollection of missions (box polygons)."
)
FEATURE = s.MissionFeatureOut
CONFLICT = OpenApiResponse(
    s.MissionConflictSerializer,
    description="The mission's state does not allow it (e.g. `code` dose_not_met): the problem"
    " and the mission as it is now.",
)
BAD_INPUT = OpenApiResponse(
    description="Invalid input, e.g. a missing reason: `errors` names the field."
)
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Send the same key when retrying (e.g. after being offline): the action runs once "
    "and every repeat gets the first answer.",
)
DATE_RANGE = [
    OpenApiParameter("date_from", Date, required=True),
    OpenApiParameter("date_to", Date, required=True),
]
SHIFT_PARAMS = [
    OpenApiParameter(
        "date", Date, required=True, description="Local date on which the shift starts."
    ),
    OpenApiParameter("shift", int, required=True, description="Shift id."),
]


class MissionAPIView(APIView):
    # Maps the services' errors to HTTP: bad input 400, out of scope 403 with the reason, another
    # device first 409 (a comment, not a docstring: drf-spectacular would publish a docstring as
    # every operation's description).

    permission_classes = [RouteMatrix]

    def handle_exception(self, exc):
        if isinstance(exc, PermissionDenied):  # DRF would drop the reason
            exc = exceptions.PermissionDenied(str(exc) or None)
        if isinstance(exc, services.MissionError):
            if exc.field == "mission":
                exc = exceptions.NotFound(exc.message)
            else:
                errors = [
                    {
                        "field": exc.field or None,
                        "row": None,
                        "reason": exc.message,
                        "code": "invalid",
                    }
                ]
                exc = Problem(
                    exc.message,
                    status_code=status.HTTP_400_BAD_REQUEST,
                    code="invalid",
                    errors=errors,
                )
        elif isinstance(exc, services.Conflict):
            mission = selectors.mission_detail(exc.mission.pk)
            feature = selectors.missions_geojson([mission], user=self.request.user)["features"][0]
            exc = Problem(
                exc.message,
                status_code=status.HTTP_409_CONFLICT,
                code=exc.code,
                mission=feature,
            )
        return super().handle_exception(exc)

    def parse(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def mission_response(self, mission_id: int, code=status.HTTP_200_OK) -> Response:
        mission = selectors.mission_detail(mission_id)
        feature = selectors.missions_geojson([mission], user=self.request.user)["features"][0]
        return Response(feature, status=code)


# --- officers --------------------------------------------------------------------------------------


class OfficerMissions(MissionAPIView):
    @extend_schema(
        summary="My missions of the shift under way",
        description="GeoJSON of the officer's missions (home beat) with reasons, suggested tactics and "
        "the dose timer as the server knows it. `shift` is null when no shift is under way. Poll with "
        "the last answer's ETag in If-None-Match: 304 (no body) while nothing changed; the "
        f"{SERVER_TIME_HEADER} header always gives the server's clock.",
        parameters=[
            OpenApiParameter(
                "If-None-Match",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="The ETag of the last answer.",
            )
        ],
        responses={
            200: GEOJSON,
            304: OpenApiResponse(description="Nothing changed since that ETag."),
        },
    )
    def get(self, request):
        now = timezone.now()
        # The tag first: a change landing meanwhile makes the body newer than the tag, never older.
        etag = selectors.officer_missions_etag(request.user, now=now)
        response = get_conditional_response(request, etag=etag)  # 304 when If-None-Match matches
        if response is None:
            window, missions = selectors.officer_missions(request.user, now=now)
            body = selectors.missions_geojson(missions, user=request.user, now=now)
            body["shift"] = window.as_dict() if window else None
            body["server_time"] = now.isoformat()
            response = Response(body)
        response["ETag"] = etag
        # A 304 reuses the stored body, whose server_time is old: devices set their clock from this.
        response[SERVER_TIME_HEADER] = now.isoformat()
        patch_cache_control(response, private=True, no_cache=True)
        return response


class OfficerPing(MissionAPIView):
    @extend_schema(
        summary="Report my position: starts the mission I am in, stops visits I have left",
        description=(
            "The officer's device sends its position (WGS 84, with the fix's accuracy in metres)"
            " every minute or so while on shift. The server starts the officer's mission whose box"
            " the position is in and stops the visits of boxes they have left; `started` and"
            " `stopped` list those missions' ids, `missions` is the officer's shift as"
            " `GET /api/v1/officer/missions/` gives it (so the device needs no second call), and"
            " `stored` says whether the position itself was kept (only when the agency keeps"
            " tracks). Pings are timed by the server's clock and are never queued offline: a"
            " device that was offline sends its next live position instead."
        ),
        request=s.PositionIn,
        responses={200: s.PingOut},
    )
    def post(self, request):
        data = self.parse(s.PositionIn)
        position = services.Position(
            data["latitude"], data["longitude"], data["accuracy_m"], data.get("at")
        )
        _, missions = selectors.officer_missions(request.user)
        result = services.record_ping(user=request.user, position=position, missions=missions)
        if result.started or result.stopped:  # else the missions read above are still current
            _, missions = selectors.officer_missions(request.user)
        return Response(
            {
                "started": result.started,
                "stopped": result.stopped,
                "stored": result.stored,
                "missions": selectors.missions_geojson(missions, user=request.user),
            }
        )


class StartMission(MissionAPIView):
    @extend_schema(
        summary="Start a mission (on arrival, or by hand with a reason)",
        description=(
            "Start one of the officer's missions: with the position (latitude, longitude,"
            " accuracy_m) when the officer is in the box, or by hand with a `reason` when the"
            " position cannot show it. A start taken offline is sent with `queued: true`, its own"
            " time `at` and `offline_since`. Answers 201 with the mission as a GeoJSON feature; 409"
            " (a MissionConflict with the mission as it is now) when its state does not allow a"
            " start, e.g. `already_started`. Send an `Idempotency-Key` so a retried start is"
            " applied once."
        ),
        request=s.StartIn,
        parameters=[IDEMPOTENCY],
        responses={
            201: OpenApiResponse(FEATURE, description="The mission as a GeoJSON feature."),
            400: BAD_INPUT,
            409: CONFLICT,
        },
    )
    @idempotent
    def post(self, request, pk):
        data = self.parse(s.StartIn)
        position = None
        if "latitude" in data:
            position = services.Position(
                data["latitude"], data["longitude"], data["accuracy_m"], data.get("at")
            )
        services.start_mission(
            user=request.user,
            mission_id=pk,
            position=position,
            reason=data.get("reason", ""),
            at=data.get("at"),
            queued=data["queued"],
            offline_since=data.get("offline_since"),
        )
        return self.mission_response(pk, status.HTTP_201_CREATED)


class CompleteMission(MissionAPIView):
    @extend_schema(
        summary="Complete a mission whose dose is met, with the tactics used and notes",
        description="Refused (409) while the minutes served in the box are short of the dose: "
        "end the mission early with a reason instead.",
        request=s.CompleteIn,
        parameters=[IDEMPOTENCY],
        responses={
            200: OpenApiResponse(FEATURE, description="The mission as a GeoJSON feature."),
            400: BAD_INPUT,
            409: CONFLICT,
        },
    )
    @idempotent
    def post(self, request, pk):
        data = self.parse(s.CompleteIn)
        services.complete_mission(
            user=request.user,
            mission_id=pk,
            tactic_ids=data["tactics"],
            notes=data.get("notes"),
            at=data.get("at"),
            queued=data["queued"],
            offline_since=data.get("offline_since"),
        )
        return self.mission_response(pk)


class EndMissionEarly(MissionAPIView):
    @extend_schema(
        summary="End a mission before its dose is met (reason required): recorded as ended early",
        description="The minutes served are measured on the server from the mission's visits. "
        "A mission whose dose is met is completed instead (409).",
        request=s.EndEarlyIn,
        parameters=[IDEMPOTENCY],
        responses={
            200: OpenApiResponse(FEATURE, description="The mission as a GeoJSON feature."),
            400: BAD_INPUT,
            409: CONFLICT,
        },
    )
    @idempotent
    def post(self, request, pk):
        data = self.parse(s.EndEarlyIn)
        services.end_mission_early(
            user=request.user,
            mission_id=pk,
            reason_code=data.get("reason_code", ""),
            reason=data.get("reason", ""),
            tactic_ids=data["tactics"],
            notes=data.get("notes"),
            at=data.get("at"),
            queued=data["queued"],
            offline_since=data.get("offline_since"),
        )
        return self.mission_response(pk)


class MissionTactics(MissionAPIView):
    @extend_schema(
        summary="Add or correct the tactics reported on a mission (until the shift ends)",
        description=(
            "Replace the tactics (ids from `GET /api/v1/tactics/`) and, if sent, the notes of a"
            " mission's report, until its shift ends. Send back the mission's `tactics_version` as"
            " `base_version`: when the report has changed since (an edit made offline on an older"
            " copy), the tactics are merged with the newer report, not replaced. Notes left out are"
            " kept. Answers with the mission as a GeoJSON feature."
        ),
        request=s.TacticsIn,
        parameters=[IDEMPOTENCY],
        responses={
            200: OpenApiResponse(FEATURE, description="The mission as a GeoJSON feature."),
            400: BAD_INPUT,
        },
    )
    @idempotent
    def post(self, request, pk):
        data = self.parse(s.TacticsIn)
        services.correct_tactics(
            user=request.user,
            mission_id=pk,
            tactic_ids=data["tactics"],
            notes=data.get("notes"),
            at=data.get("at"),
            queued=data["queued"],
            offline_since=data.get("offline_since"),
            base_version=data.get("base_version"),
        )
        return self.mission_response(pk)


class OfflineReport(MissionAPIView):
    @extend_schema(
        summary="Report a whole mission done while offline (accepted once per Idempotency-Key)",
        description=(
            "For a device that was offline for a whole mission: its visits (start and end times,"
            " none before `offline_since`), the tactics used and notes, in one request. The server"
            " measures the minutes from the visits: a mission whose dose they serve is completed;"
            " otherwise it is ended early and `reason_code` is required. Answers 201 with the"
            " mission; 409 (MissionConflict) when the mission's state does not allow it."
        ),
        request=s.OfflineReportIn,
        parameters=[IDEMPOTENCY],
        responses={
            201: OpenApiResponse(FEATURE, description="The completed mission."),
            400: BAD_INPUT,
            409: CONFLICT,
        },
    )
    @idempotent
    def post(self, request, pk):
        data = self.parse(s.OfflineReportIn)
        services.report_offline(
            user=request.user,
            mission_id=pk,
            visits=[(v["started_at"], v["ended_at"]) for v in data["visits"]],
            offline_since=data["offline_since"],
            tactic_ids=data["tactics"],
            notes=data["notes"],
            completed_at=data.get("completed_at"),
            reason_code=data.get("reason_code", ""),
            reason=data.get("reason", ""),
        )
        return self.mission_response(pk, status.HTTP_201_CREATED)


# --- analysts --------------------------------------------------------------------------------------


class Missions(MissionAPIView):
    @extend_schema(
        summary="Missions of a shift (all statuses), with scores and reasons",
        description=(
            "Every mission of a shift (`date` and `shift`, a shift's name or id) as a"
            " GeoJSON FeatureCollection: each box with its status, dose, minutes served, score and"
            " the reasons it was chosen, with the shift's window and the plan it came from (seed,"
            " model versions, beats). Analysts and supervisors see what their role allows."
        ),
        operation_id="missions_shift_list",
        parameters=SHIFT_PARAMS,
        responses={200: GEOJSON},
    )
    def get(self, request):
        day, shift = _shift_params(request)
        missions = scope.visible_missions(
            request.user, selectors.shift_missions(date=day, shift=shift)
        )
        body = selectors.missions_geojson(missions, user=request.user, full=True)
        body["shift"] = shift_window(date=day, shift=shift).as_dict()
        plan = selectors.latest_plan(date=day, shift=shift)
        body["plan"] = (
            {
                "id": plan.pk,
                "seed_hex": plan.seed_hex,
                "created_at": plan.created_at,
                "model_versions": plan.model_versions,
                "beats": plan.beats,
            }
            if plan
            else None
        )
        return Response(body)

    @extend_schema(
        summary="Add missions on boxes or a drawn area for a range of shifts (reason required)",
        description=(
            "An analyst's addition to the plans: missions on the given `cell_ids` or on the boxes a"
            " drawn GeoJSON `area` covers, for every date from `date_from` to `date_to` and the"
            " given shifts (all when left out), with a reason code or words. Answers 201 with the"
            " addition's id and how many missions it created; the addition is audited."
        ),
        request=s.AddMissionsIn,
        responses={
            201: OpenApiResponse(s.AddMissionsOut, description="The addition and its missions."),
            400: BAD_INPUT,
        },
    )
    def post(self, request):
        data = self.parse(s.AddMissionsIn)
        addition = services.add_missions(
            user=request.user,
            reason_code=data.get("reason_code", ""),
            reason=data.get("reason", ""),
            date_from=data["date_from"],
            date_to=data.get("date_to"),
            shifts=data.get("shifts"),
            cell_ids=data.get("cell_ids"),
            area=data.get("area"),
        )
        return Response(
            {"addition": addition.pk, "missions_created": addition.missions.count()},
            status=status.HTTP_201_CREATED,
        )


class MissionDetail(MissionAPIView):
    @extend_schema(
        summary="One mission with its visits",
        description=(
            "A mission as a GeoJSON feature with its visits (start, end, how each was started and"
            " why it ended). 404 for a mission that does not exist or that your role may not see"
            " (an officer sees only their own)."
        ),
        responses={200: FEATURE},
        operation_id="missions_detail",
    )
    def get(self, request, pk):
        get_object_or_404(Mission, pk=pk)
        mission = selectors.mission_detail(pk)
        scope.require_visible(request.user, mission)
        feature = selectors.missions_geojson(
            [mission], user=request.user, full=scope.sees_analysis(request.user)
        )
        feature = feature["features"][0]
        feature["properties"]["visits"] = [
            {
                "started_at": v.started_at,
                "ended_at": v.ended_at,
                "method": v.start_method,
                "reason": v.start_reason,
                "end_reason": v.end_reason,
            }
            for v in mission.visits.all()
        ]
        return Response(feature)


class CancelMission(MissionAPIView):
    @extend_schema(
        summary="Call off one mission (reason required)",
        description=(
            "Cancel one mission, with a reason code or words: it leaves the officer's list and is"
            " not planned again. Answers with the mission as a GeoJSON feature; audited."
        ),
        request=s.ReasonFields,
        responses={200: FEATURE, 400: BAD_INPUT},
    )
    def post(self, request, pk):
        data = self.parse(s.ReasonFields)
        services.cancel_mission(
            user=request.user,
            mission_id=pk,
            reason_code=data.get("reason_code", ""),
            reason=data.get("reason", ""),
        )
        return self.mission_response(pk)


class PlanShift(MissionAPIView):
    @extend_schema(
        summary="Plan (or re-plan) a shift's missions in the background",
        description=(
            "Draw a shift's missions from its current forecast in the background. Answers 202 with"
            " the job and its URL in `Location`: poll it; once it has succeeded its `result` names"
            " the `plan` and how many `missions` it holds. 400 when the shift has no complete"
            " forecast yet (queue one first). Due shifts are planned on a schedule anyway: this is"
            " for a re-plan after a new forecast or a suppression."
        ),
        request=s.PlanIn,
        responses={202: JobRunSerializer, 400: BAD_INPUT},
    )
    def post(self, request):
        data = self.parse(s.PlanIn)
        job = enqueue_planning(date=data["date"], shift=data["shift"], user=request.user)
        return accepted(job, request=request)


class Controls(MissionAPIView):
    @extend_schema(
        summary="Control boxes of a shift's plan (evaluation only; never for officers)",
        description=(
            "The boxes drawn as controls when the shift was planned: scored like missions but not"
            " patrolled, so outcomes can be compared. For evaluation: never shown to officers."
        ),
        parameters=SHIFT_PARAMS,
        responses={200: s.ControlBoxOut(many=True)},
    )
    def get(self, request):
        day, shift = _shift_params(request)
        return Response(
            [
                {
                    "cell_id": c.cell.cell_id,
                    "beat": c.beat.code,
                    "score": c.score,
                    "raw_score": c.raw_score,
                    "draw": c.draw,
                }
                for c in selectors.shift_controls(date=day, shift=shift)
            ]
        )


class ShiftGis(MissionAPIView):
    @extend_schema(
        summary="A shift's forecast, missions (status, dose) and boxes with their exposure for GIS",
        description=(
            "GeoPackage (`gpkg`: the three layers forecast, missions and boxes in one file, or the "
            "one named by `layer`) or GeoJSON (`geojson`: the layer named by `layer`, required). "
            "Box polygons in EPSG:4326."
        ),
        parameters=[
            *SHIFT_PARAMS,
            OpenApiParameter("layer", str, enum=list(gis_export.LAYERS)),
        ],
        responses={(200, "application/octet-stream"): OpenApiResponse(description="The file")},
    )
    def get(self, request, fmt: str):
        day, shift = _shift_params(request)
        try:
            body, content_type, name = gis_export.export(
                user=request.user,
                date=day,
                shift=shift,
                fmt=fmt,
                layer=request.query_params.get("layer", ""),
            )
        except gis_export.ExportError as exc:
            raise ValidationError(
                {"layer" if "Layer" in str(exc) else "format": [str(exc)]}
            ) from exc
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class Suppressions(MissionAPIView):
    @extend_schema(
        summary="Suppressions in force",
        description=(
            "The suppressions not yet ended or lifted: boxes where no missions are planned for a"
            " date range and shifts, with who set them and why; `on` keeps those covering a date."
        ),
        responses={200: s.SuppressionOut(many=True)},
        parameters=[OpenApiParameter("on", Date, description="Only those covering this date")],
    )
    def get(self, request):
        rows = selectors.active_suppressions(on=parse_query(OnQuery, request).get("on"))
        return Response(s.SuppressionOut(rows, many=True).data)

    @extend_schema(
        summary="Suppress boxes for a date range and shifts (reason required); preview first",
        description="With preview=true nothing is written: the answer lists the missions it would "
        "cancel. A mission under way is cancelled only with cancel_under_way=true.",
        request=s.SuppressIn,
        responses={201: s.SuppressionOut, 200: s.SuppressionPreviewOut, 400: BAD_INPUT},
    )
    def post(self, request):
        data = self.parse(s.SuppressIn)
        where = {
            "date_from": data["date_from"],
            "date_to": data.get("date_to"),
            "shifts": data.get("shifts") or None,
            "cell_ids": data.get("cell_ids"),
            "area": data.get("area"),
        }
        if data.get("preview"):
            if not request.user.has_perm("missions.add_suppression"):
                raise PermissionDenied
            preview = services.preview_suppression(**where)
            return Response(s.SuppressionPreviewOut(preview).data)
        suppression = services.suppress_boxes(
            user=request.user,
            reason_code=data.get("reason_code", ""),
            reason=data.get("reason", ""),
            cancel_under_way=data.get("cancel_under_way", False),
            **where,
        )
        return Response(s.SuppressionOut(suppression).data, status=status.HTTP_201_CREATED)


class LiftSuppression(MissionAPIView):
    @extend_schema(
        summary="Lift a suppression early (reason required)",
        description=(
            "End a suppression before its last date, with a reason; the boxes may be planned again"
            " (re-plan the shifts affected). Answers with the suppression; audited."
        ),
        request=s.LiftIn,
        responses={200: s.SuppressionOut, 400: BAD_INPUT},
    )
    def post(self, request, pk):
        get_object_or_404(Suppression, pk=pk)
        data = self.parse(s.LiftIn)
        suppression = services.lift_suppression(
            user=request.user, suppression_id=pk, reason=data.get("reason", "")
        )
        return Response(s.SuppressionOut(suppression).data)


class AuditLog(ListAPIView):
    serializer_class = s.AuditEventOut
    permission_classes = [RouteMatrix]

    def get_queryset(self):
        q = self.request.query_params
        return selectors.audit_log(object_type=q.get("object_type"), object_id=q.get("object_id"))

    @extend_schema(
        summary="The mission events of the audit log, newest first",
        description=(
            "Who did what to missions (plans, overrides, the officers' actions) and when, newest"
            " first and paged,"
            " with each object as it was before and after; `object_type` and `object_id` keep one"
            " object's history."
        ),
        parameters=[
            OpenApiParameter("object_type", str, description="e.g. missions.mission"),
            OpenApiParameter("object_id", str),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class Report(MissionAPIView):
    KINDS = {
        "dosage": reports.dose_by_mission,
        "dosage-by-box": reports.dose_by_box,
        "status": reports.status_by_beat_shift,
    }

    @extend_schema(
        summary="Dosage and completion reports (kind: dosage, dosage-by-box, status)",
        description=(
            "A report over the dates `date_from`–`date_to` as `{kind, rows}`: `dosage` (minutes"
            " served against the dose, per mission), `dosage-by-box` (the same per box) or `status`"
            " (missions by status per beat and shift). Its columns depend on the report."
        ),
        parameters=DATE_RANGE,
        responses={200: dict},
    )
    def get(self, request, kind):
        if kind not in self.KINDS:
            raise ValidationError({"kind": f"One of {', '.join(self.KINDS)}."})
        date_from, date_to = _date_range(request)
        return Response(
            {"kind": kind, "rows": self.KINDS[kind](date_from=date_from, date_to=date_to)}
        )


class OutcomeReport(MissionAPIView):
    @extend_schema(
        summary="Incidents during planned shifts in mission, control and other boxes",
        description=(
            "Counted incidents over the dates `date_from`–`date_to` during the shifts that were"
            " planned (and up to `hours_after` hours after them), in mission boxes, control boxes"
            " and the rest, to judge whether missions had an effect."
        ),
        parameters=[
            *DATE_RANGE,
            OpenApiParameter(
                "hours_after", int, description=f"0 to {reports.HOURS_AFTER_MAX} (default 0)"
            ),
        ],
        responses={200: dict, 400: BAD_INPUT},
    )
    def get(self, request):
        query = parse_query(OutcomeQuery, request)
        return Response(
            reports.outcomes(
                date_from=query["date_from"],
                date_to=query["date_to"],
                hours_after=query["hours_after"],
            )
        )


# --- helpers ---------------------------------------------------------------------------------------


class ShiftQuery(serializers.Serializer):
    date = QueryDateField()
    shift = serializers.CharField()

    def validate_shift(self, value: str) -> Shift:
        try:
            return shift_named(value)
        except UnknownShift as exc:
            raise serializers.ValidationError(str(exc)) from None


class OnQuery(serializers.Serializer):
    on = QueryDateField(required=False)


class OutcomeQuery(DateRangeQuery):
    hours_after = serializers.IntegerField(
        min_value=0, max_value=reports.HOURS_AFTER_MAX, default=0
    )


def _shift_params(request) -> tuple[Date, Shift]:
    query = parse_query(ShiftQuery, request)
    return query["date"], query["shift"]


def _date_range(request) -> tuple[Date, Date]:
    query = parse_query(DateRangeQuery, request)
    return query["date_from"], query["date_to"]
