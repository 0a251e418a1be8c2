"""Training and promotion are audit events: who, which version, what it replaced; a refused
training and a refused promotion are recorded too."""

import pytest
from django.urls import reverse

from agency.models import CrimeType
from audit.models import AuditEvent
from forecasting import training

from .test_training import train

pytestmark = pytest.mark.django_db


def last(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-pk").first()


def test_training_and_promotion_are_recorded(city, client, analyst, officer):
    version = train()
    trained, promoted = last("forecasting.train"), last("forecasting.promote")
    assert (trained.outcome, trained.object_type, trained.object_id) == (
        "success",
        "forecasting.modelversion",
        str(version.pk),
    )
    assert trained.after == {
        "crime_type": "assault",
        "algorithm": version.algorithm,
        "file_hash": version.file_hash,
        "backtest_weeks": 2,
    }
    assert (
        trained.actor is None and trained.role == ""
    )  # a scheduled or command-line run: the system
    assert (promoted.object_id, promoted.before, promoted.after["promoted"]) == (
        str(version.pk),
        {"promoted": []},
        [version.pk],
    )

    client.force_login(officer)
    assert client.post(reverse("promote-version", args=[version.pk])).status_code == 403
    assert last("access.denied").object_id == f"/forecasting/models/{version.pk}/promote/"
    client.force_login(analyst)
    assert (
        client.post(
            reverse("promote-version", args=[version.pk]), REMOTE_ADDR="10.0.0.5"
        ).status_code
        == 302
    )
    by_hand = last("forecasting.promote")
    assert (by_hand.actor, by_hand.role, by_hand.source_address) == (analyst, "Analyst", "10.0.0.5")
    assert AuditEvent.objects.filter(action="forecasting.promote").count() == 2


def test_a_refused_training_is_recorded_as_a_failure(city):
    CrimeType.objects.create(code="arson", name="Arson")
    with pytest.raises(training.TrainingError, match="No Arson incidents"):
        train(code="arson")
    refused = last("forecasting.train")
    assert (refused.outcome, refused.object_type, refused.object_id, refused.reason_code) == (
        "failure",
        "agency.crimetype",
        "arson",
        "cannot_train",
    )
    assert "No Arson incidents" in refused.reason
