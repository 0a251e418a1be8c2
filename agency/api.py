"""Read-only API of the agency's configuration: boundaries as GeoJSON, shifts, crime types."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import CrimeType, Shift
from .selectors import beats_geojson, districts_geojson


class DistrictsGeoJSON(APIView):
    @extend_schema(
        responses={200: dict},
        summary="Districts as a GeoJSON FeatureCollection",
        description=(
            "The agency's districts for a map: one Feature per district (WGS 84 longitude/latitude"
            " polygons) with the properties `code`, `name` and `beats` (how many beats it has)."
            " District codes are what `district` parameters elsewhere take."
        ),
    )
    def get(self, request):
        return Response(districts_geojson())


class BeatsGeoJSON(APIView):
    @extend_schema(
        responses={200: dict},
        parameters=[OpenApiParameter("district", str, description="Only this district's beats")],
        summary="Beats as a GeoJSON FeatureCollection",
        description=(
            "The agency's beats for a map: one Feature per beat (WGS 84 longitude/latitude polygons)"
            " with the properties `code`, `name` and `district` (its district's code); `district`"
            " keeps one district's beats."
        ),
    )
    def get(self, request):
        return Response(beats_geojson(district_code=request.query_params.get("district")))


class ShiftSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shift
        fields = ["id", "name", "start_time", "duration_minutes", "order"]


@extend_schema_view(
    list=extend_schema(
        summary="The agency's shifts",
        description="Shift names, local start times and lengths; `shift` parameters elsewhere take a shift's id.",
    ),
    retrieve=extend_schema(
        summary="One shift",
        description="Its name, local start time and length.",
    ),
)
class ShiftViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Shift.objects.all()
    serializer_class = ShiftSerializer


class CrimeTypeSerializer(serializers.ModelSerializer):
    offense_codes = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="CAD/RMS offense or call codes that map to this type.",
    )

    class Meta:
        model = CrimeType
        fields = [
            "id",
            "code",
            "name",
            "colour",
            "severity_weight",
            "patrol_efficacy",
            "enabled",
            "offense_codes",
            "count_officer_initiated",
            "dose_minutes",
        ]


@extend_schema_view(
    list=extend_schema(
        summary="Crime types with their offense codes",
        description="Each type's weight, patrol efficacy, dose and the CAD/RMS codes that map to it.",
    ),
    retrieve=extend_schema(
        summary="One crime type",
        description="Its weight, patrol efficacy, dose and the CAD/RMS codes that map to it.",
    ),
)
class CrimeTypeViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = CrimeType.objects.all()
    serializer_class = CrimeTypeSerializer
