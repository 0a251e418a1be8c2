"""Each security event is in the log with all its fields, including the failed and denied variants."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from audit import context
from audit.models import AuditEvent
from tests.conftest import TEST_PASSWORD

ADDRESS = "198.51.100.7"


def last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-pk").first()


@pytest.mark.django_db
def test_login_and_logout_are_recorded_with_address_role_and_request_id(client, analyst):
    response = client.post(
        reverse("login"),
        {"username": "analyst", "password": TEST_PASSWORD, "accept_banner": "on"},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302
    login = last("auth.login")
    assert (login.actor, login.actor_username, login.role, login.outcome) == (
        analyst,
        "analyst",
        "Analyst",
        "success",
    )
    assert (login.source_address, login.request_id) == (ADDRESS, response["X-Request-ID"])
    assert (login.object_type, login.object_id) == ("auth.user", str(analyst.pk))
    response = client.post(reverse("logout"), REMOTE_ADDR=ADDRESS)
    logout = last("auth.logout")
    assert (logout.actor, logout.role, logout.source_address, logout.request_id) == (
        analyst,
        "Analyst",
        ADDRESS,
        response["X-Request-ID"],
    )


@pytest.mark.django_db
def test_failed_login_is_recorded_without_the_password(client, analyst):
    response = client.post(
        reverse("login"),
        {"username": "analyst", "password": "wrong-guess", "accept_banner": "on"},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 200  # the form again
    failed = last("auth.login_failed")
    assert (failed.outcome, failed.actor, failed.reason_code) == (
        "failure",
        None,
        "bad_credentials",
    )
    assert (failed.object_type, failed.object_id, failed.source_address) == (
        "auth.user",
        "analyst",
        ADDRESS,
    )
    assert failed.request_id == response["X-Request-ID"]
    assert "wrong-guess" not in str(failed.before) + str(failed.after) + failed.reason
    assert last("auth.login") is None


@pytest.mark.django_db
def test_page_denial_is_recorded_and_an_allowed_request_is_not(client, officer, analyst):
    client.force_login(officer)
    response = client.get(reverse("forecasting-home"), REMOTE_ADDR=ADDRESS)
    assert response.status_code == 403
    denied = last("access.denied")
    assert (denied.actor, denied.role, denied.outcome, denied.source_address) == (
        officer,
        "Officer",
        "denied",
        ADDRESS,
    )
    assert (denied.object_type, denied.object_id, denied.reason_code) == (
        "url",
        "/forecasting/",
        "http_403",
    )
    assert denied.after == {"path": "/forecasting/", "method": "GET", "status": 403}
    assert denied.request_id == response["X-Request-ID"]
    client.force_login(analyst)
    assert client.get(reverse("forecasting-home")).status_code == 200
    assert AuditEvent.objects.filter(action="access.denied").count() == 1


@pytest.mark.django_db
def test_api_denials_are_recorded_for_users_and_anonymous(officer, supervisor):
    officer_api = APIClient()
    officer_api.force_authenticate(officer)
    assert officer_api.get("/api/v1/audit/").status_code == 403
    denied = last("access.denied")
    assert (denied.actor, denied.role, denied.object_id, denied.reason_code) == (
        officer,
        "Officer",
        "/api/v1/audit/",
        "http_403",
    )
    assert "api-audit is for" in denied.reason and "Auditor" in denied.reason
    assert APIClient().get("/api/v1/missions/").status_code in (401, 403)
    anonymous = last("access.denied")
    assert (anonymous.actor, anonymous.object_id, anonymous.outcome) == (
        None,
        "/api/v1/missions/",
        "denied",
    )
    supervisor_api = APIClient()
    supervisor_api.force_authenticate(supervisor)
    assert supervisor_api.get("/api/v1/audit/").status_code == 200
    assert AuditEvent.objects.filter(action="access.denied").count() == 2


@pytest.mark.django_db
def test_admin_change_and_delete_have_before_and_after(client):
    admin_user = get_user_model().objects.create_superuser("root", password=TEST_PASSWORD)
    group = Group.objects.create(name="Night desk")
    permission = Permission.objects.get(codename="view_jobrun")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": "Night desk B", "permissions": [permission.pk]},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 302
    change = last("admin.change")
    assert (change.actor, change.role, change.source_address) == (admin_user, "superuser", ADDRESS)
    assert (change.object_type, change.object_id) == ("auth.group", str(group.pk))
    assert change.before == {"id": group.pk, "name": "Night desk", "permissions": []}
    assert change.after == {"id": group.pk, "name": "Night desk B", "permissions": [permission.pk]}
    perms = last("auth.group.permissions.add")
    assert (perms.actor, perms.after) == (admin_user, {"add": ["jobs.view_jobrun"]})
    response = client.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"})
    assert response.status_code == 302
    delete = last("admin.delete")
    assert (delete.object_id, delete.before["name"], delete.after) == (
        str(group.pk),
        "Night desk B",
        None,
    )


@pytest.mark.django_db
def test_admin_change_refused_is_recorded_as_denied(client, role_user):
    clerk = role_user("Officer", username="clerk")
    clerk.is_staff = True
    clerk.save()
    group = Group.objects.create(name="Day desk")
    client.force_login(clerk)
    response = client.post(
        reverse("admin:auth_group_change", args=[group.pk]), {"name": "Hijacked"}
    )
    assert response.status_code == 403
    assert Group.objects.get(pk=group.pk).name == "Day desk"
    denied = last("access.denied")
    assert (denied.actor, denied.object_id, denied.outcome) == (
        clerk,
        f"/admin/auth/group/{group.pk}/change/",
        "denied",
    )
    assert last("admin.change") is None


@pytest.mark.django_db
def test_group_membership_and_access_flags_name_who_changed_them(role_user):
    boss = role_user("Administrator", username="boss")
    user = get_user_model().objects.create_user("temp", password=TEST_PASSWORD)
    request = RequestFactory().post("/admin/", REMOTE_ADDR=ADDRESS)
    request.user, request.request_id = boss, "req-membership-1"
    token = context.serving(request)
    try:
        user.groups.add(Group.objects.get(name="Analyst"))
        user.groups.remove(Group.objects.get(name="Analyst"))
        user.is_active = False
        user.save()
    finally:
        context.done(token)
    added, removed = last("auth.user.groups.add"), last("auth.user.groups.remove")
    assert (added.object_type, added.object_id, added.after) == (
        "auth.user",
        str(user.pk),
        {"add": ["Analyst"]},
    )
    assert removed.after == {"remove": ["Analyst"]}
    # Whoever is served the request that made the change is its actor.
    assert (added.actor, added.role, added.source_address, added.request_id) == (
        boss,
        "Administrator",
        ADDRESS,
        "req-membership-1",
    )
    flags = last("auth.user.access_flags")
    assert flags.before == {"is_active": True, "is_staff": False, "is_superuser": False}
    assert flags.after == {"is_active": False, "is_staff": False, "is_superuser": False}
    user.first_name = "Temp"
    user.save()
    assert (
        AuditEvent.objects.filter(action="auth.user.access_flags").count() == 1
    )  # no flag changed
