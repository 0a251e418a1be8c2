"""Configuration that planning depends on changes only through audited services, from the admin
and the API alike: crime-type weights, the mission policy, shifts and tactics."""

import pytest
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict
from django.urls import reverse

from agency import services
from agency.models import CrimeType, MissionPolicy, Shift
from audit.models import AuditEvent
from tactics.models import Tactic
from tests.conftest import TEST_PASSWORD
from tests.missions.conftest import api, crime_types  # noqa: F401
from tests.missions.factories import CrimeTypeFactory


def last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-pk").first()


def form_data(obj, **changes) -> dict:
    data = {k: v for k, v in model_to_dict(obj).items() if v is not None and k != "id"}
    data.update(changes)
    return data


@pytest.fixture
def admin_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("root", password=TEST_PASSWORD))
    return client


@pytest.mark.django_db
def test_crime_type_weight_changed_in_the_admin_is_recorded_once_with_before_and_after(
    admin_client,
):
    burglary = CrimeTypeFactory(
        code="burglary", name="Burglary", severity_weight=1.0, patrol_efficacy=0.5
    )
    data = form_data(burglary, severity_weight="3.5", offense_codes="[]")
    response = admin_client.post(
        reverse("admin:agency_crimetype_change", args=[burglary.pk]), data, REMOTE_ADDR="10.9.8.7"
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CrimeType.objects.get(pk=burglary.pk).severity_weight == 3.5
    event = last("config.crimetype.change")
    assert (event.actor_username, event.role, event.source_address) == (
        "root",
        "superuser",
        "10.9.8.7",
    )
    assert (event.before["severity_weight"], event.after["severity_weight"]) == (1.0, 3.5)
    assert event.object_id == str(burglary.pk) and event.request_id
    assert not AuditEvent.objects.filter(
        action="admin.change"
    ).exists()  # the service's event, not twice


@pytest.mark.django_db
def test_invalid_configuration_is_refused_and_not_recorded(admin_client):
    policy, _ = MissionPolicy.objects.get_or_create()  # current() reads; it never creates the row
    data = form_data(policy, temperature="-1")
    response = admin_client.post(
        reverse("admin:agency_missionpolicy_change", args=[policy.pk]), data
    )
    assert response.status_code == 200  # the form again, with the error
    assert last("config.missionpolicy.change") is None
    data = form_data(policy, temperature="0.7")
    assert (
        admin_client.post(
            reverse("admin:agency_missionpolicy_change", args=[policy.pk]), data
        ).status_code
        == 302
    )
    assert last("config.missionpolicy.change").after["temperature"] == 0.7


@pytest.mark.django_db
def test_shift_create_change_delete_through_the_service(analyst):
    shift = services.save_configuration(
        obj=Shift(name="Late", start_time="18:00", duration_minutes=600), actor=analyst
    )
    shift.duration_minutes = 480
    services.save_configuration(obj=shift, actor=analyst)
    services.delete_configuration(obj=shift, actor=analyst)
    create, change, delete = (
        last(f"config.shift.{verb}") for verb in ("create", "change", "delete")
    )
    assert (create.before, create.after["duration_minutes"], create.actor, create.role) == (
        None,
        600,
        analyst,
        "Analyst",
    )
    assert (change.before["duration_minutes"], change.after["duration_minutes"]) == (600, 480)
    assert (delete.before["name"], delete.after, delete.object_id) == (
        "Late",
        None,
        str(create.object_id),
    )
    with pytest.raises(TypeError):
        services.save_configuration(obj=get_user_model()(username="x"), actor=analyst)


@pytest.mark.django_db
def test_tactic_edits_through_the_api_are_recorded_and_refused_ones_too(
    crime_types, api, analyst, officer
):  # noqa: F811
    body = {
        "name": "Park and walk",
        "description": "",
        "crime_types": ["burglary"],
        "enabled": True,
    }
    refused = api(officer).post(reverse("tactic-list"), body, format="json")
    assert refused.status_code == 403 and not Tactic.objects.exists()
    denied = last("access.denied")
    assert (denied.actor, denied.object_id, denied.outcome) == (
        officer,
        "/api/v1/tactics/",
        "denied",
    )
    created = api(analyst).post(reverse("tactic-list"), body, format="json")
    assert created.status_code == 201
    tactic_id = created.json()["id"]
    changed = api(analyst).patch(
        reverse("tactic-detail", args=[tactic_id]),
        {"crime_types": ["burglary", "robbery"], "enabled": False},
        format="json",
    )
    assert changed.status_code == 200 and changed.json()["crime_types"] == ["burglary", "robbery"]
    assert api(analyst).delete(reverse("tactic-detail", args=[tactic_id])).status_code == 204
    create, change, delete = (
        last(f"config.tactic.{verb}") for verb in ("create", "change", "delete")
    )
    burglary, robbery = crime_types
    assert (create.actor, create.after["crime_types"], create.after["name"]) == (
        analyst,
        [burglary.pk],
        "Park and walk",
    )
    assert (change.before["enabled"], change.after["enabled"]) == (True, False)
    assert change.after["crime_types"] == sorted([burglary.pk, robbery.pk])
    assert (delete.object_id, delete.before["name"]) == (str(tactic_id), "Park and walk")
