"""Backups that restore: the database (pg_dump custom format for PostGIS, a page-by-page copy of the
SpatiaLite file for the demo), the media folder (uploads), and a manifest with every table's row
count and the audit chain's head, taken from the same snapshot as the dump. `restore` loads a backup
into a new, empty database and compares it with the manifest (docs/deploy.md, "Backups").

Model artifacts are rows of forecasting.ModelArtifact (docs/adr/0016), so the dump carries them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

import missions_site
from audit.models import AuditEvent

MANIFEST = "manifest.json"
PG_DUMP_FILE = "database.dump"
SQLITE_FILE = "missions.sqlite3"
MEDIA_DIR = "media"
# Tables that belong to PostGIS itself (its extension recreates them), never counted.
EXTENSION_TABLES = {"spatial_ref_sys"}
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says what and where."""


@dataclass
class Comparison:
    """What a restored database holds against its backup's manifest."""

    mismatched: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    audit_problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.mismatched and not self.audit_problem

    def describe(self) -> str:
        lines = [
            f"table {name}: {expected} rows in the manifest, "
            + ("table missing" if found is None else f"{found} restored")
            for name, (expected, found) in sorted(self.mismatched.items())
        ]
        if self.audit_problem:
            lines.append(self.audit_problem)
        return "; ".join(lines)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def table_names() -> list[str]:
    """Every table the backup must carry: all of PostgreSQL's public schema but PostGIS's own; on
    SpatiaLite, the tables of Django's models (the file also holds SpatiaLite's metadata tables)."""
    with connection.cursor() as cursor:
        if is_postgres():
            names = set(connection.introspection.table_names(cursor)) - EXTENSION_TABLES
        else:
            names = set(connection.introspection.django_table_names(only_existing=True))
            names.add("django_migrations")
    return sorted(names)


def row_counts(names: list[str] | None = None) -> dict[str, int]:
    qn = connection.ops.quote_name
    counts = {}
    with connection.cursor() as cursor:
        for name in names if names is not None else table_names():
            cursor.execute(f"SELECT COUNT(*) FROM {qn(name)}")  # noqa: S608 - names from the catalogue
            counts[name] = cursor.fetchone()[0]
    return counts


def audit_head() -> dict:
    last = AuditEvent.objects.order_by("-pk").values("pk", "hash").first()
    return {
        "events": AuditEvent.objects.count(),
        "head_id": last["pk"] if last else None,
        "head_hash": last["hash"] if last else "",
    }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore from the default database's settings."""
    db = settings.DATABASES["default"]
    args = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(
            f"{what} failed (exit {result.returncode}): {result.stderr.strip()[-2000:]}"
        )


def backup(destination: Path, *, exclude_table_data: tuple[str, ...] = ()) -> dict:
    """Write a backup into `destination` (a new folder); return its manifest."""
    destination = Path(destination)
    if destination.exists() and any(destination.iterdir()):
        raise BackupError(f"{destination} is not empty: a backup goes into a new folder")
    destination.mkdir(parents=True, exist_ok=True)
    if is_postgres():
        manifest = _backup_postgres(destination, exclude_table_data)
    else:
        if exclude_table_data:
            raise BackupError("--exclude-table-data is for PostgreSQL only")
        manifest = _backup_sqlite(destination)
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir():
        shutil.copytree(media, destination / MEDIA_DIR)
    manifest["files"] = {
        str(path.relative_to(destination)): {
            "bytes": path.stat().st_size,
            "sha256": sha256_file(path),
        }
        for path in sorted(destination.rglob("*"))
        if path.is_file()
    }
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def _manifest_head(engine: str) -> dict:
    return {
        "format": 1,
        "version": missions_site.__version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": engine,
    }


