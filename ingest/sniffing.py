"""Check a file before any row of it is read: its size, what it unpacks to, and that its bytes are
what its format says (CSV text, GeoJSON, a zip holding a Shapefile), so that a renamed image or a
zip bomb is refused with a message naming the file and the problem.

Pure Python: the limits are passed in by the caller (the ingest services read them from settings).
"""

from __future__ import annotations

import codecs
import gzip
import zipfile
import zlib
from pathlib import Path

from charset_normalizer import from_bytes

from .readers import SNIFF_BYTES, FileFormatError

READ_BLOCK = 1 << 20
# Leading bytes of formats people upload by mistake, so the refusal can say what the file is.
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx or Word file is one too)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office file (.xls or .doc)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program (ELF)"),
    (b"MZ\x90\x00", "a Windows program"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf")


class FileTooLarge(FileFormatError):
    """A file, or what it unpacks to, past the configured limit."""


def check_size(path: str | Path, *, max_bytes: int) -> None:
    path = Path(path)
    size = path.stat().st_size
    if size > max_bytes:
        raise FileTooLarge(
            f"{path.name}: the file is {megabytes(size)}; files of at most {megabytes(max_bytes)}"
            " can be uploaded (UPLOAD_MAX_BYTES)."
        )


def check_content(path: str | Path, fmt: str, *, max_unpacked: int, encoding: str = "") -> None:
    """Refuse a file whose bytes are not its format, or that unpacks past `max_unpacked` bytes."""
    path = Path(path)
    if fmt == "shapefile" and zipfile.is_zipfile(path):
        _check_zip(path, max_unpacked)
        return
    gzipped = path.name.lower().endswith(".gz")
    head = _gzip_head(path) if gzipped else _head(path)
    if gzipped:
        _check_gzip_unpacked(path, max_unpacked)
    if fmt == "csv":
        _check_text(path, head, encoding)
    elif fmt == "geojson":
        _check_geojson(path, head)
    elif fmt == "shapefile" and path.suffix.lower() == ".zip":
        raise FileFormatError(
            f"{path.name}: {_what_it_is(head, 'not a zip archive')}; a"
            " Shapefile must be uploaded as a .zip of its .shp, .shx and .dbf."
        )


def megabytes(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB"


def _check_text(path: Path, head: bytes, encoding: str) -> None:
    what = _magic(head)
    if what:
        raise FileFormatError(f"{path.name}: this is {what}, not a CSV file.")
    if not head.strip():
        raise FileFormatError(f"{path.name}: the file is empty.")
    if b"\x00" in head and not _is_utf16(head):
        at = head.index(b"\x00") + 1
        raise FileFormatError(f"{path.name}: not text (byte {at} is a NUL): a CSV must be text.")
    if encoding:
        try:
            # Incremental, so that a character cut by the end of the sample is not an error.
            codecs.getincrementaldecoder(encoding)(errors="strict").decode(head, final=False)
        except LookupError as exc:
            raise FileFormatError(f"{path.name}: unknown encoding {encoding!r}.") from exc
        except UnicodeDecodeError as exc:
            raise FileFormatError(
                f"{path.name}: not {encoding} text (byte {exc.start + 1} cannot be decoded);"
                " fix the mapping's encoding or leave it blank to detect it."
            ) from exc
    elif from_bytes(head).best() is None:
        raise FileFormatError(f"{path.name}: not text in any encoding: a CSV must be text.")


def _check_geojson(path: Path, head: bytes) -> None:
    what = _magic(head)
    if what:
        raise FileFormatError(f"{path.name}: this is {what}, not a GeoJSON file.")
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if not text.startswith("{"):
        raise FileFormatError(f"{path.name}: not GeoJSON: a GeoJSON file is a JSON object ({{…}}).")
    if '"Feature' not in text and '"features"' not in text:
        raise FileFormatError(
            f'{path.name}: not GeoJSON: no "FeatureCollection" or "features" near its start.'
        )


def _check_zip(path: Path, max_unpacked: int) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            names = {m.filename.lower() for m in members}
            stems = {n[: -len(".shp")] for n in names if n.endswith(".shp")}
            complete = [s for s in stems if all(s + part in names for part in SHAPEFILE_PARTS)]
            if not complete:
                listed = ", ".join(sorted(names)[:10]) or "nothing"
                raise FileFormatError(
                    f"{path.name}: the zip holds no Shapefile (a .shp with its .shx and .dbf);"
                    f" it holds: {listed}."
                )
            declared = sum(m.file_size for m in members)
            if declared > max_unpacked:
                raise _unpacks_past(path, max_unpacked)
            unpacked = 0
            for member in members:  # the declared sizes can lie: count what really comes out
                with archive.open(member) as fh:
                    for block in iter(lambda fh=fh: fh.read(READ_BLOCK), b""):
                        unpacked += len(block)
                        if unpacked > max_unpacked:
                            raise _unpacks_past(path, max_unpacked)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise FileFormatError(f"{path.name}: a broken or unsupported zip archive ({exc}).") from exc


def _check_gzip_unpacked(path: Path, max_unpacked: int) -> None:
    unpacked = 0
    try:
        with gzip.open(path, "rb") as fh:
            for block in iter(lambda: fh.read(READ_BLOCK), b""):
                unpacked += len(block)
                if unpacked > max_unpacked:
                    raise _unpacks_past(path, max_unpacked)
    except (OSError, EOFError, zlib.error) as exc:
        raise FileFormatError(f"{path.name}: a broken gzip archive ({exc}).") from exc


def _unpacks_past(path: Path, max_unpacked: int) -> FileTooLarge:
    return FileTooLarge(
        f"{path.name}: unpacks to more than {megabytes(max_unpacked)}, the limit on what a"
        " compressed file may hold (UPLOAD_MAX_UNPACKED_BYTES); nothing was imported."
    )


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise FileFormatError(f"{path.name}: cannot be read ({exc}).") from exc


def _gzip_head(path: Path) -> bytes:
    raw = _head(path)
    if not raw.startswith(b"\x1f\x8b"):
        raise FileFormatError(
            f"{path.name}: {_what_it_is(raw, 'not gzip-compressed')}, though its name ends in .gz."
        )
    try:
        with gzip.open(path, "rb") as fh:
            return fh.read(SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise FileFormatError(f"{path.name}: a broken gzip archive ({exc}).") from exc


def _magic(head: bytes) -> str:
    return next((what for prefix, what in MAGIC if head.startswith(prefix)), "")


def _what_it_is(head: bytes, otherwise: str) -> str:
    what = _magic(head)
    return f"this is {what}" if what else otherwise


def _is_utf16(head: bytes) -> bool:
    return head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
