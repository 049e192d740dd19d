"""Reads for outcome reports; who may report for an agreement."""

from __future__ import annotations

from dure.accounts.models import Role
from dure.agreements.models import Agreement
from dure.outcomes.models import OutcomeReport


def can_report_outcomes(user, agreement: Agreement) -> bool:
    """Company and research users of a consortium member report; managers only read."""
    return (
        user.is_authenticated
        and user.role in (Role.COMPANY, Role.RESEARCH)
        and user.organisation_id is not None
        and agreement.proposal.members.filter(organisation_id=user.organisation_id).exists()
    )


def reports_of(agreement: Agreement):
    return OutcomeReport.objects.filter(agreement=agreement).order_by("year")
