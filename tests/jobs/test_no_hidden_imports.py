"""No import between apps hides inside a function (where it would hide an import cycle), and no
module imports its own app's tasks from inside a function (the enqueue-beside-the-task rule)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {
    "migrations",
    "tests",
    ".venv",
    "node_modules",
    "bench",
    "docs",
    "static",
    "templates",
}


def first_party_apps() -> set[str]:
    return {p.parent.name for p in ROOT.glob("*/apps.py")} | {"missions_site"}


def source_files():
    for path in sorted(ROOT.rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts[:-1])
        if not parts & SKIPPED_DIRS and path.parent != ROOT:
            yield path


def imported_modules(node: ast.AST, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = module.split(".") if is_package else module.split(".")[:-1]
    if node.level:
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base)
        target = f"{prefix}.{node.module}" if node.module else prefix
        return [target] if node.module else [f"{target}.{a.name}" for a in node.names]
    return [node.module]


def function_level_imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    relative = path.relative_to(ROOT).with_suffix("")
    is_package = relative.name == "__init__"
    module = ".".join(relative.parts[:-1] if is_package else relative.parts)
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in imported_modules(node, module, is_package):
                    yield module, target, node.lineno


def hidden_imports() -> list[str]:
    apps = first_party_apps()
    found = []
    for path in source_files():
        for module, target, line in function_level_imports(path):
            own_app, target_app = module.split(".")[0], target.split(".")[0]
            other_app = target_app in apps and target_app != own_app
            own_tasks = target_app == own_app and ".tasks" in f".{target}" and module != target
            if other_app or own_tasks:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {target} inside a function")
    return found


def test_no_function_level_imports_between_apps():
    assert hidden_imports() == []


def test_the_check_sees_a_hidden_import(tmp_path, monkeypatch):
    """Positive control: the same walk reports an import of another app inside a function."""
    app = tmp_path / "forecasting"
    app.mkdir()
    (app / "apps.py").write_text("")
    (tmp_path / "missions").mkdir()
    (tmp_path / "missions" / "apps.py").write_text("")
    (app / "inputs.py").write_text(
        "import numpy\n\n\ndef visits():\n    from missions.models import Visit\n"
        "    from .tasks import job\n    from .models import GridCell\n    return Visit\n"
    )
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert hidden_imports() == [
        "forecasting/inputs.py:5 imports missions.models inside a function",
        "forecasting/inputs.py:6 imports forecasting.tasks inside a function",
    ]
