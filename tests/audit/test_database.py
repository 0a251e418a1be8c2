"""PostgreSQL keeps the audit log append-only: the app role lacks the rights, the trigger refuses
even the superuser, `verify_audit` catches what a superuser changes anyway, and the purge keeps
every event younger than the retention period."""

import secrets
import subprocess
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import ProgrammingError, connection, transaction
from django.utils import timezone

from audit import database
from audit.chain import HASHED_FIELDS, event_hash
from audit.models import AuditEvent
from audit.retention import purge_expired
from audit.services import append, record
from audit.verification import verify_chain

APP_ROLE_SQL = Path(__file__).resolve().parents[2] / "docker" / "postgres" / "app-role.sql"


@pytest.fixture
def app_role(transactional_db):
    """A login role made by the docker init script; yields a psycopg connection as that role."""
    name = f"audit_app_{secrets.token_hex(4)}"
    db = connection.settings_dict
    subprocess.run(
        [
            "psql",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            db["HOST"],
            "-p",
            str(db["PORT"]),
            "-U",
            db["USER"],
            "-d",
            db["NAME"],
            "-v",
            f"app_user={name}",
            "-v",
            "app_password=unused-with-trust",
            "-v",
            f"owner={db['USER']}",
            "-f",
            str(APP_ROLE_SQL),
        ],
        check=True,
        capture_output=True,
    )
    app = psycopg.connect(
        host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=name, autocommit=True
    )
    try:
        yield app
    finally:
        app.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{name}"; DROP ROLE "{name}"')


def bypassing_the_trigger(*statements_and_params):
    """What a database superuser can still do: switch the trigger off, write, switch it on."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending FK checks
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        for statement, params in statements_and_params:
            cursor.execute(statement, params)
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def start_from_an_empty_log():
    """The test database's log already holds the role grants made at migrate time."""
    bypassing_the_trigger(("DELETE FROM audit_auditevent", None))


