"""Requests a device may send twice (it was offline and retries): the first answer is stored under
the client's Idempotency-Key and given again, unchanged, for every repeat — the action runs once.
A repeat is the same endpoint with the same body; the key sent with anything else is a 422. How the
device delivered it is not part of the body compared: a request whose answer was lost and that the
device then resends from its offline queue (`queued`, `offline_since`, docs/adr/0026) is a repeat."""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from missions_site.api_errors import Problem

from .models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY_CHARS = 200
DELIVERY_FIELDS = ("queued", "offline_since")  # how the device sent it, not what it asks


def idempotent(view_method):
    """Wrap an APIView handler. Without the header the request runs as usual."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = (request.headers.get(HEADER) or "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > MAX_KEY_CHARS:
            raise Problem(
                f"{HEADER} may be at most {MAX_KEY_CHARS} characters.",
                status_code=400,
                code="idempotency_key_too_long",
            )
        digest = _digest(request.body)
        # A key older than its time is free again (the hourly task drops it too).
        IdempotentRequest.objects.filter(
            user=request.user, key=key, created_at__lt=timezone.now() - kept_for()
        ).delete()
        stored = _stored(request, key, digest)
        if stored is not None:
            return stored
        try:
            with transaction.atomic():
                # Claim the key first: a concurrent repeat waits on this row and then replays it.
                claim = IdempotentRequest.objects.create(
                    key=key,
                    user=request.user,
                    endpoint=request.path,
                    body_digest=digest,
                    status_code=0,
                    response={},
                )
                response = view_method(self, request, *args, **kwargs)
                if not 200 <= response.status_code < 300:
                    transaction.set_rollback(True)  # a refused request may be retried with its key
                    return response
                claim.status_code, claim.response = response.status_code, response.data
                claim.save(update_fields=["status_code", "response"])
                return response
        except IntegrityError:
            stored = _stored(request, key, digest)
            if stored is None:
                raise Problem(
                    "Repeat of a request in progress.",
                    status_code=409,
                    code="idempotency_key_in_use",
                ) from None
            return stored

    return wrapper


def kept_for() -> timedelta:
    """How long a key's answer is kept (settings.IDEMPOTENCY_KEYS_KEEP_HOURS, docs/api.md): a
    device offline longer than this resends as new."""
    return timedelta(hours=settings.IDEMPOTENCY_KEYS_KEEP_HOURS)


def forget_old_keys(*, now=None) -> int:
    """Drop stored answers older than kept_for(); run with the expiry task."""
    cutoff = (now or timezone.now()) - kept_for()
    return IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()[0]


def _stored(request, key: str, digest: str) -> Response | None:
    found = (
        IdempotentRequest.objects.filter(user=request.user, key=key).exclude(status_code=0).first()
    )
    if found is None:
        return None
    if found.endpoint != request.path:
        raise Problem(
            f"This {HEADER} was already used for another request ({found.endpoint}).",
            status_code=422,
            code="idempotency_key_reused",
        )
    # Rows stored before digests: no check; before delivery fields were left out: the raw body's.
    raw = hashlib.sha256(request.body).hexdigest()
    if found.body_digest and found.body_digest not in (digest, raw):
        raise Problem(
            f"This {HEADER} was already used with a different body: send a new key"
            " for a new request, the same body to repeat one.",
            status_code=422,
            code="idempotency_key_reused",
        )
    response = Response(found.response, status=found.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def _digest(body: bytes) -> str:
    """The body's digest, its delivery fields left out (a JSON object's, keys sorted)."""
    try:
        data = json.loads(body)
    except (
        ValueError,
        RecursionError,
    ):  # not JSON, or nested past the decoder (the parser says so)
        data = None
    if not isinstance(data, dict):
        return hashlib.sha256(body).hexdigest()
    asked = {k: v for k, v in data.items() if k not in DELIVERY_FIELDS}
    return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()
