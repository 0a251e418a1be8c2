"""Hooks into Django and django-axes: a lock is audited; logout revokes the session's API tokens;
a user set inactive loses every token at once; each sign-in starts the session clocks."""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import pre_save
from django.dispatch import receiver

from . import services
from .session_clock import start_session_clock


@receiver(user_locked_out)
def audit_lockout(sender, request, username, ip_address, **kwargs):
    services.record_lockout(request=request, username=username, ip_address=ip_address)


@receiver(user_logged_in)
def start_clock_at_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        start_session_clock(request.session)


@receiver(user_logged_out)
def revoke_tokens_at_logout(sender, request, user, **kwargs):
    if user is not None and request is not None:
        services.revoke_session_api_tokens(request=request, user=user)


@receiver(pre_save, sender=settings.AUTH_USER_MODEL)
def end_access_of_disabled_user(sender, instance, **kwargs):
    if instance.pk is None or instance.is_active:
        return
    was_active = sender.objects.filter(pk=instance.pk, is_active=True).exists()
    if was_active:
        services.end_all_access(user=instance)
