"""Reads for proposals; every sensitive read goes through one access function.

Applicants never see reviewers: nothing here touches the review app.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dure.accounts.models import Role
from dure.accounts.permissions import NotFoundOrForbidden
from dure.proposals.models import Attachment, Proposal, Submission
from dure.proposals.receipts import content_digest, snapshot_of

APPLICANT_ROLES = (Role.COMPANY, Role.RESEARCH)


def proposals_visible_to(user) -> QuerySet[Proposal]:
    """Managers see all; applicants see proposals of consortia their organisation belongs to."""
    qs = Proposal.objects.select_related("call", "call__track", "consortium", "consortium__lead", "technology", "lead_user")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.role == Role.MANAGER:
        return qs
    if user.role in APPLICANT_ROLES:
        q = Q(lead_user=user)
        if user.organisation_id:
            q |= Q(members__organisation_id=user.organisation_id)
            q |= Q(consortium__members__organisation_id=user.organisation_id)
        ids = Proposal.objects.filter(q).values("pk")
        return qs.filter(pk__in=ids)
    return qs.none()


def access_proposal_by_id(user, proposal_id) -> Proposal:
    """The proposal if ``user`` may see it; otherwise the same 404 as for a missing one."""
    try:
        return proposals_visible_to(user).get(pk=proposal_id)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("proposal") from None


def access_submission(user, proposal_id, version) -> Submission:
    proposal = access_proposal_by_id(user, proposal_id)
    try:
        return proposal.submissions.select_related("proposal").get(version=version)
    except (Submission.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("receipt") from None


def access_attachment(user, proposal_id, attachment_id) -> Attachment:
    proposal = access_proposal_by_id(user, proposal_id)
    try:
        return proposal.attachments.get(pk=attachment_id)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("file") from None


def last_submission(proposal: Proposal) -> Submission | None:
    return proposal.submissions.order_by("-version").first()


def has_unsubmitted_changes(proposal: Proposal) -> bool:
    """True when the proposal was changed after its last submission (the changes do not count yet)."""
    last = last_submission(proposal)
    return last is not None and content_digest(snapshot_of(proposal)) != last.content_digest
