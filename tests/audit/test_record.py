"""record(): every field of an event, the request-derived ones, and the hash chain."""

import pytest
from django.test import RequestFactory, override_settings

from audit.chain import GENESIS_HASH, event_hash
from audit.models import AuditEvent
from audit.services import record


def chain_fields(event):
    return {
        name: getattr(event, name)
        for name in (
            "at",
            "actor_id",
            "actor_username",
            "role",
            "source_address",
            "request_id",
            "action",
            "object_type",
            "object_id",
            "outcome",
            "reason_code",
            "reason",
            "before",
            "after",
            "previous_hash",
        )
    }


@pytest.mark.django_db
def test_record_takes_actor_role_address_and_request_id_from_the_request(analyst):
    request = RequestFactory().post(
        "/x", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    request.user = analyst
    request.request_id = "req-12345678"
    event = record(
        action="config.crimetype.change",
        request=request,
        object_type="agency.crimetype",
        object_id=7,
        before={"weight": 1.0},
        after={"weight": 2.5},
        reason_code="policy",
        reason="New policy",
    )
    event = AuditEvent.objects.get(pk=event.pk)
    assert (event.actor, event.actor_username, event.role) == (analyst, "analyst", "Analyst")
    assert (event.source_address, event.request_id) == ("10.1.2.3", "req-12345678")
    assert (event.object_type, event.object_id, event.outcome) == (
        "agency.crimetype",
        "7",
        "success",
    )
    assert (event.before, event.after) == ({"weight": 1.0}, {"weight": 2.5})
    assert (event.reason_code, event.reason) == ("policy", "New policy")
    assert event.at.microsecond % 1000 == 0
    assert event.hash == event_hash(chain_fields(event))


@pytest.mark.django_db
def test_forwarded_for_is_used_only_when_trusted():
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 10.0.0.1"
    )
    assert record(action="auth.login", request=request).source_address == "10.0.0.1"
    with override_settings(AUDIT_TRUST_X_FORWARDED_FOR=True):
        assert record(action="auth.login", request=request).source_address == "203.0.113.9"


@pytest.mark.django_db
def test_events_form_a_chain_and_outcomes_are_checked():
    last = AuditEvent.objects.order_by("-pk").values_list("hash", flat=True).first() or GENESIS_HASH
    first = record(action="access.denied", outcome="denied")
    second = record(action="auth.login_failed", outcome="failure")
    assert first.previous_hash == last and second.previous_hash == first.hash
    with pytest.raises(ValueError):
        record(action="auth.login", outcome="maybe")


@pytest.mark.django_db
def test_python_refuses_changes():
    event = record(action="access.denied")
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().update(reason="x")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


@pytest.mark.django_db
def test_request_id_is_generated_or_kept_when_sane_and_echoed(client, analyst):
    client.force_login(analyst)
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="proxy-id-0001")
    assert response["X-Request-ID"] == "proxy-id-0001"
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="bad id\nwith newline")
    generated = response["X-Request-ID"]
    assert generated != "bad id\nwith newline" and len(generated) == 36


def test_role_follows_the_precedence_of_groups(role_user):
    """The row names the user's main role (missions_site.access.PRECEDENCE), "superuser" for one."""
    from django.contrib.auth.models import Group

    from audit.roles import role_of_user

    both = role_user("Officer", username="both")
    both.groups.add(Group.objects.get(name="Analyst"))
    assert role_of_user(both) == "Analyst"
    admin_auditor = role_user("Administrator", username="admin-auditor")
    admin_auditor.groups.add(Group.objects.get(name="Auditor"))
    assert role_of_user(admin_auditor) == "Administrator"
    root = role_user("Officer", username="root")
    root.is_superuser = True
    assert role_of_user(root) == "superuser"
    clerk = role_user("Officer", username="clerk")
    clerk.groups.clear()
    assert role_of_user(clerk) == ""
