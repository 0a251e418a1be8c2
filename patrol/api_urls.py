from django.urls import path

from . import api

urlpatterns = [
    path("avl/", api.PositionBatchView.as_view(), name="api-avl"),
]
