"""Run the test provider: migrate its SQLite file, register the client, serve on PROVIDER_PORT.

PROVIDER_DB=… PROVIDER_ISSUER=… PROVIDER_KEY_FILE=… PROVIDER_DIRECTORY=… PROVIDER_FORGE=…
PROVIDER_PORT=… python -m provider.serve      (with tests/sso on PYTHONPATH)
"""

import os

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "provider.settings"
django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.servers.basehttp import run  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from oauth2_provider.models import Application  # noqa: E402
from provider.directory import directory  # noqa: E402


def main():
    call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
    client = directory()["client"]
    Application.objects.update_or_create(
        client_id=client["id"],
        defaults={
            "name": "Missions under test",
            "client_secret": client["secret"],
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": client["redirect_uri"],
            "algorithm": Application.RS256_ALGORITHM,
            "skip_authorization": True,
        },
    )
    run("127.0.0.1", int(os.environ["PROVIDER_PORT"]), get_wsgi_application(), threading=True)


if __name__ == "__main__":
    main()
