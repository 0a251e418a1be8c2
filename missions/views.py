"""Pages: the analyst's missions of a shift (map, table, plan / add / suppress / call off), and the
dosage and outcome report. Thin: parse a form → call a service → redirect with a message."""

from contextlib import suppress
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from agency.models import District, Shift
from agency.selectors import (
    UnknownShift,
    current_shift_window,
    local_today,
    shift_named,
    shift_window,
)
from audit.actions import Action
from audit.services import record
from forecasting.selectors import current_run
from missions_site import access
from missions_site.spreadsheet import csv_download
from tactics.selectors import tactic_counts

from . import gis_export, report_tables, reports, scope, selectors, services, state
from .forms import (
    AddMissionsForm,
    ReasonForm,
    ReportRange,
    SheetPicker,
    ShiftPicker,
    SuppressForm,
)
from .models import Mission, ReasonCode, Suppression
from .services.common import require_reason
from .sheet import shift_sheet as build_sheet
from .tasks import enqueue_planning

REPORT_DAYS_DEFAULT = 28


def _bad_pick(request, exc, template: str):
    return render(request, template, {"picker": exc.picker, "pick_errors": exc.errors}, status=400)


@access.page
def shift_page(request):
    try:
        day, shift = _picked_shift(request)
    except BadPick as exc:
        return _bad_pick(request, exc, "missions/shift.html")
    missions = selectors.with_reason_texts(
        scope.visible_missions(request.user, selectors.shift_missions(date=day, shift=shift))
    )
    can_evaluate = request.user.has_perm("missions.evaluate_missions")
    query = f"?date={day.isoformat()}&shift={shift.pk}" if shift else ""
    plan = selectors.latest_plan(date=day, shift=shift) if shift else None
    return render(
        request,
        "missions/shift.html",
        {
            "picker": ShiftPicker(initial={"date": day, "shift": shift}),
            "day": day,
            "shift": shift,
            "missions": missions,
            "rows": _with_actions(request.user, missions),
            "query": query,
            "window": shift_window(date=day, shift=shift) if shift else None,
            "plan": plan,
            "plan_notes": [b["note"] for b in plan.beats if b.get("note")] if plan else [],
            "order_note": selectors.draw_order_note(missions),
            "can_evaluate": can_evaluate,
            "forecast_run": current_run(date=day, shift=shift) if shift else None,
            "controls": len(selectors.shift_controls(date=day, shift=shift))
            if shift and can_evaluate
            else None,
            "suppressions": selectors.active_suppressions(on=day),
            "lifted": _lifted(request),
            "add_form": AddMissionsForm(
                initial={"date_from": day, "shifts": [shift] if shift else []}, prefix="add"
            ),
            "suppress_form": SuppressForm(
                initial={"date_from": day, "date_to": day, "span": "shift"}, prefix="sup"
            ),
            "cancel_form": ReasonForm(prefix="cancel"),
            "reason_codes": ReasonCode.choices,
            "statuses": Mission.Status.choices,
        },
    )


@access.page
@require_POST
def plan_shift(request):
    picker = ShiftPicker(request.POST)
    if not picker.is_valid():
        messages.error(request, "Pick a date and a shift to plan.")
        return redirect("missions-shift")
    day, shift = picker.cleaned_data["date"], picker.cleaned_data["shift"]
    try:
        job = enqueue_planning(date=day, shift=shift, user=request.user)
    except services.MissionError as exc:
        messages.error(request, exc.message)
        return _back(day, shift)
    return redirect("job-page", job_id=job.pk)


@access.page
@require_POST
def add_missions(request):
    form = AddMissionsForm(request.POST, prefix="add")
    return _run(
        request,
        form,
        lambda d: services.add_missions(
            user=request.user,
            reason_code=d["reason_code"],
            reason=d["reason"],
            cell_ids=d["cell_ids"],
            date_from=d["date_from"],
            date_to=d["date_to"],
            shifts=list(d["shifts"]),
        ),
        done="Missions added.",
    )


