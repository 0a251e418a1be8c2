"""The public transparency page's data: only the sections the agency publishes, never finer than a
district and a month, never a box, beat, coordinate or person. The page and /public.json share it."""

from __future__ import annotations

from datetime import date as Date
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, Max, Min
from django.utils import timezone

from agency.models import Agency, CrimeType, District
from forecasting.models import ModelVersion
from ingest.models import Source

from . import evaluation, selectors
from .models import PublicationSettings

PUBLIC_CACHE_SECONDS = 15 * 60
PUBLIC_AREAS = ("1%", "5%")  # PAI at these shares of the area
CONCENTRATION_FIGURES = (
    "boxes_with_missions",
    "gini_minutes",
    "gini_missions",
    "top1_share_missions",
    "longest_streak_shifts",
    "full_weeks",
    "boxes_every_week",
)


# Model codes in words a resident reads; a promoted model is "the forecast" (public_model_words).
MODEL_WORDS = {
    "sepp": "repeat and near-repeat patterns",
    "gbm": "many factors learned together",
    "kde": "smoothed hot spots",
    "poisson": "a count regression",
}


def public_model_words(name: str, *, promoted: str = "") -> str:
    """'the forecast' for the model in use, 'counting the last 28 days' for a counting baseline,
    'another forecast (…)' for a model tried and not chosen — never a code name."""
    if name.startswith("naive_") and name.removeprefix("naive_").removesuffix("d").isdigit():
        return f"counting the last {int(name.removeprefix('naive_').removesuffix('d'))} days"
    how = MODEL_WORDS.get(name, "another method")
    return "the forecast" if name == promoted else f"another forecast ({how})"


def public_percent(share) -> str:
    """A share as a resident reads it: '47 %', '4.7 %' under ten, '—' when unknown."""
    if share is None:
        return "—"
    pct = float(share) * 100
    text = f"{pct:.1f}" if pct < 10 else f"{pct:.0f}"
    return f"{text.removesuffix('.0')} %"


# The sections a new installation (and `make demo`) publishes with `manage.py publish_sections`.
DEFAULT_PUBLIC_SECTIONS = (
    "crime_types",
    "data_sources",
    "accuracy",
    "exposure",
    "evaluation",
    "concentration",
)
DEFAULT_PUBLIC_INTRODUCTION = (
    "We forecast where crime is most likely in each shift and send officers to spend a short time"
    " in those places. This page shows, district by district and month by month, how well the"
    " forecast works, where patrols went and whether the visits made a difference."
)


def publish_default_sections() -> PublicationSettings:
    """Turn on the default public sections, unless an administrator already published something
    (an agency's own choice is never undone)."""
    settings = PublicationSettings.current()
    if settings.pk and settings.published():
        return settings
    for section in DEFAULT_PUBLIC_SECTIONS:
        setattr(settings, section, True)
    settings.introduction = settings.introduction or DEFAULT_PUBLIC_INTRODUCTION
    settings.save()
    return settings


