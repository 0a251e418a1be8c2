from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api, api_discovery

router = SimpleRouter()
router.register("import-runs", api.ImportRunViewSet)
router.register("sources", api_discovery.SourceViewSet)
urlpatterns = [
    path("incidents/", api.IncidentBatchView.as_view(), name="api-incidents"),
    path("agency/", api_discovery.AgencyView.as_view(), name="api-agency"),
    path(
        "import-runs/<int:pk>/rejected/",
        api_discovery.RejectedRowsView.as_view(),
        name="importrun-rejected",
    ),
    *router.urls,
]
