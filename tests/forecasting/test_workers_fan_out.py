"""Training fans out over whatever workers listen to the training queue: two real workers (separate
processes, as on two machines) on Redis each train one crime type, and the parent job is closed
exactly once, by whichever child finished last."""

import pytest

from forecasting import tasks
from forecasting.models import ModelVersion
from jobs.models import JobRun
from tests.jobs.worker_processes import empty_broker, wait_until, worker_process

from .conftest import HISTORY_DAYS

TRAINING_WAIT_S = 400


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_training_children_spread_over_two_workers_and_the_parent_closes_once(city, tmp_path):
    empty_broker()
    logs = {name: tmp_path / f"{name}.log" for name in ("north", "south")}
    fast = {"FAST_TRAINING": str(HISTORY_DAYS)}
    with (
        worker_process("north", "training", logs["north"], **fast),
        worker_process("south", "training", logs["south"], **fast),
    ):
        parent = tasks.enqueue_training(weeks=1)
        parent = wait_until(
            lambda: JobRun.objects.filter(pk=parent.pk, finished_at__isnull=False).first(),
            "the training run to finish",
            TRAINING_WAIT_S,
        )
    assert parent.status == JobRun.Status.SUCCEEDED, parent.error
    children = list(JobRun.objects.filter(kind="train_model"))
    assert all(c.status == JobRun.Status.SUCCEEDED and c.queue == "training" for c in children)
    nodes = {c.params["crime_type"]: c.node.split("@")[0] for c in children}
    assert sorted(nodes) == ["assault", "break-and-enter"]
    assert sorted(nodes.values()) == ["north", "south"], nodes  # one child on each worker

    closings = sum(log.read_text().count(f"Parent job {parent.pk}") for log in logs.values())
    assert closings == 1
    assert parent.finished_at >= max(c.finished_at for c in children)
    assert sorted(parent.result["model_versions"]) == sorted(
        c.result["model_version"] for c in children
    )
    assert ModelVersion.objects.filter(promoted=True).count() == 2
