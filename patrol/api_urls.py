from django.urls import path

from . import api

urlpatterns = [
    path("avl/", api.PositionBatchView.as_view(), name="api-avl"),
    path("roster/", api.RosterView.as_view(), name="api-roster"),
]
