from django.contrib.auth import views as auth_views
from django.urls import path

from missions_site import access

from . import oidc, views

urlpatterns = [
    path("login/", access.page(views.LoginView.as_view()), name="login"),
    path("logout/", access.page(auth_views.LogoutView.as_view()), name="logout"),
    path("mfa/verify/", views.verify, name="mfa-verify"),
    path("mfa/enrol/", views.enrol, name="mfa-enrol"),
    path("mfa/enrol/qr.svg", views.enrolment_qr, name="mfa-qr"),
    path("mfa/recovery-codes/", views.new_recovery_codes, name="mfa-recovery-codes"),
    path("tokens/", views.tokens, name="account-tokens"),
    # Single sign-on by OpenID Connect (off unless OIDC_ENABLED; ADR 0029)
    path("oidc/start/", access.page(oidc.DirectorySignInView.as_view()), name="oidc-login"),
    path("oidc/callback/", access.page(oidc.DirectoryCallbackView.as_view()), name="oidc-callback"),
]
