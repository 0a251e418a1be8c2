"""POST /api/v1/avl/: the vehicle-location feed pushes batches of positions (Feed role only)."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from knox.auth import TokenAuthentication
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from missions_site.access import RouteMatrix
from missions_site.api_errors import Problem
from missions_site.idempotency_keys import idempotent_in_cache

from . import roster, services


class VehiclePositionInSerializer(serializers.Serializer):
    """One fix as the AVL feed sends it; validated row by row by the service, so that one bad fix
    is refused with its row number and the rest are stored."""

    unit = serializers.CharField(max_length=64, help_text="Call sign or vehicle id.")
    at = serializers.DateTimeField(
        help_text="When the fix was taken; without an offset, local time."
    )
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    speed_kmh = serializers.FloatField(required=False, allow_null=True, min_value=0)
    heading_deg = serializers.FloatField(
        required=False, allow_null=True, min_value=0, max_value=360
    )
    accuracy_m = serializers.FloatField(required=False, allow_null=True, min_value=0)


class PositionBatchSerializer(serializers.Serializer):
    positions = serializers.ListField(
        child=VehiclePositionInSerializer(), max_length=services.BATCH_MAX, allow_empty=False
    )


class RejectedFixSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="1 = the batch's first fix.")
    field = serializers.CharField(allow_blank=True)
    reason = serializers.CharField()


class PositionBatchResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField(help_text="Fixes already stored (same unit and time).")
    rejected = RejectedFixSerializer(many=True)


class PositionBatchView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [RouteMatrix]

    @extend_schema(
        summary="Push a batch of vehicle positions (AVL feed)",
        description=(
            "Stores up to 5,000 fixes, each placed on the grid on arrival. A fix already stored for"
            " the same unit and time is a duplicate, not stored twice, so a batch can be re-sent"
            " safely. A fix with an unknown unit, a bad or future time, a bad number or a position"
            " outside the jurisdiction is refused with its row and reason; the others are stored."
        ),
        request=PositionBatchSerializer,
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="Send the same key when re-sending a batch: its first answer is given"
                " again (Idempotent-Replayed: true), for IDEMPOTENCY_KEYS_KEEP_HOURS.",
            )
        ],
        responses={
            200: PositionBatchResultSerializer,
            400: OpenApiResponse(description="Not a batch: no `positions` list, or over 5,000."),
        },
    )
    @idempotent_in_cache
    def post(self, request):
        positions = request.data.get("positions") if isinstance(request.data, dict) else None
        if not isinstance(positions, list) or not positions:
            raise Problem(
                'Send {"positions": [...]} with at least one position.',
                status_code=status.HTTP_400_BAD_REQUEST,
                code="no_positions",
            )
        if len(positions) > services.BATCH_MAX:
            raise Problem(
                f"At most {services.BATCH_MAX} positions per batch; split it.",
                status_code=status.HTTP_400_BAD_REQUEST,
                code="too_many_positions",
            )
        result = services.receive_positions(records=positions, actor=request.user)
        body = {
            "received": len(positions),
            "stored": result.stored,
            "duplicates": result.duplicates,
            "rejected": result.rejected,
        }
        return Response(PositionBatchResultSerializer(body).data)


class RosterRowSerializer(serializers.Serializer):
    """One roster row as the CAD exports it; validated row by row by the service."""

    date = serializers.DateField()
    shift = serializers.CharField(help_text="The shift's name (e.g. Evening) or id.")
    beat = serializers.CharField(help_text="The beat's code.")
    unit = serializers.CharField(max_length=32, help_text="The unit's call sign, e.g. 2A31.")
    officers = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Usernames or badge numbers of the officers riding in the unit.",
    )


class RosterBatchSerializer(serializers.Serializer):
    rows = RosterRowSerializer(many=True)


class RosterResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField(
        help_text="Rows that replaced the unit's entry of the shift."
    )
    units_added = serializers.ListField(child=serializers.CharField())
    rejected = RejectedFixSerializer(many=True)


class RosterView(APIView):
    """POST /api/v1/roster/: the CAD (feed) or command staff push roster rows."""

    @extend_schema(
        summary="Push roster rows (which unit works which beat in which shift, and who rides)",
        description=(
            "Each row is judged on its own: an unknown shift, beat or officer, a bad date, a"
            " duplicate row or (for a supervisor scoped to districts) a beat outside their"
            " districts is refused with its row and reason; the others are stored. A row for a"
            " unit already rostered that date and shift replaces its entry."
        ),
        request=RosterBatchSerializer,
        responses={
            200: RosterResultSerializer,
            400: OpenApiResponse(description="No `rows` list, or too many rows."),
        },
    )
    def post(self, request):
        rows = request.data.get("rows") if isinstance(request.data, dict) else None
        if not isinstance(rows, list) or not rows:
            raise Problem(
                'Send {"rows": [{"date", "shift", "beat", "unit", "officers"}, ...]} with at least'
                " one row.",
                status_code=status.HTTP_400_BAD_REQUEST,
                code="no_rows",
            )
        try:
            result = roster.import_roster(rows=rows, actor=request.user, source="api")
        except roster.RosterError as exc:  # more rows than a roster holds
            raise Problem(
                str(exc), status_code=status.HTTP_400_BAD_REQUEST, code="too_many_rows"
            ) from exc
        return Response(RosterResultSerializer({"received": len(rows), **result.as_dict()}).data)
