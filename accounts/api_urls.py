from django.urls import path

from . import api

urlpatterns = [
    path("auth/token/", api.ObtainTokenView.as_view(), name="api-token"),
    path("auth/logout/", api.TokenLogoutView.as_view(), name="api-logout"),
    path("auth/tokens/", api.TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<str:token_key>/", api.TokenRevokeView.as_view(), name="api-token-revoke"),
]
