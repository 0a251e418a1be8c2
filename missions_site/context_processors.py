"""Template values every page shows: the release (the footer)."""

from . import __version__


def version(request) -> dict:
    return {"missions_version": __version__}
