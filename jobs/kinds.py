"""What each job kind is called on its page, where its result is and what shape its result has
(the API's typed `JobRun.result`): the apps that own the kinds register them at ready() (jobs
imports no app, so it cannot know them itself)."""

from collections.abc import Callable
from dataclasses import dataclass

from rest_framework.serializers import Serializer

from .models import JobRun


@dataclass(frozen=True)
class JobKind:
    title: str
    # The page showing what a succeeded job produced (None when there is none to show).
    result_url: Callable[[JobRun], str | None]
    # The serializer of a succeeded job's result (a subclass of jobs.api.JobResult): the API and its
    # schema type `JobRun.result` with it, keyed by the kind.
    result: type[Serializer]


KINDS: dict[str, JobKind] = {}


def register(
    kind: str, *, title: str, result_url: Callable[[JobRun], str | None], result: type[Serializer]
) -> None:
    KINDS[kind] = JobKind(title=title, result_url=result_url, result=result)


def title_of(job: JobRun) -> str:
    """The human title of the job's kind; an unregistered kind falls back to its name, spaced."""
    known = KINDS.get(job.kind)
    return known.title if known else job.kind.replace("_", " ").capitalize()


def result_url_of(job: JobRun) -> str | None:
    known = KINDS.get(job.kind)
    if known is None or job.status != JobRun.Status.SUCCEEDED:
        return None
    return known.result_url(job)
