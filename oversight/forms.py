"""The report pages' period picker; it only parses."""

from datetime import timedelta

from django import forms

from missions_site.query_params import date_in_range

from .evaluation import HOURS_AFTER_DEFAULT

PERIOD_DAYS_DEFAULT = 28
PERIOD_DAYS_MAX = 366
HOURS_AFTER_MAX = 72


class PeriodForm(forms.Form):
    date_from = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), validators=[date_in_range]
    )
    date_to = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), validators=[date_in_range]
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("The period must start before it ends.")
        if start and end and (end - start).days >= PERIOD_DAYS_MAX:
            raise forms.ValidationError(f"Choose at most {PERIOD_DAYS_MAX} days.")
        return data


class EvaluationForm(PeriodForm):
    hours_after = forms.IntegerField(
        min_value=1, max_value=HOURS_AFTER_MAX, initial=HOURS_AFTER_DEFAULT, required=False
    )


def picked_period(form: PeriodForm, today) -> tuple:
    """The chosen period, or the last four weeks up to today when the form is empty or wrong (shown
    in the form's fields then)."""
    if form.is_bound and form.is_valid():
        return form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    period = today - timedelta(days=PERIOD_DAYS_DEFAULT - 1), today
    if not form.is_bound:
        form.initial.update(date_from=period[0], date_to=period[1])
    return period
