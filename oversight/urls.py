from django.urls import path

from . import views

urlpatterns = [
    path("oversight/concentration/", views.concentration_report, name="oversight-concentration"),
    path(
        "oversight/concentration.csv", views.concentration_csv, name="oversight-concentration-csv"
    ),
    path("oversight/evaluation/", views.evaluation_report, name="oversight-evaluation"),
    path("oversight/evaluation.csv", views.evaluation_csv, name="oversight-evaluation-csv"),
    path("oversight/dosage/", views.dosage_report, name="oversight-dosage"),
    path("oversight/dosage.csv", views.dosage_csv, name="oversight-dosage-csv"),
    path("oversight/units/", views.unit_report, name="oversight-units"),
    path("oversight/units.csv", views.unit_csv, name="oversight-units-csv"),
    path("oversight/crime-and-dosage/", views.crime_dosage_report, name="oversight-crime-dosage"),
    path(
        "oversight/crime-and-dosage.csv",
        views.crime_dosage_csv,
        name="oversight-crime-dosage-csv",
    ),
    path("public/", views.public_page, name="public-transparency"),
    path("public.json", views.public_json, name="public-transparency-json"),
    path(
        "public/model-cards/<int:version_id>.md", views.public_model_card, name="public-model-card"
    ),
]
