"""Watched folders: each new file in a source's folder is imported, then moved to imported/ or
failed/ beside it, so a file is imported once whatever happens to the run."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from ..models import ImportRun, Source
from ..readers import CSV_SUFFIXES, GEOJSON_SUFFIXES
from .imports import import_incidents_file

logger = logging.getLogger(__name__)
IMPORTABLE = (*CSV_SUFFIXES, *GEOJSON_SUFFIXES, ".zip")
DONE_DIR, FAILED_DIR = "imported", "failed"


def scan_watched_folders() -> list[ImportRun]:
    runs = []
    for source in Source.objects.exclude(watch_folder=""):
        folder = Path(source.watch_folder)
        if not folder.is_dir():
            logger.warning("Source %s: watched folder %s does not exist.", source.name, folder)
            continue
        for path in sorted(
            p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(IMPORTABLE)
        ):
            run = import_incidents_file(path=path, source=source, via=ImportRun.Via.FOLDER)
            target = folder / (DONE_DIR if run.status == ImportRun.Status.SUCCEEDED else FAILED_DIR)
            target.mkdir(exist_ok=True)
            shutil.move(str(path), target / path.name)
            runs.append(run)
    return runs
