"""The front-end convention (docs/frontend.md), checked over the source: no inline script or style in
templates, in HTML built by Python or in our JavaScript; data goes into the DOM as text; the mission
status colours live in one place. Each rule is shown to catch a sample that breaks it."""

import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OWN_JS = sorted((ROOT / "static" / "js").glob("*.js"))
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
PYTHON = sorted(
    p for p in ROOT.rglob("*.py") if p.relative_to(ROOT).parts[0] not in {".venv", "tests", "var"}
)

# Markup that runs or styles inline: what a Content-Security-Policy without 'unsafe-inline' refuses.
HTML_RULES = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    "<style> block": re.compile(r"<style[\s>]", re.I),
    "style attribute": re.compile(r"""[\s"']style\s*=\s*["'{]""", re.I),
    "event handler attribute": re.compile(r"""[\s"']on[a-z]+\s*=\s*["'{a-z]""", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}
# JavaScript that turns data into markup.
JS_RULES = {
    **{k: v for k, v in HTML_RULES.items() if k != "event handler attribute"},
    "markup from a string": re.compile(
        r"(innerHTML|outerHTML)\s*\+?=\s*(?!\"\"|'')|insertAdjacentHTML|document\.write"
    ),
    "Leaflet content as a string": re.compile(r"\.(bindTooltip|bindPopup|setContent)\(\s*[\"'(]"),
    "handler set from a string": re.compile(
        r"setAttribute\(\s*[\"']on|setTimeout\(\s*[\"']|new Function|\beval\("
    ),
    "a status colour table": re.compile(r"\b(planned|completed|cancelled)\s*:\s*[\"']#"),
}


def offences(text: str, rules: dict) -> list[str]:
    return [name for name, rule in rules.items() if rule.search(text)]


def html_in_python(source: str) -> str:
    """The string literals of a Python file that hold markup (f-strings included)."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return "\n".join(t.string for t in tokens if t.type == tokenize.STRING and "<" in t.string)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_no_inline_script_or_style(path):
    assert offences(path.read_text(), HTML_RULES) == []


@pytest.mark.parametrize("path", OWN_JS, ids=lambda p: p.name)
def test_scripts_build_dom_from_text(path):
    assert offences(path.read_text(), JS_RULES) == []


def test_python_builds_no_inline_script_or_style():
    found = {
        str(p.relative_to(ROOT)): offences(html_in_python(p.read_text()), HTML_RULES)
        for p in PYTHON
    }
    assert {path: names for path, names in found.items() if names} == {}


@pytest.mark.parametrize(
    "sample, rule",
    [
        ('<script>Missions.shiftMap("map");</script>', "inline <script>"),
        ("<style>.x { color: red }</style>", "<style> block"),
        ('<span class="bar" style="width:{{ w }}%">', "style attribute"),
        ('<button type="button" onclick="window.print()">', "event handler attribute"),
        ('<a href="javascript:void(0)">', "javascript: URL"),
    ],
)
def test_the_template_rules_catch_what_they_forbid(sample, rule):
    assert offences(sample, HTML_RULES) == [rule]
    assert (
        offences('<script src="/static/js/app.js"></script>{{ x|json_script:"y" }}', HTML_RULES)
        == []
    )


def test_markup_built_in_python_is_checked():
    source = 'svg = f\'<rect width="{w}" style="fill: {c}"/>\'\nwidth = 3  # not markup: one = t\n'
    assert offences(html_in_python(source), HTML_RULES) == ["style attribute"]


@pytest.mark.parametrize(
    "sample, rule",
    [
        ('l.bindTooltip("<b>" + p.beat + "</b>");', "Leaflet content as a string"),
        ('list.innerHTML = "<li>" + name;', "markup from a string"),
        ('var STATUS_COLOUR = { planned: "#1f3b73" };', "a status colour table"),
    ],
)
def test_the_script_rules_catch_what_they_forbid(sample, rule):
    assert offences(sample, JS_RULES) == [rule]
    assert offences('l.bindTooltip(M.tip("Box " + id)); list.textContent = "";', JS_RULES) == []


def test_every_mission_status_has_its_colour_in_the_one_table():
    from missions.models import Mission

    css = (ROOT / "static" / "css" / "missions.css").read_text()
    defined = set(re.findall(r"--status-([a-z_]+):", css))
    assert defined == set(Mission.Status.values)
    assert all(
        re.search(r"#[0-9a-f]{6}", re.search(rf"--status-{s}:([^;]+);", css).group(1))
        for s in defined
    )
