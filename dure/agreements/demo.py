"""Demo agreements: every selected proposal gets one; all but one international draft are signed.

Reads ctx: "selected" (selected Proposals: a list, or a dict of them; if missing, every proposal
selected for funding), "users" ("manager"), "orgs" ("mit", "stanford").
Writes ctx: "agreements" (list of Agreement), "unsigned_agreement" (the international draft
left without a Korean company's licence, to show that it cannot be signed).
"""

from __future__ import annotations

from datetime import date

from dure.accounts.errors import ActionError
from dure.agreements.actions import (
    DispatchInput,
    IPTermsInput,
    check_add_dispatch,
    check_record_spending,
    check_save_ip_terms,
    check_sign_agreement,
    do_draft_agreement,
)
from dure.agreements.models import Agreement
from dure.proposals.models import Proposal
from dure.proposals.workflow import ProposalStatus

# Invented names for dispatched researchers (sample data).
SAMPLE_RESEARCHERS = ["김서연 (sample)", "이도윤 (sample)", "박지호 (sample)", "최하은 (sample)"]


def _selected(ctx: dict) -> list[Proposal]:
    selected = ctx.get("selected")
    if isinstance(selected, dict):
        selected = list(selected.values())
    if not selected:
        return list(Proposal.objects.filter(status=ProposalStatus.SELECTED).order_by("pk"))
    ids = [getattr(p, "pk", p) for p in selected]
    return list(Proposal.objects.filter(pk__in=ids, status=ProposalStatus.SELECTED).order_by("pk"))


def load(ctx: dict) -> None:
    manager = ctx["users"]["manager"]
    orgs = ctx.get("orgs", {})
    agreements: list[Agreement] = []
    proposals = _selected(ctx)
    international = [p for p in proposals if p.is_international]
    keep_unsigned = international[-1] if len(international) > 1 else None
    hosts = [o for o in (orgs.get("mit"), orgs.get("stanford")) if o is not None]
    for i, proposal in enumerate(proposals):
        agreement = Agreement.objects.filter(proposal=proposal).first() or do_draft_agreement(manager, proposal)
        agreements.append(agreement)
        if agreement.status != "draft":
            continue
        members = [m.organisation for m in proposal.members.select_related("organisation")]
        company = next((o for o in members if o.is_domestic and o.is_company), None)
        korean_research = next((o for o in members if o.is_domestic and not o.is_company), None)
        if proposal is keep_unsigned or company is None:
            check_save_ip_terms(manager, agreement, IPTermsInput(
                ownership="Each organisation owns the results it creates (sample terms).", licensee=None))
            ctx["unsigned_agreement"] = agreement
            continue
        check_save_ip_terms(manager, agreement, IPTermsInput(
            ownership="Each organisation owns the results it creates; joint results are owned jointly (sample terms).",
            licensee=company,
            licence_scope="Non-exclusive licence to practise (실시권) the project's patents and know-how in Korea, "
                          "for the company's products, for the life of the patents (sample terms).",
            exclusive=False, royalty_terms="1.5% of net sales of products using the results (sample terms).",
        ))
        if proposal.is_international and korean_research is not None:
            host = hosts[i % len(hosts)] if hosts else proposal.foreign_partner
            year = agreement.start_date.year
            check_add_dispatch(manager, agreement, DispatchInput(
                researcher_name=SAMPLE_RESEARCHERS[i % len(SAMPLE_RESEARCHERS)], home_organisation=korean_research,
                host_organisation=host, start=date(year, 3, 1), end=date(year, 8, 31), is_sample=True,
            ))
        check_sign_agreement(manager, agreement)
        first = agreement.years.order_by("year").first()
        if first is not None:
            try:
                check_record_spending(manager, agreement, first.year, first.amount_krw * 7 // 10)
            except ActionError:
                pass
    ctx["agreements"] = list(Agreement.objects.filter(pk__in=[a.pk for a in agreements]).order_by("pk"))
