"""The Idempotency-Key contract for an endpoint whose action is already idempotent by content (the
AVL push stores a fix once per unit and time), kept in the shared cache rather than a table: the
first 2xx answer is given again, marked `Idempotent-Replayed: true`, for the same user, endpoint
and key within IDEMPOTENCY_KEYS_KEEP_HOURS; the same key with another body is a 422 problem
(docs/api.md). The officer's mission actions keep theirs in a table (missions.idempotency), since
their answers must survive a cache flush."""

import functools
import hashlib

from django.conf import settings
from django.core.cache import cache
from rest_framework.response import Response

from .api_errors import Problem

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_CHARS = 200


def idempotent_in_cache(view_method):
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
        digest = hashlib.sha256(request.body).hexdigest()
        scope = hashlib.sha256(f"{request.user.pk}\0{request.path}\0{key}".encode()).hexdigest()
        cache_key = f"idempotency:{scope}"
        found = cache.get(cache_key)
        if found is not None:
            if found["digest"] != digest:
                raise Problem(
                    f"This {HEADER} was already used with a different body: send a new key for a"
                    " new request, the same body to repeat one.",
                    status_code=422,
                    code="idempotency_key_reused",
                )
            return Response(
                found["data"], status=found["status"], headers={REPLAYED_HEADER: "true"}
            )
        response = view_method(self, request, *args, **kwargs)
        if 200 <= response.status_code < 300:
            cache.set(
                cache_key,
                {"digest": digest, "status": response.status_code, "data": response.data},
                timeout=settings.IDEMPOTENCY_KEYS_KEEP_HOURS * 3600,
            )
        return response

    return wrapper
