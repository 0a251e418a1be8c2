"""Empty the test database between transactional tests without Django's TRUNCATE of every table.

Django flushes with one TRUNCATE of all tables (80 and more): each gets new files, which costs
seconds a test on a busy machine although most tables are empty. Here every table is locked (as
TRUNCATE locks it: a request the live server is still serving waits, or is waited for) and emptied
with DELETE in one transaction, every foreign key Django makes on PostgreSQL deferred to the commit;
a DELETE of an empty table costs next to nothing. The append-only audit table refuses row deletes,
so it is truncated (settings/test.py lets the test sessions do that). The post-migrate signal still
runs after, as after Django's flush, but once a process: it writes the same rows every time
(content types, permissions, the role groups, the beat schedule: some 500 queries, half a second a
test on a busy machine), so those rows are copied aside then (schema flush_kept) and each later
flush puts them back in its own transaction, under its locks. Other databases (SpatiaLite runs) and
flushes that reset sequences keep Django's flush.
"""

from django.core.management.base import CommandError
from django.core.management.commands import flush
from django.core.management.sql import emit_post_migrate_signal
from django.core.management.sql import sql_flush as django_sql_flush
from django.db import connections, transaction
from psycopg import errors

from audit.database import TABLE as AUDIT_TABLE

KEPT = "flush_kept"
FLUSH_ATTEMPTS = 3  # a deadlock victim is flushed again (handle_retrying_deadlocks)
# Per database alias: whether its last flush emptied it by DELETE. Per database name: the tables
# the post-migrate signal filled, with their columns (copied aside in KEPT).
_emptied_by_delete: dict[str, bool] = {}
_kept: dict[str, list[tuple[str, list[str]]]] = {}


def sql_flush_by_delete(style, connection, reset_sequences=True, allow_cascade=False):
    by_delete = connection.vendor == "postgresql" and not reset_sequences
    _emptied_by_delete[connection.alias] = by_delete
    if not by_delete:
        return django_sql_flush(
            style, connection, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    quote = connection.ops.quote_name
    restore = []
    for table, columns in _kept.get(connection.settings_dict["NAME"], []):
        names = ", ".join(quote(column) for column in columns)
        restore.append(
            f"INSERT INTO {quote(table)} ({names}) SELECT {names} FROM {KEPT}.{quote(table)}"  # noqa: S608
        )
    return [*emptying(connection), *restore]


def emptying(connection) -> list[str]:
    # Table names come from Django's introspection of its own models, quoted.
    quote = connection.ops.quote_name
    tables = sorted(
        connection.introspection.django_table_names(only_existing=True, include_views=False)
    )
    return [
        "SET CONSTRAINTS ALL DEFERRED",
        f"LOCK TABLE {', '.join(quote(table) for table in tables)} IN ACCESS EXCLUSIVE MODE",
        *(
            f"TRUNCATE {quote(table)}" if table == AUDIT_TABLE else f"DELETE FROM {quote(table)}"  # noqa: S608
            for table in tables
        ),
    ]


def post_migrate_once(verbosity, interactive, db, **kwargs):
    """The post-migrate signal after a flush by DELETE, the first time: emptied again, signalled
    and copied aside in one transaction under the locks, so no request of the live server that
    was still under way adds its rows to the copy. Later flushes put the copy back themselves."""
    from django.contrib.contenttypes.models import ContentType

    connection = connections[db]
    name = connection.settings_dict["NAME"]
    if not _emptied_by_delete.get(db):
        emit_post_migrate_signal(verbosity, interactive, db, **kwargs)
    elif name not in _kept:
        quote = connection.ops.quote_name
        with transaction.atomic(using=db), connection.cursor() as cursor:
            for statement in emptying(connection):
                cursor.execute(statement)
            emit_post_migrate_signal(verbosity, interactive, db, **kwargs)
            cursor.execute(f"DROP SCHEMA IF EXISTS {KEPT} CASCADE")
            cursor.execute(f"CREATE SCHEMA {KEPT}")
            kept = []
            for table in connection.introspection.django_table_names(
                only_existing=True, include_views=False
            ):
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {quote(table)})")  # noqa: S608
                if cursor.fetchone()[0]:
                    cursor.execute(f"CREATE TABLE {KEPT}.{quote(table)} AS TABLE {quote(table)}")
                    description = connection.introspection.get_table_description(cursor, table)
                    kept.append((table, [column.name for column in description]))
        _kept[name] = kept
    ContentType.objects.clear_cache()  # as the signal's create_contenttypes does


_django_flush_handle = flush.Command.handle


def handle_retrying_deadlocks(self, **options):
    """Django's flush, again when PostgreSQL chose it as the victim of a deadlock: a request the
    live server was still serving can hold a row lock and ask for a table the flush has locked."""
    for attempt in range(FLUSH_ATTEMPTS):
        try:
            return _django_flush_handle(self, **options)
        except CommandError as error:
            if attempt == FLUSH_ATTEMPTS - 1 or not _caused_by_deadlock(error):
                raise


def _caused_by_deadlock(error: BaseException) -> bool:
    """psycopg's DeadlockDetected anywhere in the chain (Django wraps it, the command again)."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, errors.DeadlockDetected):
            return True
        cause = cause.__cause__
    return False


def pytest_configure(config):
    flush.sql_flush = sql_flush_by_delete
    flush.emit_post_migrate_signal = post_migrate_once
    flush.Command.handle = handle_retrying_deadlocks
