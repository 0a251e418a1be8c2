"""Discovery for feeds: what a CAD vendor reads before pushing (the sources it may push to, the
agency's zone, extent, grid, shifts and crime types with their codes) and, after, a run's rejected
records as JSON. Thin: selectors read, `create_source` writes (administrators only, audited)."""

from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, generics, mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from agency.models import Agency, CrimeType, Shift

from . import services
from .api import RejectedRowSerializer
from .mapping import DEFAULT_PRESET, KINDS, preset_names
from .models import RejectedRow, Source
from .selectors import agency_setup, import_runs_visible_to, rejected_rows, sources_visible_to

# ---- sources ------------------------------------------------------------------------------------


class CodeMappingSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=100, help_text="The feed's offence or call code.")
    crime_type = serializers.CharField(
        max_length=100, help_text="The crime type it counts as: its code (or name)."
    )


class SourceSerializer(serializers.ModelSerializer):
    """A source a feed pushes to (or whose files are imported)."""

    timezone = serializers.CharField(help_text="The source's own zone; blank = the agency's.")
    reads_times_in = serializers.SerializerMethodField(
        help_text="The zone offset-less times of this source are read in."
    )
    codes = serializers.SerializerMethodField(
        help_text="The source's own code map; codes not listed match each crime type's offence"
        " codes, code and name (GET /api/v1/agency/)."
    )

    class Meta:
        model = Source
        fields = ["id", "name", "kind", "timezone", "reads_times_in", "preset", "codes"]

    def get_reads_times_in(self, source: Source) -> str:
        return source.timezone or Agency.current().timezone

    @extend_schema_field(CodeMappingSerializer(many=True))
    def get_codes(self, source: Source) -> list[dict]:
        return [
            {"code": str(code), "crime_type": str(target)}
            for code, target in sorted((source.code_map or {}).items())
        ]


class SourceCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="Unique; feeds name it in a batch.")
    kind = serializers.ChoiceField(
        choices=list(KINDS), help_text="cad: calls for service; rms: crime reports."
    )
    timezone = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=64,
        help_text="IANA zone offset-less times are read in; blank = the agency's.",
    )
    preset = serializers.ChoiceField(
        choices=preset_names(),
        default=DEFAULT_PRESET,
        help_text="The column layout of the source's files (pushes use the API's field names).",
    )
    codes = CodeMappingSerializer(many=True, required=False, default=list)

    def validate_name(self, name: str) -> str:
        if Source.objects.filter(name=name.strip()).exists():
            raise serializers.ValidationError(f"A source named {name!r} exists already.")
        return name.strip()

    def validate_timezone(self, zone: str) -> str:
        if zone and zone not in available_timezones():
            raise serializers.ValidationError(
                f"Unknown time zone {zone!r}; use an IANA name like America/Toronto."
            )
        return zone

    def validate_codes(self, codes: list[dict]) -> dict[str, str]:
        known = {c.lower(): c for c in CrimeType.objects.values_list("code", flat=True)}
        known |= {n.lower(): code for code, n in CrimeType.objects.values_list("code", "name")}
        errors, mapped = {}, {}
        for index, entry in enumerate(codes):
            target = known.get(entry["crime_type"].strip().lower())
            if target is None:
                errors[index] = {
                    "crime_type": [
                        f"No crime type {entry['crime_type']!r}: GET /api/v1/agency/ lists them."
                    ]
                }
            mapped[entry["code"].strip()] = target
        if errors:
            raise serializers.ValidationError(errors)
        return mapped


@extend_schema_view(
    list=extend_schema(
        summary="Sources you may push to",
        description="Every source for analysts and administrators; a feed credential sees the"
        " sources it may push to. Name one as `source` in POST /api/v1/incidents/.",
    ),
    create=extend_schema(
        summary="Create a source (administrators)",
        description="A new source feeds can be allowed to push to (then name it on the feed's"
        " credential in the admin). Audited as `ingest.source_created`.",
        request=SourceCreateSerializer,
        responses={201: SourceSerializer},
    ),
)
class SourceViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = SourceSerializer
    queryset = Source.objects.all()

    def get_queryset(self) -> QuerySet[Source]:
        return sources_visible_to(self.request.user).order_by("name")

    def create(self, request, *args, **kwargs):
        asked = SourceCreateSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        try:
            source = services.create_source(actor=request.user, **asked.validated_data)
        except services.SourceError as exc:
            raise serializers.ValidationError({exc.field: [str(exc)]}) from exc
        except PermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc
        return Response(SourceSerializer(source).data, status=status.HTTP_201_CREATED)


