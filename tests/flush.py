"""Empty the test database between transactional tests without Django's TRUNCATE of every table.

Django flushes with one TRUNCATE of all tables (80 and more): each gets new files, which costs
seconds a test on a busy machine although most tables are empty. Here every table is locked (as
TRUNCATE locks it: a request the live server is still serving waits, or is waited for) and emptied
with DELETE in one transaction, every foreign key Django makes on PostgreSQL deferred to the commit;
a DELETE of an empty table costs next to nothing. The append-only audit table refuses row deletes,
so it is truncated (settings/test.py lets the test sessions do that). The post-migrate signal still
runs after, as after Django's flush. Other databases (SpatiaLite runs) keep Django's flush.
"""

from django.core.management.commands import flush
from django.core.management.sql import sql_flush as django_sql_flush

from audit.database import TABLE as AUDIT_TABLE


def sql_flush_by_delete(style, connection, reset_sequences=True, allow_cascade=False):
    if connection.vendor != "postgresql" or reset_sequences:
        return django_sql_flush(
            style, connection, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
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


def pytest_configure(config):
    flush.sql_flush = sql_flush_by_delete
