"""Token API: exchange username + password (+ second factor) for an expiring token; list and revoke
one's tokens; log out (revokes the token used). The password check goes through django-axes."""

from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.auth import TokenAuthentication
from knox.models import AuthToken
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from missions_site.access import RouteMatrix
from missions_site.api_errors import Problem

from . import services
from .policy import has_authenticator, second_factor_required
from .selectors import tokens_of
from .throttles import TokenRateThrottle


class TokenCredentialsSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp_token = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="TOTP or recovery code; required when the user has a second factor.",
    )


class TokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuthToken
        fields = ["token_key", "created", "expiry"]


class IssuedTokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField()


class ObtainTokenView(APIView):
    authentication_classes = []
    permission_classes = [RouteMatrix]
    throttle_classes = [TokenRateThrottle]

    @extend_schema(
        summary="Get an API token (expires; second factor when required)",
        description=(
            "Exchange a username and password for a token to send as `Authorization: Token <token>`"
            " on every other call. The token is shown once: keep it; it expires at `expiry`"
            " (API_TOKEN_TTL_HOURS after issue, 12 hours unless the agency set another time) and is"
            " not renewed by use, so ask for a new one before then. A user whose role needs a second"
            " factor sends the current code of their authenticator app (or a recovery code) as"
            " `otp_token`: without one the answer is 400 `second_factor_invalid`, and 403"
            " `second_factor_not_enrolled` if they have none enrolled yet (enrol on the web first)."
            " Wrong credentials are 400 `bad_credentials`; repeated failures lock the account out"
            " (429 `locked_out`) and requests are limited per address (429 `throttled`)."
            " Unattended feeds use a feed credential an administrator issues, not this."
        ),
        request=TokenCredentialsSerializer,
        responses={
            200: IssuedTokenSerializer,
            429: OpenApiResponse(description="Too many attempts from this address; wait."),
        },
    )
    def post(self, request):
        data = TokenCredentialsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        django_request = request._request  # django-axes counts failures on the Django request
        user = authenticate(
            django_request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            raise Problem(
                "Unable to sign in with these credentials.",
                status_code=status.HTTP_400_BAD_REQUEST,
                code="bad_credentials",
            )
        if second_factor_required(user):
            if not has_authenticator(user):
                raise Problem(
                    "Enrol a second factor on the web first (/accounts/mfa/enrol/).",
                    status_code=status.HTTP_403_FORBIDDEN,
                    code="second_factor_not_enrolled",
                )
            device = services.verify_second_factor(
                request=django_request, user=user, token=data.validated_data.get("otp_token", "")
            )
            if device is None:
                raise Problem(
                    "A valid second-factor code (otp_token) is required.",
                    status_code=status.HTTP_400_BAD_REQUEST,
                    code="second_factor_invalid",
                    errors=[
                        {
                            "field": "otp_token",
                            "row": None,
                            "reason": "A valid code is required.",
                            "code": "invalid",
                        }
                    ],
                )
        update_last_login(None, user)  # token use counts as use (the dormant-account job reads it)
        instance, token = services.issue_api_token(request=django_request, user=user)
        return Response({"token": token, "expiry": instance.expiry})


class TokenListView(APIView):
    permission_classes = [RouteMatrix]

    @extend_schema(
        summary="My API tokens (unexpired)",
        description=(
            "The signed-in user's tokens that have not expired, each by its `token_key` (the first"
            " characters of the token, never the token itself), when it was issued and when it"
            " expires. Use a `token_key` to revoke a token you no longer hold."
        ),
        responses={200: TokenSerializer(many=True)},
    )
    def get(self, request):
        return Response(TokenSerializer(tokens_of(request.user), many=True).data)


class TokenRevokeView(APIView):
    permission_classes = [RouteMatrix]

    @extend_schema(
        summary="Revoke one of my API tokens",
        description=(
            "Revoke one of your own tokens by its `token_key` (from the token list), e.g. one left"
            " on a lost device; it stops working at once. 404 when you have no such token (another"
            " user's tokens cannot be named here). The revocation is audited."
        ),
        responses={204: None},
    )
    def delete(self, request, token_key):
        revoked = services.revoke_api_tokens(
            tokens=AuthToken.objects.filter(user=request.user, token_key=token_key).select_related(
                "user"
            ),
            actor=request.user,
            request=request._request,
            reason_code="revoked_by_user",
        )
        if not revoked:
            raise NotFound("You have no such token.")
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenLogoutView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [RouteMatrix]

    @extend_schema(
        summary="Log out: revoke the token used for this request",
        description=(
            "Revoke the token this request is authenticated with (send no body); your other tokens"
            " are kept. Call it when a device signs out, so the token cannot be used again."
        ),
        request=None,
        responses={204: None},
    )
    def post(self, request):
        services.revoke_api_tokens(
            tokens=[request.auth],
            actor=request.user,
            request=request._request,
            reason_code="logout",
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
