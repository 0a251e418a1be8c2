"""The public transparency page and /public.json: anonymous, only the published sections (each
absent until published, present once it is), and never a box, beat, coordinate or person."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agency.models import Beat
from agency.selectors import shift_windows_before
from forecasting.models import ModelVersion
from forecasting.services import build_grid
from geo.models import GridCell
from missions.models import Visit
from oversight.models import PublicationSettings
from patrol import services as patrol_services
from patrol.models import Unit
from tests.missions.factories import OfficerProfileFactory
from tests.oversight.test_measured_patrol import drive

pytestmark = pytest.mark.django_db
SECTION_IDS = {
    "crime_types": "crime-types",
    "data_sources": "data-sources",
    "accuracy": "accuracy",
    "exposure": "exposure",
    "evaluation": "evaluation",
    "concentration": "concentration",
    "model_cards": "model-cards",
}
OFFICER_USERNAME = "constable.jdoe"
BADGE = "B7781"
CARD = "# Model card\n\n## Data window\n- incidents: 1234\n"


@pytest.fixture
def city(served, control_box, flat_forecast, now_window, place_incident, crime_types, role_user):
    """A planned and served shift, incidents in mission and control boxes, a promoted model with
    back-test metrics and a card, and an officer with a badge who served the missions."""
    officer = role_user("Officer", username=OFFICER_USERNAME)
    officer.first_name, officer.last_name = "Jane", "Doe"
    officer.save()
    OfficerProfileFactory(user=officer, badge_number=BADGE, home_beat=Beat.objects.first())
    Visit.objects.update(officer=officer)
    at = now_window.starts_at + timedelta(minutes=5)
    place_incident(served[0].cell, at, crime_type=crime_types[0])
    place_incident(control_box.cell, at, crime_type=crime_types[1])
    metrics = {
        "models": {
            "gbm": {"pai": {"1%": 8.1, "5%": 4.2}, "hit_rate": {"1%": 0.08, "5%": 0.21}},
            "naive_28d": {"pai": {"1%": 6.0, "5%": 3.5}, "hit_rate": {"1%": 0.06, "5%": 0.17}},
        },
        "promoted": "gbm",
        "ratio_vs_best_naive": {"1%": 1.35, "5%": 1.2},
        "test_days": 28,
    }
    version = ModelVersion.objects.create(
        crime_type=crime_types[0],
        algorithm="gbm",
        data_start=at - timedelta(days=400),
        data_end=at,
        metrics=metrics,
        model_card=CARD,
        promoted=True,
    )
    return version


def publish(**sections):
    settings = PublicationSettings.current()
    for name in PublicationSettings.SECTIONS:
        setattr(settings, name, sections.get(name, False))
    settings.save()


def fetch(client):
    html = client.get(reverse("public-transparency"))
    data = client.get(reverse("public-transparency-json"))
    assert html.status_code == 200 and data.status_code == 200  # anonymous: no login
    return html.content.decode(), data.json()


def test_nothing_is_published_until_an_administrator_chooses(client, city):
    html, data = fetch(client)
    assert data["published"] == []
    assert set(data) == {"agency", "introduction", "period", "published"}
    assert "has not published any figures yet" in html
    for anchor in SECTION_IDS.values():
        assert f'id="{anchor}"' not in html
    assert not PublicationSettings.objects.exists()  # an anonymous read wrote nothing


@pytest.mark.parametrize("section", PublicationSettings.SECTIONS)
def test_a_section_appears_only_when_published(client, city, section):
    publish(**{section: True})
    html, data = fetch(client)
    assert data["published"] == [section] and section in data
    assert f'id="{SECTION_IDS[section]}"' in html
    for other, anchor in SECTION_IDS.items():
        if other != section:
            assert other not in data and f'id="{anchor}"' not in html


def test_published_figures_are_the_real_ones(client, city):
    publish(**dict.fromkeys(PublicationSettings.SECTIONS, True))
    html, data = fetch(client)
    assert {c["name"] for c in data["crime_types"]} == {"Burglary", "Robbery"}
    assert data["data_sources"][0]["incidents"] == 2
    assert (
        data["accuracy"][0]["pai"]["gbm"]["5%"] == 4.2
        and data["accuracy"][0]["ratio_vs_best_counting_baseline"]["1%"] == 1.35
    )
    assert {r["district"] for r in data["exposure"]} == {"West", "East"}
    assert sum(r["minutes"] for r in data["exposure"]) == 30
    overall = data["evaluation"]["types"][0]
    assert overall["code"] == "all" and (
        overall["during"]["mission_incidents"],
        overall["during"]["control_incidents"],
    ) == (1, 1)
    assert "cannot tell" in data["evaluation"]["summary"]
    assert 0 <= data["concentration"]["figures"]["gini_minutes"] <= 1
    assert data["model_cards"] == [
        {
            "crime_type": "Burglary",
            "model": "gbm",
            "trained_month": city.created_at.strftime("%Y-%m"),
            "id": city.pk,
        }
    ]
    assert "PAI, top 5 % of the area" in html and "Do missions work?" in html
    # Months read as words on the page ("Jul 2026"); the JSON keeps "2026-07".
    trained = city.created_at.strftime("%b %Y")
    assert f"(model trained {trained})" in html and data["period"]["from_month"] not in html


def test_no_box_beat_coordinate_or_person_is_exposed(client, city):
    publish(**dict.fromkeys(PublicationSettings.SECTIONS, True))
    html, data = fetch(client)
    assert leaks(html) == [] and leaks(json.dumps(data)) == []
    assert not _keys_named(
        data,
        {
            "cell_id",
            "cell",
            "beat",
            "lat",
            "lon",
            "latitude",
            "longitude",
            "user",
            "username",
            "badge",
        },
    )


def test_the_leak_check_finds_beats_and_boxes_where_they_are_shown(client, city, supervisor):
    """Positive control: the staff's report lists beats, and a box id written out is caught."""
    client.force_login(supervisor)
    internal = client.get(reverse("oversight-concentration")).content.decode()
    assert any(found.startswith("beat") for found in leaks(internal))
    cell = GridCell.objects.first()
    assert leaks(
        f"box {cell.cell_id} at {cell.center.y:.5f}, {cell.center.x:.5f} served by {BADGE}"
    ) == [f"box {cell.cell_id}", "coordinate", "person"]


