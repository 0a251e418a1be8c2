"""The import graph follows the data flow (agency → geo → ingest → forecasting → tactics → missions →
pages): an app imports only the apps beneath it, and there is no cycle. Read from the source, not at
run time. The layers and why: docs/architecture.md and docs/adr/0010-app-layers.md."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The project package is two layers. Its shared ground (settings, the access matrix, query
# parameters, geometry limits, CSV downloads, the API's errors and pagination, the Celery app, the
# security self-check) is beneath every app; its wiring (the URL maps and the admin site, which
# name every app) is on top of them all.
SITE = "missions_site"
SITE_WIRING = "missions_site wiring"
WIRING_MODULES = (
    "missions_site.urls",
    "missions_site.api_urls",
    "missions_site.admin_site",
    "missions_site.admin_config",
)

# What each layer may import, besides itself. `jobs` and `audit` sit beneath every app; `home`,
# `demo` and `oversight` sit on top and may read and write through everything beneath them.
BENEATH_ALL = {SITE, "jobs", "audit"}
BENEATH_PAGES = BENEATH_ALL | {
    "agency",
    "geo",
    "patrol",
    "accounts",
    "ingest",
    "forecasting",
    "tactics",
}
ALLOWED = {
    SITE: set(),
    "jobs": {SITE},
    "audit": {SITE},
    "agency": BENEATH_ALL,
    "geo": BENEATH_ALL | {"agency"},
    "accounts": BENEATH_ALL | {"agency"},
    "patrol": BENEATH_ALL | {"agency", "geo"},
    "ingest": BENEATH_ALL | {"agency", "geo"},
    "forecasting": BENEATH_ALL | {"agency", "geo", "patrol", "ingest"},
    "tactics": BENEATH_ALL | {"agency", "geo", "patrol", "ingest", "forecasting"},
    "missions": BENEATH_ALL | {"agency", "geo", "patrol", "ingest", "forecasting", "tactics"},
    # alerts read forecasts and incidents and draw maps with the shift sheet's SVG maker; the
    # pages (the board, the roll-call briefing) show them
    "alerts": BENEATH_PAGES | {"missions"},
    "home": BENEATH_PAGES | {"missions", "alerts"},
    "demo": BENEATH_PAGES | {"missions"},
    "oversight": BENEATH_PAGES | {"missions"},
    # Running the system (backups, metrics, readiness) reads every app's state.
    "ops": BENEATH_PAGES | {"missions"},
}
ALLOWED[SITE_WIRING] = set(ALLOWED)
# The pure engine (no Django) is a library every app may call: the shift window is defined there.
# The pure planner too: the back-test draws missions with it (docs/adr/0025-mission-capture.md).
LIBRARIES = {"forecasting.engine", "missions.planner", "missions.planner_types"}
# The one upward read by design (docs/adr/0010-app-layers.md): forecasting reads mission visits as
# patrol exposure, in this module only.
UPWARD_BY_DESIGN = {("forecasting/inputs.py", "missions")}
LAYERS = set(ALLOWED)
# Top-level folders read; a listed app whose folder does not exist (yet) is simply not read.
PACKAGES = sorted(LAYERS - {SITE_WIRING})


def layer_of(module: str) -> str | None:
    """The layer a dotted module name belongs to, None outside the project's apps."""
    if any(module == m or module.startswith(m + ".") for m in WIRING_MODULES):
        return SITE_WIRING
    top = module.split(".")[0]
    return top if top in LAYERS else None


def app_imports(root: Path = ROOT) -> list[tuple[str, str, str, int]]:
    """(importing layer, file, imported layer, line) for every import of another layer in the
    source, relative imports resolved (the project package is two layers)."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            file = path.relative_to(root).as_posix()
            module = file.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
            here = layer_of(module)
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                for name in _imported_names(node, module, is_package=path.name == "__init__.py"):
                    if any(name == lib or name.startswith(lib + ".") for lib in LIBRARIES):
                        continue
                    target = layer_of(name)
                    if target is not None and target != here:
                        found.append((here, file, target, node.lineno))
    return found


def _imported_names(node: ast.AST, module: str, *, is_package: bool) -> list[str]:
    """Dotted names an import statement reaches, `from a import b` as `a.b` (b may be a module)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = package[: len(package) - node.level + 1]
        source = ".".join([*base, node.module] if node.module else base)
    else:
        source = node.module or ""
    return [f"{source}.{alias.name}" for alias in node.names]


def layering_violations(imports) -> list[str]:
    return [
        f"{file}:{line} ({app} imports {target})"
        for app, file, target, line in imports
        if target not in ALLOWED[app] and (file, target) not in UPWARD_BY_DESIGN
    ]


def test_every_app_is_listed():
    """A new app must say where it sits before it can import anything."""
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")} | {SITE}
    assert apps <= LAYERS, f"add {sorted(apps - LAYERS)} to ALLOWED in {__file__}"


def test_the_wiring_modules_exist():
    """A renamed URL map or admin site must not silently fall into the ground layer's rules."""
    missing = [m for m in WIRING_MODULES if not (ROOT / (m.replace(".", "/") + ".py")).exists()]
    assert not missing


def test_apps_import_only_the_apps_beneath_them():
    wrong = layering_violations(app_imports())
    assert not wrong, "imports against the app layering:\n" + "\n".join(wrong)


def test_no_import_cycle_between_apps_besides_the_documented_read():
    edges = {
        (app, target)
        for app, file, target, _ in app_imports()
        if (file, target) not in UPWARD_BY_DESIGN
    }
    graph = {app: {t for a, t in edges if a == app} for app in LAYERS}
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
    """Not vacuous: an agency module importing missions, ingest importing forecasting, geo importing
    ingest, the project's ground importing an app or (relatively) its own URL map are caught, while
    the allowed directions pass: missions → agency, the admin site → audit, an app → the access
    matrix, the URL map → the ground."""
    files = {
        "agency/bad.py": "from missions.models import Mission\n",
        "ingest/bad.py": "def f():\n    import forecasting.tasks\n",
        "geo/bad.py": "from ingest import models\n",
        "missions_site/bad.py": "from . import urls\nfrom agency.models import Beat\n",
        "missions/fine.py": "from agency.models import Beat\nfrom missions_site import access\n",
        "missions_site/admin_site.py": "from audit.admin_site import AuditedAdminSite\n",
        "missions_site/urls.py": "from . import access\nfrom .health import healthz\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    wrong = layering_violations(app_imports(tmp_path))
    assert wrong == [
        "agency/bad.py:1 (agency imports missions)",
        "geo/bad.py:1 (geo imports ingest)",
        "ingest/bad.py:2 (ingest imports forecasting)",
        "missions_site/bad.py:1 (missions_site imports missions_site wiring)",
        "missions_site/bad.py:2 (missions_site imports agency)",
    ]
