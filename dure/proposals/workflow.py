"""Proposal states and allowed transitions, declared once."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    INELIGIBLE = "ineligible", _("Not eligible")
    IN_REVIEW = "in_review", _("In evaluation")
    SELECTED = "selected", _("Selected for funding")
    NOT_SELECTED = "not_selected", _("Not selected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


PROPOSAL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ProposalStatus.DRAFT: (ProposalStatus.SUBMITTED, ProposalStatus.WITHDRAWN),
    ProposalStatus.SUBMITTED: (
        ProposalStatus.SUBMITTED,  # re-submission of a new version before the deadline
        ProposalStatus.IN_REVIEW,
        ProposalStatus.INELIGIBLE,
        ProposalStatus.WITHDRAWN,
    ),
    ProposalStatus.IN_REVIEW: (ProposalStatus.SELECTED, ProposalStatus.NOT_SELECTED),
    ProposalStatus.INELIGIBLE: (),
    ProposalStatus.SELECTED: (),
    ProposalStatus.NOT_SELECTED: (),
    ProposalStatus.WITHDRAWN: (),
}

# States in which the applicant may still edit and re-submit.
EDITABLE = frozenset({ProposalStatus.DRAFT, ProposalStatus.SUBMITTED})


class InvalidProposalTransition(ValueError):
    pass


def check_proposal_transition(current: str, target: str) -> None:
    if target not in PROPOSAL_TRANSITIONS.get(current, ()):
        raise InvalidProposalTransition(
            f"A proposal that is '{ProposalStatus(current).label}' cannot become "
            f"'{ProposalStatus(target).label}'."
        )
