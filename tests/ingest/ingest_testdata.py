"""Test data of the ingest tests: where the real Toronto files are, and canonical CSV rows."""

from pathlib import Path

TORONTO_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "toronto"
# A box around downtown Toronto (lon/lat) used as the jurisdiction where a test needs one.
BOX = (-79.50, 43.60, -79.30, 43.75)
CANONICAL_HEADER = ["id", "occurred_at", "latitude", "longitude", "category"]


def canonical_rows(n, *, start=0, code="Assault", lat=43.65, lon=-79.40):
    """n valid rows of the canonical layout, one hour apart, inside BOX."""
    return [
        [
            f"C-{i}",
            f"2023-05-{1 + i // 24 % 28:02d}T{i % 24:02d}:00",
            f"{lat + i * 1e-5:.6f}",
            f"{lon + i * 1e-5:.6f}",
            code,
        ]
        for i in range(start, start + n)
    ]
