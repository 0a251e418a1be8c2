"""GET /api/v1/streets/?bbox=west,south,east,north&zoom=z: the agency's streets for one map view."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from geo.street_selectors import StreetViewError, streets_in_view
from missions_site.query_params import parse_query


class StreetViewQuery(serializers.Serializer):
    bbox = serializers.CharField(help_text="west,south,east,north in degrees (WGS 84)")
    zoom = serializers.IntegerField(min_value=0, max_value=22)

    def validate_bbox(self, value: str) -> tuple[float, float, float, float]:
        try:
            west, south, east, north = (float(part) for part in value.split(","))
        except ValueError:
            raise serializers.ValidationError("Give four numbers: west,south,east,north.") from None
        return west, south, east, north


class Streets(APIView):
    @extend_schema(
        summary="Streets in a map view, simplified to the zoom",
        description=(
            "GeoJSON MultiLineStrings. Below zoom 12 none, below 14 only arterials; from zoom 15 one "
            "feature per street name with `name` and `label` ({lat, lon, angle}: where to write it). "
            "At most 4,000 segments, longest first (`truncated` says when some were left off)."
        ),
        parameters=[
            OpenApiParameter("bbox", str, required=True, description="west,south,east,north"),
            OpenApiParameter("zoom", int, required=True, description="The map's zoom level (0–22)"),
        ],
        responses={200: dict},
    )
    def get(self, request):
        query = parse_query(StreetViewQuery, request)
        try:
            return Response(streets_in_view(bbox=query["bbox"], zoom=query["zoom"]))
        except StreetViewError as exc:
            raise ValidationError({"bbox": [str(exc)]}) from exc
