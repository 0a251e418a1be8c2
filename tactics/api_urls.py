from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("tactics", api.TacticViewSet, basename="tactic")
urlpatterns = [
    path("tactics/report/", api.TacticReport.as_view(), name="api-tactics-report"),
    *router.urls,
]
