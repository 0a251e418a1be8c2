from django.urls import path

from . import views

urlpatterns = [
    path("", views.shift_page, name="missions-shift"),
    path("plan/", views.plan_shift, name="missions-plan"),
    path("add/", views.add_missions, name="missions-add"),
    path("suppress/", views.suppress_boxes, name="missions-suppress"),
    path("<int:pk>/cancel/", views.cancel_mission, name="missions-cancel"),
    path("suppressions/<int:pk>/lift/", views.lift_suppression, name="missions-lift"),
    path("reports/", views.report_page, name="missions-report"),
    path("reports/<slug:table>.csv", views.report_csv, name="missions-report-csv"),
    path("sheet/", views.shift_sheet, name="missions-sheet"),
    path("gis/<slug:fmt>/", views.shift_gis, name="missions-gis"),
]
