import json
import os
from pathlib import Path

from django.contrib.auth.views import LoginView
from django.urls import include, path
from oauth2_provider.views import TokenView


class ForgeableTokenView(TokenView):
    """The token endpoint; an ID token the test left in the forge file replaces the real one, once."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        forge = Path(os.environ["PROVIDER_FORGE"])
        if response.status_code == 200 and forge.exists():
            body = json.loads(response.content)
            body["id_token"] = json.loads(forge.read_text())["id_token"]
            forge.unlink()
            response.content = json.dumps(body).encode()
        return response


urlpatterns = [
    path("accounts/login/", LoginView.as_view()),
    path("o/token/", ForgeableTokenView.as_view()),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
