from django.urls import path

from . import views

urlpatterns = [
    path("roster/", views.roster_page, name="patrol-roster"),
    path("roster/<int:entry_id>/remove/", views.remove_entry, name="patrol-roster-remove"),
    path("avl/import/", views.avl_import_page, name="patrol-avl-import"),
]
