"""The REST API, version 1: each app contributes its routes; schema and docs at the root."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import ObtainAuthToken

from .access import RouteMatrix

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("auth/token/", ObtainAuthToken.as_view(permission_classes=[RouteMatrix]), name="api-token"),
    path("", include("agency.api_urls")),
    path("", include("jobs.api_urls")),
    path("", include("forecasting.api_urls")),
    path("", include("ingest.api_urls")),
    path("", include("missions.api_urls")),
    path("", include("tactics.api_urls")),
]
