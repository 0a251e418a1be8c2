from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="ingest-index"),
    path("upload/", views.upload, name="ingest-upload"),
    path("runs/<int:run_id>/", views.run_detail, name="ingest-run"),
    path("runs/<int:run_id>/rejected.csv", views.rejected_csv, name="ingest-rejected-csv"),
    path("sources/<int:source_id>/quality/", views.quality, name="ingest-quality"),
]
