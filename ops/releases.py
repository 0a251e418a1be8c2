"""Releases: which of the project's migrations are one-way. Django reverses a data step whose
reverse is RunPython.noop / RunSQL.noop by doing nothing, so migrating back leaves data in the new
form for old code; an operation without any reverse cannot be migrated back at all. Both kinds are
listed in docs/deploy.md ("Migrations that cannot be undone"); a test keeps the list complete."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import migrations
from django.db.migrations.loader import MigrationLoader


def project_apps() -> set[str]:
    root = Path(settings.BASE_DIR).resolve()
    return {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(root)
        and ".venv" not in Path(config.path).resolve().relative_to(root).parts
    }


def one_way_operations(migration) -> list[str]:
    """The operations of `migration` that migrating back does not undo, as 'Kind name'."""
    found = []
    for operation in migration.operations:
        if isinstance(operation, migrations.RunPython):
            if (
                operation.reverse_code is None
                or operation.reverse_code is migrations.RunPython.noop
            ):
                found.append(f"RunPython {operation.code.__name__}")
        elif isinstance(operation, migrations.RunSQL):
            if operation.reverse_sql in (None, "", migrations.RunSQL.noop):
                found.append("RunSQL")
        elif not operation.reversible:
            found.append(type(operation).__name__)
    return found


def one_way_migrations() -> dict[str, list[str]]:
    """'app.name' → its one-way operations, for every migration of the project's own apps."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = project_apps()
    return {
        f"{app}.{name}": found
        for (app, name), migration in sorted(loader.disk_migrations.items())
        if app in ours and (found := one_way_operations(migration))
    }
