"""Pages: the concentration and fairness report (and its CSV), the mission evaluation, and the
public transparency page with its JSON twin. Thin: parse the period → call a selector → render.

Who may open each is in missions_site/access.py: the reports are for command staff; /public/ and
/public.json are anonymous by design and show only what PublicationSettings publishes."""

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render

from agency.selectors import local_today
from missions_site import access
from missions_site.spreadsheet import csv_download

from . import charts, evaluation, patrol_reports, public, selectors
from .forms import EvaluationForm, PeriodForm, picked_period


@access.page
def concentration_report(request):
    form = PeriodForm(request.GET or None)
    date_from, date_to = picked_period(form, local_today())
    report = selectors.concentration_report(date_from=date_from, date_to=date_to)
    return render(
        request,
        "oversight/concentration.html",
        {
            "form": form,
            "report": report,
            "query": request.GET.urlencode(),
            "district_chart": charts.share_bars(
                report["districts"], title="Districts: shares of patrol, crime and area"
            ),
            "beat_chart": charts.share_bars(
                report["beats"], title="Beats: shares of patrol, crime and area"
            ),
            "weekly_chart": charts.weekly_line(report["weekly"]),
            "capture_chart": charts.capture_bars(report["capture"]),
        },
    )


@access.page
def concentration_csv(request):
    date_from, date_to = picked_period(PeriodForm(request.GET or None), local_today())
    report = selectors.concentration_report(date_from=date_from, date_to=date_to)
    return csv_download(
        selectors.report_csv_rows(report), filename=f"concentration-{date_from}-{date_to}.csv"
    )


@access.page
def evaluation_report(request):
    form = EvaluationForm(request.GET or None)
    date_from, date_to = picked_period(form, local_today())
    hours = (
        form.cleaned_data.get("hours_after") if form.is_bound and form.is_valid() else None
    ) or evaluation.HOURS_AFTER_DEFAULT
    result = evaluation.mission_evaluation(date_from=date_from, date_to=date_to, hours_after=hours)
    return render(
        request,
        "oversight/evaluation.html",
        {
            "form": form,
            "result": result,
            "during_chart": charts.forest(result["types"], "during", "During the shift"),
            "after_chart": charts.forest(
                result["types"], "after", f"In the {hours} hours after it"
            ),
            "ring_chart": charts.forest(
                result["types"], "ring", "In the 8 neighbouring boxes (displacement)"
            ),
            "effect_rows": _effect_rows(result["types"], result["hours_after"]),
            "effect_rows_without": _effect_rows(
                result["types_without_patrolled"], result["hours_after"]
            ),
            "query": request.GET.urlencode(),
        },
    )


@access.page
def evaluation_csv(request):
    form = EvaluationForm(request.GET or None)
    date_from, date_to = picked_period(form, local_today())
    hours = (
        form.cleaned_data.get("hours_after") if form.is_bound and form.is_valid() else None
    ) or evaluation.HOURS_AFTER_DEFAULT
    result = evaluation.mission_evaluation(date_from=date_from, date_to=date_to, hours_after=hours)
    return csv_download(
        evaluation.evaluation_csv_rows(result), filename=f"evaluation-{date_from}-{date_to}.csv"
    )


def _period(request):
    form = PeriodForm(request.GET or None)
    return form, *picked_period(form, local_today())


@access.page
def dosage_report(request):
    form, date_from, date_to = _period(request)
    report = patrol_reports.dosage_report(date_from=date_from, date_to=date_to)
    series = (("planned", "planned dose"), ("measured", "measured in the box"))
    return render(
        request,
        "oversight/dosage.html",
        {
            "form": form,
            "report": report,
            "query": request.GET.urlencode(),
            "beat_chart": charts.value_bars(report["beat"], series, "Minutes by beat"),
            # Missions nobody reached stay in the table: their planned minutes, several times a
            # unit's, would flatten every unit's bars.
            "unit_chart": charts.value_bars(
                [r for r in report["unit"] if r["name"] != patrol_reports.NO_UNIT],
                series,
                "Minutes by unit",
            ),
        },
    )


