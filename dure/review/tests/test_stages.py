"""Layers of evaluation through HTTP: stage gating, panel anonymity, rebuttal once, seed before draw."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from dure.accounts.models import ExpertKind
from dure.audit.models import AuditEvent
from dure.organisations.models import OrgKind
from dure.programmes.workflow import CallStatus, StageKind
from dure.review.actions import ReviewInput, check_assign_reviewer, check_save_review
from dure.review.models import Assignment, Rebuttal, Review
from dure.review.tests.builders import make_proposal, pass_until
from dure.selection.models import Decision
from dure.testing.factories import make_call, make_manager, make_org, make_reviewer

pytestmark = pytest.mark.django_db


def _msgs(r) -> str:
    return " ".join(str(m) for m in r.context["messages"]) if r.context else ""


@pytest.fixture
def world():
    manager = make_manager()
    call = make_call(status=CallStatus.CLOSED, requires_foreign_partner=True, allows_rebuttal=True)
    # The stages (with the cooperation check) are made; the builder's consortia have no foreign
    # partner, so the eligibility rule for one is lifted for these tests.
    type(call).objects.filter(pk=call.pk).update(requires_foreign_partner=False)
    call.refresh_from_db()
    proposals = [make_proposal(call), make_proposal(call)]
    reviewers = [make_reviewer(make_org(OrgKind.GRI), expert_kind=ExpertKind.INSTITUTE) for _ in range(3)]
    return manager, call, proposals, reviewers


def _written_reviews(call, proposals, reviewers, manager, question="How will the SME license the result?"):
    written = call.stages.get(kind=StageKind.WRITTEN)
    crit = list(written.criteria.order_by("order"))
    for j, p in enumerate(proposals):
        for i, rev in enumerate(reviewers):
            a = check_assign_reviewer(manager, written, p, rev)
            check_save_review(rev, a, ReviewInput({c.pk: Decimal(8 - 3 * j) for c in crit}, 3 + i % 2,
                                                  f"Written comment {i}.", question if i == 0 else ""))
    return written


def test_a_proposal_cannot_be_reviewed_at_a_stage_it_has_not_reached(client, world):
    manager, call, (p, _q), reviewers = world
    pass_until(manager, call, [p], StageKind.WRITTEN)
    panel = call.stages.get(kind=StageKind.PANEL)
    client.force_login(manager)
    before = Assignment.objects.count()
    r = client.post(reverse("stage-assign", args=[panel.pk]), {"proposal": p.pk, "reviewer": reviewers[0].pk})
    assert r.status_code == 404  # not at the panel: the proposal is not there for the manager either
    assert Assignment.objects.count() == before
    # Stage decisions are required to move on: no decision at the written stage, no panel.
    page = client.get(reverse("stage-manage", args=[panel.pk])).content.decode()
    assert p.title not in page
    # Once passed by a recorded decision, the panel can assign; a stopped proposal cannot be reviewed.
    written = call.stages.get(kind=StageKind.WRITTEN)
    r = client.post(reverse("stage-decide", args=[written.pk]), {"proposal": p.pk, "outcome": "pass", "reason": "Good."},
                    follow=True)
    assert "Decision recorded" in _msgs(r)
    r = client.post(reverse("stage-assign", args=[panel.pk]), {"proposal": p.pk, "reviewer": reviewers[0].pk}, follow=True)
    assert "will review" in _msgs(r), _msgs(r)
    r = client.post(reverse("stage-decide", args=[panel.pk]), {"proposal": p.pk, "outcome": "fail", "reason": "Weak."},
                    follow=True)
    a = Assignment.objects.get(stage=panel, proposal=p)
    crit = panel.criteria.get()
    client.force_login(reviewers[0])
    r = client.post(reverse("review-edit", args=[a.pk]),
                    {f"criterion_{crit.pk}": "7", "confidence": "4", "comment_to_applicant": "Late."})
    assert r.status_code == 400 and "has not reached this stage" in r.content.decode()
    assert not Review.objects.filter(stage=panel).exists()
    assert AuditEvent.objects.filter(action="stage.decision").count() >= 3


def test_closing_a_stage_is_an_audited_action_and_stops_reviews(client, world):
    manager, call, proposals, reviewers = world
    pass_until(manager, call, proposals, StageKind.WRITTEN)
    written = call.stages.get(kind=StageKind.WRITTEN)
    a = check_assign_reviewer(manager, written, proposals[0], reviewers[0])
    client.force_login(manager)
    client.post(reverse("stage-open", args=[written.pk]), {"action": "close"})
    assert AuditEvent.objects.filter(action="stage.closed").exists()
    client.force_login(reviewers[0])
    data = {f"criterion_{c.pk}": "7" for c in written.criteria.all()}
    data.update(confidence="3", comment_to_applicant="Too late.")
    r = client.post(reverse("review-edit", args=[a.pk]), data)
    assert r.status_code == 400 and not Review.objects.filter(stage=written).exists()


def test_panel_sees_pseudonyms_only_discusses_and_chair_records_consensus(client, world):
    manager, call, proposals, reviewers = world
    pass_until(manager, call, proposals, StageKind.WRITTEN)
    _written_reviews(call, proposals, reviewers, manager)
    pass_until(manager, call, proposals, StageKind.PANEL)
    panel = call.stages.get(kind=StageKind.PANEL)
    members = [make_reviewer(make_org(OrgKind.LARGE), expert_kind=ExpertKind.INDUSTRY) for _ in range(2)]
    a0, a1 = (check_assign_reviewer(manager, panel, proposals[0], m) for m in members)
    client.force_login(manager)
    client.post(reverse("panel-chair", args=[panel.pk]), {"assignment": a0.pk})
    client.force_login(members[1])
    client.post(reverse("panel-comment", args=[a1.pk]), {"body": "I find the partner essential."})
    r = client.post(reverse("panel-consensus", args=[a1.pk]),
                    {"consensus_score": "7.5", "summary_for_applicant": "Not the chair."}, follow=True)
    assert "Only the panel chair" in _msgs(r)
    client.force_login(members[0])
    page = client.get(reverse("review-edit", args=[a0.pk])).content.decode()
    assert "Written comment 0." in page and "I find the partner essential." in page
    for person in reviewers + members[1:]:
        for leak in (person.username, person.display_name, person.email):
            assert leak not in page, leak
    r = client.post(reverse("panel-consensus", args=[a0.pk]),
                    {"consensus_score": "7.5", "summary_for_applicant": "Convincing; firm up the pilot plan."},
                    follow=True)
    assert "Consensus recorded" in _msgs(r)
    ev = AuditEvent.objects.filter(action="panel.consensus").get()
    assert ev.sensitive


def test_rebuttal_once_only_and_shown_to_the_panel(client, world):
    manager, call, proposals, reviewers = world
    pass_until(manager, call, proposals, StageKind.WRITTEN)
    written = _written_reviews(call, proposals, reviewers, manager)
    p = proposals[0]
    client.force_login(p.lead_user)
    page = client.get(reverse("proposal-rebuttal", args=[p.pk])).content.decode()
    assert "once the written review is closed" in page  # nothing before the stage closes
    pass_until(manager, call, proposals, StageKind.PANEL)
    client.force_login(manager)
    client.post(reverse("stage-open", args=[written.pk]), {"action": "close"})
    client.force_login(p.lead_user)
    page = client.get(reverse("proposal-rebuttal", args=[p.pk])).content.decode()
    assert "Reviewer " in page and "How will the SME license the result?" in page
    for rev in reviewers:
        assert rev.username not in page and rev.display_name not in page
    r = client.post(reverse("proposal-rebuttal", args=[p.pk]), {"answer": "The SME licenses it in year 2."}, follow=True)
    assert "Your answer is recorded" in _msgs(r)
    r = client.post(reverse("proposal-rebuttal", args=[p.pk]), {"answer": "A second try."})
    assert r.status_code == 400 and "only once" in r.content.decode()
    assert Rebuttal.objects.get(proposal=p).answer == "The SME licenses it in year 2."
    panel = call.stages.get(kind=StageKind.PANEL)
    member = make_reviewer(make_org(OrgKind.LARGE), expert_kind=ExpertKind.INDUSTRY)
    a = check_assign_reviewer(manager, panel, p, member)
    client.force_login(member)
    assert "The SME licenses it in year 2." in client.get(reverse("review-edit", args=[a.pk])).content.decode()
    # Another applicant cannot even see the page.
    client.force_login(proposals[1].lead_user)
    assert client.get(reverse("proposal-rebuttal", args=[p.pk])).status_code == 404


def test_seed_published_before_draw_rerun_matches_and_applicant_sees_scores_not_identities(client, world):
    manager, call, proposals, reviewers = world
    pass_until(manager, call, proposals, StageKind.WRITTEN)
    _written_reviews(call, proposals, reviewers, manager)
    pass_until(manager, call, proposals, StageKind.PANEL)
    panel = call.stages.get(kind=StageKind.PANEL)
    client.force_login(manager)
    for p in proposals:
        client.post(reverse("stage-proposal", args=[panel.pk, p.pk]),
                    {"consensus_score": "8.0", "summary_for_applicant": f"Panel summary for {p.pk}: credible."})
    pass_until(manager, call, proposals, StageKind.COMMITTEE)
    r = client.post(reverse("ranking-run", args=[call.pk]), {}, follow=True)
    assert "Publish the lottery seed first" in _msgs(r)
    client.post(reverse("seed-publish", args=[call.pk]), {"seed": "2026-06-06 lotto 1 7 19 23 31 44"})
    r = client.post(reverse("ranking-run", args=[call.pk]), {"places": "1"}, follow=True)
    assert "Ranking done" in _msgs(r), _msgs(r)
    seed_ev = AuditEvent.objects.get(action="lottery.seed_published")
    draw_ev = AuditEvent.objects.filter(action="lottery.drawn").get()
    assert seed_ev.pk < draw_ev.pk and "2026-06-06 lotto" in str(seed_ev.payload)
    page = client.get(reverse("ranking", args=[call.pk])).content.decode()
    assert 'class="interval"' in page and "2026-06-06 lotto" in page
    verify = client.get(reverse("ranking-verify", args=[call.pk])).content.decode()
    assert "Match" in verify and "Mismatch" not in verify
    for p, funded in zip(proposals, ("yes", "no"), strict=True):
        client.post(reverse("funding-decision", args=[p.pk]), {"funded": funded, "reason": f"Reason {funded}."})
    assert Decision.objects.filter(stage__kind=StageKind.COMMITTEE).count() == 2
    lead = proposals[0].lead_user
    client.force_login(lead)
    assert client.get(reverse("proposal-feedback", args=[proposals[0].pk])).status_code == 404  # not released
    client.force_login(manager)
    client.post(reverse("feedback-release", args=[call.pk]))
    client.force_login(lead)
    html = client.get(reverse("proposal-feedback", args=[proposals[0].pk])).content.decode()
    assert "Panel summary for" in html and "8.0" in html and "Written comment 0." in html
    assert "Technical excellence" in html and "Reason yes." in html
    codes = set(Review.objects.values_list("pseudonym", flat=True))
    for rev in reviewers:
        for leak in (rev.username, rev.display_name, rev.email, rev.organisation.name_en):
            assert leak not in html, leak
    assert not any(c in html for c in codes)
