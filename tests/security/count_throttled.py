"""Run as its own Django process: send N requests from one address through a throttle of the
sign-in page or the token endpoint and print how many it let through (tests/security/test_shared_throttles.py).

    python -m tests.security.count_throttled login 20 10.0.0.9 [START_AT]

START_AT (seconds since 1970): wait until then after Django is set up, so that two processes send
their requests at the same moment whatever each took to start.
"""

import sys
import time

import django


def main(scope: str, requests: int, address: str, start_at: float = 0.0) -> int:
    django.setup()
    from django.test import RequestFactory
    from rest_framework.request import Request

    from accounts.throttles import LoginRateThrottle, TokenRateThrottle

    throttle_class = {"login": LoginRateThrottle, "api-token": TokenRateThrottle}[scope]
    factory = RequestFactory(REMOTE_ADDR=address)
    allowed = 0
    time.sleep(max(0.0, start_at - time.time()))
    for _ in range(requests):
        request = Request(factory.post("/"))
        allowed += throttle_class().allow_request(request, None)
    return allowed


if __name__ == "__main__":
    print(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], *map(float, sys.argv[4:5])))
