"""The project's URLs plus a view that fails, to see the 500 page the way a user would."""

from django.urls import path

from missions_site.urls import urlpatterns as site_urlpatterns

SECRET_DETAIL = "/srv/missions/secret_module.py line 42"


def fail(request):
    raise RuntimeError(f"database password rejected in {SECRET_DETAIL}")


urlpatterns = [*site_urlpatterns, path("test-only/fail/", fail)]