@pytest.mark.subprocess
def test_app_role_may_insert_and_read_but_not_update_or_delete(app_role):
    event = record(action="admin.add")
    count = AuditEvent.objects.count()
    with app_role.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditevent")
        assert cursor.fetchone() == (count,)
        cursor.execute(
            "INSERT INTO audit_auditevent (at, actor_username, role, request_id, action, object_type, object_id,"
            " outcome, reason_code, reason, previous_hash, hash) VALUES (now(), '', '', '', 'admin.add', '', '',"
            " 'success', '', '', %s, %s)",
            [event.hash, "f" * 64],
        )
        # The same role may change rows of an ordinary table: the refusal is specific to the audit log.
        cursor.execute("UPDATE jobs_jobrun SET message = 'x' WHERE false")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cursor.execute("UPDATE audit_auditevent SET reason = 'rewritten'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cursor.execute("DELETE FROM audit_auditevent")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cursor.execute("TRUNCATE audit_auditevent")
    assert (
        AuditEvent.objects.count() == count + 1 and AuditEvent.objects.get(pk=event.pk).reason == ""
    )


@pytest.mark.subprocess
def test_app_role_may_purge_only_through_the_owner_function(app_role):
    start_from_an_empty_log()
    old = append(at=timezone.now() - timedelta(days=400), action="admin.delete")
    young = record(action="admin.change")
    with app_role.cursor() as cursor:
        cursor.execute("SELECT purged, anchor_hash FROM audit_purge(30)")
        assert cursor.fetchone() == (1, old.hash)
    assert (
        not AuditEvent.objects.filter(pk=old.pk).exists()
        and AuditEvent.objects.filter(pk=young.pk).exists()
    )


@pytest.mark.django_db
def test_trigger_refuses_update_delete_and_truncate_even_for_the_superuser():
    # TRUNCATE first: PostgreSQL will not truncate a table with pending (foreign key) trigger events.
    with (
        pytest.raises(ProgrammingError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL audit.allow_truncate = 'off'; TRUNCATE audit_auditevent")
    event = record(action="admin.add", reason="original")
    refused = [
        "UPDATE audit_auditevent SET reason = 'rewritten'",
        "DELETE FROM audit_auditevent",
        # The purge flag alone does not let a young event go.
        "SELECT set_config('audit.purging', 'on', true); DELETE FROM audit_auditevent",
    ]
    for statement in refused:
        with (
            pytest.raises(ProgrammingError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        AuditEvent._base_manager.filter(pk=event.pk).update(reason="through the base manager")
    assert AuditEvent.objects.get(pk=event.pk).reason == "original"
    # Positive control: the superuser is not otherwise restricted on this table.
    with connection.cursor() as cursor:
        cursor.execute("SELECT usesuper FROM pg_user WHERE usename = current_user")
        assert cursor.fetchone() == (True,)
    bypassing_the_trigger(("UPDATE audit_auditevent SET reason = 'rewritten'", None))
    assert AuditEvent.objects.get(pk=event.pk).reason == "rewritten"


@pytest.mark.django_db
def test_verify_audit_catches_a_row_changed_by_the_superuser(capsys):
    events = [record(action="admin.change", reason=f"event {n}") for n in range(3)]
    call_command("verify_audit")
    assert f"{AuditEvent.objects.count()} events, head {events[-1].hash}" in capsys.readouterr().out
    bypassing_the_trigger(
        ("UPDATE audit_auditevent SET reason = 'nothing happened' WHERE id = %s", [events[1].pk])
    )
    with pytest.raises(CommandError, match=f"event {events[1].pk}: its content was changed"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_verify_audit_catches_a_deleted_row_and_a_removed_tail():
    events = [record(action="admin.change") for n in range(4)]
    call_command("verify_audit", expect_hash=events[-1].hash)
    # A removed tail leaves a valid chain: only a head hash kept elsewhere shows it.
    bypassing_the_trigger(("DELETE FROM audit_auditevent WHERE id = %s", [events[3].pk]))
    call_command("verify_audit")
    with pytest.raises(CommandError, match=f"the expected event {events[3].hash} is missing"):
        call_command("verify_audit", expect_hash=events[3].hash)
    bypassing_the_trigger(("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk]))
    with pytest.raises(CommandError, match=f"event {events[2].pk}: the event before it is missing"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_purge_keeps_events_younger_than_the_period_and_the_chain_verifiable(settings):
    settings.AUDIT_RETENTION_DAYS = 500
    start_from_an_empty_log()
    now = timezone.now()
    ancient = append(at=now - timedelta(days=700), action="admin.add")
    old = append(at=now - timedelta(days=400), action="admin.delete")
    recent = append(at=now - timedelta(days=30), action="admin.change")
    purge = purge_expired()
    assert purge.after == {"retention_days": 500, "purged": 1, "anchor_hash": ancient.hash}
    kept = set(AuditEvent.objects.values_list("pk", flat=True))
    assert ancient.pk not in kept and {old.pk, recent.pk, purge.pk} <= kept
    # A shorter period is raised to the floor: the 400-day-old event goes, the 30-day-old one stays.
    second = purge_expired(retention_days=7)
    assert second.after == {
        "retention_days": database.RETENTION_FLOOR_DAYS,
        "purged": 1,
        "anchor_hash": old.hash,
    }
    kept = set(AuditEvent.objects.values_list("pk", flat=True))
    assert old.pk not in kept and {recent.pk, purge.pk, second.pk} <= kept
    assert (purge.action, purge.outcome) == ("audit.purge", "success")
    report = verify_chain()
    assert report.ok and report.checked == len(kept), report.problem


@pytest.mark.django_db
def test_verify_refuses_a_chain_whose_oldest_events_vanished_without_a_purge():
    start_from_an_empty_log()
    events = [record(action="admin.change") for n in range(3)]
    bypassing_the_trigger(("DELETE FROM audit_auditevent WHERE id = %s", [events[0].pk]))
    report = verify_chain()
    assert (
        not report.ok
        and report.event_id == events[1].pk
        and "events before it are missing" in report.problem
    )


def rewrite_recomputing_the_chain(first_id: int, reason: str):
    """What the probe did as the database owner: change an event, then recompute every hash from
    it on, so that the chain is whole again."""
    rows = list(
        AuditEvent.objects.filter(pk__gte=first_id).order_by("pk").values("pk", *HASHED_FIELDS)
    )
    previous = (
        AuditEvent.objects.filter(pk__lt=first_id)
        .order_by("-pk")
        .values_list("hash", flat=True)
        .first()
    )
    statements = []
    for row in rows:
        if row["pk"] == first_id:
            row["reason"] = reason
        row["previous_hash"] = previous
        previous = event_hash(row)
        statements.append(
            (
                "UPDATE audit_auditevent SET reason = %s, previous_hash = %s, hash = %s WHERE id = %s",
                [row["reason"], row["previous_hash"], previous, row["pk"]],
            )
        )
    bypassing_the_trigger(*statements)


@pytest.mark.django_db
def test_a_rewrite_that_recomputes_the_chain_is_caught_by_the_anchored_head(
    settings, tmp_path, capsys
):
    # Issue 21, finding 6: caught only with --expect-hash; now by the heads written down hourly.
    settings.AUDIT_ANCHOR_FILE = anchors = tmp_path / "chain-anchors.log"
    events = [record(action="admin.change", reason=f"event {n}") for n in range(3)]
    call_command("verify_audit", anchor=True)
    head = AuditEvent.objects.order_by("-pk").first()
    assert anchors.read_text().strip().endswith(f"audit-head event={head.pk} hash={head.hash}")
    record(
        action="admin.change", reason="after the anchor"
    )  # control: the log grows on and still verifies
    call_command("verify_audit")
    assert "1 anchored head(s) match" in capsys.readouterr().out

    rewrite_recomputing_the_chain(events[1].pk, reason="nothing happened")
    assert AuditEvent.objects.get(pk=events[1].pk).reason == "nothing happened"
    assert verify_chain().ok  # the chain alone cannot tell
    with pytest.raises(
        CommandError, match=f"event {head.pk} has another hash than the one anchored"
    ):
        call_command("verify_audit")
    # A syslog copy of the anchor lines (with its own prefix) is read the same way.
    syslog = tmp_path / "syslog"
    syslog.write_text(f"Dec  6 20:05:01 web1 missions[7]: {anchors.read_text()}")
    with pytest.raises(CommandError, match="the log was rewritten"):
        call_command("verify_audit", anchors=str(syslog))


@pytest.mark.django_db
def test_the_hourly_task_writes_the_head_down_and_nothing_while_the_log_is_empty(
    settings, tmp_path
):
    from audit.tasks import anchor_audit_head

    settings.AUDIT_ANCHOR_FILE = anchors = tmp_path / "chain-anchors.log"
    start_from_an_empty_log()
    assert anchor_audit_head() == "" and not anchors.exists()
    event = record(action="admin.change")
    assert anchor_audit_head().endswith(f"audit-head event={event.pk} hash={event.hash}")
    assert anchor_audit_head() and len(anchors.read_text().splitlines()) == 2  # appended
