"""Concurrent submissions of one proposal: retries with one key give one Submission, new keys new versions.

Runs on PostgreSQL (row locks); SQLite serialises writers with its database lock and is
skipped because its in-memory test database cannot be shared safely between threads.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from dure.proposals.actions import check_submit_proposal
from dure.proposals.models import Proposal, Submission
from dure.proposals.tests.helpers import create, make_world

THREADS = 8


def _race(proposal_id: int, user, keys: list[str]) -> list:
    results: list = [None] * len(keys)
    barrier = threading.Barrier(len(keys))

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = check_submit_proposal(user, Proposal.objects.get(pk=proposal_id), keys[i]).pk
        except Exception as exc:  # reported by the assertion below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(keys))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_and_resubmissions_lose_nothing_and_duplicate_nothing(client):
    if connection.vendor != "postgresql":
        pytest.skip("row-lock race needs PostgreSQL")
    world = make_world()
    proposal = create(client, world)

    same = _race(proposal.pk, world.lead, ["retry"] * THREADS)
    assert all(isinstance(r, int) for r in same), same
    assert len(set(same)) == 1 and Submission.objects.count() == 1

    distinct = _race(proposal.pk, world.lead, [f"k{i}" for i in range(THREADS)])
    assert all(isinstance(r, int) for r in distinct), distinct
    versions = sorted(Submission.objects.values_list("version", flat=True))
    assert versions == list(range(1, THREADS + 2))
    proposal.refresh_from_db()
    assert proposal.version == THREADS + 1
