"""REST API of the ingest app: CAD systems push incident batches; clients read import runs."""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinLengthValidator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from knox.auth import TokenAuthentication
from rest_framework import serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs.models import JobRun
from missions_site.access import RouteMatrix
from missions_site.api_errors import Problem
from missions_site.query_params import parse_query

from . import services
from .models import ImportRun, Source
from .selectors import import_runs_visible_to, may_push_to, rejected_rows
from .sniffing import megabytes
from .validation import EXTERNAL_ID_MAX, TEXT_MAX

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX = 200
REPLAYED_HEADER = "Idempotent-Replayed"
REJECTED_IN_RESPONSE = 500
RUNS_LISTED = 200


@extend_schema_field(OpenApiTypes.DATETIME)
class DateTimeText(serializers.CharField):
    """A time as sent (ISO 8601), parsed by ingest.validation like a file's: without an offset it
    is read in the source's zone (GET /api/v1/agency/ and /sources/ say which)."""


class RecordList(serializers.ListSerializer):
    """The batch's records: their number is checked here; each record is checked on its own
    (`checked_records`), so that a bad one is a finding with its row, not the whole batch's 400."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # As validators too, so that the schema states them (minItems, maxItems).
        self.validators = [MinLengthValidator(self.min_length), MaxLengthValidator(self.max_length)]

    def to_internal_value(self, data):
        if not isinstance(data, list):
            raise serializers.ValidationError("Send the incidents as a list of records.")
        if len(data) > self.max_length:
            raise serializers.ValidationError(
                f"At most {self.max_length:,} incidents per batch; this one has {len(data):,}:"
                " split it."
            )
        if len(data) < self.min_length:
            raise serializers.ValidationError("Send at least one incident.")
        return data


class IncidentRecordSerializer(serializers.Serializer):
    """One incident as a CAD/RMS system sends it; times without an offset are the source's local time."""

    external_id = serializers.CharField(
        max_length=EXTERNAL_ID_MAX, help_text="The feed's id, unique per source."
    )
    occurred_from = DateTimeText(
        help_text="ISO 8601, e.g. 2024-05-01T22:15:00-04:00; without an offset, the source's local"
        " time. More than INGEST_FUTURE_SKEW_MINUTES (10) ahead of the server's clock is refused."
    )
    occurred_to = DateTimeText(required=False, allow_blank=True, allow_null=True)
    reported_at = DateTimeText(required=False, allow_blank=True, allow_null=True)
    latitude = serializers.FloatField(
        required=False,
        allow_null=True,
        min_value=-90,
        max_value=90,
        help_text="WGS84; a location outside the jurisdiction is refused with its row.",
    )
    longitude = serializers.FloatField(
        required=False, allow_null=True, min_value=-180, max_value=180, help_text="WGS84."
    )
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=TEXT_MAX["raw_code"],
        help_text="Offense or call code; one that maps to no crime type is kept as unmapped and"
        " named with its row in `unmapped_rows`.",
    )
    call_type = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.CharField(required=False, allow_blank=True)
    disposition = serializers.CharField(required=False, allow_blank=True)
    premise_type = serializers.CharField(required=False, allow_blank=True)
    officer_initiated = serializers.BooleanField(required=False, default=False)
    updated_at = DateTimeText(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="When the feed last changed this record; a newer version replaces an older one.",
    )

    class Meta:
        list_serializer_class = RecordList  # a batch of them (`many=True`)


class IncidentBatchSerializer(serializers.Serializer):
    source = serializers.CharField(
        max_length=100, help_text="The source's name: GET /api/v1/sources/ lists them."
    )
    strict = serializers.BooleanField(
        required=False,
        default=False,
        help_text="True: any rejected record refuses the whole batch (400, nothing stored)."
        " False: the good records are stored and the bad ones kept as rejected rows.",
    )
    incidents = IncidentRecordSerializer(many=True, min_length=1, max_length=services.API_BATCH_MAX)

    def validate_source(self, name: str) -> Source:
        source = Source.objects.filter(name=name).first()
        if source is None:
            raise serializers.ValidationError(
                f"No source is named {name!r}. GET /api/v1/sources/ lists the sources you may push"
                " to; an administrator creates one (POST /api/v1/sources/ or the admin)."
            )
        return source


class RejectedRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        source="row_number", help_text="1 = the batch's first record (the file's first data row)."
    )
    external_id = serializers.CharField()
    field = serializers.CharField(
        help_text="The field (column) at fault; two joined by a comma for a location; blank when"
        " the record as a whole is."
    )
    value = serializers.SerializerMethodField(help_text="What the record held there.")
    reason_code = serializers.CharField()
    reason = serializers.CharField()

    def get_value(self, row) -> str:
        if not row.field or not isinstance(row.raw, dict):
            return ""
        return ",".join(str(row.raw.get(name, "")) for name in row.field.split(","))


class UnmappedRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="1 = the batch's first record.")
    external_id = serializers.CharField()
    code = serializers.CharField(help_text="The code that maps to no crime type.")


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
    unmapped_rows = serializers.SerializerMethodField(
        help_text="API batches: the records stored without a crime type, with their row."
    )

    @extend_schema_field(UnmappedRowSerializer(many=True))
    def get_unmapped_rows(self, details: dict) -> list[dict]:
        return [
            {"row": row, "external_id": external_id, "code": code}
            for row, external_id, code in details.get("unmapped_rows", [])
        ]


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
    rejected_rows = RejectedRowSerializer(
        many=True,
        source="rejected_rows_list",
        help_text=f"The first {REJECTED_IN_RESPONSE} rejected records; all of them:"
        " GET /api/v1/import-runs/{id}/rejected/.",
    )
    unmapped_rows = UnmappedRowSerializer(
        many=True,
        source="unmapped_rows_list",
        help_text="Records stored without a crime type: their code maps to none (yet).",
    )

    class Meta(ImportRunSerializer.Meta):
        fields = [*ImportRunSerializer.Meta.fields, "replayed", "rejected_rows", "unmapped_rows"]


