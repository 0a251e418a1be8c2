"""Forms of the analyst's missions page; they only parse, the services validate and write."""

from django import forms

from agency.models import District, Shift
from missions_site.query_params import date_in_range

from .models import ReasonCode
from .serializers import BoxesIn, ReasonFields
from .services.overrides import SPANS

REASON_HELP = "Required: it is kept in the audit log."
REPORT_DAYS_MAX = 366
# The same bounds as the API's (issue 21: a page took a 1,000,000-character reason the API refuses).
REASON_MAX_CHARS = ReasonFields._declared_fields["reason"].max_length
CELL_ID_MAX_CHARS = BoxesIn._declared_fields["cell_ids"].child.max_length


class ShiftPicker(forms.Form):
    date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), validators=[date_in_range]
    )
    shift = forms.ModelChoiceField(queryset=Shift.objects.all(), empty_label=None)


class SheetPicker(ShiftPicker):
    district = forms.ModelChoiceField(queryset=District.objects.all(), empty_label=None)


class ReasonForm(forms.Form):
    reason_code = forms.ChoiceField(
        choices=[("", "— reason —"), *ReasonCode.choices], required=False
    )
    reason = forms.CharField(
        required=False,
        max_length=REASON_MAX_CHARS,
        widget=forms.TextInput(attrs={"placeholder": REASON_HELP}),
    )


class BoxesForm(ReasonForm):
    cell_ids = forms.CharField(
        label="Boxes",
        help_text="Cell ids separated by commas (click boxes on the map).",
        widget=forms.TextInput(attrs={"placeholder": "e.g. 1234_5678, 1235_5678"}),
    )
    date_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_cell_ids(self):
        cell_ids = [
            c.strip()
            for c in self.cleaned_data["cell_ids"].replace(";", ",").split(",")
            if c.strip()
        ]
        if any(len(c) > CELL_ID_MAX_CHARS for c in cell_ids):
            raise forms.ValidationError(f"A box id has at most {CELL_ID_MAX_CHARS} characters.")
        return cell_ids


class AddMissionsForm(BoxesForm):
    shifts = forms.ModelMultipleChoiceField(
        queryset=Shift.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked = every shift.",
    )


class SuppressForm(BoxesForm):
    """Which shifts a suppression covers: this shift, the rest of the day, or a date range (every
    shift). The page previews what it cancels before `confirm` is sent."""

    span = forms.ChoiceField(
        choices=SPANS,
        initial="shift",
        required=False,  # not sent: this shift only, the narrowest
        widget=forms.RadioSelect,
        label="Which shifts",
    )

    def clean_span(self):
        return self.cleaned_data.get("span") or "shift"

    field_order = ["span", "date_from", "date_to", "cell_ids", "reason_code", "reason"]


class ReportRange(forms.Form):
    """The report page's period (and its CSVs'): both ends optional, defaults filled by the view."""

    date_from = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_in_range],
        label="From",
    )
    date_to = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_in_range],
        label="to",
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(
                f"The period must start on or before its end ({start} is after {end})."
            )
        if start and end and (end - start).days >= REPORT_DAYS_MAX:
            raise forms.ValidationError(f"Choose a period of at most {REPORT_DAYS_MAX} days.")
        return data
