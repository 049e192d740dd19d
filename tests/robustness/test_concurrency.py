"""Concurrent writes on PostgreSQL: budgets, reviewer loads, reviews and submissions.

Each racer runs in its own thread with its own database connection, released with a
barrier so the writes really overlap. SQLite serialises every writer behind one database
lock (and the test database is in memory), so these tests run on PostgreSQL only.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from dure.accounts.errors import ActionError
from dure.programmes.models import TrackBudget
from dure.programmes.workflow import CallStatus, StageKind
from dure.proposals.actions import check_submit_proposal
from dure.proposals.models import Proposal, Submission
from dure.proposals.receipts import verify_submission
from dure.proposals.tests.helpers import create, make_world
from dure.review.actions import (
    ReviewInput,
    check_assign_reviewer,
    check_save_review,
)
from dure.review.models import Assignment, CriterionScore, Review
from dure.review.tests.builders import make_proposal, pass_until
from dure.selection.actions import check_record_funding_decision
from dure.selection.models import Decision, Outcome
from dure.testing.factories import make_call, make_manager, make_reviewer, make_track
from tests.robustness.world import needs_postgresql

pytestmark = pytest.mark.django_db(transaction=True)


def race(*jobs):
    """Run the callables at the same moment, each on its own connection; results or exceptions."""
    results: list = [None] * len(jobs)
    barrier = threading.Barrier(len(jobs))

    def run(i, job):
        try:
            barrier.wait(timeout=30)
            results[i] = job()
        except Exception as exc:  # the caller inspects what each racer got
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _eligible_call(n: int, yearly_budget: int, yearly_request: int, until: str = StageKind.WRITTEN):
    manager = make_manager()
    track = make_track(yearly_budget_krw=yearly_budget)
    call = make_call(track, status=CallStatus.CLOSED, max_budget_per_year_krw=yearly_request)
    proposals = [make_proposal(call, yearly_krw=yearly_request) for _ in range(n)]
    pass_until(manager, call, proposals, until)
    return manager, call, [Proposal.objects.get(pk=p.pk) for p in proposals]


def test_managers_funding_at_once_never_overspend_the_track_budget():
    needs_postgresql("concurrent funding decisions")
    # Room for two proposals per year; six managers try to fund six at once.
    manager, call, proposals = _eligible_call(6, yearly_budget=1_000_000_000, yearly_request=450_000_000,
                                             until=StageKind.COMMITTEE)
    managers = [manager] + [make_manager() for _ in range(5)]
    results = race(*[
        (lambda m=m, p=p: check_record_funding_decision(m, p, True, "Ranked above the line."))
        for m, p in zip(managers, proposals, strict=True)
    ])
    funded = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, ActionError)]
    assert len(funded) == 2 and len(refused) == 4, results
    for budget in TrackBudget.objects.filter(track=call.track, year__in=call.years):
        assert budget.committed_krw == 900_000_000 <= budget.amount_krw
    assert Decision.objects.filter(outcome=Outcome.FUNDED).count() == 2


def test_managers_assigning_at_once_never_exceed_a_reviewers_load():
    needs_postgresql("concurrent assignments")
    manager, call, proposals = _eligible_call(6, yearly_budget=10_000_000_000, yearly_request=100_000_000)
    written = call.stages.get(kind=StageKind.WRITTEN)
    reviewer = make_reviewer(max_reviews=2)
    managers = [manager] + [make_manager() for _ in range(5)]
    results = race(*[
        (lambda m=m, p=p: check_assign_reviewer(m, written, p, reviewer))
        for m, p in zip(managers, proposals, strict=True)
    ])
    assert sum(isinstance(r, Assignment) for r in results) == 2, results
    assert all(isinstance(r, Assignment | ActionError) for r in results), results
    assert Assignment.objects.filter(reviewer=reviewer).count() == 2

    # The same pair assigned twice at once is one assignment.
    other = make_reviewer()
    twice = race(*[(lambda m=m: check_assign_reviewer(m, written, proposals[0], other)) for m in managers[:2]])
    assert Assignment.objects.filter(reviewer=other).count() == 1, twice


def test_two_saves_of_one_review_keep_one_input_exactly_and_count_both_revisions():
    needs_postgresql("concurrent review saves")
    manager, call, (proposal,) = _eligible_call(1, yearly_budget=10_000_000_000, yearly_request=100_000_000)
    written = call.stages.get(kind=StageKind.WRITTEN)
    reviewer = make_reviewer()
    assignment = check_assign_reviewer(manager, written, proposal, reviewer)
    criteria = list(written.criteria.order_by("order"))
    inputs = [
        [Decimal("7.3"), Decimal("9.9"), Decimal("0.1")][: len(criteria)],
        [Decimal("2.2"), Decimal("4.5"), Decimal("8.8")][: len(criteria)],
    ]
    while len(inputs[0]) < len(criteria):
        inputs[0].append(Decimal("5.5"))
        inputs[1].append(Decimal("6.6"))

    def save(values, comment):
        data = ReviewInput(scores={c.pk: v for c, v in zip(criteria, values, strict=True)}, confidence=4,
                           comment_to_applicant=comment, question_to_applicant="", submit=True)
        return check_save_review(reviewer, Assignment.objects.get(pk=assignment.pk), data)

    for _round in range(3):
        before = Review.objects.filter(proposal=proposal).values_list("revision", flat=True).first() or 0
        results = race(lambda: save(inputs[0], "first"), lambda: save(inputs[1], "second"))
        assert all(isinstance(r, Review) for r in results), results
        review = Review.objects.get(stage=written, proposal=proposal)
        stored = [CriterionScore.objects.get(review=review, criterion=c).score for c in criteria]
        assert stored in (inputs[0], inputs[1]), stored
        assert review.comment_to_applicant == ("first" if stored == inputs[0] else "second")
        assert review.revision == before + 2


def test_one_submission_key_sent_at_once_gives_one_submission(client):
    needs_postgresql("concurrent submissions")
    world = make_world()
    proposal = create(client, world)
    results = race(*[(lambda: check_submit_proposal(world.lead, Proposal.objects.get(pk=proposal.pk), "same-key"))
                     for _ in range(8)])
    assert all(isinstance(r, Submission) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Submission.objects.filter(proposal=proposal).count() == 1
    assert verify_submission(Submission.objects.get(proposal=proposal))
