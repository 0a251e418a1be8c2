from django import forms

from agency.models import CrimeType, District

from .models import Alert, Mute, Subscription
from .services import MUTE_DAYS_MAX


class AcknowledgeForm(forms.Form):
    alert = forms.ModelChoiceField(queryset=Alert.objects.all())
    note = forms.CharField(max_length=500, required=False)


class MuteForm(forms.Form):
    district = forms.ModelChoiceField(queryset=District.objects.order_by("code"))
    crime_type = forms.ModelChoiceField(queryset=CrimeType.objects.order_by("name"))
    days = forms.IntegerField(min_value=1, max_value=MUTE_DAYS_MAX, initial=7)
    reason = forms.CharField(max_length=300, required=False)


class UnmuteForm(forms.Form):
    mute = forms.ModelChoiceField(queryset=Mute.objects.all())


class SubscribeForm(forms.Form):
    district = forms.ModelChoiceField(
        queryset=District.objects.order_by("code"), required=False, empty_label="All districts"
    )
    crime_type = forms.ModelChoiceField(
        queryset=CrimeType.objects.filter(enabled=True).order_by("name"),
        required=False,
        empty_label="All crime types",
    )
    email = forms.BooleanField(required=False, initial=True, label="Also by e-mail")


class UnsubscribeForm(forms.Form):
    subscription = forms.ModelChoiceField(queryset=Subscription.objects.all())
