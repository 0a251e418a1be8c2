from django import forms

from agency.models import District
from missions.forms import ShiftPicker


class BriefingPicker(ShiftPicker):
    district = forms.ModelChoiceField(
        queryset=District.objects.order_by("code"), required=False, empty_label="All districts"
    )