@access.page
@require_POST
def suppress_boxes(request):
    """Two steps: without `confirm`, a preview page says which shifts and which missions the
    suppression would cancel (those under way need a tick); with it, the suppression is made."""
    form = SuppressForm(request.POST, prefix="sup")
    day, shift = _posted_shift(request)
    if not form.is_valid():
        return _run(request, form, lambda d: None, done="", day=day, shift=shift)
    d = form.cleaned_data
    try:
        date_from, date_to, shifts = services.suppression_span(
            span=d["span"], day=d["date_from"], shift=shift, date_to=d["date_to"]
        )
        if not request.POST.get("confirm"):
            if not request.user.has_perm("missions.add_suppression"):
                raise PermissionDenied
            require_reason(d["reason_code"], d["reason"])  # said before the preview, not after
            preview = services.preview_suppression(
                date_from=date_from, date_to=date_to, shifts=shifts, cell_ids=d["cell_ids"]
            )
            return render(
                request,
                "missions/suppress_preview.html",
                {"preview": preview, "form": form, "day": day, "shift": shift},
            )
        suppression = services.suppress_boxes(
            user=request.user,
            reason_code=d["reason_code"],
            reason=d["reason"],
            cell_ids=d["cell_ids"],
            date_from=date_from,
            date_to=date_to,
            shifts=shifts,
            cancel_under_way=bool(request.POST.get("cancel_under_way")),
        )
    except services.MissionError as exc:
        messages.error(request, f"Not saved — {exc.message}")
        return _back(day, shift)
    ids = list(suppression.cancelled.order_by("pk").values_list("pk", flat=True))
    cancelled = f"{len(ids)} mission{'s' if len(ids) != 1 else ''} cancelled" + (
        f" ({', '.join(f'#{i}' for i in ids)})" if ids else ""
    )
    messages.success(request, f"Boxes suppressed: {cancelled}.")
    return _back(day, shift)


@access.page
@require_POST
def cancel_mission(request, pk):
    mission = get_object_or_404(Mission, pk=pk)
    form = ReasonForm(request.POST, prefix="cancel")
    return _run(
        request,
        form,
        lambda d: services.cancel_mission(
            user=request.user,
            mission_id=mission.pk,
            reason_code=d["reason_code"],
            reason=d["reason"],
        ),
        done="Mission called off.",
        day=mission.date,
        shift=mission.shift,
    )


@access.page
@require_POST
def lift_suppression(request, pk):
    suppression = get_object_or_404(Suppression, pk=pk)
    form = ReasonForm(request.POST, prefix="lift")
    response = _run(
        request,
        form,
        lambda d: services.lift_suppression(
            user=request.user,
            suppression_id=suppression.pk,
            reason=d["reason"],
        ),
        done="Suppression lifted: later plans may pick its boxes again.",
    )
    suppression.refresh_from_db()
    if suppression.lifted_at is not None and selectors.replan_offers(suppression):
        # The page offers to re-plan the shifts whose missions it cancelled.
        return redirect(f"{response.url}{'&' if '?' in response.url else '?'}lifted={pk}")
    return response


@access.page
def report_page(request):
    form, period = _report_range(request)
    if period is None:
        return _bad_range(request, form)
    date_from, date_to = period
    context = {
        "form": form,
        "date_from": date_from,
        "date_to": date_to,
        "range_query": urlencode({"date_from": date_from, "date_to": date_to}),
        "daily": reports.daily_summary(date_from=date_from, date_to=date_to),
        "statuses": Mission.Status.choices,
        "status_rows": [
            {**r, "counts": [r[code] for code in Mission.Status.values]}
            for r in reports.status_by_beat_shift(date_from=date_from, date_to=date_to)
        ],
        "status_columns": len(Mission.Status.values) + 7,
        "dose_rows": reports.dose_by_mission(date_from=date_from, date_to=date_to),
        "tactics": tactic_counts(date_from=date_from, date_to=date_to),
        "outcomes": reports.outcomes(date_from=date_from, date_to=date_to)
        if request.user.has_perm("missions.evaluate_missions")
        else None,
    }
    return render(request, "missions/report.html", context)


@access.page
def report_csv(request, table: str):
    """One table of the report page as CSV, for the same date range."""
    found = report_tables.TABLES.get(table)
    if found is None or (found.permission and not request.user.has_perm(found.permission)):
        raise Http404("No such table.")
    form, period = _report_range(request)
    if period is None:
        return _bad_range(request, form)
    date_from, date_to = period
    return csv_download(
        report_tables.csv_rows(found, date_from=date_from, date_to=date_to),
        filename=f"{found.name}-{date_from}-{date_to}.csv",
    )


@access.page
def shift_gis(request, fmt: str):
    """The shift's forecast, missions and boxes as GeoPackage or GeoJSON (missions.gis_export)."""
    try:
        day, shift = _picked_shift(request)
    except BadPick as exc:
        return _bad_pick(request, exc, "missions/shift.html")
    try:
        body, content_type, name = gis_export.export(
            user=request.user, date=day, shift=shift, fmt=fmt, layer=request.GET.get("layer", "")
        )
    except gis_export.ExportError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@access.page
