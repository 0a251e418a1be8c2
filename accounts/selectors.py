"""Reads shared by the tokens page and the tokens API."""

from django.utils import timezone
from knox.models import AuthToken


def tokens_of(user):
    """The user's unexpired API tokens, newest first (expired ones are refused and cleaned by knox)."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")
