from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("analyst/", views.analyst_home, name="analyst-home"),
    path("officer/", views.officer_home, name="officer-home"),
    path("supervisor/", views.supervisor_home, name="supervisor-home"),
    path("supervisor/board.json", views.supervisor_board, name="supervisor-board"),
]
