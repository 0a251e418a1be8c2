"""The grid for maps, as compact rows rather than 10,000 GeoJSON polygons."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from .selectors import grid_compact


class GridCells(APIView):
    @extend_schema(
        responses={200: dict},
        parameters=[OpenApiParameter("district", str, description="Only this district's cells")],
        summary="Active grid cells: [cell_id, district, beat, south, west, north, east]",
    )
    def get(self, request):
        return Response(grid_compact(district_code=request.query_params.get("district")))
