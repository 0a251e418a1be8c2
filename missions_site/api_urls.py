"""The REST API, version 1: each app contributes its routes; schema and docs at the root."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("accounts.api_urls")),
    path("", include("agency.api_urls")),
    path("", include("jobs.api_urls")),
    path("", include("forecasting.api_urls")),
    path("", include("ingest.api_urls")),
    path("", include("patrol.api_urls")),
    path("", include("missions.api_urls")),
    path("", include("tactics.api_urls")),
]
