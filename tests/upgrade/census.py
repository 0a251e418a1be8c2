"""What an upgrade must keep: every table's rows and every column's values, read from the catalogue
before and after `migrate`, and the differences that mean data was lost."""

from __future__ import annotations

from dataclasses import dataclass

# Tables whose rows the framework adds to on every migrate (a new model's content type and
# permissions, a migration's own row, the periodic jobs synced from missions_site/schedule.py):
# they may grow, never shrink; their existing rows are not fingerprinted.
GROWS_ON_MIGRATE = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "auth_group_permissions",
    "django_celery_beat_periodictask",
    "django_celery_beat_crontabschedule",
    "django_celery_beat_intervalschedule",
    "django_celery_beat_periodictasks",
}
EXTENSION_TABLES = {"spatial_ref_sys"}
# Append-only tables: the audit chain, to which the migrate's role sync adds the permission changes
# of new models. They may grow; their rows before the migrate (the first by id) must stay as they
# were, and verify_audit checks the chain goes on from them.
APPEND_ONLY = {"audit_auditevent"}
# Columns a migration drops on purpose, each with its reason: no value of any other column may go.
DROPPED_ON_PURPOSE = {
    # patrol 0006: a position's key is its (unit, at); the surrogate id it replaced named nothing
    # else (no table refers to a position) and cost the bulk insert a sequence and an index.
    ("patrol_position", "id"),
}


@dataclass(frozen=True)
class Census:
    rows: dict[str, int]
    columns: dict[tuple[str, str], tuple[int, str]]  # (non-null values, fingerprint of the values)


def take(conn, first_rows: dict[str, int] | None = None) -> Census:
    """The census of the database; with `first_rows` (the rows before), an append-only table's
    values are read from its first rows by id only, so what the migrate appended is left out."""
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        if name not in EXTENSION_TABLES
    ]
    rows, columns = {}, {}
    for table in sorted(tables):
        rows[table] = conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
        names = [
            name
            for (name,) in conn.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = 'public' AND table_name = %s",
                (table,),
            )
        ]
        source = f'"{table}"'
        if first_rows and table in APPEND_ONLY:
            source = f'(SELECT * FROM "{table}" ORDER BY id LIMIT {int(first_rows[table])}) AS kept'  # noqa: S608 (a catalogue table name)
        for column in names:
            columns[(table, column)] = conn.execute(
                f'SELECT COUNT("{column}"), md5(COALESCE(string_agg("{column}"::text, chr(31)'  # noqa: S608
                f" ORDER BY \"{column}\"::text), '')) FROM {source}"
            ).fetchone()
    return Census(rows=rows, columns=columns)


def losses(before: Census, after: Census) -> list[str]:
    """Each table or column of `before` that `after` dropped, shrank or changed, in words."""
    problems = []
    for table, count in sorted(before.rows.items()):
        now = after.rows.get(table)
        if now is None:
            problems.append(f"table {table} is gone ({count} rows)")
        elif now < count or (now != count and table not in GROWS_ON_MIGRATE | APPEND_ONLY):
            problems.append(f"table {table}: {count} rows before, {now} after")
    for (table, column), (values, digest) in sorted(before.columns.items()):
        if table in GROWS_ON_MIGRATE or table not in after.rows:
            continue
        now = after.columns.get((table, column))
        if now is None and (table, column) in DROPPED_ON_PURPOSE:
            continue
        if now is None:
            problems.append(f"column {table}.{column} is gone ({values} values)")
        elif now != (values, digest):
            problems.append(
                f"column {table}.{column}: its values changed ({values} before, {now[0]} after)"
            )
    return problems
