from django.urls import path

from . import api

urlpatterns = [path("grid/", api.GridCells.as_view(), name="api-grid")]
