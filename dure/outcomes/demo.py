"""Demo outcome reports (sample) for the first year of every signed agreement.

Reads ctx: "agreements" (from the agreements demo; if missing, every signed agreement), "users".
Writes ctx: "outcome_reports" (list of OutcomeReport).
"""

from __future__ import annotations

from django.utils import timezone

from dure.agreements.models import Agreement, AgreementStatus
from dure.outcomes.actions import check_submit_outcome_report
from dure.outcomes.plausibility import OutcomeInput

# (papers, patents, licences, transfer fee, revenue, jobs): invented, modest first-year figures.
SAMPLE_FIGURES = [
    (4, 2, 1, 30_000_000, 0, 3),
    (6, 3, 1, 50_000_000, 120_000_000, 5),
    (2, 1, 0, 0, 0, 2),
    (5, 4, 2, 80_000_000, 300_000_000, 6),
]


def _reporter(agreement: Agreement, users: dict):
    member_orgs = set(agreement.proposal.members.values_list("organisation_id", flat=True))
    for user in users.values():
        if user.role in ("company", "research") and user.organisation_id in member_orgs:
            return user
    return agreement.proposal.lead_user


def load(ctx: dict) -> None:
    agreements = ctx.get("agreements") or list(Agreement.objects.filter(status=AgreementStatus.SIGNED))
    reports = []
    for i, agreement in enumerate(a for a in agreements if a.status == AgreementStatus.SIGNED):
        papers, patents, licences, fee, revenue, jobs = SAMPLE_FIGURES[i % len(SAMPLE_FIGURES)]
        year = agreement.start_date.year
        reports.append(check_submit_outcome_report(
            _reporter(agreement, ctx.get("users", {})), agreement,
            OutcomeInput(year=year, papers=papers, patents=patents, licences=licences, transfer_fee_krw=fee,
                         revenue_krw=revenue, jobs=jobs, note="Sample figures invented for the demo.", is_sample=True),
            current_year=max(timezone.now().year, year),
        ))
    ctx["outcome_reports"] = reports
