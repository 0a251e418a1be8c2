"""Officer polling with ETags: the same answer again is a 304 without a body; any change to what the
officer sees (a re-plan, a call-off, a start, leaving the box, completion, expiry) gives a 200 with a
new ETag. Paired throughout: each 304 has a 200 beside it that the same request would get after a change."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from missions import services
from missions.models import Mission

from .factories import serve_dose

pytestmark = pytest.mark.django_db

URL = reverse("api-officer-missions")


@pytest.fixture
def planned(forecast, policy, now_window, tactics):
    forecast(now_window.date, now_window.shift)
    return services.plan_missions(date=now_window.date, shift=now_window.shift)


@pytest.fixture
def client(api, beat_officer):
    return api(beat_officer)


def first_answer(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response["ETag"].startswith('W/"')
    return response


def test_same_etag_again_is_304_without_body(planned, client):
    etag = first_answer(client)["ETag"]
    again = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["X-Server-Time"]  # the device's clock, fresh although the body is the stored one
    assert "no-cache" in again["Cache-Control"] and "private" in again["Cache-Control"]


def test_other_etag_gets_the_body(planned, client):
    first_answer(client)
    other = client.get(URL, HTTP_IF_NONE_MATCH='W/"not-this-one"')
    assert other.status_code == 200 and other.json()["features"]


def test_304_costs_fewer_queries_than_the_body(planned, client):
    etag = first_answer(client)["ETag"]
    with CaptureQueriesContext(connection) as full:
        assert client.get(URL).status_code == 200
    with CaptureQueriesContext(connection) as revalidated:
        assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(revalidated) < len(full)


def centre(mission):
    point = mission.cell.geom.centroid
    return {"latitude": point.y, "longitude": point.x, "accuracy_m": 10}


def away(mission):
    point = mission.cell.geom.centroid
    return {"latitude": point.y + 2000 / 111_000, "longitude": point.x, "accuracy_m": 10}


def mine(beat_officer):
    return Mission.objects.filter(beat=beat_officer.officer_profile.home_beat).exclude(
        status="cancelled"
    )


def replan_from_new_forecast(ctx):
    ctx["forecast"](ctx["window"].date, ctx["window"].shift, seed=7)
    services.plan_missions(date=ctx["window"].date, shift=ctx["window"].shift)


def call_off(ctx):
    mission = mine(ctx["officer"]).first()
    services.cancel_mission(
        user=ctx["analyst"], mission_id=mission.pk, reason_code="other", reason="Road closed"
    )


def start_by_arriving(ctx):
    ctx["client"].post(
        reverse("api-officer-ping"), centre(mine(ctx["officer"]).first()), format="json"
    )


def leave_the_box(ctx):
    start_by_arriving(ctx)
    ctx["etag"] = ctx["client"].get(URL)["ETag"]  # the active mission's tag
    ctx["client"].post(
        reverse("api-officer-ping"), away(mine(ctx["officer"]).first()), format="json"
    )


def complete(ctx):
    start_by_arriving(ctx)
    mission = mine(ctx["officer"]).get(status="active")
    serve_dose(
        mission
    )  # completion needs the dose served; the tag is taken after, so only completing changes it
    ctx["etag"] = ctx["client"].get(URL)["ETag"]
    services.complete_mission(user=ctx["officer"], mission_id=mission.pk, tactic_ids=[], notes="")


def expire(ctx):
    # Expiry writes with bulk_update, which leaves updated_at alone: the tag must see the status.
    services.expire_missions(now=timezone.now() + timedelta(days=2))


@pytest.mark.parametrize(
    "change",
    [
        replan_from_new_forecast,
        call_off,
        start_by_arriving,
        leave_the_box,
        complete,
        expire,
    ],
)
def test_a_change_gives_200_with_a_new_etag(
    planned, client, beat_officer, analyst, forecast, now_window, change
):
    ctx = {
        "client": client,
        "officer": beat_officer,
        "analyst": analyst,
        "forecast": forecast,
        "window": now_window,
        "etag": first_answer(client)["ETag"],
    }
    assert client.get(URL, HTTP_IF_NONE_MATCH=ctx["etag"]).status_code == 304  # before: unchanged
    before = ctx["etag"]
    change(ctx)
    after = client.get(URL, HTTP_IF_NONE_MATCH=ctx["etag"])
    assert after.status_code == 200
    assert after["ETag"] not in (before, ctx["etag"])
    assert client.get(URL, HTTP_IF_NONE_MATCH=after["ETag"]).status_code == 304  # and steady again


def test_pings_from_the_box_change_the_etag_once_a_quarter_gap(planned, client, beat_officer):
    # Every ping from a box moves its visit's last position; polls of the beat's officers between
    # two of them keep their 304 until the position has moved by a quarter of the gap.
    quarter = timedelta(seconds=settings.VISIT_POSITION_GAP_S / 4)
    box = centre(mine(beat_officer).first())
    start = timezone.now().replace(microsecond=0)
    start -= timedelta(seconds=start.timestamp() % quarter.total_seconds())  # a bucket's start
    with time_machine.travel(start, tick=False):
        client.post(reverse("api-officer-ping"), box, format="json")
        etag = first_answer(client)["ETag"]
    with time_machine.travel(start + quarter / 3, tick=False):
        client.post(reverse("api-officer-ping"), box, format="json")
        assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304
    with time_machine.travel(start + quarter, tick=False):
        client.post(reverse("api-officer-ping"), box, format="json")
        moved = client.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert moved.status_code == 200
    assert any(f["properties"]["timer"]["running"] for f in moved.json()["features"])


def test_another_officer_has_another_etag(planned, api, beat_officer, role_user, small_agency):
    from agency.models import Beat

    from .factories import OfficerProfileFactory

    other = role_user("Officer", username="other-officer")
    OfficerProfileFactory(user=other, home_beat=Beat.objects.get(code="D2-B1"))
    etag = first_answer(api(beat_officer))["ETag"]
    assert api(other).get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 200


def shown_tactic(response):
    """A tactic suggested on one of the officer's cards: (its id, what the card says)."""
    shown = [t for f in response.json()["features"] for t in f["properties"]["tactics"]]
    assert shown, "no card suggests a tactic: the edit below would change nothing shown"
    return shown[0]["id"], shown[0]


