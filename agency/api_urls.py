from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("shifts", api.ShiftViewSet)
router.register("crime-types", api.CrimeTypeViewSet)
urlpatterns = [
    path("districts.geojson", api.DistrictsGeoJSON.as_view(), name="api-districts"),
    path("beats.geojson", api.BeatsGeoJSON.as_view(), name="api-beats"),
    *router.urls,
]
