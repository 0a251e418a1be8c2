"""Every write of the ingest app, split by concept: sources, import runs, layers, calendars."""

from .calendar import CalendarImportResult, import_calendar
from .feeds import (
    FeedCredentialError,
    issue_feed_credential,
    revoke_feed_credential,
    rotate_feed_credential,
    set_feed_sources,
)
from .folders import scan_watched_folders
from .imports import (
    API_BATCH_MAX,
    IMPORT_KIND,
    IdempotencyConflict,
    IdempotencyKeyReused,
    ImportFailed,
    import_incidents_file,
    push_incidents,
    run_import,
    start_run,
)
from .layers import LayerImportResult, import_layer
from .retention import UploadPurge, purge_expired_uploads
from .sources import (
    SourceError,
    apply_code_mapping,
    create_source,
    mapping_for_source,
    resolve_source,
    save_source,
)
from .uploads import UploadError, check_upload, store_upload, upload_path

__all__ = [
    "API_BATCH_MAX",
    "IMPORT_KIND",
    "CalendarImportResult",
    "FeedCredentialError",
    "IdempotencyConflict",
    "IdempotencyKeyReused",
    "ImportFailed",
    "LayerImportResult",
    "SourceError",
    "UploadError",
    "UploadPurge",
    "apply_code_mapping",
    "check_upload",
    "create_source",
    "import_calendar",
    "import_incidents_file",
    "import_layer",
    "issue_feed_credential",
    "mapping_for_source",
    "purge_expired_uploads",
    "push_incidents",
    "run_import",
    "resolve_source",
    "revoke_feed_credential",
    "rotate_feed_credential",
    "save_source",
    "scan_watched_folders",
    "set_feed_sources",
    "start_run",
    "store_upload",
    "upload_path",
]
