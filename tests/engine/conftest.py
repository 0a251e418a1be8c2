"""Engine tests run without Django or a database: put the project root on sys.path.
Run: .venv/bin/python -m pytest tests/engine -q -p no:django --confcutdir=tests/engine"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
for p in (ROOT, HERE):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from engine_helpers import SQUARE  # noqa: E402


@pytest.fixture
def square():
    return SQUARE