def leaks(body: str) -> list[str]:
    found = [
        f"box {c}"
        for c in GridCell.objects.values_list("cell_id", flat=True)
        if re.search(rf"(?<![\d.]){re.escape(c)}(?![\d])", body)
    ]
    found += [f"beat {b}" for b in Beat.objects.values_list("code", flat=True) if b in body]
    numbers = [float(n) for n in re.findall(r"-?\d+\.\d+", body)]
    if [n for n in numbers if -79.41 <= n <= -79.34 or 43.64 <= n <= 43.67]:
        found.append("coordinate")
    if OFFICER_USERNAME in body or "Doe" in body or BADGE in body:
        found.append("person")
    return found


def test_model_cards_download_only_when_published(client, city):
    url = reverse("public-model-card", args=[city.pk])
    assert client.get(url).status_code == 404
    publish(model_cards=True)
    response = client.get(url)
    assert response.status_code == 200 and response.content.decode() == CARD
    assert response["Content-Type"].startswith("text/markdown")
    ModelVersion.objects.filter(pk=city.pk).update(promoted=False)
    assert client.get(url).status_code == 404  # only the current models' cards


def _keys_named(value, names) -> list:
    if isinstance(value, dict):
        return [k for k in value if k in names] + [
            x for v in value.values() for x in _keys_named(v, names)
        ]
    if isinstance(value, list):
        return [x for v in value for x in _keys_named(v, names)]
    return []


