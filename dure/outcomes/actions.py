"""Every write to outcome reports (성과)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dure.accounts.errors import ActionError
from dure.agreements.models import Agreement, AgreementStatus
from dure.audit.actions import record
from dure.outcomes.models import OutcomeReport
from dure.outcomes.plausibility import OutcomeInput, refusals, warnings


def check_submit_outcome_report(user, agreement: Agreement, data: OutcomeInput, *,
                                current_year: int | None = None) -> OutcomeReport:
    """Save the report for ``data.year`` (re-submitting edits it). Warnings are kept on the report."""
    if agreement.status != AgreementStatus.SIGNED:
        raise ActionError(_("Outcomes are reported only for signed agreements."))
    years = list(agreement.years.values_list("year", "amount_krw"))
    first, last = agreement.start_date.year, agreement.end_date.year
    problems = refusals(data, first_year=first, last_year=last, current_year=current_year or timezone.now().year)
    if problems:
        raise ActionError(problems)
    flags = warnings(data, total_budget_krw=sum(a for _y, a in years))
    with transaction.atomic():
        report, created = OutcomeReport.objects.update_or_create(
            agreement=agreement, year=data.year,
            defaults=dict(
                papers=data.papers, patents=data.patents, licences=data.licences,
                transfer_fee_krw=data.transfer_fee_krw, revenue_krw=data.revenue_krw, jobs=data.jobs,
                note=data.note.strip(), submitted_by=user, plausibility_flags=flags, is_sample=data.is_sample,
            ),
        )
        record(user, "outcome.reported", report, agreement=agreement.pk, year=data.year, created=created,
               flags=len(flags), papers=data.papers, patents=data.patents, licences=data.licences,
               transfer_fee_krw=data.transfer_fee_krw, revenue_krw=data.revenue_krw, jobs=data.jobs)
    return report
