"""The hash-chained audit log: modified, deleted and reordered entries are caught."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dure.core.auditchain import (
    GENESIS_HASH,
    AuditPayloadError,
    append_entry,
    canonical_json,
    entry_hash,
    verify_chain,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)


def build(payloads):
    entries, prev = [], None
    for payload in payloads:
        prev = append_entry(prev, payload)
        entries.append(prev)
    return entries


PAYLOADS = [
    {"action": "score_changed", "review": "pseudonym-7", "from": 6, "to": 7},
    {"action": "stage_decision", "proposal": "P-12", "stage": "panel", "decision": "advance"},
    {"action": "unsealed", "by": "auditor-2", "reason": "공정성 이의 신청", "seen_by": "auditor-5"},
    {"action": "lottery_draw", "input_digest": "ab" * 32, "winners": ["P-3", "P-9"]},
]


def test_canonical_json_is_order_and_space_independent():
    assert canonical_json({"b": 1, "a": [1, 2.5, "한"]}) == canonical_json({"a": [1, 2.5, "한"], "b": 1})
    assert canonical_json({"b": 1, "a": "한"}) == '{"a":"한","b":1}'.encode()
    assert entry_hash(GENESIS_HASH, {"x": 1}) != entry_hash(GENESIS_HASH, {"x": 2})
    assert entry_hash(GENESIS_HASH, {"x": 1}) != entry_hash("1" * 64, {"x": 1})


def test_intact_chain_verifies_and_rows_as_dicts_work():
    entries = build(PAYLOADS)
    report = verify_chain(entries)
    assert report.ok and report.n_entries == 4 and report.head_hash == entries[-1].hash
    rows = [dataclasses.asdict(e) for e in entries]
    assert verify_chain(rows, expected_head=entries[-1].hash).ok
    # a later segment checks on its own from the hash before it
    assert verify_chain(entries[2:], start_hash=entries[1].hash, start_seq=3).ok


def test_modified_payload_detected():
    entries = build(PAYLOADS)
    entries[1] = dataclasses.replace(entries[1], payload={**entries[1].payload, "decision": "reject"})
    report = verify_chain(entries)
    assert not report.ok and report.first_broken_index == 1 and "modified" in report.reason


def test_rehashed_modification_breaks_the_next_link():
    entries = build(PAYLOADS)
    forged_payload = {**entries[1].payload, "decision": "reject"}
    entries[1] = dataclasses.replace(entries[1], payload=forged_payload,
                                     hash=entry_hash(entries[1].prev_hash, forged_payload))
    report = verify_chain(entries)
    assert not report.ok and report.first_broken_index == 2


def test_deleted_entry_detected():
    entries = build(PAYLOADS)
    del entries[1]
    report = verify_chain(entries)
    assert not report.ok and report.first_broken_index == 1 and "deleted" in report.reason
    # with seq numbers rewritten the broken hash link still shows it
    renumbered = [dataclasses.replace(e, seq=i + 1) for i, e in enumerate(entries)]
    assert verify_chain(renumbered).first_broken_index == 1


def test_deleted_tail_needs_the_head():
    entries = build(PAYLOADS)
    head = entries[-1].hash
    assert verify_chain(entries[:-1]).ok
    report = verify_chain(entries[:-1], expected_head=head)
    assert not report.ok and "removed from the end" in report.reason


def test_reordered_entries_detected():
    entries = build(PAYLOADS)
    entries[1], entries[2] = entries[2], entries[1]
    report = verify_chain(entries)
    assert not report.ok and report.first_broken_index == 1


def test_bad_payloads_refused():
    with pytest.raises(AuditPayloadError, match="NaN"):
        canonical_json({"x": float("nan")})
    with pytest.raises(AuditPayloadError, match="payload.when is a date"):
        import datetime

        canonical_json({"when": datetime.date(2026, 1, 1)})
    with pytest.raises(AuditPayloadError, match="non-string key"):
        canonical_json({1: "x"})
    assert "lacks the field" in verify_chain([{"seq": 1}]).reason


@settings(max_examples=50, deadline=None)
@given(payloads=st.lists(json_values, min_size=2, max_size=8), data=st.data())
def test_any_single_change_is_detected(payloads, data):
    entries = build(payloads)
    assert verify_chain(entries).ok
    i = data.draw(st.integers(0, len(entries) - 1))
    change = data.draw(st.sampled_from(["payload", "delete", "swap"]))
    if change == "payload":
        entries[i] = dataclasses.replace(entries[i], payload={"forged": entries[i].payload})
    elif change == "delete":
        if i == len(entries) - 1:
            i -= 1  # deleting the tail needs the head; covered above
        del entries[i]
    else:
        j = i + 1 if i + 1 < len(entries) else i - 1
        entries[i], entries[j] = entries[j], entries[i]
    assert not verify_chain(entries).ok
