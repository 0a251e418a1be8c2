"""The project's URLs plus views that fail as a SpatiaLite write does when the lock never comes."""

from django.db import OperationalError
from django.urls import path

from missions_site.urls import urlpatterns as site_urlpatterns


def locked(request):
    raise OperationalError("database is locked")


def other_failure(request):
    raise OperationalError("no such table: missions_mission")


urlpatterns = [
    *site_urlpatterns,
    path("test-only/locked/", locked),
    path("api/v1/test-only/locked/", locked),
    path("test-only/broken/", other_failure),
]
