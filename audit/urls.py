from django.urls import path

from . import views

urlpatterns = [
    path("", views.audit_log, name="audit-log"),
    path("export.csv", views.audit_log_csv, name="audit-log-csv"),
]
