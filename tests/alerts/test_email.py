"""Alert e-mails through Django's SMTP backend to a real SMTP server (aiosmtpd) started by the test
on a free port: subscribers get the message with the alert's words and link; a user who is not
subscribed, one who muted the district and type, and one without the role get nothing."""

import socket
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from agency.models import District
from alerts import services
from alerts.models import Delivery, Mute, Subscription

from .conftest import add_incidents, spread_in_d1

pytestmark = pytest.mark.django_db


class Inbox:
    """The aiosmtpd handler: keeps every message with its envelope recipients."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    settings.DEFAULT_FROM_EMAIL = "alerts@missions.test"
    settings.SITE_URL = "https://missions.example.org"
    yield inbox
    controller.stop()


def test_alert_emails_reach_subscribers_and_nobody_else(world, smtp_server, role_user):
    sergeant = role_user("Supervisor", "sergeant")
    sergeant.email = "sergeant@pd.test"
    sergeant.save()
    other_sergeant = role_user("Supervisor", "other_sergeant")  # muted D1 burglaries
    other_sergeant.email = "other@pd.test"
    other_sergeant.save()
    analyst = role_user("Analyst", "analyst_d1")  # subscribed himself, D1 burglary only
    analyst.email = "analyst@pd.test"
    analyst.save()
    officer = role_user("Officer", "officer_x")  # no subscription: the control
    officer.email = "officer@pd.test"
    officer.save()
    d1 = District.objects.get(code="D1")
    burglary = world["types"]["burglary"]
    Subscription.objects.create(role="Supervisor", district=d1, email=True)
    Subscription.objects.create(role="Officer", crime_type=world["types"]["robbery"], email=True)
    services.subscribe(user=analyst, district=d1, crime_type=burglary, email=True)
    services.mute(user=other_sergeant, district=d1, crime_type=burglary, days=7)

    add_incidents(burglary, spread_in_d1(12, now=world["now"]))
    raised = services.scan(now=world["now"])
    district_alert = next(a for a in raised if a.kind == "spike" and a.beat is None)

    received = {}
    for recipients, message in smtp_server.messages:
        assert len(recipients) == 1  # one message each: nobody sees another's address
        received.setdefault(recipients[0], []).append(message)
    assert set(received) == {"sergeant@pd.test", "analyst@pd.test"}
    assert len(received["sergeant@pd.test"]) == len(raised)
    subjects = [m["Subject"] for m in received["sergeant@pd.test"]]
    assert "[Missions] 12 Burglary incidents in D1 this week, about 3 expected" in subjects
    message = received["sergeant@pd.test"][0]
    body = next(
        m.get_content()
        for m in received["sergeant@pd.test"]
        if m["Subject"] == f"[Missions] {district_alert.headline}"
    )
    assert "unusual at this level" in body
    assert f"https://missions.example.org/alerts/?alert={district_alert.pk}" in body
    assert message["From"] == "alerts@missions.test"
    # in the app too, e-mailed or not; the muted and the unsubscribed have no delivery
    delivered = set(
        Delivery.objects.filter(alert=district_alert).values_list("user__username", flat=True)
    )
    assert delivered == {"sergeant", "analyst_d1"}
    assert Delivery.objects.filter(alert=district_alert, emailed_at__isnull=False).count() == 2
    # control: once the mute is lifted the other sergeant is a recipient like the first
    services.unmute(user=other_sergeant, mute=Mute.objects.get(user=other_sergeant))
    assert other_sergeant in [u for u, _ in services.selectors.recipients(district_alert)]
    assert officer not in [u for u, _ in services.selectors.recipients(district_alert)]