@access.page
def dosage_csv(request):
    _, date_from, date_to = _period(request)
    report = patrol_reports.dosage_report(date_from=date_from, date_to=date_to)
    return csv_download(
        patrol_reports.dosage_csv_rows(report), filename=f"dosage-{date_from}-{date_to}.csv"
    )


@access.page
def unit_report(request):
    form, date_from, date_to = _period(request)
    report = patrol_reports.unit_report(date_from=date_from, date_to=date_to)
    rows = [{"name": r["unit"], **r} for r in report["units"]]
    series = (("mission_minutes", "in mission boxes"), ("all_minutes", "in all boxes"))
    return render(
        request,
        "oversight/units.html",
        {
            "form": form,
            "report": report,
            "query": request.GET.urlencode(),
            "chart": charts.value_bars(rows, series, "Measured minutes by unit"),
        },
    )


@access.page
def unit_csv(request):
    _, date_from, date_to = _period(request)
    report = patrol_reports.unit_report(date_from=date_from, date_to=date_to)
    return csv_download(
        patrol_reports.unit_csv_rows(report), filename=f"units-{date_from}-{date_to}.csv"
    )


@access.page
def crime_dosage_report(request):
    form, date_from, date_to = _period(request)
    report = patrol_reports.crime_and_dosage(date_from=date_from, date_to=date_to)
    # Weeks without measured patrol have no rates: the lines join the weeks that have them.
    measured_weeks = [w for w in report["weeks"] if w["dosed"]]
    return render(
        request,
        "oversight/crime_dosage.html",
        {
            "form": form,
            "report": report,
            "measured_weeks": len(measured_weeks),
            "query": request.GET.urlencode(),
            "chart": charts.weekly_lines(
                measured_weeks,
                (("dosed_rate", "dosed boxes"), ("comparable_rate", "comparable undosed boxes")),
                "Incidents per 100 box-shifts, by week",
            ),
        },
    )


@access.page
def crime_dosage_csv(request):
    _, date_from, date_to = _period(request)
    report = patrol_reports.crime_and_dosage(date_from=date_from, date_to=date_to)
    return csv_download(
        patrol_reports.crime_and_dosage_csv_rows(report),
        filename=f"crime-and-dosage-{date_from}-{date_to}.csv",
    )


@access.page
def public_page(request):
    payload = public.public_payload()
    evaluation_types = payload.get("evaluation", {}).get("types", [])
    return render(
        request,
        "oversight/public.html",
        {
            "data": payload,
            "exposure_chart": charts.share_bars(
                _latest_month(payload.get("exposure", [])), title="Latest month"
            ),
            "evaluation_chart": charts.forest(evaluation_types, "during", "During the shift"),
            "effect_rows": _effect_rows(
                evaluation_types, payload.get("evaluation", {}).get("hours_after")
            ),
        },
    )


@access.page
def public_json(request):
    return JsonResponse(
        public.public_payload(), encoder=DjangoJSONEncoder, json_dumps_params={"indent": 1}
    )


@access.page
def public_model_card(request, version_id: int):
    version = public.published_model_card(version_id=version_id)
    if version is None:
        raise Http404("No published model card with this number.")
    response = HttpResponse(version.model_card, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="model-card-{version.crime_type.code}-{version.pk}.md"'
    )
    return response


def _effect_rows(types: list[dict], hours_after) -> list[dict]:
    """One table row per crime type and window: in the box during the shift, after it, next door."""
    windows = (
        ("during", "in the box, during the shift"),
        ("after", f"in the box, {hours_after} h after"),
        ("ring", "next door, during the shift"),
    )
    return [
        {"name": t["name"], "window": label, "first": k == 0, **t[key]}
        for t in types
        for k, (key, label) in enumerate(windows)
    ]


def _latest_month(rows: list[dict]) -> list[dict]:
    if not rows:
        return []
    last = max(r["month"] for r in rows)
    return [{**r, "name": r["district"]} for r in rows if r["month"] == last]
