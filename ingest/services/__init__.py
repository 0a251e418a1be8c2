"""Every write of the ingest app, split by concept: sources, import runs, layers, calendars."""

from .calendar import CalendarImportResult, import_calendar
from .folders import scan_watched_folders
from .imports import (
    API_BATCH_MAX,
    IMPORT_KIND,
    IdempotencyConflict,
    ImportFailed,
    import_incidents_file,
    push_incidents,
    run_import,
    start_run,
)
from .layers import LayerImportResult, import_layer
from .retention import UploadPurge, purge_expired_uploads
from .sources import apply_code_mapping, mapping_for_source, resolve_source, save_source
from .uploads import UploadError, check_upload, store_upload, upload_path

__all__ = [
    "API_BATCH_MAX",
    "IMPORT_KIND",
    "CalendarImportResult",
    "IdempotencyConflict",
    "ImportFailed",
    "LayerImportResult",
    "UploadError",
    "UploadPurge",
    "apply_code_mapping",
    "check_upload",
    "import_calendar",
    "import_incidents_file",
    "import_layer",
    "mapping_for_source",
    "purge_expired_uploads",
    "push_incidents",
    "run_import",
    "resolve_source",
    "save_source",
    "scan_watched_folders",
    "start_run",
    "store_upload",
    "upload_path",
]
