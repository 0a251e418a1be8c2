"""Writers racing on PostgreSQL still form one chain: the advisory lock serialises them, and the
unique previous_hash would refuse a fork."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from audit.chain import event_hash
from audit.models import AuditEvent
from audit.services import record
from audit.verification import verify_chain

WRITERS, EVENTS_EACH = 6, 15


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain():
    start = AuditEvent.objects.count()
    barrier = threading.Barrier(WRITERS)
    errors = []

    def write(n):
        try:
            barrier.wait()
            for i in range(EVENTS_EACH):
                record(action="admin.change", object_id=f"{n}-{i}")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert AuditEvent.objects.count() == start + WRITERS * EVENTS_EACH
    previous = list(AuditEvent.objects.values_list("previous_hash", flat=True))
    assert len(previous) == len(set(previous))
    report = verify_chain()
    assert report.ok, report.problem


@pytest.mark.django_db
def test_a_second_event_after_the_same_one_is_refused():
    head = record(action="admin.add")
    fields = {"at": head.at, "action": "admin.change", "previous_hash": head.previous_hash}
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.create(**fields, hash=event_hash(fields))
