"""The apps' import graph follows the data flow (agency → ingest → forecasting → missions → pages):
an app imports only the apps beneath it, and there is no cycle. Read from the source, not at run time."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What each app may import, besides itself. `jobs` and `audit` sit beneath every app; `home`,
# `demo` and `oversight` sit on top and may read and write through everything.
BENEATH_ALL = {"jobs", "audit"}
ALLOWED = {
    "jobs": set(),
    "audit": set(),
    "agency": BENEATH_ALL,
    "accounts": BENEATH_ALL | {"agency"},
    "geo": BENEATH_ALL | {"agency"},
    "patrol": BENEATH_ALL | {"agency", "geo"},
    "ingest": BENEATH_ALL | {"agency", "geo"},
    "forecasting": BENEATH_ALL | {"agency", "geo", "patrol", "ingest"},
    "tactics": BENEATH_ALL | {"agency", "geo", "patrol", "ingest", "forecasting"},
    "missions": BENEATH_ALL | {"agency", "geo", "patrol", "ingest", "forecasting", "tactics"},
    "home": BENEATH_ALL
    | {"agency", "accounts", "geo", "patrol", "ingest", "forecasting", "tactics", "missions"},
    "demo": BENEATH_ALL
    | {"agency", "accounts", "geo", "patrol", "ingest", "forecasting", "tactics", "missions"},
    "oversight": BENEATH_ALL
    | {"agency", "accounts", "geo", "patrol", "ingest", "forecasting", "tactics", "missions"},
}
# The pure engine (no Django) is a library every app may call: the shift window is defined there.
LIBRARIES = {"forecasting.engine"}
# The one upward read by design (docs/adr/0010-app-layers.md): forecasting reads mission visits as
# patrol exposure, in this module only.
UPWARD_BY_DESIGN = {("forecasting/inputs.py", "missions")}
APPS = set(ALLOWED)


def app_imports(root: Path = ROOT) -> list[tuple[str, str, str, int]]:
    """(importing app, file, imported app, line) for every import of another app in the source."""
    found = []
    for app in sorted(APPS):
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    if any(name == lib or name.startswith(lib + ".") for lib in LIBRARIES):
                        continue
                    target = name.split(".")[0]
                    if target in APPS and target != app:
                        found.append((app, path.relative_to(root).as_posix(), target, node.lineno))
    return found


def layering_violations(imports) -> list[str]:
    return [
        f"{file}:{line} ({app} imports {target})"
        for app, file, target, line in imports
        if target not in ALLOWED[app] and (file, target) not in UPWARD_BY_DESIGN
    ]


def test_every_app_is_listed():
    """A new app must say where it sits before it can import anything."""
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps <= APPS, f"add {sorted(apps - APPS)} to ALLOWED in {__file__}"


def test_apps_import_only_the_apps_beneath_them():
    wrong = layering_violations(app_imports())
    assert not wrong, "imports against the app layering:\n" + "\n".join(wrong)


def test_no_import_cycle_between_apps_besides_the_documented_read():
    edges = {
        (app, target)
        for app, file, target, _ in app_imports()
        if (file, target) not in UPWARD_BY_DESIGN
    }
    graph = {app: {t for a, t in edges if a == app} for app in APPS}
    cycles = sorted((a, b) for a, b in edges if a in _reachable(graph, b))
    assert not cycles, f"apps importing each other: {cycles}"


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_check_reports_a_forbidden_import(tmp_path):
    """Not vacuous: an agency module importing missions, or ingest importing forecasting, is caught,
    while the allowed direction passes."""
    (tmp_path / "agency").mkdir()
    (tmp_path / "agency" / "bad.py").write_text("from missions.models import Mission\n")
    (tmp_path / "ingest").mkdir()
    (tmp_path / "ingest" / "bad.py").write_text("def f():\n    import forecasting.tasks\n")
    (tmp_path / "missions").mkdir()
    (tmp_path / "missions" / "fine.py").write_text("from agency.models import Beat\n")
    wrong = layering_violations(app_imports(tmp_path))
    assert wrong == [
        "agency/bad.py:1 (agency imports missions)",
        "ingest/bad.py:2 (ingest imports forecasting)",
    ]
