"""The evaluation path through HTTP, as each role uses it: assign -> review -> rank -> decide."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from dure.accounts.models import ExpertKind
from dure.organisations.models import OrgKind
from dure.programmes.models import TrackBudget
from dure.programmes.workflow import CallStatus, StageKind
from dure.proposals.workflow import ProposalStatus
from dure.review.models import Assignment, CriterionScore, Review, ReviewerPseudonym
from dure.review.tests.builders import make_proposal
from dure.selection.models import Decision, RankingRun
from dure.testing.factories import make_call, make_manager, make_org, make_reviewer

pytestmark = pytest.mark.django_db


def _stage(call, kind):
    return call.stages.get(kind=kind)


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def _review_post(stage, scores, confidence=4, comment="Solid plan; the pilot line is credible.", **extra):
    data = {f"criterion_{c.pk}": str(s) for c, s in zip(stage.criteria.order_by("order"), scores, strict=True)}
    data.update(confidence=str(confidence), comment_to_applicant=comment, **extra)
    return data


@pytest.fixture
def setting():
    manager = make_manager()
    call = make_call(status=CallStatus.CLOSED)
    proposals = [make_proposal(call), make_proposal(call)]
    reviewers = [
        make_reviewer(),
        make_reviewer(make_org(OrgKind.GRI), expert_kind=ExpertKind.INSTITUTE),
        make_reviewer(make_org(OrgKind.LARGE), expert_kind=ExpertKind.INDUSTRY),
    ]
    return manager, call, proposals, reviewers


def test_assign_review_rank_decide_through_http(client, setting, django_capture_on_commit_callbacks):
    manager, call, proposals, reviewers = setting
    eligibility, written = _stage(call, StageKind.ELIGIBILITY), _stage(call, StageKind.WRITTEN)

    client.force_login(manager)
    page = client.get(reverse("stage-manage", args=[eligibility.pk]))
    assert page.status_code == 200 and proposals[0].title in page.content.decode()
    for p in proposals:
        r = client.post(reverse("stage-decide", args=[eligibility.pk]),
                        {"proposal": p.pk, "outcome": "pass", "reason": "Meets every rule of the call."}, follow=True)
        assert "Decision recorded" in _messages(r)
        p.refresh_from_db()
        assert p.status == ProposalStatus.IN_REVIEW
    for p in proposals:
        for rev in reviewers:
            r = client.post(reverse("stage-assign", args=[written.pk]), {"proposal": p.pk, "reviewer": rev.pk}, follow=True)
            assert "will review" in _messages(r), _messages(r)
    assert Assignment.objects.filter(stage=written).count() == 6
    codes = set(ReviewerPseudonym.objects.filter(stage=written).values_list("code", flat=True))
    assert len(codes) == 3 and all(c.startswith("R-") for c in codes)

    # Each reviewer scores both proposals; proposal 0 gets better scores.
    for i, rev in enumerate(reviewers):
        client.force_login(rev)
        home = client.get(reverse("my-reviews")).content.decode()
        for j, p in enumerate(proposals):
            a = Assignment.objects.get(stage=written, proposal=p, reviewer=rev)
            assert reverse("review-edit", args=[a.pk]) in home
            scores = [Decimal("8.5") - j * 3 + Decimal(i) / 10, 7, Decimal("6.4") - j]
            r = client.post(reverse("review-edit", args=[a.pk]), _review_post(written, scores), follow=True)
            assert "Your review is saved" in _messages(r)
    assert Review.objects.filter(stage=written, is_submitted=True).count() == 6
    assert not Review.objects.filter(pseudonym__in=[r.username for r in reviewers]).exists()

    client.force_login(manager)
    # Not at the committee yet: nothing to rank until decisions pass the later stages.
    client.post(reverse("seed-publish", args=[call.pk]), {"seed": "2026-05-01 lotto 3 12 19 27 33 41"})
    r = client.post(reverse("ranking-run", args=[call.pk]), {}, follow=True)
    assert "cannot be ranked" in _messages(r), _messages(r)
    for stage in call.stages.filter(order__gt=written.order).exclude(kind=StageKind.COMMITTEE).order_by("order"):
        for p in proposals:
            r = client.post(reverse("stage-decide", args=[stage.pk]),
                            {"proposal": p.pk, "outcome": "pass", "reason": "Moves on."}, follow=True)
    for p in proposals:
        r = client.post(reverse("stage-decide", args=[written.pk]),
                        {"proposal": p.pk, "outcome": "pass", "reason": "Moves on."}, follow=True)
        assert "Decision recorded" in _messages(r), _messages(r)
    for stage in call.stages.filter(order__gt=written.order).exclude(kind=StageKind.COMMITTEE).order_by("order"):
        for p in proposals:
            r = client.post(reverse("stage-decide", args=[stage.pk]),
                            {"proposal": p.pk, "outcome": "pass", "reason": "Moves on."}, follow=True)
            assert "Decision recorded" in _messages(r), _messages(r)
    r = client.post(reverse("ranking-run", args=[call.pk]), {}, follow=True)
    assert "Ranking done" in _messages(r), _messages(r)
    run = RankingRun.objects.get(call=call)
    assert [row["proposal_id"] for row in run.results][0] == proposals[0].pk
    page = client.get(reverse("ranking", args=[call.pk])).content.decode()
    assert proposals[0].title in page and proposals[1].title in page

    budget_before = TrackBudget.objects.get(track=call.track, year=2026).committed_krw
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("funding-decision", args=[proposals[0].pk]),
                        {"funded": "yes", "reason": "Ranked first; strong industrial pull."}, follow=True)
        assert "Decision recorded" in _messages(r), _messages(r)
        r = client.post(reverse("funding-decision", args=[proposals[1].pk]),
                        {"funded": "no", "reason": "Below the funding line."}, follow=True)
    proposals[0].refresh_from_db()
    proposals[1].refresh_from_db()
    assert proposals[0].status == ProposalStatus.SELECTED and proposals[1].status == ProposalStatus.NOT_SELECTED
    assert TrackBudget.objects.get(track=call.track, year=2026).committed_krw == budget_before + 500_000_000
    assert Decision.objects.filter(proposal=proposals[0], outcome="funded").exists()
    assert {m.to[0] for m in mail.outbox} >= {proposals[0].lead_user.email, proposals[1].lead_user.email}

    # The applicant reads their feedback once the manager releases it: scores and comments, no identity.
    lead = proposals[0].lead_user
    client.force_login(lead)
    assert client.get(reverse("proposal-feedback", args=[proposals[0].pk])).status_code == 404
    client.force_login(manager)
    client.post(reverse("feedback-release", args=[call.pk]))
    client.force_login(lead)
    html = client.get(reverse("proposal-feedback", args=[proposals[0].pk])).content.decode()
    assert "Reviewer 1" in html and "Reviewer 3" in html and "Reviewer 4" not in html
    assert "Ranked first; strong industrial pull." in html
    assert "8.5" in html and "Solid plan" in html
    for rev in reviewers:
        for leak in (rev.username, rev.display_name, rev.email, rev.organisation.name_en, rev.organisation.name_ko):
            assert leak not in html, leak
    for code in codes:
        assert code not in html


def test_feedback_only_for_the_consortium_and_after_the_decision(client, setting):
    manager, call, proposals, reviewers = setting
    p = proposals[0]
    client.force_login(p.lead_user)
    assert client.get(reverse("proposal-feedback", args=[p.pk])).status_code == 404  # not decided yet
    p.status = ProposalStatus.NOT_SELECTED
    p.save()
    assert client.get(reverse("proposal-feedback", args=[p.pk])).status_code == 404  # not released yet
    proposals[1].status = ProposalStatus.INELIGIBLE
    proposals[1].save()
    from dure.review.actions import do_release_feedback

    do_release_feedback(manager, call)
    assert client.get(reverse("proposal-feedback", args=[p.pk])).status_code == 200
    client.force_login(proposals[1].lead_user)
    assert client.get(reverse("proposal-feedback", args=[p.pk])).status_code == 404
    client.force_login(reviewers[0])
    assert client.get(reverse("proposal-feedback", args=[p.pk])).status_code == 404


def _in_review(call, proposals, manager):
    from dure.review.actions import check_decide_stage

    for p in proposals:
        check_decide_stage(manager, _stage(call, StageKind.ELIGIBILITY), p, "pass", "eligible")


def test_same_organisation_and_parent_child_assignment_refused_and_nothing_written(client, setting):
    manager, call, proposals, _ = setting
    _in_review(call, proposals, manager)
    written = _stage(call, StageKind.WRITTEN)
    member_org = proposals[0].lead_user.organisation
    same = make_reviewer(member_org)
    child = make_reviewer(make_org(OrgKind.GRI, parent=member_org))
    parent_org = make_org(OrgKind.GRI)
    partner = proposals[0].members.exclude(organisation=member_org).first().organisation
    partner.parent = parent_org
    partner.save()
    parent = make_reviewer(parent_org)
    client.force_login(manager)
    for rev in (same, child, parent):
        before = (Assignment.objects.count(), ReviewerPseudonym.objects.count())
        r = client.post(reverse("stage-assign", args=[written.pk]), {"proposal": proposals[0].pk, "reviewer": rev.pk}, follow=True)
        assert "Conflict of interest" in _messages(r)
        assert (Assignment.objects.count(), ReviewerPseudonym.objects.count()) == before
    # The same reviewers may review the other proposal.
    r = client.post(reverse("stage-assign", args=[written.pk]), {"proposal": proposals[1].pk, "reviewer": same.pk}, follow=True)
    assert "will review" in _messages(r)


def test_detected_conflicts_shown_with_evidence_then_confirmed_or_dismissed(client, setting):
    from dure.audit.models import AuditEvent
    from dure.review.models import Conflict

    manager, call, proposals, _ = setting
    _in_review(call, proposals, manager)
    written = _stage(call, StageKind.WRITTEN)
    member_org = proposals[0].lead_user.organisation
    child_reviewer = make_reviewer(make_org(OrgKind.GRI, parent=member_org))
    client.force_login(manager)
    client.post(reverse("stage-detect-conflicts", args=[written.pk]))
    conflict = Conflict.objects.get(proposal=proposals[0], person=child_reviewer)
    assert conflict.kind == "same_organisation" and member_org.name_en in conflict.evidence
    page = client.get(reverse("stage-manage", args=[written.pk])).content.decode()
    assert escape(conflict.evidence) in page
    # Dismissing needs a reason.
    client.post(reverse("conflict-decide", args=[written.pk, conflict.pk]), {"decision": "dismiss", "reason": ""})
    conflict.refresh_from_db()
    assert conflict.status == "active"
    client.post(reverse("conflict-decide", args=[written.pk, conflict.pk]),
                {"decision": "confirm", "reason": "Checked the ROR hierarchy."})
    conflict.refresh_from_db()
    assert conflict.status == "confirmed" and conflict.decided_by == manager
    assert AuditEvent.objects.filter(action="conflict.confirmed", payload__reason="Checked the ROR hierarchy.").exists()


def test_active_conflict_blocks_assignment_until_dismissed(client, setting):
    from dure.review.models import Conflict

    manager, call, proposals, reviewers = setting
    _in_review(call, proposals, manager)
    written = _stage(call, StageKind.WRITTEN)
    conflict = Conflict.objects.create(proposal=proposals[0], person=reviewers[0], kind="declared_tie",
                                       source="manager", evidence="Former PhD supervisor of the lead.")
    client.force_login(manager)
    r = client.post(reverse("stage-assign", args=[written.pk]), {"proposal": proposals[0].pk, "reviewer": reviewers[0].pk}, follow=True)
    assert "Former PhD supervisor" in _messages(r)
    assert not Assignment.objects.exists()
    conflict.status = "dismissed"
    conflict.save()
    r = client.post(reverse("stage-assign", args=[written.pk]), {"proposal": proposals[0].pk, "reviewer": reviewers[0].pk}, follow=True)
    assert Assignment.objects.count() == 1


def test_reviewer_load_limit_refused(client, setting):
    manager, call, proposals, _ = setting
    _in_review(call, proposals, manager)
    written = _stage(call, StageKind.WRITTEN)
    busy = make_reviewer(max_reviews=1)
    client.force_login(manager)
    client.post(reverse("stage-assign", args=[written.pk]), {"proposal": proposals[0].pk, "reviewer": busy.pk})
    r = client.post(reverse("stage-assign", args=[written.pk]), {"proposal": proposals[1].pk, "reviewer": busy.pk}, follow=True)
    assert "limit is 1" in _messages(r)
    assert Assignment.objects.filter(reviewer=busy).count() == 1


def test_reviewer_sees_only_own_assignments_and_blinded_text(client, setting):
    manager, call, proposals, reviewers = setting
    _in_review(call, proposals, manager)
    written = _stage(call, StageKind.WRITTEN)
    from dure.review.actions import check_assign_reviewer

    mine = check_assign_reviewer(manager, written, proposals[0], reviewers[0])
    theirs = check_assign_reviewer(manager, written, proposals[1], reviewers[1])
    client.force_login(reviewers[0])
    home = client.get(reverse("my-reviews")).content.decode()
    assert reverse("review-edit", args=[mine.pk]) in home and reverse("review-edit", args=[theirs.pk]) not in home
    assert client.get(reverse("review-edit", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("review-edit", args=[theirs.pk]), _review_post(written, [5, 5, 5])).status_code == 404
    assert not Review.objects.exists()
    page = client.get(reverse("review-edit", args=[mine.pk])).content.decode()
    lead = proposals[0].lead_user
    assert lead.organisation.name_en not in page and lead.email not in page and "https://example.org" not in page
    assert "will develop the technology" in page
    # Managers' and applicants' pages are not for reviewers.
    assert client.get(reverse("stage-manage", args=[written.pk])).status_code == 404
    assert client.get(reverse("ranking", args=[call.pk])).status_code == 404


def test_stored_score_equals_typed_score_and_resave_updates(client, setting):
    manager, call, proposals, reviewers = setting
    _in_review(call, proposals, manager)
    written = _stage(call, StageKind.WRITTEN)
    from dure.review.actions import check_assign_reviewer

    a = check_assign_reviewer(manager, written, proposals[0], reviewers[0])
    client.force_login(reviewers[0])
    client.post(reverse("review-edit", args=[a.pk]), _review_post(written, ["7.3", "9.9", "0.1"]))
    review = Review.objects.get()
    assert [s.score for s in review.scores.all()] == [Decimal("7.3"), Decimal("9.9"), Decimal("0.1")]
    assert review.revision == 1 and review.pseudonym.startswith("R-")
    client.post(reverse("review-edit", args=[a.pk]), _review_post(written, ["6.0", "9.9", "0.1"], comment="Revised."))
    review = Review.objects.get()
    assert review.revision == 2 and review.comment_to_applicant == "Revised."
    assert CriterionScore.objects.filter(review=review).count() == 3
    assert review.scores.first().score == Decimal("6.0")
    # Out of range or too precise: refused, nothing changes.
    for bad in (["10.1", "5", "5"], ["7.25", "5", "5"], ["-1", "5", "5"]):
        r = client.post(reverse("review-edit", args=[a.pk]), _review_post(written, bad, comment="Bad."))
        assert r.status_code == 400
        review.refresh_from_db()
        assert review.revision == 2 and review.comment_to_applicant == "Revised."


def test_panel_members_see_each_other_by_pseudonym_only(client, setting):
    manager, call, proposals, reviewers = setting
    from dure.review.tests.builders import pass_until

    pass_until(manager, call, proposals, StageKind.PANEL)
    panel = _stage(call, StageKind.PANEL)
    from dure.review.actions import ReviewInput, check_assign_reviewer, check_save_review

    a0 = check_assign_reviewer(manager, panel, proposals[0], reviewers[0])
    a1 = check_assign_reviewer(manager, panel, proposals[0], reviewers[1])
    crit = panel.criteria.get()
    check_save_review(reviewers[1], a1, ReviewInput({crit.pk: Decimal("8.0")}, 4, "Panel view: convincing."))
    client.force_login(reviewers[0])
    page = client.get(reverse("review-edit", args=[a0.pk])).content.decode()
    code1 = ReviewerPseudonym.objects.get(stage=panel, reviewer=reviewers[1]).code
    assert code1 in page and "Panel view: convincing." in page
    assert reviewers[1].display_name not in page and reviewers[1].username not in page


def test_reviewer_declares_conflict(client, setting):
    from dure.review.models import Conflict

    manager, call, proposals, reviewers = setting
    _in_review(call, proposals, manager)
    written = _stage(call, StageKind.WRITTEN)
    from dure.review.actions import check_assign_reviewer

    a = check_assign_reviewer(manager, written, proposals[0], reviewers[0])
    client.force_login(reviewers[0])
    client.post(reverse("declare-conflict", args=[a.pk]), {"reason": "I co-wrote a paper with the lead in 2025."})
    assert not Assignment.objects.filter(pk=a.pk).exists()
    c = Conflict.objects.get(proposal=proposals[0], person=reviewers[0])
    assert c.source == "declared"
    client.force_login(manager)
    r = client.post(reverse("stage-assign", args=[written.pk]), {"proposal": proposals[0].pk, "reviewer": reviewers[0].pk}, follow=True)
    assert "co-wrote" in _messages(r) and not Assignment.objects.exists()


def test_automatic_assignment_previews_then_applies_without_conflicts(client, setting):
    manager, call, proposals, reviewers = setting
    _in_review(call, proposals, manager)
    written = _stage(call, StageKind.WRITTEN)
    member_org = proposals[0].lead_user.organisation
    conflicted = make_reviewer(member_org, expert_kind=ExpertKind.INDUSTRY)
    make_reviewer(make_org(OrgKind.UNIVERSITY))
    client.force_login(manager)
    page = client.get(reverse("stage-auto-assign", args=[written.pk]))
    assert page.status_code == 200 and not Assignment.objects.exists()
    pairs = [p for p in page.context["plan"].pairs]
    assert len(pairs) == 6
    assert (proposals[0].pk, conflicted.pk) not in {(p.proposal.pk, p.reviewer.pk) for p in pairs}
    post = {"apply": "1", "mode": "optimal", "seed": "1",
            "pair": [f"{p.proposal.pk}:{p.reviewer.pk}:{p.affinity}" for p in pairs]}
    r = client.post(reverse("stage-auto-assign", args=[written.pk]), post, follow=True)
    assert "assignments applied" in _messages(r)
    assert Assignment.objects.filter(stage=written).count() == 6
    for p in proposals:
        kinds = set(Assignment.objects.filter(proposal=p).values_list("reviewer__expert_kind", flat=True))
        assert "industry" in kinds
    # A tampered plan with a conflicted pair is refused as a whole.
    Assignment.objects.all().delete()
    bad = dict(post, pair=post["pair"] + [f"{proposals[0].pk}:{conflicted.pk}:1.0"])
    r = client.post(reverse("stage-auto-assign", args=[written.pk]), bad, follow=True)
    assert "Nothing was applied" in _messages(r) and not Assignment.objects.exists()


def test_eligibility_is_rechecked_before_a_proposal_moves_on(client, setting):
    manager, call, proposals, _ = setting
    over_cap = make_proposal(call, yearly_krw=call.max_budget_per_year_krw + 100_000_000)
    eligibility = _stage(call, StageKind.ELIGIBILITY)
    client.force_login(manager)
    r = client.post(reverse("stage-decide", args=[eligibility.pk]),
                    {"proposal": over_cap.pk, "outcome": "pass", "reason": "Looks fine."}, follow=True)
    assert "fails the eligibility rules" in _messages(r)
    over_cap.refresh_from_db()
    assert over_cap.status == ProposalStatus.SUBMITTED and not Decision.objects.filter(proposal=over_cap).exists()
    # Not yet through eligibility: no reviewer can be assigned.
    r = client.post(reverse("stage-assign", args=[_stage(call, StageKind.WRITTEN).pk]),
                    {"proposal": over_cap.pk, "reviewer": setting[3][0].pk})
    assert r.status_code == 404 and not Assignment.objects.exists()
    r = client.post(reverse("stage-decide", args=[eligibility.pk]),
                    {"proposal": over_cap.pk, "outcome": "fail", "reason": "The budget exceeds the yearly cap."}, follow=True)
    over_cap.refresh_from_db()
    assert over_cap.status == ProposalStatus.INELIGIBLE
