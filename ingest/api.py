"""REST API of the ingest app: CAD systems push incident batches; clients read import runs."""

from django.conf import settings
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from knox.auth import TokenAuthentication
from rest_framework import serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from missions_site.access import RouteMatrix
from missions_site.api_errors import Problem

from . import services
from .models import ImportRun, Source
from .selectors import import_runs_visible_to, may_push_to, rejected_rows
from .sniffing import megabytes

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 200
REPLAYED_HEADER = "Idempotent-Replayed"
REJECTED_IN_RESPONSE = 500


class IncidentRecordSerializer(serializers.Serializer):
    """One incident as a CAD/RMS system sends it; times without an offset are the source's local time."""

    external_id = serializers.CharField(
        max_length=200, help_text="The feed's id, unique per source."
    )
    occurred_from = serializers.CharField(help_text="ISO 8601, e.g. 2024-05-01T22:15:00-04:00.")
    occurred_to = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    reported_at = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    latitude = serializers.FloatField(required=False, allow_null=True)
    longitude = serializers.FloatField(required=False, allow_null=True)
    code = serializers.CharField(
        required=False, allow_blank=True, help_text="Offense or call code."
    )
    call_type = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.CharField(required=False, allow_blank=True)
    disposition = serializers.CharField(required=False, allow_blank=True)
    premise_type = serializers.CharField(required=False, allow_blank=True)
    officer_initiated = serializers.BooleanField(required=False, default=False)
    updated_at = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="When the feed last changed this record; a newer version replaces an older one.",
    )


class IncidentBatchSerializer(serializers.Serializer):
    source = serializers.SlugRelatedField(slug_field="name", queryset=Source.objects.all())
    incidents = IncidentRecordSerializer(many=True, min_length=1, max_length=services.API_BATCH_MAX)


class RejectedRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(source="row_number", help_text="1 = the batch's first record.")
    external_id = serializers.CharField()
    reason_code = serializers.CharField()
    reason = serializers.CharField()


class ImportDetailsSerializer(serializers.Serializer):
    """What a run found besides its counts (ingest.services.imports)."""

    format = serializers.CharField(required=False, help_text="csv, geojson, shapefile or json.")
    encoding = serializers.CharField(required=False, help_text="CSV files: the encoding read.")
    delimiter = serializers.CharField(required=False, help_text="CSV files: the delimiter.")
    warnings = serializers.ListField(child=serializers.CharField(), required=False)
    rejected_by_reason = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text="reason code → rows."
    )
    unmapped_codes = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Codes the source's map does not know → rows (the most frequent).",
    )
    repeated_in_file = serializers.IntegerField(required=False)
    not_newer = serializers.IntegerField(
        required=False, help_text="Records not newer than the stored version: skipped."
    )
    applied = serializers.BooleanField(required=False, help_text="False when strict refused it.")


class ImportRunSerializer(serializers.ModelSerializer):
    """The run's outcome, with its job's status, message and times (the job owns those)."""

    source = serializers.CharField(source="source.name")
    status = serializers.CharField(source="job.status")
    message = serializers.CharField(source="job.message")
    created_at = serializers.DateTimeField(source="job.created_at")
    started_at = serializers.DateTimeField(source="job.started_at", allow_null=True)
    finished_at = serializers.DateTimeField(source="job.finished_at", allow_null=True)
    is_finished = serializers.BooleanField(source="job.is_finished")
    details = ImportDetailsSerializer(
        help_text="Warnings, rejected counts by reason, unmapped codes, older versions skipped."
    )

    class Meta:
        model = ImportRun
        fields = [
            "id",
            "source",
            "via",
            "file_name",
            "file_removed_at",
            "strict",
            "status",
            "message",
            "total_rows",
            "created",
            "updated",
            "unchanged",
            "rejected",
            "unmapped",
            "details",
            "job",
            "created_at",
            "started_at",
            "finished_at",
            "is_finished",
        ]


class BatchResultSerializer(ImportRunSerializer):
    replayed = serializers.BooleanField(
        help_text="Deprecated (use the Idempotent-Replayed header, the same on every operation):"
        " true when this key's earlier result is returned."
    )
    rejected_rows = RejectedRowSerializer(many=True, source="rejected_rows_list")

    class Meta(ImportRunSerializer.Meta):
        fields = [*ImportRunSerializer.Meta.fields, "replayed", "rejected_rows"]


