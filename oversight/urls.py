from django.urls import path

from . import views

urlpatterns = [
    path("oversight/concentration/", views.concentration_report, name="oversight-concentration"),
    path(
        "oversight/concentration.csv", views.concentration_csv, name="oversight-concentration-csv"
    ),
    path("oversight/evaluation/", views.evaluation_report, name="oversight-evaluation"),
    path("oversight/evaluation.csv", views.evaluation_csv, name="oversight-evaluation-csv"),
    path("public/", views.public_page, name="public-transparency"),
    path("public.json", views.public_json, name="public-transparency-json"),
    path(
        "public/model-cards/<int:version_id>.md", views.public_model_card, name="public-model-card"
    ),
]
