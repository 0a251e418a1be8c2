"""What each job kind is called on its page and where its result is: the apps that own the kinds
register them at ready() (jobs imports no app, so it cannot know them itself)."""

from collections.abc import Callable
from dataclasses import dataclass

from .models import JobRun


@dataclass(frozen=True)
class JobKind:
    title: str
    # The page showing what a succeeded job produced (None when there is none to show).
    result_url: Callable[[JobRun], str | None]


KINDS: dict[str, JobKind] = {}


def register(kind: str, *, title: str, result_url: Callable[[JobRun], str | None]) -> None:
    KINDS[kind] = JobKind(title=title, result_url=result_url)


def title_of(job: JobRun) -> str:
    """The human title of the job's kind; an unregistered kind falls back to its name, spaced."""
    known = KINDS.get(job.kind)
    return known.title if known else job.kind.replace("_", " ").capitalize()


def result_url_of(job: JobRun) -> str | None:
    known = KINDS.get(job.kind)
    if known is None or job.status != JobRun.Status.SUCCEEDED:
        return None
    return known.result_url(job)
