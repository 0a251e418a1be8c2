"""The REST API, version 1: each app contributes its routes; schema and docs at the root."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import obtain_auth_token

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("", include("agency.api_urls")),
    path("", include("jobs.api_urls")),
    path("", include("forecasting.api_urls")),
    path("", include("ingest.api_urls")),
    path("", include("missions.api_urls")),
    path("", include("tactics.api_urls")),
]
