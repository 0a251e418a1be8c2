"""The provider's directory: a JSON file the tests write ({"users": {name: {password, email,
groups, amr, acr}}}), read afresh at every sign-in and token."""

import json
import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from oauth2_provider.oauth2_validators import OAuth2Validator


def directory() -> dict:
    return json.loads(Path(os.environ["PROVIDER_DIRECTORY"]).read_text())


class DirectoryFileBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        entry = directory()["users"].get(username or "")
        if entry is None or entry["password"] != password:
            return None
        user, _ = get_user_model().objects.get_or_create(username=username)
        return user


class DirectoryValidator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below, whatever the scopes

    def get_additional_claims(self, request):
        name = request.user.username
        entry = directory()["users"][name]
        claims = {
            "sub": name,  # stable across provider restarts, and known to the tests
            "preferred_username": name,
            "email": entry.get("email", f"{name}@example.org"),
            "groups": entry.get("groups", []),
            "amr": entry.get("amr", ["pwd"]),
        }
        for optional in ("acr", "employee_number"):
            if optional in entry:
                claims[optional] = entry[optional]
        return claims
