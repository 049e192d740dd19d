"""Named database locks. Every lock Dure takes is declared here.

- ``audit_chain``: serialises appends to the audit log so each event links to the last.
- ``budget:<track>``, ``reviewer-load:<user>``, ``assignment:<stage>``: counters and sets
  that must not overshoot under concurrent managers.

On PostgreSQL these are transaction-scoped advisory locks; SQLite takes its database write
lock at the start of each transaction (``transaction_mode=IMMEDIATE``), which already
serialises writers.
"""

from __future__ import annotations

import hashlib

from django.db import connection


def _key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def lock(name: str) -> None:
    """Hold the named lock until the surrounding transaction ends."""
    if not connection.in_atomic_block:
        raise RuntimeError(f"lock({name!r}) must be taken inside transaction.atomic()")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_key(name)])
