"""URL map: pages per role, the admin, the REST API under /api/v1/ and the health check; who may
use each is in missions_site/access.py."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from ops.views import metrics, readyz

from . import access
from .api_errors import bad_request, not_found
from .health import healthz

handler400 = bad_request
handler404 = not_found

urlpatterns = [
    path("", include("home.urls")),
    path("jobs/", include("jobs.urls")),
    path("ingest/", include("ingest.urls")),
    path("patrol/", include("patrol.urls")),
    path("forecasting/", include("forecasting.urls")),
    path("missions/", include("missions.urls")),
    path("tactics/", include("tactics.urls")),
    path("alerts/", include("alerts.urls")),
    path("", include("oversight.urls")),
    path("accounts/", include("accounts.urls")),
    path("audit/", include("audit.urls")),
    path("healthz", access.page(healthz), name="healthz"),
    path("readyz", access.page(readyz), name="readyz"),
    # For Prometheus, not for people: no role reaches it (access.ROUTES), only the bearer token
    # METRICS_TOKEN, which the view checks itself.
    path("metrics", metrics, name="metrics"),
    # Browsers ask for /favicon.ico on pages without HTML (JSON, files): send them to the site icon.
    path(
        "favicon.ico",
        access.page(RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
        name="favicon",
    ),
    # One sign-in page (banner, throttle, second factor) for the admin too.
    path(
        "admin/login/",
        access.page(RedirectView.as_view(pattern_name="login", query_string=True)),
        name="admin-login",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", include("missions_site.api_urls")),
]
