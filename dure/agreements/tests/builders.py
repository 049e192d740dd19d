"""Selected proposals with their consortium, built directly (the selection stage is tested elsewhere)."""

from __future__ import annotations

from decimal import Decimal

from dure.organisations.models import OrgKind
from dure.partners.models import Consortium, ConsortiumMember, MemberRole
from dure.proposals.models import Proposal, ProposalBudgetYear, ProposalMember
from dure.proposals.workflow import ProposalStatus
from dure.testing.factories import make_call, make_org, make_technology, make_track


def make_selected_proposal(*, track=None, international: bool = True, status: str = ProposalStatus.SELECTED,
                           lead_user=None, company=None, research=None, title: str | None = None,
                           yearly_krw: int = 500_000_000):
    """A proposal in ``status`` with a Korean research lead, a Korean company and (if international) MIT-like partner."""
    track = track or make_track(requires_foreign_partner=international)
    call = make_call(track)
    technology = make_technology(track)
    research = research or (lead_user.organisation if lead_user else make_org(OrgKind.GRI))
    company = company or make_org(OrgKind.SME)
    foreign = make_org(OrgKind.FOREIGN, country="US", name="Foreign Institute of Technology") if international else None
    if lead_user is None:
        from dure.testing.factories import make_user
        lead_user = make_user("research", research)
    consortium = Consortium.objects.create(name="Test consortium", lead=research, created_by=lead_user)
    proposal = Proposal.objects.create(
        call=call, consortium=consortium, lead_user=lead_user, technology=technology,
        title=title or f"Project on {technology.name_en}", abstract="Confidential abstract text.",
        plain_summary="A plain summary for everyone.", ip_licence_plan="Licence to the company.",
        foreign_partner=foreign, status=status,
    )
    members = [(research, MemberRole.LEAD, "60"), (company, MemberRole.SME, "30")]
    if foreign:
        members.append((foreign, MemberRole.FOREIGN, "10"))
    for org, role, share in members:
        ConsortiumMember.objects.create(consortium=consortium, organisation=org, role=role)
        ProposalMember.objects.create(proposal=proposal, organisation=org, role=role, budget_share_pct=Decimal(share))
    for year in call.years:
        ProposalBudgetYear.objects.create(proposal=proposal, year=year, amount_krw=yearly_krw)
    return proposal
