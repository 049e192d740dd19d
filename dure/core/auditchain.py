"""Primitives of the append-only, hash-chained audit log.

Each entry stores ``(seq, prev_hash, hash, payload)``. ``hash`` is
``sha256(prev_hash + "\\n" + canonical_json(payload))`` in hex, and ``prev_hash`` is the
previous entry's ``hash`` (:data:`GENESIS_HASH` for the first). Changing, deleting,
inserting or reordering any entry breaks the chain at that point, which
:func:`verify_chain` reports. Deleting entries from the *end* is only visible against a
head hash kept elsewhere (published, or stored apart): pass it as ``expected_head``.

Canonical JSON: keys sorted, no insignificant whitespace, UTF-8 (non-ASCII kept as is),
no NaN or infinity. Payloads hold JSON types only (dict with string keys, list, str,
int, float, bool, None); turn dates and decimals into strings before logging.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "AuditPayloadError",
    "ChainReport",
    "append_entry",
    "canonical_json",
    "entry_hash",
    "verify_chain",
]

GENESIS_HASH = "0" * 64


class AuditPayloadError(ValueError):
    """A payload cannot be written as canonical JSON; the message names the bad value."""


def _check(value: Any, path: str) -> None:
    if value is None or isinstance(value, bool | str | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AuditPayloadError(f"{path} is {value}; audit payloads cannot hold NaN or infinity")
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise AuditPayloadError(f"{path} has a non-string key {key!r}; use string keys")
            _check(item, f"{path}.{key}")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    raise AuditPayloadError(
        f"{path} is a {type(value).__name__}; audit payloads hold JSON types only "
        "(convert dates, decimals and ids to strings first)"
    )


def canonical_json(payload: Any) -> bytes:
    """The canonical UTF-8 JSON bytes of ``payload``."""
    _check(payload, "payload")
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def entry_hash(prev_hash: str, payload: Any) -> str:
    """sha256 hex digest chaining ``payload`` to the previous entry's hash."""
    if not isinstance(prev_hash, str):
        raise AuditPayloadError(f"prev_hash must be a hex string, got {type(prev_hash).__name__}")
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical_json(payload)).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    prev_hash: str
    hash: str
    payload: Any


def append_entry(previous: AuditEntry | None, payload: Any) -> AuditEntry:
    """The entry that follows ``previous`` (or starts a chain when it is ``None``)."""
    prev_hash = GENESIS_HASH if previous is None else previous.hash
    seq = 1 if previous is None else previous.seq + 1
    return AuditEntry(seq=seq, prev_hash=prev_hash, hash=entry_hash(prev_hash, payload), payload=payload)


@dataclass(frozen=True)
class ChainReport:
    """Result of :func:`verify_chain`. ``first_broken_index`` is a position in the list given."""

    ok: bool
    n_entries: int
    first_broken_index: int | None
    first_broken_seq: int | None
    reason: str
    head_hash: str


def _field(entry: Any, name: str) -> Any:
    if isinstance(entry, Mapping):
        return entry[name]
    return getattr(entry, name)


def _entry_problem(index: int, entry: Any, prev_hash: str, expected_seq: int | None) -> tuple[str, Any] | None:
    """Why entry ``index`` breaks the chain (with its seq), or ``None`` if it holds."""
    try:
        seq, stored_prev, stored_hash, payload = (
            _field(entry, "seq"), _field(entry, "prev_hash"), _field(entry, "hash"), _field(entry, "payload")
        )
    except (KeyError, AttributeError) as exc:
        return f"entry {index} lacks the field {exc}", None
    if isinstance(seq, bool) or not isinstance(seq, int):
        return f"entry {index} has seq {seq!r}, not an integer", None
    if expected_seq is not None and seq != expected_seq:
        what = "missing or deleted entries before it" if seq > expected_seq else "entries out of order or repeated"
        return f"entry {index} has seq {seq} where {expected_seq} was expected ({what})", seq
    if stored_prev != prev_hash:
        return (
            f"entry {index} (seq {seq}) points to previous hash {str(stored_prev)[:12]}... but the "
            f"previous entry's hash is {prev_hash[:12]}... (an entry was deleted, inserted or reordered)",
            seq,
        )
    try:
        actual = entry_hash(stored_prev, payload)
    except AuditPayloadError as exc:
        return f"entry {index} (seq {seq}) has a payload that cannot be hashed: {exc}", seq
    if actual != stored_hash:
        return f"entry {index} (seq {seq}) does not match its stored hash (its payload or hash was modified)", seq
    return None


def verify_chain(
    entries: Iterable[Any],
    *,
    start_hash: str = GENESIS_HASH,
    start_seq: int | None = None,
    expected_head: str | None = None,
) -> ChainReport:
    """Check a chain in storage order; entries are mappings or objects with
    ``seq``, ``prev_hash``, ``hash`` and ``payload``.

    ``start_hash``/``start_seq`` let a later segment be checked on its own. Stops at the
    first break and says why.
    """
    prev_hash = start_hash
    expected_seq = start_seq
    count = 0
    for index, entry in enumerate(entries):
        count = index + 1
        problem = _entry_problem(index, entry, prev_hash, expected_seq)
        if problem is not None:
            reason, seq = problem
            return ChainReport(False, count, index, seq, reason, prev_hash)
        prev_hash = _field(entry, "hash")
        expected_seq = _field(entry, "seq") + 1
    if expected_head is not None and prev_hash != expected_head:
        return ChainReport(
            False, count, None, None,
            f"the chain ends at hash {prev_hash[:12]}... but the recorded head is {expected_head[:12]}... "
            "(entries were removed from the end, or the head belongs to another chain)",
            prev_hash,
        )
    return ChainReport(True, count, None, None, "ok", prev_hash)
