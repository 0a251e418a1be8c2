from django.urls import path

from . import views

urlpatterns = [
    path("", views.alert_list, name="alerts-list"),
    path("acknowledge/", views.acknowledge, name="alerts-acknowledge"),
    path("mute/", views.mute, name="alerts-mute"),
    path("unmute/", views.unmute, name="alerts-unmute"),
    path("subscribe/", views.subscribe, name="alerts-subscribe"),
    path("unsubscribe/", views.unsubscribe, name="alerts-unsubscribe"),
]