def shift_sheet(request):
    """The printable sheet of one district's missions for a shift."""
    try:
        day, shift = _picked_shift(request)
    except BadPick as exc:
        return _bad_pick(request, exc, "missions/sheet.html")
    picker = SheetPicker(request.GET or None)
    district = (
        picker.cleaned_data["district"]
        if picker.is_bound and picker.is_valid()
        else _home_district(request.user) or District.objects.first()
    )
    if district is None or shift is None:
        return render(request, "missions/sheet.html", {"picker": picker, "sheet": None})
    scope.require_district(request.user, district)
    sheet = build_sheet(district=district, date=day, shift=shift)
    record(
        action=Action.MISSIONS_SHEET_PRINT,
        request=request,
        object_type="agency.district",
        object_id=str(district.pk),
        after={"district": district.code, "date": day.isoformat(), "shift": shift.name},
    )
    return render(
        request,
        "missions/sheet.html",
        {
            "picker": SheetPicker(initial={"date": day, "shift": shift, "district": district}),
            "sheet": sheet,
            "window": shift_window(date=day, shift=shift),
        },
    )


# --- helpers ---------------------------------------------------------------------------------------


def _home_district(user):
    profile = getattr(user, "officer_profile", None)
    return profile.home_district if profile is not None else None


class BadPick(ValueError):
    """A date or shift given in the query that is not one (the page says so, as a 400)."""

    def __init__(self, picker, errors: list[str]):
        super().__init__("; ".join(errors))
        self.picker, self.errors = picker, errors


def _picked_shift(request):
    """The date and shift of the query, else the shift under way; a date or shift that was given
    but is wrong raises BadPick (never a silent other day)."""
    picker = ShiftPicker(request.GET or None)
    if picker.is_bound and picker.is_valid():
        return picker.cleaned_data["date"], picker.cleaned_data["shift"]
    if picker.is_bound:
        names = {"date": "Date (date)", "shift": "Shift (shift)"}
        given = [f for f in ("date", "shift") if request.GET.get(f, "").strip()]
        errors = [
            f"{names[f]} {request.GET[f]!r}: {' '.join(picker.errors[f])}"
            for f in given
            if f in picker.errors
        ]
        if errors:
            raise BadPick(picker, errors)
    window = current_shift_window()
    if window is not None:
        return window.date, window.shift
    return local_today(), Shift.objects.first()


def _posted_shift(request):
    """The date and shift of the page a form was posted from (hidden fields)."""
    day, shift = request.POST.get("date") or None, None
    if request.POST.get("shift"):
        with suppress(UnknownShift):
            shift = shift_named(request.POST["shift"])
    return day, shift


def _lifted(request):
    """A suppression just lifted (?lifted=id) and the shifts it left short, to offer a re-plan."""
    pk = request.GET.get("lifted", "")
    if not pk.isdigit() or not request.user.has_perm("missions.plan_missions"):
        return None
    suppression = Suppression.objects.filter(pk=int(pk), lifted_at__isnull=False).first()
    if suppression is None:
        return None
    offers = selectors.replan_offers(suppression)
    return {"suppression": suppression, "offers": offers} if offers else None


def _run(request, form, action, *, done: str, day=None, shift=None):
    day = day or request.POST.get("date") or None
    if shift is None and request.POST.get("shift"):
        with suppress(UnknownShift):  # only to return to the page it came from
            shift = shift_named(request.POST["shift"])
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        messages.error(request, f"Not saved — {errors}")
        return _back(day, shift)
    try:
        action(form.cleaned_data)
    except services.MissionError as exc:
        messages.error(request, f"Not saved — {exc.message}")
    else:
        messages.success(request, done)
    return _back(day, shift)


def _back(day, shift):
    url = reverse("missions-shift")
    if day and shift:
        url += f"?date={day}&shift={shift.pk}"
    return redirect(url)


def _report_range(request):
    """The report's period from the query (the last REPORT_DAYS_DEFAULT days up to today when not
    given) with a form showing it, or None with the form's errors when the dates are wrong."""
    form = ReportRange(request.GET)
    if not form.is_valid():
        return form, None
    date_to = form.cleaned_data["date_to"] or local_today()
    date_from = form.cleaned_data["date_from"] or date_to - timedelta(days=REPORT_DAYS_DEFAULT - 1)
    if date_from > date_to:  # only the start was given, after today
        date_to = date_from
    return ReportRange({"date_from": date_from, "date_to": date_to}), (date_from, date_to)


def _bad_range(request, form):
    """A wrong period: the page again with what is wrong, as a 400 (never a silent other range)."""
    names = {"date_from": "Start date (date_from)", "date_to": "End date (date_to)"}
    errors = [f"{names.get(name, 'Period')}: {' '.join(e)}" for name, e in form.errors.items()]
    return render(
        request, "missions/report.html", {"form": form, "range_errors": errors}, status=400
    )


def _with_actions(user, missions) -> list[tuple]:
    """(mission, the actions the user may take on it now): the page shows buttons for these."""
    actions = state.allowed_actions(user, missions)
    return [(m, actions[m.pk]) for m in missions]
