"""Sign-in pages: password + system-use banner, second-factor verification, TOTP enrolment with a
QR code (SVG drawn on the server), recovery codes, and the user's own API tokens."""

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from knox.models import AuthToken

from missions_site import access

from . import services
from .forms import BannerAuthenticationForm, EnrolForm, SecondFactorForm
from .policy import has_authenticator
from .selectors import tokens_of
from .throttles import LoginRateThrottle


class LoginView(auth_views.LoginView):
    form_class = BannerAuthenticationForm
    template_name = "accounts/login.html"

    def post(self, request, *args, **kwargs):
        if not LoginRateThrottle().allow_request(request, self):
            return HttpResponse(
                "Too many sign-in attempts from this address; wait a minute.", status=429
            )
        return super().post(request, *args, **kwargs)


@never_cache
@access.page
def verify(request):
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.verify_second_factor(
            request=request, user=request.user, token=form.cleaned_data["token"]
        )
        if device is not None:
            services.mark_session_verified(request=request, device=device)
            return redirect(_next_url(request))
        form.add_error("token", "That code is not valid (each code works once).")
    return render(request, "accounts/verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@access.page
def enrol(request):
    if has_authenticator(request.user) and not request.user.is_verified():
        return redirect("mfa-verify")  # replacing a device needs the current one first
    device = services.start_totp_enrolment(user=request.user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.confirm_totp_enrolment(
            request=request, user=request.user, token=form.cleaned_data["token"]
        )
        if codes is not None:
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error(
            "token", "That code did not match: check the phone's clock and try the next code."
        )
    return render(
        request,
        "accounts/enrol.html",
        {"form": form, "secret": _base32(device), "next": _next_url(request)},
    )


@never_cache
@access.page
def enrolment_qr(request):
    if has_authenticator(request.user) and not request.user.is_verified():
        return redirect("mfa-verify")
    device = services.start_totp_enrolment(user=request.user)
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return HttpResponse(image.to_string(encoding="unicode"), content_type="image/svg+xml")


@access.page
@require_POST
def new_recovery_codes(request):
    codes = services.regenerate_recovery_codes(request=request, user=request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": "/"})


@never_cache
@access.page
def tokens(request):
    new_token = None
    if request.method == "POST" and request.POST.get("action") == "create":
        _, new_token = services.issue_api_token(
            request=request, user=request.user, remember_in_session=True
        )
    elif request.method == "POST" and request.POST.get("action") == "revoke":
        revoked = services.revoke_api_tokens(
            tokens=AuthToken.objects.filter(
                user=request.user, token_key=request.POST.get("token_key", "")
            ),
            actor=request.user,
            request=request,
            reason_code="revoked_by_user",
        )
        messages.info(request, "Token revoked." if revoked else "No such token.")
        return redirect("account-tokens")
    return render(
        request, "accounts/tokens.html", {"tokens": tokens_of(request.user), "new_token": new_token}
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _base32(device) -> str:
    return b32encode(device.bin_key).decode()
