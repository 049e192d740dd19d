"""Small evaluation worlds for the expertise tests: proposals in review at a written stage."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.utils import timezone

from dure.accounts.models import ExpertKind
from dure.expertise.actions import check_add_work
from dure.organisations.models import OrgKind
from dure.partners.models import Consortium, ConsortiumMember, MemberRole
from dure.programmes.workflow import CallStatus, StageKind
from dure.proposals.models import Proposal, ProposalMember
from dure.proposals.workflow import ProposalStatus
from dure.selection.models import Decision, Outcome
from dure.testing.factories import (
    make_call,
    make_org,
    make_research_user,
    make_reviewer,
    make_technology,
)

_n = itertools.count(1)

MAGNET = ("Sintered neodymium permanent magnets with less dysprosium for traction motors",
          "Grain boundary diffusion of heavy rare earth elements in NdFeB magnets to keep coercivity at high "
          "temperature.")
BATTERY = ("Recycling lithium battery cathode materials by direct regeneration",
           "Direct regeneration of spent lithium cathode powders restores capacity without smelting.")


def written_stage(**call_kw):
    """A closed call whose written stage is open for assignments."""
    call = make_call(status=CallStatus.CLOSED, **call_kw)
    stage = call.stages.get(kind=StageKind.WRITTEN)
    stage.is_open = True
    stage.save(update_fields=["is_open"])
    return call, stage


def proposal_in_review(call, *, title: str, abstract: str, lead_user=None, partner_orgs=()) -> Proposal:
    n = next(_n)
    lead_user = lead_user or make_research_user()
    lead_org = lead_user.organisation
    partners = list(partner_orgs) or [make_org(OrgKind.SME)]
    consortium = Consortium.objects.create(name=f"Consortium X{n}", lead=lead_org, created_by=lead_user)
    proposal = Proposal.objects.create(
        call=call, consortium=consortium, lead_user=lead_user, technology=make_technology(call.track),
        title=title, abstract=abstract, status=ProposalStatus.IN_REVIEW, version=1, submitted_at=timezone.now(),
    )
    # passed every earlier stage (eligibility) by a recorded decision
    for earlier in call.stages.filter(order__lt=call.stages.get(kind=StageKind.WRITTEN).order):
        Decision.objects.create(proposal=proposal, stage=earlier, outcome=Outcome.PASS,
                                reason="Eligible.", decided_by=lead_user)
    for org in [lead_org, *partners]:
        role = MemberRole.LEAD if org == lead_org else MemberRole.RESEARCH
        ConsortiumMember.objects.create(consortium=consortium, organisation=org, role=role)
        ProposalMember.objects.create(proposal=proposal, organisation=org, role=role,
                                      budget_share_pct=Decimal("50.00"))
    return proposal


def reviewer_with_works(titles, *, kind=ExpertKind.ACADEMIC, org=None, year=None, coauthors=(), **kw):
    org = org or make_org({ExpertKind.ACADEMIC: OrgKind.UNIVERSITY, ExpertKind.INSTITUTE: OrgKind.GRI,
                           ExpertKind.INDUSTRY: OrgKind.LARGE}[kind])
    reviewer = make_reviewer(org, expert_kind=kind, **kw)
    for i, (title, abstract) in enumerate(titles):
        check_add_work(None, reviewer, title=title, abstract=abstract, year=year or timezone.now().year - 1,
                       coauthors=list(coauthors) if i == 0 else [])
    return reviewer
