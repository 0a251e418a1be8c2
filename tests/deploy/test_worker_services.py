"""Every Celery queue has a docker-compose worker service that can be scaled (a node name unique per
container, a health check on that node), and `make demo`'s single worker serves every queue."""

import re
from pathlib import Path

import yaml

from missions_site.settings.workers import QUEUE_NAMES

ROOT = Path(__file__).resolve().parents[2]


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_each_queue_has_a_scalable_worker_service():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    workers = {name: s for name, s in services.items() if name.startswith("worker-")}
    assert set(workers) == {"worker-training", "worker-forecast", "worker-imports"}
    served = []
    for name, service in workers.items():
        command = service["command"]
        node = option(command, "--hostname")
        assert node.endswith("@%h") and "container_name" not in service, name  # unique when scaled
        assert (
            f"ping -d {node.removesuffix('%h')}$$HOSTNAME" in service["healthcheck"]["test"][1]
        ), name
        served += option(command, "--queues").split(",")
    assert sorted(served) == sorted(QUEUE_NAMES)  # each queue served, by one service
    assert "beat" in services and "worker" not in services
    # Only the imports worker reads files another service wrote (uploads).
    assert workers["worker-training"]["volumes"] == workers["worker-forecast"]["volumes"] == []
    assert any(
        "media" in v for v in workers["worker-imports"].get("volumes", services["web"]["volumes"])
    )


def test_the_demo_worker_serves_every_queue():
    makefile = (ROOT / "Makefile").read_text()
    queues = re.search(r"^WORKER_QUEUES := (\S+)$", makefile, re.M).group(1)
    assert sorted(queues.split(",")) == sorted(QUEUE_NAMES)
    assert "--queues $(WORKER_QUEUES)" in makefile
