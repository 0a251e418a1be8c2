from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("import-runs", api.ImportRunViewSet)
urlpatterns = [
    path("incidents/", api.IncidentBatchView.as_view(), name="api-incidents"),
    *router.urls,
]
