"""Reasons as data: the one renderer says what the old sentences said; the migration reads every
known sentence shape once, keeps the rest as free text, and the API types the factors."""

from importlib import import_module

import pytest
from django.apps import apps as django_apps
from drf_spectacular.generators import SchemaGenerator

from forecasting.engine.reasons import factor, free_text, note, reason_text, reason_texts
from forecasting.models import CellForecast
from missions import services
from missions.models import Mission

step = import_module("forecasting.migrations.0007_reasons_as_factors")
missions_step = import_module("missions.migrations.0009_reasons_as_factors")

NAMES = {"break_enter": "Break and Enter", "robbery": "Robbery", "assault": "Assault"}
CODES = {name: code for code, name in NAMES.items()}
# Every sentence shape the engine, the planner and additions wrote before reasons were data.
SENTENCES = [
    "Robbery: 1 robbery in this box in the last 24 hours",
    "Assault: 12 assaults in this box in the last 28 days",
    "Break and Enter: 4 break and enters within 400 m in the last 7 days",
    "Break and Enter: 6 break and enters within 400 m in the last 28 days",
    "Assault: long-term hot spot: top 0.5 % of cells over the last year",
    "Assault: long-term hot spot: top 3 % of cells over the last year",
    "Robbery: Friday night pattern: 5 robberies here on Friday nights over the last year",
    "Assault: busy area: 40 incidents of all types within 400 m in the last 28 days",
    "Assault: bars in this box",
    "Assault: near transit stops (180 m)",
    "Robbery: public holiday",
    "Robbery: among the highest expected harm in beat 12 this shift; no single factor stands out",
    "Among the highest expected harm in beat 12 this shift; no single factor stands out",
]


@pytest.mark.parametrize("sentence", SENTENCES)
def test_every_known_sentence_becomes_a_factor_that_renders_the_same(sentence):
    data = step.reason_data(sentence, CODES)
    assert data["kind"] == "factor"
    assert reason_text(data, NAMES) == sentence


def test_analyst_notes_of_both_wordings_become_notes():
    for old in ("Added by analyst: Tip about a crew", "Added by an analyst: Tip about a crew"):
        data = step.reason_data(old, CODES)
        assert data == {"kind": "note", "text": "Tip about a crew"}
        assert reason_text(data, NAMES) == "Added by analyst: Tip about a crew"


def test_an_unknown_sentence_is_kept_as_free_text():
    named = step.reason_data("Robbery: a sentence of no known shape", CODES)
    assert named == free_text("a sentence of no known shape", "robbery")
    assert reason_text(named, NAMES) == "Robbery: a sentence of no known shape"
    bare = step.reason_data("Someone wrote this by hand", CODES)
    assert reason_text(bare, NAMES) == "Someone wrote this by hand"
    # Already data: passed through, so the step may run twice.
    assert step.reason_data(named, CODES) is named


def test_the_renderer_changes_words_not_data():
    reason = factor("nearby_count", "robbery", 2.4, "7d", radius_m=400)
    assert reason_text(reason, NAMES) == "Robbery: 2 robberies within 400 m in the last 7 days"
    assert reason_text(reason, NAMES, with_crime_type=False).startswith("2 robberies")
    assert reason_texts([note("Call from the school")], NAMES) == [
        "Added by analyst: Call from the school"
    ]
    with pytest.raises(ValueError):
        factor("moon_phase", "robbery", 1.0)  # control: factors are a closed list


def test_the_migrations_convert_stored_sentences(forecast, policy, now_window):
    forecast(now_window.date, now_window.shift)
    services.plan_missions(date=now_window.date, shift=now_window.shift)
    mission = Mission.objects.exclude(primary_crime_type=None).select_related("primary_crime_type")[
        0
    ]
    name = mission.primary_crime_type.name
    old = [
        "Added by an analyst: Residents report a crew",
        f"{name}: 3 {name.lower()}s in this box in the last 28 days",
        f"{name}: something else entirely",
    ]
    Mission.objects.filter(pk=mission.pk).update(reasons=old)
    forecast = CellForecast.objects.filter(crime_type=mission.primary_crime_type).first()
    CellForecast.objects.filter(pk=forecast.pk).update(reasons=["public holiday", "odd words"])

    step.convert(django_apps, None)
    missions_step.convert(django_apps, None)

    mission.refresh_from_db()
    code = mission.primary_crime_type.code
    assert mission.reasons[0] == {"kind": "note", "text": "Residents report a crew"}
    assert mission.reasons[1]["factor"] == "recent_count" and mission.reasons[1]["value"] == 3
    assert mission.reasons[2] == free_text("something else entirely", code)
    forecast.refresh_from_db()
    assert forecast.reasons == [factor("public_holiday", code), free_text("odd words", code)]
    assert not any(
        isinstance(r, str) for m in Mission.objects.all() for r in m.reasons
    )  # the planned missions' data passed through unchanged


def test_the_openapi_schema_types_reason_factors(db):
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    props = schemas["MissionPropertiesOut"]["properties"]
    assert props["reasons"]["items"]["type"] == "string"
    assert props["reason_factors"]["items"]["$ref"].endswith("/ReasonOut")
    factor_field = schemas["ReasonOut"]["properties"]["factor"]
    enum = schemas[factor_field["allOf"][0]["$ref"].rsplit("/", 1)[1]]["enum"]
    assert "nearby_count" in enum and "beat_top" in enum
