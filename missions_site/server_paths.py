"""Messages people read (a job's error, an import's refusal, a form error) name a file by its name,
never by where the server keeps it (issue 21: analysts saw `…/var/media/ingest/uploads/…`)."""

import re

# An absolute path: a "/" that starts a word (not inside a date like 10/05/2024 or a URL's "//"),
# then directories, then the last part, which is kept.
_ABSOLUTE_PATH = re.compile(r"(?<![\w/.:<>-])/(?:[^/\s'\"<>():,;]*/)+([^/\s'\"<>():,;]+)")


def hide_server_paths(text: str) -> str:
    """`text` with every absolute path cut to its last part (the file's own name)."""
    return _ABSOLUTE_PATH.sub(r"\1", text)