def test_administrators_edit_what_is_published_in_the_admin(
    client, role_user, analyst, small_agency
):
    admin = role_user("Administrator", username="records.admin")
    admin.is_staff = True
    admin.save()
    url = reverse(
        "admin:oversight_publicationsettings_change", args=[PublicationSettings.objects.create().pk]
    )
    client.force_login(analyst)  # an analyst is no administrator: the admin refuses them
    assert client.get(url).status_code == 403
    client.force_login(admin)
    form = dict.fromkeys(("crime_types", "evaluation"), "on") | {
        "months": 3,
        "introduction": "Our figures.",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    settings = PublicationSettings.current()
    assert settings.published() == ["crime_types", "evaluation"] and settings.months == 3


def test_the_public_page_shows_patrol_minutes_measured_per_district_and_month(
    client, small_agency, admin_user
):
    """20 minutes of a unit's positions in a West box and 5 in an East box, through
    receive_positions and measure_exposure: the published exposure says so per district."""
    build_grid()
    window = next(
        w for w in shift_windows_before(at=timezone.now(), count=3) if w.ends_at <= timezone.now()
    )
    cells = GridCell.objects.filter(active=True, beat__isnull=False).order_by("pk")
    west = cells.filter(district__code="D1").first()
    east = cells.filter(district__code="D2").first()
    Unit.objects.create(call_sign="1A10")
    t0 = window.starts_at + timedelta(minutes=10)
    records = drive("1A10", west, t0, 20) + drive("1A10", east, t0 + timedelta(minutes=30), 5)
    patrol_services.receive_positions(records=records, actor=admin_user)
    patrol_services.measure_exposure(day=window.date, shift=window.shift)
    publish(exposure=True)
    html, data = fetch(client)
    month = window.date.strftime("%Y-%m")
    rows = {r["district"]: r for r in data["exposure"] if r["month"] == month}
    assert rows["West"]["patrol_minutes"] == 20 and rows["East"]["patrol_minutes"] == 5
    assert rows["West"]["minutes"] == 0  # no missions: mission minutes stay apart
    assert '<td class="num patrol-minutes">20</td>' in html


def test_the_accuracy_section_speaks_to_a_resident(client, city):
    """Issue 23 item 7: PAI to 4 decimals, a hit rate as 0.4735 and code names (gbm, naive_28d) on
    the public page. Now: PAI to 2 decimals at most, the hit rate as a percentage, words, and a
    sentence saying what the figures mean."""
    city.metrics["models"]["gbm"] = {
        "pai": {"1%": 8.12345, "5%": 4.2678},
        "hit_rate": {"1%": 0.0812, "5%": 0.4735},
    }
    city.metrics["models"]["sepp"] = {
        "pai": {"1%": 5.55555, "5%": 3.0},
        "hit_rate": {"1%": 0.05, "5%": 0.0456},
    }
    city.save(update_fields=["metrics"])
    publish(accuracy=True)
    html, data = fetch(client)
    section = html[
        html.index('id="accuracy"') : html.index("</section>", html.index('id="accuracy"'))
    ]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", section)]
    rows = [cells[i : i + 4] for i in range(0, len(cells), 4)]
    assert rows[0] == ["the forecast", "8.12", "4.27", "47 %"]  # the model in use first
    assert ["counting the last 28 days", "6", "3.5", "17 %"] in rows
    assert ["another forecast (repeat and near-repeat patterns)", "5.56", "3", "4.6 %"] in rows
    for code in ("gbm", "naive_28d", "sepp", "0.4735", "4.2678"):
        assert code not in section, code
    assert (
        "the 5 % of the area the forecast flagged held 47 % of burglary incidents: 4.27 times"
        in section
    )
    # the JSON keeps the model codes for machines, rounded as shown
    assert data["accuracy"][0]["pai"]["gbm"] == {"1%": 8.12, "5%": 4.27}
    assert data["accuracy"][0]["hit_rate"]["gbm"]["5%"] == pytest.approx(0.4735, abs=6e-4)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("gbm", "the forecast"),
        ("naive_7d", "counting the last 7 days"),
        ("naive_365d", "counting the last 365 days"),
        ("kde", "another forecast (smoothed hot spots)"),
        ("unheard_of", "another forecast (another method)"),
    ],
)
def test_model_codes_in_words(name, words):
    from oversight.public import public_model_words

    assert public_model_words(name, promoted="gbm") == words


def test_the_concentration_figures_say_what_they_mean(client, city):
    publish(concentration=True)
    html, _ = fetch(client)
    section = html[html.index('id="concentration"') :]
    assert "0 would mean every box got the same patrol time" in section
    gini = re.search(r"Gini of patrol minutes over \d+ boxes</dt><dd>([^<]+)</dd>", section)
    assert re.fullmatch(r"\d\.\d{2}", gini.group(1))


def test_the_default_sections_are_published_once_and_an_agencys_choice_kept(client, city):
    from io import StringIO

    from django.core.management import call_command

    from oversight.public import DEFAULT_PUBLIC_INTRODUCTION, DEFAULT_PUBLIC_SECTIONS

    assert fetch(client)[1]["published"] == []
    call_command("publish_sections", stdout=StringIO())
    settings = PublicationSettings.current()
    assert settings.published() == list(DEFAULT_PUBLIC_SECTIONS)
    assert settings.introduction == DEFAULT_PUBLIC_INTRODUCTION
    html, data = fetch(client)
    assert (
        data["published"] == list(DEFAULT_PUBLIC_SECTIONS) and DEFAULT_PUBLIC_INTRODUCTION in html
    )
    publish(exposure=True)  # an administrator's own choice is kept
    call_command("publish_sections", stdout=StringIO())
    assert PublicationSettings.current().published() == ["exposure"]
