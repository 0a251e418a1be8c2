"""Password rules (8+, 12+ for administrators, common list, long passphrases), the system-use banner,
and the nightly job that disables dormant and expired accounts."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from knox.models import AuthToken

from accounts.models import AccountExpiry
from tests.accounts.conftest import events, sign_in, signed_in

pytestmark = pytest.mark.django_db
WORKER_WAIT_S = 30


def errors(password, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return exc.messages
    return []


def test_a_64_character_passphrase_with_spaces_is_accepted(officer, administrator):
    passphrase = "correct horse battery staple on the night shift in district nine"[:64]
    assert len(passphrase) == 64 and " " in passphrase
    assert errors(passphrase, officer) == [] and errors(passphrase, administrator) == []


def test_short_and_common_passwords_are_refused(officer):
    assert any("at least 8" in e for e in errors("k7#pQ2x", officer))
    assert any("too common" in e for e in errors("password1", officer))
    assert errors("k7#pQ2xw", officer) == []


def test_administrators_need_twelve_characters(officer, administrator):
    ten = "k7#pQ2xw!z"
    assert any("administrator" in e for e in errors(ten, administrator))
    assert errors(ten, officer) == []
    assert errors(ten + "Lm", administrator) == []
    new_staff = get_user_model()(username="newadmin", is_staff=True)  # not saved yet: no groups
    assert any("administrator" in e for e in errors(ten, new_staff))


def test_banner_must_be_accepted_on_the_server(officer):
    client = Client()
    refused = sign_in(client, "officer", banner=False)
    assert refused.status_code == 200 and b"Accept the system-use notice" in refused.content
    assert not signed_in(client)
    accepted = sign_in(client, "officer")
    assert accepted.status_code == 302 and signed_in(client)


def test_login_page_shows_the_configured_banner(settings):
    settings.LOGIN_BANNER_TEXT = "Authorised use only: Port Meridian PD."
    page = Client().get("/accounts/login/")
    assert b"Authorised use only: Port Meridian PD." in page.content
    assert b'name="accept_banner"' in page.content and b"<script>" not in page.content


def make_user(username, *, last_login=None, joined_days_ago=200):
    user = get_user_model().objects.create_user(username=username, password="k7#pQ2xw-long")
    user.date_joined = timezone.now() - timedelta(days=joined_days_ago)
    user.last_login = last_login
    user.save()
    return user


def dormant_fixture():
    now = timezone.now()
    users = {
        "recent": make_user("recent", last_login=now - timedelta(days=10)),
        "dormant": make_user("dormant", last_login=now - timedelta(days=91)),
        "never": make_user("never"),
        "new": make_user("new", joined_days_ago=5),
        "expired": make_user("expired", last_login=now - timedelta(days=1)),
        "temporary": make_user("temporary", last_login=now - timedelta(days=1)),
    }
    AccountExpiry.objects.create(user=users["expired"], expires_at=now - timedelta(hours=1))
    AccountExpiry.objects.create(user=users["temporary"], expires_at=now + timedelta(days=7))
    AuthToken.objects.create(user=users["dormant"])
    return users


def test_nightly_job_disables_dormant_and_expired_accounts(celery_worker_thread):
    from accounts.tasks import disable_dormant_accounts

    dormant_fixture()
    disable_dormant_accounts.delay()
    deadline = time.monotonic() + WORKER_WAIT_S
    while len(events("user.disabled")) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    active = dict(get_user_model().objects.values_list("username", "is_active"))
    assert active == {
        "recent": True,
        "dormant": False,
        "never": False,
        "new": True,
        "expired": False,
        "temporary": True,
    }
    disabled = {e.object_id: e for e in events("user.disabled")}
    reasons = {
        get_user_model().objects.get(pk=pk).username: e.reason_code for pk, e in disabled.items()
    }
    assert reasons == {"dormant": "dormant", "never": "dormant", "expired": "expired"}
    assert all(
        e.before == {"is_active": True} and e.after == {"is_active": False}
        for e in disabled.values()
    )
    assert not AuthToken.objects.exists()  # the dormant account's token went with it


def test_the_job_is_scheduled_nightly():
    task = PeriodicTask.objects.get(task="accounts.tasks.disable_dormant_accounts")
    assert task.enabled and task.crontab.hour == "2" and task.crontab.minute == "30"
