from django.urls import path

from . import pwa, views

urlpatterns = [
    path("", views.home, name="home"),
    path("analyst/", views.analyst_home, name="analyst-home"),
    path("officer/", views.officer_home, name="officer-home"),
    path("officer/sw.js", pwa.service_worker, name="officer-service-worker"),
    path("manifest.webmanifest", pwa.manifest, name="web-manifest"),
    path("supervisor/", views.supervisor_home, name="supervisor-home"),
    path("supervisor/board.json", views.supervisor_board, name="supervisor-board"),
    path("briefing/", views.roll_call_briefing, name="roll-call-briefing"),
]
