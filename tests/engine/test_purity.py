"""The science stays outside Django: the engine and the planner import without it."""

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

ROOT = Path(__file__).resolve().parents[2]
PURE_MODULES = [
    *(
        f"forecasting.engine.{p.stem}"
        for p in sorted((ROOT / "forecasting" / "engine").glob("*.py"))
        if p.stem != "__init__"
    ),
    "missions.planner",
    "missions.planner_types",
]


def test_engine_and_planner_import_without_django():
    code = (
        "import importlib, sys\n"
        f"for name in {PURE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not leaked, leaked[:5]\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(PURE_MODULES) > 10
