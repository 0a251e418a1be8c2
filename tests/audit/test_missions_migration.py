"""The old missions.AuditEntry rows move into the audit log, chained and verifiable."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit.models import AuditEvent
from audit.verification import verify_chain

BEFORE = [("missions", "0002_schedule_planning_and_expiry"), ("audit", "0002_append_only")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_mission_audit_entries_become_chained_audit_events():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    user = old_apps.get_model("auth", "User").objects.create(username="old-analyst")
    entries = old_apps.get_model("missions", "AuditEntry").objects
    entries.create(
        actor=user,
        action="suppress",
        object_type="missions.suppression",
        object_id="4",
        after={"cells": [1, 2]},
        reason_code="operation",
        reason="Operation downtown",
    )
    entries.create(
        actor=None,
        action="expire",
        object_type="missions.mission",
        object_id="9",
        before={"status": "planned"},
        after={"status": "expired"},
        reason="The shift ended.",
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    suppress, expire = AuditEvent.objects.filter(action__startswith="missions.").order_by("pk")
    assert (suppress.action, suppress.actor_id, suppress.actor_username) == (
        "missions.suppress",
        user.pk,
        "old-analyst",
    )
    assert (suppress.reason_code, suppress.reason, suppress.after) == (
        "operation",
        "Operation downtown",
        {"cells": [1, 2]},
    )
    assert (expire.action, expire.actor_id, expire.before) == (
        "missions.expire",
        None,
        {"status": "planned"},
    )
    assert expire.previous_hash == suppress.hash
    assert verify_chain().ok
