"""On PostgreSQL: the append-only trigger, the purge function and the revoked rights (audit.database)."""

from django.db import migrations

from audit import database


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(database.INSTALL, None)
        schema_editor.execute(database.REVOKE_WRITES, None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(database.UNINSTALL, None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
