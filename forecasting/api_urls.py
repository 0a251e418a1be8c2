from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, street_api

router = SimpleRouter()
router.register("model-versions", api.ModelVersionViewSet, basename="model-version")

urlpatterns = [
    path("grid/", api.GridCells.as_view(), name="api-grid"),
    path("streets/", street_api.Streets.as_view(), name="api-streets"),
    path("forecasts/", api.ShiftForecast.as_view(), name="api-forecast"),
    path("forecasts/<int:pk>/", api.ForecastRunDetail.as_view(), name="api-forecast-run"),
    *router.urls,
]
