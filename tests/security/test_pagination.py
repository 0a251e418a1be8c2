"""Every API list is paged: ?limit= is capped at API_PAGE_SIZE_MAX and a small limit is honoured
(the GeoJSON and officer endpoints are not lists of rows and stay whole)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tactics.models import Tactic

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_tactics(db):
    Tactic.objects.bulk_create(Tactic(name=f"Tactic {i:04d}", order=i % 100) for i in range(520))


def _get(user, url, **query):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(url, query)


def test_a_huge_limit_is_capped(analyst, many_tactics, settings):
    assert settings.API_PAGE_SIZE_MAX == 500
    body = _get(analyst, reverse("tactic-list"), limit=1_000_000).json()
    assert body["count"] == 520 and len(body["results"]) == 500


def test_a_small_limit_and_the_default_page_are_honoured(analyst, many_tactics):
    assert len(_get(analyst, reverse("tactic-list"), limit=7).json()["results"]) == 7
    body = _get(analyst, reverse("tactic-list"), limit=100, offset=500).json()
    assert len(body["results"]) == 20 and body["next"] is None
    assert len(_get(analyst, reverse("tactic-list")).json()["results"]) == 100


@pytest.mark.parametrize(
    "name",
    [
        "importrun-list",
        "job-list",
        "model-version-list",
        "shift-list",
        "crimetype-list",
        "api-audit",
    ],
)
def test_every_list_endpoint_is_paged(analyst, small_agency, name):
    body = _get(analyst, reverse(name), limit=1_000_000).json()
    assert set(body) >= {"count", "next", "previous", "results"}
