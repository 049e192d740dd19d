"""Funding decisions stay within the track budget, even with two managers at once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from dure.accounts.errors import ActionError
from dure.programmes.models import TrackBudget
from dure.programmes.workflow import CallStatus, StageKind
from dure.proposals.workflow import ProposalStatus
from dure.review.actions import (
    ReviewInput,
    check_assign_reviewer,
    check_save_review,
)
from dure.review.tests.builders import make_proposal, pass_until
from dure.selection.actions import check_publish_seed, check_record_funding_decision, do_rank_call
from dure.selection.models import Decision, RankingRun
from dure.testing.factories import make_call, make_manager, make_reviewer, make_track


def _call_with(n: int, yearly_budget: int, yearly_request: int):
    manager = make_manager()
    track = make_track(yearly_budget_krw=yearly_budget)
    call = make_call(track, status=CallStatus.CLOSED, max_budget_per_year_krw=yearly_request)
    proposals = [make_proposal(call, yearly_krw=yearly_request) for _ in range(n)]
    pass_until(manager, call, proposals, StageKind.COMMITTEE)
    return manager, call, proposals


def _committed(call) -> list[int]:
    return list(TrackBudget.objects.filter(track=call.track).order_by("year").values_list("committed_krw", flat=True))


@pytest.mark.django_db
def test_second_decision_that_would_overspend_is_refused_and_changes_nothing(client):
    manager, call, (a, b) = _call_with(2, yearly_budget=1_000_000_000, yearly_request=600_000_000)
    check_record_funding_decision(manager, a, True, "Ranked first.")
    before = _committed(call)
    assert before[:3] == [600_000_000] * 3
    with pytest.raises(ActionError) as exc:
        check_record_funding_decision(manager, b, True, "Ranked second.")
    assert "2026 would exceed" in str(exc.value) and "budget by" in str(exc.value)
    assert _committed(call) == before
    b.refresh_from_db()
    assert b.status == ProposalStatus.IN_REVIEW and not Decision.objects.filter(proposal=b, outcome__in=["funded", "not_funded"]).exists()
    # Through the page, the manager reads how much is missing, in the page language's money units.
    client.force_login(manager)
    r = client.post(reverse("funding-decision", args=[b.pk]), {"funded": "yes", "reason": "Try again."}, follow=True)
    page = r.content.decode()
    assert "KRW 400 million" in page or "4억 원" in page
    assert _committed(call) == before
    # Declining needs no money and is recorded with its reason.
    check_record_funding_decision(manager, b, False, "The budget is spent.")
    b.refresh_from_db()
    assert b.status == ProposalStatus.NOT_SELECTED


@pytest.mark.django_db
def test_decision_needs_a_reason_and_happens_once():
    manager, call, (a,) = _call_with(1, yearly_budget=1_000_000_000, yearly_request=300_000_000)
    with pytest.raises(ActionError):
        check_record_funding_decision(manager, a, True, "  ")
    assert _committed(call)[0] == 0
    check_record_funding_decision(manager, a, True, "Excellent.")
    with pytest.raises(ActionError):
        check_record_funding_decision(manager, a, True, "Again.")
    assert _committed(call)[0] == 300_000_000


@pytest.mark.django_db
def test_ranking_run_is_saved_with_order_intervals_and_lottery_inputs():
    manager, call, proposals = _call_with(3, yearly_budget=1_000_000_000, yearly_request=400_000_000)
    written = call.stages.get(kind=StageKind.WRITTEN)
    reviewers = [make_reviewer() for _ in range(3)]
    criteria = list(written.criteria.order_by("order"))
    for quality, p in zip((9, 6, 3), proposals, strict=True):
        for rev in reviewers:
            a = check_assign_reviewer(manager, written, p, rev)
            check_save_review(rev, a, ReviewInput({c.pk: quality for c in criteria}, 4, "ok"))
    check_publish_seed(manager, call, "published-seed-1")
    run = do_rank_call(manager, call)
    assert run.fundable == 2
    assert [r["proposal_id"] for r in run.results] == [p.pk for p in proposals]
    for r in run.results:
        assert r["rank_low"] <= r["expected_rank"] <= r["rank_high"]
    if run.method == "bayesian-calibrated":
        assert run.lottery_record["seed"] == "published-seed-1"
    with pytest.raises(ActionError, match="Publish the lottery seed first"):
        do_rank_call(manager, call)  # a seed is used once
    check_publish_seed(manager, call, "published-seed-1")
    again = do_rank_call(manager, call, "published-seed-1")
    assert again.results == run.results
    assert RankingRun.objects.filter(call=call).count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_two_managers_at_once_cannot_overspend():
    manager, call, (a, b) = _call_with(2, yearly_budget=1_000_000_000, yearly_request=600_000_000)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(p):
        try:
            start.wait()
            check_record_funding_decision(manager, p, True, "Concurrent.")
            outcomes.append("funded")
        except ActionError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(p,)) for p in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["funded", "refused"]
    assert max(_committed(call)) == 600_000_000
