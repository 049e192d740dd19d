"""Every action leaves one audit event; the chain detects tampering."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from dure.audit.actions import record, verify_audit_chain
from dure.audit.models import AuditEvent
from dure.testing import factories as f

pytestmark = pytest.mark.django_db


def _write(n: int):
    actor = f.make_manager()
    for i in range(n):
        with transaction.atomic():
            record(actor, "test.event", None, number=i, text="한국어 내용")


def test_events_chain_and_verify():
    _write(5)
    check = verify_audit_chain()
    assert check.ok and check.events == AuditEvent.objects.count() >= 5


def test_events_cannot_be_edited_or_deleted_through_the_orm():
    _write(1)
    event = AuditEvent.objects.last()
    event.action = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")


@pytest.mark.breaks_invariants
def test_a_changed_payload_is_detected():
    _write(3)
    middle = AuditEvent.objects.order_by("seq")[1]
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {AuditEvent._meta.db_table} SET payload = %s WHERE id = %s", ['{"number": 99}', middle.pk])
    check = verify_audit_chain()
    assert not check.ok and f"seq {middle.seq}" in check.message


@pytest.mark.breaks_invariants
def test_a_deleted_event_is_detected():
    _write(3)
    middle = AuditEvent.objects.order_by("seq")[1]
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s", [middle.pk])
    assert not verify_audit_chain().ok


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        record(None, "test.event", None)
