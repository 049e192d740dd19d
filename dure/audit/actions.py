"""Writing to and checking the audit log."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dure.audit import locks
from dure.audit.models import AuditEvent
from dure.core.auditchain import GENESIS_HASH, entry_hash, verify_chain


def record(actor, action: str, obj=None, *, sensitive: bool = False, **payload) -> AuditEvent:
    """Append one event; must be called inside the action's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the action's transaction")
    locks.lock("audit_chain")
    last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        # Millisecond precision: what every database and the JSON backups keep exactly.
        at=_now_ms(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        payload=_jsonable(payload),
        sensitive=sensitive,
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    event.hash = entry_hash(event.prev_hash, event.chain_payload())
    event.save()
    return event


def _now_ms():
    now = timezone.now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    events: int
    message: str


def verify_audit_chain() -> ChainCheck:
    events = AuditEvent.objects.order_by("seq").iterator(chunk_size=2000)
    entries = (
        {"seq": e.seq, "prev_hash": e.prev_hash, "hash": e.hash, "payload": e.chain_payload()} for e in events
    )
    report = verify_chain(entries, start_seq=1)
    message = f"{report.n_entries} events, chain intact" if report.ok else report.reason
    return ChainCheck(ok=report.ok, events=report.n_entries, message=message)
