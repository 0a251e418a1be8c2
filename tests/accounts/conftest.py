"""Sign-in helpers: the login form as a browser posts it, an administrator, the audit events."""

import pytest
from django.test import Client

from tests.conftest import TEST_PASSWORD

ADMIN_PASSWORD = "an administrator's long passphrase"  # noqa: S105


def sign_in(
    client: Client, username: str, password: str = TEST_PASSWORD, *, banner: bool = True, **extra
):
    data = {"username": username, "password": password}
    if banner:
        data["accept_banner"] = "on"
    return client.post("/accounts/login/", data, **extra)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def events(action: str):
    from audit.models import AuditEvent

    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


@pytest.fixture
def administrator(role_user):
    user = role_user("Administrator", username="admin")
    user.is_staff = True
    user.is_superuser = True
    user.set_password(ADMIN_PASSWORD)
    user.save()
    return user
