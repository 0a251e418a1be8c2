"""One migrated template database per test run, copied for each pytest-xdist worker.

pytest-django migrates a fresh database in every worker: the same minute of migrations once per
process, all at once on the same cores. Here the first worker to get the lock migrates a template
(`test_<name>_template`) and every worker then makes its own database as a copy of it
(PostgreSQL's CREATE DATABASE … TEMPLATE, about a second). `--reuse-db`, runs without xdist and
other databases keep pytest-django's own setup.
"""

import fcntl
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    worker = getattr(request.config, "workerinput", None)
    if (
        worker is None
        or (django_db_keepdb and not django_db_createdb)
        or (connection.vendor != "postgresql")
    ):
        with django_db_blocker.unblock():
            config = setup_databases(
                verbosity=0,
                interactive=False,
                serialized_aliases=set(),  # no test asks for a serialized rollback
                keepdb=django_db_keepdb and not django_db_createdb,
            )
        yield
        if not django_db_keepdb:
            with django_db_blocker.unblock():
                teardown_databases(config, verbosity=0)
        return

    with django_db_blocker.unblock():
        original_name = connection.settings_dict["NAME"]
        own_name = connection.creation._get_test_db_name()  # test_<name>_gwN
        template = own_name.rsplit("_gw", 1)[0] + "_template"
        with _locked(template) as built_by:
            if built_by.read_text() != worker["testrunuid"]:
                connection.settings_dict["TEST"]["NAME"] = template
                connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
                connection.settings_dict["TEST"]["NAME"] = own_name
                connection.close()  # a template is copied only while nobody is connected to it
                built_by.write_text(worker["testrunuid"])
            quote = connection.ops.quote_name
            with connection._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(own_name)}")
                cursor.execute(f"CREATE DATABASE {quote(own_name)} TEMPLATE {quote(template)}")
        from django.conf import settings

        connection.close()
        settings.DATABASES[connection.alias]["NAME"] = own_name
        connection.settings_dict["NAME"] = own_name
        connection.ensure_connection()
    yield
    with django_db_blocker.unblock():
        connection.creation.destroy_test_db(original_name, verbosity=0)


@contextmanager
def _locked(template: str):
    """An exclusive lock between this run's workers; yields the file that names the run which
    last built the template."""
    path = Path(tempfile.gettempdir()) / f"missions-{template}.built-by"
    with path.open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
