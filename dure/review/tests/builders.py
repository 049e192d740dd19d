"""Proposals ready for evaluation, for the review and selection tests."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from dure.organisations.models import OrgKind
from dure.partners.models import Consortium, ConsortiumMember, MemberRole
from dure.proposals.models import Proposal, ProposalBudgetYear, ProposalMember
from dure.proposals.workflow import ProposalStatus
from dure.testing.factories import make_org, make_research_user, make_technology

_COUNTER = iter(range(1, 10_000))


def make_proposal(call, *, lead_user=None, partner_orgs=(), yearly_krw: int = 500_000_000,
                  status: str = ProposalStatus.SUBMITTED, title: str | None = None) -> Proposal:
    """A submitted proposal: the lead's organisation plus ``partner_orgs`` (a company by default)."""
    n = next(_COUNTER)
    lead_user = lead_user or make_research_user()
    lead_org = lead_user.organisation
    partners = list(partner_orgs) or [make_org(OrgKind.SME)]
    consortium = Consortium.objects.create(name=f"Consortium {n}", lead=lead_org, created_by=lead_user)
    technology = make_technology(call.track)
    proposal = Proposal.objects.create(
        call=call, consortium=consortium, lead_user=lead_user, technology=technology,
        title=title or f"Proposal {n} on {technology.name_en}",
        abstract=f"{lead_org.name_en} and partners will develop the technology. Contact {lead_user.email} "
                 f"or see https://example.org/p{n}.",
        ip_licence_plan="Korean companies get an exclusive licence.",
        status=status, version=1, submitted_at=timezone.now(),
    )
    share = Decimal(100) / (len(partners) + 1)
    for org, role in [(lead_org, MemberRole.LEAD)] + [(o, MemberRole.SME if o.kind == OrgKind.SME else MemberRole.RESEARCH) for o in partners]:
        ConsortiumMember.objects.create(consortium=consortium, organisation=org, role=role)
        ProposalMember.objects.create(proposal=proposal, organisation=org, role=role,
                                      budget_share_pct=share.quantize(Decimal("0.01")))
    for year in call.years:
        ProposalBudgetYear.objects.create(proposal=proposal, year=year, amount_krw=yearly_krw)
    return proposal


def open_stage(manager, stage):
    """Open ``stage`` through the action, if it is not open yet."""
    from dure.review.actions import check_open_stage

    stage.refresh_from_db()
    if not stage.is_open:
        check_open_stage(manager, stage)
    stage.refresh_from_db()
    return stage


def pass_until(manager, call, proposals, kind: str) -> None:
    """Record 'moves on' at every stage before the first stage of ``kind``, opening stages as needed."""
    from dure.review.actions import check_decide_stage

    for stage in call.stages.order_by("order"):
        if stage.kind == kind:
            open_stage(manager, stage)
            break
        open_stage(manager, stage)
        for p in proposals:
            if not stage.decisions.filter(proposal=p).exists():
                check_decide_stage(manager, stage, p, "pass", f"Passes the {stage.kind} stage.")
            p.refresh_from_db()