# ---- the agency -----------------------------------------------------------------------------------


class MultiPolygonSerializer(serializers.Serializer):
    """A GeoJSON MultiPolygon (WGS84 longitude, latitude)."""

    type = serializers.ChoiceField(choices=["MultiPolygon"])
    coordinates = serializers.ListField(
        child=serializers.ListField(
            child=serializers.ListField(
                child=serializers.ListField(
                    child=serializers.FloatField(), min_length=2, max_length=2
                )
            )
        ),
        help_text="Polygons → rings → [longitude, latitude] positions.",
    )


class JurisdictionSerializer(serializers.Serializer):
    bbox = serializers.ListField(
        child=serializers.FloatField(),
        min_length=4,
        max_length=4,
        allow_null=True,
        help_text="[west, south, east, north] in WGS84 degrees; null until a boundary is set.",
    )
    geometry = MultiPolygonSerializer(
        allow_null=True,
        help_text="The boundary; a pushed location outside it is rejected with its row.",
    )


class GridSerializer(serializers.Serializer):
    cell_size_m = serializers.IntegerField(help_text="Side of a box, in metres.")
    epsg = serializers.IntegerField(
        allow_null=True,
        help_text="The metric CRS of the grid; null = the UTM zone of the centroid.",
    )


class AgencyShiftSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shift
        fields = ["name", "start_time", "duration_minutes"]


class AgencyCrimeTypeSerializer(serializers.ModelSerializer):
    offense_codes = serializers.ListField(
        child=serializers.CharField(),
        help_text="Feed codes that count as this type (besides its code and name, and each"
        " source's own code map).",
    )

    class Meta:
        model = CrimeType
        fields = ["code", "name", "enabled", "offense_codes"]


class PushRulesSerializer(serializers.Serializer):
    max_incidents_per_batch = serializers.IntegerField()
    future_skew_minutes = serializers.IntegerField(
        help_text="A time later than the server's clock plus this is rejected."
    )


class AgencySerializer(serializers.Serializer):
    name = serializers.CharField()
    timezone = serializers.CharField(
        help_text="IANA zone offset-less times are read in (unless a source sets its own) and"
        " shifts start in."
    )
    jurisdiction = JurisdictionSerializer()
    grid = GridSerializer()
    shifts = AgencyShiftSerializer(many=True, help_text="Start times are local wall-clock times.")
    crime_types = AgencyCrimeTypeSerializer(many=True)
    push = PushRulesSerializer()


class AgencyView(APIView):
    @extend_schema(
        summary="The agency's setup, for a feed",
        description="Name, time zone (of offset-less times), jurisdiction (bbox and GeoJSON),"
        " grid, shifts and crime types with their offence codes, and the push's limits.",
        responses={200: AgencySerializer},
    )
    def get(self, request):
        setup = {
            **agency_setup(),
            "push": {
                "max_incidents_per_batch": services.API_BATCH_MAX,
                "future_skew_minutes": settings.INGEST_FUTURE_SKEW_MINUTES,
            },
        }
        return Response(AgencySerializer(setup).data)


# ---- a run's rejected records ---------------------------------------------------------------------


class RejectedRowsView(generics.ListAPIView):
    """A run's rejected rows, by row number (paginated)."""

    serializer_class = RejectedRowSerializer
    queryset = RejectedRow.objects.none()

    @extend_schema(
        summary="An import run's rejected rows",
        description="Each rejected row of a file or API batch with its row number (1 = the first"
        " record), field, value and reason, in row order. A feed credential reads only its own"
        " runs' rows.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return RejectedRow.objects.none()
        run = get_object_or_404(import_runs_visible_to(self.request.user), pk=self.kwargs["pk"])
        return rejected_rows(run=run, limit=None)
