"""Sign-in forms: the password form carries the system-use banner's consent box (required here, on
the server; the script only keeps the button disabled until it is ticked)."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class BannerAuthenticationForm(AuthenticationForm):
    accept_banner = forms.BooleanField(
        required=True,
        label="I have read the notice above and accept it",
        error_messages={"required": "Accept the system-use notice to sign in."},
    )
    field_order = ["accept_banner", "username", "password"]

    def clean(self):
        # The consent is checked before the password, so no credential is tried without it.
        if not self.cleaned_data.get("accept_banner"):
            raise forms.ValidationError(
                self.fields["accept_banner"].error_messages["required"], code="banner"
            )
        return super().clean()


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text="The 6 digits your authenticator app shows, or one of your recovery codes.",
    )


class EnrolForm(forms.Form):
    token = forms.CharField(
        label="Code from the app",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