def public_period(settings: PublicationSettings, *, today: Date | None = None) -> tuple[Date, Date]:
    """The last `months` calendar months, the current one included, up to today."""
    today = today or timezone.now().astimezone(Agency.current().tz).date()
    start = today.replace(day=1)
    for _ in range(max(settings.months, 1) - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    return start, today


def public_payload(*, today: Date | None = None) -> dict:
    """The published sections, computed at most once per PUBLIC_CACHE_SECONDS (the evaluation and
    the concentration figures read weeks of data) and afresh whenever the settings change."""
    settings = PublicationSettings.current()
    date_from, date_to = public_period(settings, today=today)
    version = settings.updated_at.timestamp() if settings.pk else "unsaved"
    key = f"oversight:public:{settings.pk}:{version}:{date_to.isoformat()}"
    return cache.get_or_set(
        key, lambda: _payload(settings, date_from, date_to), PUBLIC_CACHE_SECONDS
    )


def _payload(settings: PublicationSettings, date_from: Date, date_to: Date) -> dict:
    payload = {
        "agency": Agency.current().name,
        "introduction": settings.introduction,
        "period": {
            "from_month": date_from.strftime("%Y-%m"),
            "to_month": date_to.strftime("%Y-%m"),
        },
        "published": settings.published(),
    }
    builders = {
        "crime_types": _crime_types,
        "data_sources": _data_sources,
        "accuracy": _accuracy,
        "exposure": _exposure,
        "evaluation": _evaluation,
        "concentration": _concentration,
        "model_cards": _model_cards,
    }
    for section in settings.published():
        payload[section] = builders[section](date_from, date_to)
    return payload


def published_model_card(*, version_id: int) -> ModelVersion | None:
    """A current model's card, when the agency publishes model cards."""
    if not PublicationSettings.current().model_cards:
        return None
    return ModelVersion.objects.filter(pk=version_id, promoted=True).exclude(model_card="").first()


# --- sections --------------------------------------------------------------------------------------


def _crime_types(date_from, date_to) -> list[dict]:
    return [
        {
            "name": ct.name,
            "forecast": ct.enabled,
            "severity_weight": ct.severity_weight,
            "patrol_efficacy": ct.patrol_efficacy,
            "harm_weight": round(ct.severity_weight * ct.patrol_efficacy, 3),
            "counts_officer_initiated": ct.count_officer_initiated,
        }
        for ct in CrimeType.objects.order_by("name")
    ]


def _data_sources(date_from, date_to) -> list[dict]:
    rows = Source.objects.annotate(
        n=Count("incidents"),
        first=Min("incidents__occurred_from"),
        last=Max("incidents__occurred_from"),
    ).order_by("name")
    return [
        {
            "name": s.name,
            "kind": s.get_kind_display(),
            "incidents": s.n,
            "from_month": s.first.strftime("%Y-%m") if s.first else None,
            "to_month": s.last.strftime("%Y-%m") if s.last else None,
        }
        for s in rows
    ]


def _accuracy(date_from, date_to) -> list[dict]:
    out = []
    for v in (
        ModelVersion.objects.filter(promoted=True)
        .select_related("crime_type")
        .order_by("crime_type__name")
    ):
        models = v.metrics.get("models", {})
        out.append(
            {
                "crime_type": v.crime_type.name,
                "model": v.algorithm,
                "model_words": public_model_words(v.algorithm, promoted=v.algorithm),
                "readable": _readable_accuracy(v.crime_type.name, v.algorithm, models),
                "trained_month": v.created_at.strftime("%Y-%m"),
                "test_days": v.metrics.get("test_days"),
                "ratio_vs_best_counting_baseline": v.metrics.get("ratio_vs_best_naive", {}),
                "pai": {
                    name: {a: _num(m.get("pai", {}).get(a), 2) for a in PUBLIC_AREAS}
                    for name, m in sorted(models.items())
                },
                "hit_rate": {
                    name: {a: _num(m.get("hit_rate", {}).get(a), 3) for a in PUBLIC_AREAS}
                    for name, m in sorted(models.items())
                },
            }
        )
    return out


def _readable_accuracy(crime_type: str, promoted: str, models: dict) -> dict:
    """Each model of the back-test in words, PAI to 2 decimals and the hit rate as a percentage,
    the model in use first, and one sentence saying what its figures mean."""
    rows = []
    for name, m in sorted(models.items(), key=lambda item: (item[0] != promoted, item[0])):
        pai = m.get("pai", {})
        rows.append(
            {
                "name": public_model_words(name, promoted=promoted),
                "in_use": name == promoted,
                "pai_1": _pai_text(pai.get("1%")),
                "pai_5": _pai_text(pai.get("5%")),
                "hit_rate_5": public_percent(m.get("hit_rate", {}).get("5%")),
            }
        )
    used = models.get(promoted, {})
    hit, pai = used.get("hit_rate", {}).get("5%"), used.get("pai", {}).get("5%")
    sentence = ""
    if hit is not None and pai is not None:
        sentence = (
            f"In weeks it had not seen, the 5 % of the area the forecast flagged held"
            f" {public_percent(hit)} of {crime_type.lower()} incidents: {_pai_text(pai)} times"
            " what that much area would hold if crime were spread evenly."
        )
    return {"rows": rows, "sentence": sentence}


def _pai_text(value) -> str:
    return "—" if value is None else f"{float(value):.2f}".rstrip("0").rstrip(".")


def _exposure(date_from, date_to) -> list[dict]:
    names = dict(District.objects.values_list("code", "name"))
    return [
        {
            "month": r["month"],
            "district": names.get(r["name"], r["name"]),
            "missions": r["missions"],
            "minutes": round(r["minutes"]),
            "patrol_minutes": round(r["measured_minutes"]),
            "incidents": r["incidents"],
            "minute_share": _num(r["minute_share"]),
            "crime_share": _num(r["crime_share"]),
            "area_share": _num(r["area_share"]),
        }
        for r in selectors.exposure_by_district_month(date_from=date_from, date_to=date_to)
    ]


def _evaluation(date_from, date_to) -> dict:
    result = evaluation.mission_evaluation(date_from=date_from, date_to=date_to)
    return {
        "summary": result["summary"],
        "method": result["method"],
        "hours_after": result["hours_after"],
        "mission_box_shifts": result["mission_box_shifts"],
        "control_box_shifts": result["control_box_shifts"],
        "types": result["types"],
        "power": [p["sentence"] for p in result["power"]],
    }


def _concentration(date_from, date_to) -> dict:
    report = selectors.concentration_report(date_from=date_from, date_to=date_to)
    names = dict(District.objects.values_list("code", "name"))
    return {
        "figures": {k: report["concentration"][k] for k in CONCENTRATION_FIGURES},
        "boxes": report["boxes"],
        "forecast_capture": {
            "top_share": report["capture"]["top_share"],
            "overall": _num(report["capture"]["overall"]),
            "districts": {
                names.get(code, code): {**row, "share": _num(row["share"])}
                for code, row in report["capture"]["districts"].items()
            },
        },
    }


def _model_cards(date_from, date_to) -> list[dict]:
    return [
        {
            "crime_type": v.crime_type.name,
            "model": v.algorithm,
            "trained_month": v.created_at.strftime("%Y-%m"),
            "id": v.pk,
        }
        for v in ModelVersion.objects.filter(promoted=True)
        .exclude(model_card="")
        .select_related("crime_type")
        .order_by("crime_type__name")
    ]


def _num(value, digits: int = 4):
    return None if value is None else round(float(value), digits)
