from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="forecasting-home"),
    path("models/<int:pk>/", views.version_detail, name="model-version"),
    path("models/<int:pk>/backtest/", views.backtest, name="model-backtest"),
    path("models/<int:pk>/promote/", views.promote, name="promote-version"),
    path("backtest/", views.backtest, name="backtest"),
    path("forecast/", views.forecast_map, name="forecast-map"),
    path("train/", views.train, name="train-models"),
    path("forecast/run/", views.forecast_now, name="forecast-now"),
    path("grid/rebuild/", views.rebuild_grid, name="rebuild-grid"),
]