class IncidentBatchView(APIView):
    """POST a batch of incidents; the same validation and newer-wins upsert as file imports."""

    # Token first, so that a CAD system without credentials gets 401 and a WWW-Authenticate hint.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [RouteMatrix]

    @extend_schema(
        summary="Push a batch of incidents (CAD/RMS real-time feed)",
        description=(
            "Validates and upserts up to 5,000 incidents into a source, exactly like a file import:"
            " each bad record is a rejected row with its row number (1 = the first record), field"
            " and reason; a code that maps to no crime type is stored as unmapped and named with"
            " its row in `unmapped_rows`; a time more than INGEST_FUTURE_SKEW_MINUTES (10) ahead"
            " of the server's clock or a location outside the jurisdiction is rejected. With"
            " `strict: true` any rejected record refuses the whole batch: 400, nothing stored,"
            " the errors keyed by the record's index in `incidents` (the run keeps them too)."
            " A record replaces the stored one only if it differs and, when both have"
            " `updated_at`, is newer. The `Idempotency-Key` header makes retries safe: a batch"
            " re-sent with the same key is applied once and its first result returned (200,"
            " `replayed: true`); the same key with a different batch is a 409. The sources you"
            " may push to: GET /api/v1/sources/; the agency's zone, extent and crime types:"
            " GET /api/v1/agency/."
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
            400: OpenApiResponse(
                description="Malformed batch, unknown source, more than 5,000 records, missing"
                " Idempotency-Key, or a strict batch with rejected records (nothing stored)."
            ),
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
        source, strict = batch.validated_data["source"], batch.validated_data["strict"]
        if not may_push_to(request.user, source):
            raise Problem(
                "This feed's credential does not name that source: ask an administrator.",
                status_code=status.HTTP_403_FORBIDDEN,
                code="source_not_allowed",
            )
        records, rows, refused = checked_records(batch.validated_data["incidents"])
        try:
            run, replayed = services.push_incidents(
                source=source,
                records=records,
                rows=rows,
                refused=refused,
                strict=strict,
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
        if run.strict and run.job.status == JobRun.Status.FAILED and run.rejected:
            raise serializers.ValidationError(strict_refusal(run))
        run.replayed = replayed
        run.rejected_rows_list = list(rejected_rows(run=run, limit=REJECTED_IN_RESPONSE))
        run.unmapped_rows_list = [
            {"row": row, "external_id": external_id, "code": code}
            for row, external_id, code in (run.details or {}).get("unmapped_rows", [])
        ]
        body = BatchResultSerializer(run).data
        if replayed:
            return Response(body, status=status.HTTP_200_OK, headers={REPLAYED_HEADER: "true"})
        return Response(body, status=status.HTTP_201_CREATED)


def checked_records(incidents: list) -> tuple[list[dict], list[int], list[dict]]:
    """Each record of a batch checked against IncidentRecordSerializer on its own: the good
    ones (and their row numbers, 1 = the first) go on to the import's validation; each bad one
    becomes a finding with its row, field(s) and reason."""
    records, rows, refused = [], [], []
    checker = IncidentRecordSerializer()  # one instance: its fields are built once, not per record
    for row, raw in enumerate(incidents, start=1):
        if not isinstance(raw, dict):
            refused.append(
                {
                    "row": row,
                    "field": "",
                    "reason_code": "not_a_record",
                    "reason": "The record is not a JSON object.",
                }
            )
            continue
        try:
            records.append(dict(checker.run_validation(raw)))
        except serializers.ValidationError as exc:
            refused.append(_refusal(row, raw, exc.detail))
        else:
            rows.append(row)
    return records, rows, refused


RECORD_FIELDS = tuple(IncidentRecordSerializer().fields)
REASON_CODES = {
    "external_id": "bad_id",
    "latitude": "bad_coordinates",
    "longitude": "bad_coordinates",
    **dict.fromkeys(("occurred_from", "occurred_to", "reported_at", "updated_at"), "bad_time"),
}
MISSING_CODES = {"external_id": "missing_id", "occurred_from": "missing_time"}


def _refusal(row: int, raw: dict, errors: dict) -> dict:
    at_fault = [name for name in RECORD_FIELDS if name in errors] or list(errors)
    first = at_fault[0]
    missing = errors[first][0].code in ("required", "blank", "null")
    return {
        "row": row,
        "external_id": str(raw.get("external_id") or "")[:200],
        "field": ",".join(at_fault),
        "reason_code": (MISSING_CODES if missing else {}).get(first)
        or REASON_CODES.get(first, "bad_value"),
        "reason": "; ".join(f"{name}: {errors[name][0]}" for name in at_fault),
        # only the record's own fields: anything else it carried (a name…) is never kept
        "raw": {
            name: "" if raw[name] is None else str(raw[name])[:200]
            for name in RECORD_FIELDS
            if name in raw
        },
    }


def strict_refusal(run: ImportRun) -> dict:
    """The 400 of a strict batch with rejected records: errors keyed by the record's index in
    `incidents` (0 = the first, DRF's way for lists), each naming its row and reason."""
    errors: dict[str, dict[str, list[str]]] = {}
    for rejected in rejected_rows(run=run, limit=REJECTED_IN_RESPONSE):
        field = rejected.field or serializers.api_settings.NON_FIELD_ERRORS_KEY
        errors.setdefault(str(rejected.row_number - 1), {}).setdefault(field, []).append(
            f"Row {rejected.row_number} ({rejected.external_id or 'no id'}): {rejected.reason}"
        )
    detail = f"{run.job.message} All of them: GET /api/v1/import-runs/{run.pk}/rejected/."
    return {"detail": detail, "incidents": errors}


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


class ImportRunQuery(serializers.Serializer):
    source = serializers.CharField(
        required=False, max_length=100, help_text="Only this source's runs (its name)."
    )
    status = serializers.ChoiceField(
        required=False, choices=JobRun.Status.choices, help_text="Only runs in this state."
    )

    def validate_source(self, name: str) -> Source:
        source = Source.objects.filter(name=name).first()
        if source is None:
            raise serializers.ValidationError(
                f"No source is named {name!r}: GET /api/v1/sources/ lists them."
            )
        return source


@extend_schema_view(
    list=extend_schema(
        summary="Import runs, newest first",
        description="Files, uploads and API batches with their counts; a feed credential sees"
        " only the runs it pushed. At most the newest 200 match.",
        parameters=[ImportRunQuery],
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
        if self.action != "list":
            return import_runs_visible_to(self.request.user)
        query = parse_query(ImportRunQuery, self.request)
        runs = import_runs_visible_to(
            self.request.user, source=query.get("source"), status=query.get("status")
        )
        return runs[:RUNS_LISTED]
