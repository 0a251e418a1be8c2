"""Deletion of uploaded files past UPLOAD_RETENTION_DAYS: the file goes, the import run's outcome,
counts and rejected rows stay (the run page says the file was removed). Files previewed but never
imported go too."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from audit.actions import Action
from audit.services import record

from ..models import ImportRun
from .uploads import upload_root


@dataclass(frozen=True)
class UploadPurge:
    retention_days: int
    imported: int  # files of finished import runs removed
    abandoned: int  # uploads never imported (a preview left) removed


def purge_expired_uploads(*, now: datetime | None = None) -> UploadPurge:
    now = now or timezone.now()
    days = settings.UPLOAD_RETENTION_DAYS
    cutoff = now - timedelta(days=days)
    root = upload_root()
    expired = ImportRun.objects.filter(
        via=ImportRun.Via.UPLOAD, file_removed_at__isnull=True, job__finished_at__lt=cutoff
    ).exclude(file_path="")
    imported = 0
    for run_id, file_path in expired.values_list("pk", "file_path"):
        _remove_upload_folder(Path(file_path).parent, root)
        imported += ImportRun.objects.filter(pk=run_id).update(file_removed_at=now)
    abandoned = _remove_abandoned(root, cutoff)
    result = UploadPurge(retention_days=days, imported=imported, abandoned=abandoned)
    if imported or abandoned:
        record(
            action=Action.INGEST_UPLOADS_PURGED,
            object_type="ingest.importrun",
            after={"retention_days": days, "imported": imported, "abandoned": abandoned},
        )
    return result


def _remove_abandoned(root: Path, cutoff: datetime) -> int:
    """Upload folders older than the cutoff that no import run still points at."""
    if not root.is_dir():
        return 0
    in_use = {
        str(Path(p).parent)
        for p in ImportRun.objects.filter(file_removed_at__isnull=True)
        .exclude(file_path="")
        .values_list("file_path", flat=True)
    }
    removed = 0
    for folder in root.iterdir():
        modified = datetime.fromtimestamp(folder.stat().st_mtime, tz=cutoff.tzinfo)
        if folder.is_dir() and modified < cutoff and str(folder) not in in_use:
            removed += _remove_upload_folder(folder, root)
    return removed


def _remove_upload_folder(folder: Path, root: Path) -> bool:
    """Delete one upload's folder; never anything outside the upload root."""
    folder = folder.resolve()
    if folder.parent != root.resolve() or not folder.is_dir():
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True
