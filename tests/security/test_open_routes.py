"""What answers without a login: the login page and the health check do; the API schema and docs
do not (in every environment), but they do for a signed-in officer."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_says_alive_without_data(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_readyz_fails_when_the_broker_is_unreachable(client):
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert {k: response.json()[k] for k in ("database", "broker")} == {
        "database": "ok",
        "broker": "failing",
    }


@pytest.mark.parametrize("name", ["api-schema", "api-docs"])
def test_schema_and_docs_need_a_login(client, officer, name):
    assert client.get(reverse(name)).status_code in (401, 403)
    client.force_login(officer)
    assert client.get(reverse(name)).status_code == 200


def test_a_user_without_a_role_gets_his_page_and_nothing_else(client, django_user_model):
    clerk = django_user_model.objects.create_user(
        username="clerk", password="irrelevant-passphrase"
    )
    client.force_login(clerk)
    home = client.get(reverse("home"))
    assert home.status_code == 200 and "No role yet" in home.content.decode()
    assert client.get(reverse("api-schema")).status_code == 403
    assert client.get(reverse("shift-list")).status_code == 403
    assert client.get(reverse("officer-home")).status_code == 403


def menu_of(client, path: str) -> str:
    return client.get(path).content.decode().split("<nav>")[1].split("</nav>")[0]


def test_the_menu_shows_the_pages_the_matrix_opens(client, officer, supervisor):
    client.force_login(officer)
    menu = menu_of(client, reverse("officer-home"))
    assert reverse("officer-home") in menu
    assert reverse("missions-report") not in menu and reverse("supervisor-home") not in menu
    client.force_login(supervisor)
    menu = menu_of(client, reverse("supervisor-home"))
    assert reverse("missions-report") in menu and reverse("supervisor-home") in menu
    assert reverse("admin:index") not in menu


def test_an_officers_menu_holds_only_his_pages(client, officer, analyst):
    client.force_login(officer)
    menu = menu_of(client, reverse("officer-home"))
    links = re.findall(r'<a href="[^"]*">([^<]*)</a>', menu)
    assert links == ["My shift", "My tokens"]
    assert client.get(reverse("api-docs")).status_code == 200  # the docs stay open to him
    client.force_login(analyst)  # control: command staff have the API link
    assert f'href="{reverse("api-docs")}">API<' in menu_of(client, reverse("analyst-home"))


def test_an_auditor_lands_on_the_audit_log(client, role_user):
    client.force_login(role_user("Auditor"))
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.headers["Location"] == reverse("audit-log")
    assert client.get(reverse("audit-log")).status_code == 200
    assert client.get(reverse("officer-home")).status_code == 403
