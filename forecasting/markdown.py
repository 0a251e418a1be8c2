"""A small, safe Markdown renderer for model cards (headings, lists, tables, paragraphs).
Everything is escaped first; only the structure becomes HTML."""

from html import escape

from django.utils.safestring import SafeString, mark_safe


def render_markdown(text: str) -> SafeString:
    html: list[str] = []
    lines = (text or "").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        if not line:
            i += 1
        elif line.startswith("#"):
            level = (
                min(len(line) - len(line.lstrip("#")), 4) + 1
            )  # "# x" -> <h2>: the page has the <h1>
            html.append(f"<h{level}>{escape(line.lstrip('#').strip())}</h{level}>")
            i += 1
        elif line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(f"<li>{escape(lines[i][2:].strip())}</li>")
                i += 1
            html.append("<ul>" + "".join(items) + "</ul>")
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                if not all(set(c) <= set("-: ") for c in cells):
                    tag = "th" if not rows else "td"
                    rows.append(
                        "<tr>" + "".join(f"<{tag}>{escape(c)}</{tag}>" for c in cells) + "</tr>"
                    )
                i += 1
            html.append("<table>" + "".join(rows) + "</table>")
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not lines[i].startswith(("#", "- ", "|")):
                para.append(escape(lines[i].strip()))
                i += 1
            html.append("<p>" + " ".join(para) + "</p>")
    return mark_safe("\n".join(html))  # noqa: S308 - built from escaped text only
