from django.urls import path

from . import views

urlpatterns = [path("<uuid:job_id>/", views.job_detail, name="job-page")]