def _backup_postgres(destination: Path, exclude_table_data: tuple[str, ...]) -> dict:
    """Counts, audit head and dump from one snapshot: a repeatable-read transaction exports its
    snapshot and pg_dump reads through it, so writes meanwhile are in neither or in both."""
    args, env = _pg_env()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        manifest = _manifest_head("postgis")
        manifest["tables"] = row_counts()
        manifest["audit"] = audit_head()
        manifest["excluded_table_data"] = sorted(exclude_table_data)
        command = ["pg_dump", *args, "--format=custom", "--snapshot", snapshot]
        command += [f"--exclude-table-data={name}" for name in exclude_table_data]
        command += ["--file", str(destination / PG_DUMP_FILE)]
        _run(command, env, "pg_dump")
    return manifest


def _backup_sqlite(destination: Path) -> dict:
    """SQLite's online backup copies the file page by page under a read lock: a consistent copy
    while the demo runs. Counts are read from the copy."""
    source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    target = sqlite3.connect(destination / SQLITE_FILE)
    try:
        source.backup(target)
    finally:
        source.close()
    try:
        names = table_names()
        counts = {}
        for name in names:
            quoted = name.replace('"', '""')
            counts[name] = target.execute(f'SELECT COUNT(*) FROM "{quoted}"').fetchone()[0]  # noqa: S608
        row = target.execute(
            "SELECT id, hash FROM audit_auditevent ORDER BY id DESC LIMIT 1"
        ).fetchone()
        events = target.execute("SELECT COUNT(*) FROM audit_auditevent").fetchone()[0]
    finally:
        target.close()
    manifest = _manifest_head("spatialite")
    manifest["tables"] = counts
    manifest["audit"] = {
        "events": events,
        "head_id": row[0] if row else None,
        "head_hash": row[1] if row else "",
    }
    manifest["excluded_table_data"] = []
    return manifest


def read_manifest(source: Path) -> dict:
    path = Path(source) / MANIFEST
    if not path.exists():
        raise BackupError(f"{path} is missing: not a backup made by `manage.py backup`")
    manifest = json.loads(path.read_text())
    for name, expected in manifest["files"].items():
        file = Path(source) / name
        if not file.exists():
            raise BackupError(f"{file} is listed in the manifest but missing")
        if sha256_file(file) != expected["sha256"]:
            raise BackupError(f"{file} does not match its SHA-256 in the manifest")
    return manifest


def restore(source: Path, *, privileges: bool = True) -> Comparison:
    """Load the backup in `source` into the configured database, which must be new and empty,
    copy its media back, and compare the result with the manifest."""
    source = Path(source)
    manifest = read_manifest(source)
    engine = "postgis" if is_postgres() else "spatialite"
    if manifest["engine"] != engine:
        raise BackupError(f"the backup is of {manifest['engine']}; this database is {engine}")
    if is_postgres():
        if table_names():
            raise BackupError(
                f"database {settings.DATABASES['default']['NAME']} already has tables:"
                " restore into a new, empty database"
            )
        args, env = _pg_env()
        command = ["pg_restore", *args, "--no-owner", "--single-transaction", "--exit-on-error"]
        if not privileges:
            command.append("--no-privileges")
        _run([*command, str(source / PG_DUMP_FILE)], env, "pg_restore")
    else:
        target = Path(settings.DATABASES["default"]["NAME"])
        if target.exists() and target.stat().st_size > 0:
            raise BackupError(f"{target} exists: restore into a new database file")
        connection.close()
        shutil.copyfile(source / SQLITE_FILE, target)
    if (source / MEDIA_DIR).is_dir():
        shutil.copytree(source / MEDIA_DIR, settings.MEDIA_ROOT, dirs_exist_ok=True)
    connection.close()  # the next query sees the restored tables
    return compare(manifest)


def compare(manifest: dict) -> Comparison:
    """Row counts per table and the audit head of the configured database against a manifest."""
    present = set(table_names())
    expected = manifest["tables"]
    found = row_counts(sorted(present & set(expected)))
    result = Comparison()
    for name, count in expected.items():
        if found.get(name) != count:
            result.mismatched[name] = (count, found.get(name))
    head = audit_head()
    if head["head_hash"] != manifest["audit"]["head_hash"]:
        result.audit_problem = (
            f"audit head is {head['head_hash'] or '(empty)'}, the manifest says"
            f" {manifest['audit']['head_hash'] or '(empty)'}"
        )
    return result
