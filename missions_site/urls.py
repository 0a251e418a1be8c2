"""URL map: pages per role, the admin, and the REST API under /api/v1/."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("home.urls")),
    path("jobs/", include("jobs.urls")),
    path("ingest/", include("ingest.urls")),
    path("forecasting/", include("forecasting.urls")),
    path("missions/", include("missions.urls")),
    path("tactics/", include("tactics.urls")),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("missions_site.api_urls")),
]
