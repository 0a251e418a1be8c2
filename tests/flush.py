"""Empty the test database between transactional tests by deleting only the rows there are.

Django flushes with one TRUNCATE of every table (80 and more): each gets new files, which costs
seconds a test on a busy machine although most tables are empty. Here one query finds the tables
holding rows and those are emptied with DELETE in one transaction (every foreign key Django makes
on PostgreSQL is deferred to the commit); the audit table refuses row deletes, so it is truncated
(settings/test.py lets the test sessions do that). The post-migrate signal still runs after, as
after Django's flush. Other databases (SpatiaLite runs) keep Django's flush.
"""

from django.core.management.commands import flush
from django.core.management.sql import sql_flush as django_sql_flush

from audit.database import TABLE as AUDIT_TABLE


def sql_flush_rows(style, connection, reset_sequences=True, allow_cascade=False):
    if connection.vendor != "postgresql" or reset_sequences:
        return django_sql_flush(
            style, connection, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    # Table names come from Django's introspection of its own models, quoted.
    quote = connection.ops.quote_name
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT %s WHERE EXISTS (SELECT FROM {quote(table)})"  # noqa: S608
                for table in tables
            ),
            tables,
        )
        holding_rows = [table for (table,) in cursor.fetchall()]
    # Never empty: Django runs the post-migrate signal only after a non-empty flush.
    return ["SET CONSTRAINTS ALL DEFERRED"] + [
        f"TRUNCATE {quote(table)}" if table == AUDIT_TABLE else f"DELETE FROM {quote(table)}"  # noqa: S608
        for table in holding_rows
    ]


def pytest_configure(config):
    flush.sql_flush = sql_flush_rows
