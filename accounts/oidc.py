"""OpenID Connect sign-in (mozilla-django-oidc, ADR 0029): the authorisation-code flow with state,
nonce and PKCE. On top of the library this checks the ID token's issuer, audience (and `azp`),
expiry and required claims, names each refusal in the audit log, and hands the claims to
accounts.sso for roles, scope and a second factor done at the provider.
"""

from __future__ import annotations

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import redirect, resolve_url
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from . import sso
from .models import DirectoryIdentity

SOURCE = DirectoryIdentity.Source.OIDC
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]


class TokenRefused(SuspiciousOperation):
    def __init__(self, reason_code: str, message: str):
        super().__init__(message)
        self.reason_code = reason_code


# Which PyJWT error is which refusal (the most specific first).
JWT_REFUSALS = (
    (jwt.ExpiredSignatureError, "token_expired", "The ID token has expired."),
    (jwt.InvalidIssuerError, "wrong_issuer", "The ID token is from another issuer."),
    (jwt.InvalidAudienceError, "wrong_audience", "The ID token is for another client."),
    (jwt.InvalidSignatureError, "bad_signature", "The ID token's signature does not verify."),
    (jwt.ImmatureSignatureError, "token_not_yet_valid", "The ID token is not valid yet."),
    (jwt.MissingRequiredClaimError, "claim_missing", "The ID token lacks a required claim."),
    (jwt.PyJWTError, "token_invalid", "The ID token cannot be read."),
)


class DirectoryOIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request, **kwargs):
        try:
            return super().authenticate(request, **kwargs)
        except (TokenRefused, sso.DirectorySignInRefused) as exc:
            sso.record_refusal(
                request=request, source=SOURCE, reason_code=exc.reason_code, reason=str(exc)
            )
        except (SuspiciousOperation, jwt.PyJWTError) as exc:  # no key in the JWKS for it, garbage
            sso.record_refusal(
                request=request, source=SOURCE, reason_code="token_invalid", reason=str(exc)
            )
        except requests.RequestException as exc:  # the provider refused the code, or is down
            sso.record_refusal(
                request=request, source=SOURCE, reason_code="provider_error", reason=str(exc)
            )
        return None

    def _verify_jws(self, payload, key):
        try:
            alg = jwt.get_unverified_header(payload).get("alg")
        except jwt.PyJWTError as exc:
            raise TokenRefused("token_invalid", f"The ID token cannot be read: {exc}") from exc
        if alg != self.OIDC_RP_SIGN_ALGO:
            raise TokenRefused(
                "wrong_algorithm",
                f"The ID token is signed with {alg!r}, not {self.OIDC_RP_SIGN_ALGO}.",
            )
        try:
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_OP_ISSUER,
                leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            for error, reason_code, message in JWT_REFUSALS:
                if isinstance(exc, error):
                    raise TokenRefused(reason_code, f"{message} ({exc})") from exc
            raise
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise TokenRefused("wrong_audience", "The ID token was issued to another party (azp).")
        return claims

    def verify_token(self, token, **kwargs):
        """The ID token's claims once its signature, claims and (at sign-in) nonce are right."""
        if self.OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")):
            key = self.OIDC_RP_IDP_SIGN_KEY or self.retrieve_matching_jwk(token)
        else:
            key = self.OIDC_RP_CLIENT_SECRET
        claims = self.get_payload_data(token, key)
        nonce = kwargs.get("nonce")
        checks_nonce = "nonce" in kwargs and self.get_settings("OIDC_USE_NONCE", True)
        if checks_nonce and (not nonce or claims.get("nonce") != nonce):
            raise TokenRefused(
                "nonce_mismatch",
                "The ID token's nonce is not the one this sign-in sent (a replayed token?).",
            )
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            info = self.get_userinfo(access_token, id_token, payload)
            if info.get("sub") != payload["sub"]:
                raise TokenRefused(
                    "userinfo_mismatch", "The userinfo answer is for another subject."
                )
            claims = {**info, **payload}
            if settings.OIDC_GROUPS_CLAIM in info and settings.OIDC_GROUPS_CLAIM not in payload:
                claims[settings.OIDC_GROUPS_CLAIM] = info[settings.OIDC_GROUPS_CLAIM]
        subject = str(payload["sub"])
        user = sso.directory_user(
            source=SOURCE,
            subject=subject,
            username=str(
                claims.get(settings.OIDC_USERNAME_CLAIM) or claims.get("email") or subject
            ),
            email=str(claims.get("email") or ""),
        )
        groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
        groups = [groups] if isinstance(groups, str) else groups
        second_factor = sso.provider_did_second_factor(payload)
        sso.apply_directory_groups(
            request=self.request,
            user=user,
            source=SOURCE,
            subject=subject,
            groups=groups,
            badge=str(claims.get(settings.OIDC_BADGE_CLAIM) or ""),
            details={"second_factor": "provider" if second_factor else "local"},
        )
        user.provider_second_factor = second_factor
        return user

    def verify_claims(self, claims):
        return "sub" in claims


class DirectorySignInView(OIDCAuthenticationRequestView):
    """GET: off to the provider (with state, nonce and PKCE kept in the session), once the
    system-use notice is accepted (`accept_banner=on`, as the password form asks)."""

    def get(self, request):
        if not settings.OIDC_ENABLED:
            messages.info(request, "Single sign-on is not configured here.")
            return redirect("login")
        if request.GET.get("accept_banner") != "on":  # the system-use notice, as on the form
            messages.error(request, "Accept the system-use notice to sign in.")
            return redirect("login")
        return super().get(request)


class DirectoryCallbackView(OIDCAuthenticationCallbackView):
    """GET: the provider's answer. A state this session did not send (forged, or used once already)
    is refused and audited, as is every token the backend refuses."""

    def get(self, request):
        if not settings.OIDC_ENABLED:
            messages.info(request, "Single sign-on is not configured here.")
            return redirect("login")
        if request.GET.get("error"):
            sso.record_refusal(
                request=request,
                source=SOURCE,
                reason_code="provider_error",
                reason=f"The provider answered {request.GET.get('error')!r}: "
                f"{request.GET.get('error_description', '')}",
            )
        try:
            return super().get(request)
        except SuspiciousOperation as exc:
            sso.record_refusal(
                request=request, source=SOURCE, reason_code="unknown_state", reason=str(exc)
            )
            return self.login_failure()

    @property
    def failure_url(self):
        return resolve_url(settings.LOGIN_REDIRECT_URL_FAILURE)

    def login_failure(self):
        if not getattr(self.request, "sso_refusal_recorded", False):
            sso.record_refusal(
                request=self.request,
                source=SOURCE,
                reason_code="callback_refused",
                reason="The callback came without a sign-in this session started.",
            )
        messages.error(
            self.request,
            f"Sign-in with {settings.OIDC_PROVIDER_NAME} did not succeed; try again or ask your "
            "administrator.",
        )
        return super().login_failure()

    def login_success(self):
        response = super().login_success()
        if getattr(self.user, "provider_second_factor", False):
            sso.mark_verified_by_provider(request=self.request, user=self.user)
        return response
