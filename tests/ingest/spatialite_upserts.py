"""Run by tests/deploy/test_spatialite_modules.py in its own pytest process on SpatiaLite (the
demo's database): the import's upsert there is SQLite's INSERT … ON CONFLICT, not the PostGIS
stage, so the rules that decide which rows are written are checked on it again."""

from tests.ingest.test_ingest_import import (  # noqa: F401 - collected here, run on SpatiaLite
    test_duplicate_id_with_other_content_is_rejected_identical_applied_once,
    test_import_then_reimport_changes_nothing,
    test_newer_updated_at_wins_and_older_never_overwrites,
    test_without_updated_at_a_changed_row_is_updated_by_content,
)
