import pytest
from django.test import Client
pytestmark = pytest.mark.django_db

def test_probe(settings):
    c = Client(raise_request_exception=True)
    r = c.get("/accounts/login/", HTTP_HOST="evil.example")
    print("badhost", r.status_code, r.get("Content-Type"))
    r = c.post("/api/v1/auth/token/", data="["*1000, content_type="application/json")
    print("nested", r.status_code, r.content[:200])
    r = c.post("/api/v1/auth/token/", data=b'{"a":"' + b"x"*3_000_000 + b'"}', content_type="application/json")
    print("big", r.status_code, r.get("Content-Type"), r.content[:100])
