"""Uploaded files of the upload page: stored under MEDIA_ROOT/ingest/uploads/<uuid>/, named by an
opaque token so that a preview and the import that follows use the same file; checked (size, what
they unpack to, content) before any row is read."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.utils.text import get_valid_filename

from ..mapping import Mapping
from ..readers import FileFormatError, detect_format
from ..sniffing import check_content, check_size

UPLOAD_DIR = "ingest/uploads"
_TOKEN = re.compile(r"^[0-9a-f]{32}/[\w.\- ]{1,200}$")


class UploadError(ValueError):
    """An upload token that names no stored file, or a stored file refused by the checks."""


def store_upload(*, uploaded) -> str:
    """Save an uploaded file; returns its token."""
    name = get_valid_filename(Path(uploaded.name).name)[:200] or "upload.csv"
    token = f"{uuid.uuid4().hex}/{name}"
    path = upload_path(token, must_exist=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        for chunk in uploaded.chunks():
            fh.write(chunk)
    return token


def upload_root() -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOAD_DIR


def upload_path(token: str, *, must_exist: bool = True) -> Path:
    if not _TOKEN.match(token or ""):
        raise UploadError("Unknown upload; choose the file again.")
    path = upload_root() / token
    if must_exist and not path.is_file():
        raise UploadError("The uploaded file is gone; choose it again.")
    return path


def check_upload(token: str, *, mapping: Mapping) -> None:
    """Refuse, and delete, an upload too large, unpacking past the limit or not of its format."""
    path = upload_path(token)
    try:
        check_size(path, max_bytes=settings.UPLOAD_MAX_BYTES)
        fmt = detect_format(path, mapping.format)
        check_content(
            path, fmt, max_unpacked=settings.UPLOAD_MAX_UNPACKED_BYTES, encoding=mapping.encoding
        )
    except FileFormatError as exc:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise UploadError(str(exc)) from exc
