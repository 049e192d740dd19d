"""A stored value always equals the value entered: scores and money, through the forms and the DB.

Scores are Decimal with one decimal place (7.3, 9.9, 0.1 ...); a float anywhere on the
way would turn 0.1 + 0.2 into 0.30000000000000004 or 7.3 into 7.2999. The scores are
also read back from a fresh query and from the re-rendered form the reviewer sees.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dure.programmes.workflow import CallStatus, StageKind
from dure.proposals.models import Proposal
from dure.proposals.tests.helpers import make_world
from dure.review.actions import check_assign_reviewer
from dure.review.models import CriterionScore, Review
from dure.review.tests.builders import make_proposal, pass_until
from dure.testing import factories as f

pytestmark = pytest.mark.django_db

tenths = st.integers(min_value=0, max_value=100).map(lambda n: Decimal(n) / 10)


def _assignment():
    manager = f.make_manager()
    call = f.make_call(status=CallStatus.CLOSED)
    proposal = make_proposal(call)
    pass_until(manager, call, [proposal], StageKind.WRITTEN)
    written = call.stages.get(kind=StageKind.WRITTEN)
    reviewer = f.make_reviewer()
    return reviewer, check_assign_reviewer(manager, written, proposal, reviewer), list(written.criteria.order_by("order"))


def test_scores_entered_in_the_review_form_are_stored_and_shown_exactly(client):
    reviewer, assignment, criteria = _assignment()
    client.force_login(reviewer)
    url = reverse("review-edit", args=[assignment.pk])

    @settings(max_examples=40, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(tenths, min_size=len(criteria), max_size=len(criteria)))
    @example([Decimal("7.3"), Decimal("9.9"), Decimal("0.1"), Decimal("0.3")][: len(criteria)]
             + [Decimal("5.5")] * max(0, len(criteria) - 4))
    def save(scores):
        scores = [min(s, Decimal(c.max_score)) for s, c in zip(scores, criteria, strict=True)]
        data = {f"criterion_{c.pk}": str(s) for c, s in zip(criteria, scores, strict=True)}
        data.update(confidence="3", comment_to_applicant="Scores as entered.")
        assert client.post(url, data).status_code == 302
        review = Review.objects.get(stage=assignment.stage, proposal=assignment.proposal)
        stored = {s.criterion_id: s.score for s in CriterionScore.objects.filter(review=review)}
        assert stored == {c.pk: s for c, s in zip(criteria, scores, strict=True)}
        form = client.get(url).context["form"]
        for c, s in zip(criteria, scores, strict=True):
            assert Decimal(str(form.initial[f"criterion_{c.pk}"])) == s

    save()


@pytest.mark.parametrize("typed", ["07.3", " 7.3 ", "7.3\n", "7.30"])
def test_equivalent_spellings_store_the_same_decimal(client, typed):
    reviewer, assignment, criteria = _assignment()
    client.force_login(reviewer)
    data = {f"criterion_{c.pk}": typed for c in criteria}
    data.update(confidence="3", comment_to_applicant="Same value, other spelling.")
    response = client.post(reverse("review-edit", args=[assignment.pk]), data)
    if typed == "7.30":
        # The form counts written decimal places, so 7.30 is refused with a message
        # (never stored as something else); accepting it as 7.3 would also be right.
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert not CriterionScore.objects.exists()
            return
    assert response.status_code == 302
    assert set(CriterionScore.objects.values_list("score", flat=True)) == {Decimal("7.3")}


@pytest.mark.parametrize("typed", ["7.35", "10.1", "-0.1", "NaN", "Infinity", "1e1", "7,3"])
def test_scores_that_cannot_be_stored_exactly_are_refused(client, typed):
    reviewer, assignment, criteria = _assignment()
    client.force_login(reviewer)
    data = {f"criterion_{c.pk}": typed for c in criteria}
    data.update(confidence="3", comment_to_applicant="Out of range.")
    response = client.post(reverse("review-edit", args=[assignment.pk]), data)
    if typed == "1e1":  # 1e1 is 10: a valid way to write the maximum
        assert response.status_code == 302
        assert set(CriterionScore.objects.values_list("score", flat=True)) == {Decimal(10)}
        return
    assert response.status_code == 400
    assert not Review.objects.exists() and not CriterionScore.objects.exists()


def test_budget_amounts_entered_in_the_proposal_form_are_stored_exactly(client):
    world = make_world()
    client.force_login(world.lead)
    amounts = [999_999_999, 1, 123_456_789]
    budgets = {f"budget_{year}": str(a) for year, a in zip(world.call.years, amounts, strict=False)}
    r = client.post(reverse("proposal-create", args=[world.call.pk]), world.form(**budgets))
    assert r.status_code == 302
    p = Proposal.objects.get()
    stored = dict(p.budget_years.values_list("year", "amount_krw"))
    assert [stored[y] for y in list(world.call.years)[: len(amounts)]] == amounts[: len(world.call.years)]