def edit_shown_tactic(ctx):
    from tactics import services as tactic_services
    from tactics.models import Tactic

    tactic_id, _ = shown_tactic(ctx["client"].get(URL))
    tactic = Tactic.objects.get(pk=tactic_id)
    tactic.name, tactic.description = (
        "Foot patrol of the block",
        "Walk it once, talk to shopkeepers.",
    )
    tactic_services.save_tactic(tactic=tactic, actor=ctx["analyst"])
    return tactic_id


def save_shown_tactic_unchanged_elsewhere(ctx):
    """Control: a tactic edit is what changes the tag, not time or a second request."""


@pytest.mark.parametrize(
    "edit, changed", [(edit_shown_tactic, True), (save_shown_tactic_unchanged_elsewhere, False)]
)
def test_an_edit_to_a_tactic_on_a_card_gives_200_with_the_new_text(
    planned, client, analyst, edit, changed
):
    first = first_answer(client)
    tactic_id = edit({"client": client, "analyst": analyst}) or shown_tactic(first)[0]
    after = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    if not changed:
        assert after.status_code == 304
        return
    assert after.status_code == 200 and after["ETag"] != first["ETag"]
    texts = [
        t
        for f in after.json()["features"]
        for t in f["properties"]["tactics"]
        if t["id"] == tactic_id
    ]
    assert texts and all(
        t["name"] == "Foot patrol of the block"
        and t["description"] == "Walk it once, talk to shopkeepers."
        for t in texts
    )
    assert client.get(URL, HTTP_IF_NONE_MATCH=after["ETag"]).status_code == 304  # and steady again


def test_a_tactic_taken_out_of_the_catalogue_changes_the_etag(planned, client, analyst):
    from tactics import services as tactic_services
    from tactics.models import Tactic

    etag = first_answer(client)["ETag"]
    unused = Tactic.objects.create(name="Bike patrol")  # in no mission's list, never reported
    assert (
        client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 200
    )  # a new tactic: suggestions may change
    etag = client.get(URL)["ETag"]
    tactic_services.delete_tactic(tactic=unused, actor=analyst)
    assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 200