class IncidentBatchView(APIView):
    """POST a batch of incidents; the same validation and newer-wins upsert as file imports."""

    # Token first, so that a CAD system without credentials gets 401 and a WWW-Authenticate hint.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [RouteMatrix]

    @extend_schema(
        summary="Push a batch of incidents (CAD/RMS real-time feed)",
        description=(
            "Validates and upserts up to 5,000 incidents into a source, exactly like a file import:"
            " bad records are rejected with a reason (returned), unknown codes are kept unmapped,"
            " a record replaces the stored one only if it differs and, when both have `updated_at`,"
            " is newer. The `Idempotency-Key` header makes retries safe: a batch re-sent with the"
            " same key is applied once and its first result returned (200, `replayed: true`);"
            " the same key with a different batch is a 409."
        ),
        request=IncidentBatchSerializer,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="Unique per batch (e.g. a UUID); reuse it only to retry the same batch.",
            )
        ],
        responses={
            201: BatchResultSerializer,
            200: OpenApiResponse(BatchResultSerializer, description="Replay of an earlier batch."),
            400: OpenApiResponse(description="Malformed batch or missing Idempotency-Key."),
            403: OpenApiResponse(
                description="A feed pushing to a source its credential does not name."
            ),
            409: OpenApiResponse(description="Key reused for another batch, or still running."),
            413: OpenApiResponse(
                description="The request body is larger than REQUEST_BODY_MAX_BYTES."
            ),
        },
    )
    def post(self, request):
        too_large = _body_too_large(request)
        if too_large:
            raise Problem(
                too_large, status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, code="too_large"
            )
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key or len(key) > IDEMPOTENCY_KEY_MAX:
            raise Problem(
                f"Send an {IDEMPOTENCY_HEADER} header (1–{IDEMPOTENCY_KEY_MAX} chars).",
                status_code=status.HTTP_400_BAD_REQUEST,
                code="idempotency_key_missing",
            )
        batch = IncidentBatchSerializer(data=request.data)
        batch.is_valid(raise_exception=True)
        if not may_push_to(request.user, batch.validated_data["source"]):
            raise Problem(
                "This feed's credential does not name that source: ask an administrator.",
                status_code=status.HTTP_403_FORBIDDEN,
                code="source_not_allowed",
            )
        records = [dict(record) for record in batch.validated_data["incidents"]]
        try:
            run, replayed = services.push_incidents(
                source=batch.validated_data["source"],
                records=records,
                idempotency_key=key,
                user=request.user,
            )
        except services.IdempotencyKeyReused as exc:
            raise Problem(
                str(exc),
                status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
                code="idempotency_key_reused",
            ) from None
        except services.IdempotencyConflict as exc:
            raise Problem(
                str(exc), status_code=status.HTTP_409_CONFLICT, code="idempotency_key_in_use"
            ) from None
        run.replayed = replayed
        run.rejected_rows_list = list(rejected_rows(run=run, limit=REJECTED_IN_RESPONSE))
        body = BatchResultSerializer(run).data
        if replayed:
            return Response(body, status=status.HTTP_200_OK, headers={REPLAYED_HEADER: "true"})
        return Response(body, status=status.HTTP_201_CREATED)


def _body_too_large(request) -> str:
    """Why the body is refused unread, or '' (with the batch's own words, before Django's check)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return "The Content-Length header is not a number."
    if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return (
            f"The batch is {megabytes(length)}; at most"
            f" {megabytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)} may be sent at once: split it."
        )
    return ""


@extend_schema_view(
    list=extend_schema(
        summary="Import runs, newest first",
        description="Files, uploads and API batches with their counts; a feed sees only the runs it pushed.",
    ),
    retrieve=extend_schema(
        summary="One import run",
        description="Its counts, warnings, rejected counts by reason and unmapped codes.",
    ),
)
class ImportRunViewSet(viewsets.ReadOnlyModelViewSet):
    # Import runs (files, uploads, API batches) with their summaries.

    serializer_class = ImportRunSerializer
    queryset = ImportRun.objects.select_related("source", "job")
    permission_classes = [RouteMatrix]

    def get_queryset(self):
        runs = import_runs_visible_to(self.request.user)
        return runs[:200] if self.action == "list" else runs
