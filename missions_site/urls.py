"""URL map: pages per role, the admin, and the REST API under /api/v1/."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("", include("home.urls")),
    path("jobs/", include("jobs.urls")),
    path("ingest/", include("ingest.urls")),
    path("forecasting/", include("forecasting.urls")),
    path("missions/", include("missions.urls")),
    path("tactics/", include("tactics.urls")),
    path("", include("oversight.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("missions_site.api_urls")),
]
