"""The access matrix of missions_site/access.py as the Markdown table of docs/security.md: one row
per route (the admin's pages as one), one column per role, each cell the methods that role may use."""

import re

from django.urls import URLResolver, get_resolver

from . import access

START, END = "<!-- access-matrix:start -->", "<!-- access-matrix:end -->"
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")
METHOD_ORDER = ("GET", "POST", "PUT", "PATCH", "DELETE")


def matrix_markdown() -> str:
    header = ["route", "name", *(role.lower() for role in access.COLUMNS), "object scope"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for view_name, path in routes():
        rule = access.ROUTES.get(access.route_key(view_name))
        cells = [_methods(rule, role) if rule else "unclassified" for role in access.COLUMNS]
        scope = "; ".join(rule.scope) if rule else ""
        lines.append("| " + " | ".join([f"`{path}`", f"`{view_name}`", *cells, scope]) + " |")
    return "\n".join(lines)


def routes() -> list[tuple[str, str]]:
    """(view name, readable path) in URLconf order; the admin's pages collapse into one row."""
    found, seen = [], set()
    for view_name, route in _walk(get_resolver().url_patterns, "", ""):
        key = access.route_key(view_name)
        if key == "admin":
            view_name, route = "admin", "admin/…"
        if view_name not in seen:
            seen.add(view_name)
            found.append(
                (
                    view_name,
                    "/"
                    + PARAMETER.sub(lambda m: "{" + (m.group(1) or m.group(2)) + "}", route)
                    .replace("^", "")
                    .replace("$", ""),
                )
            )
    return found


def replace_in(text: str) -> str:
    """The document with the table between its markers regenerated."""
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{matrix_markdown()}\n{END}{after}"


def _methods(rule: access.Rule, role: str) -> str:
    allowed = [m for m in METHOD_ORDER if role in rule.roles(m)]
    return " ".join(allowed) if allowed else "—"


def _walk(patterns, prefix, namespace):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            yield f"{namespace}{pattern.name or '(unnamed)'}", prefix + str(pattern.pattern)
