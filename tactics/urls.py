from django.urls import path

from . import views

urlpatterns = [path("", views.tactics_page, name="tactics-page")]
