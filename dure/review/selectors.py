"""Reads for evaluation: stages, assignments, reviews, conflicts and unsealing.

Every sensitive object is fetched through one ``access_*`` function that authorises at the
same time; a person who may not see a thing gets the same 404 as for a thing that does not
exist.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Prefetch, Q

from dure.accounts.models import Role, User
from dure.accounts.permissions import NotFoundOrForbidden
from dure.programmes.models import Stage
from dure.programmes.workflow import SCORED_STAGES, StageKind
from dure.proposals.models import Proposal, ProposalMember
from dure.proposals.workflow import ProposalStatus
from dure.review.models import (
    Assignment,
    Conflict,
    ConflictStatus,
    CriterionScore,
    Review,
    ReviewerPseudonym,
    UnsealRequest,
    UnsealStatus,
)
from dure.selection.models import Decision, Outcome

# Proposal states from which a proposal has been through eligibility.
_EVALUATED = (ProposalStatus.IN_REVIEW, ProposalStatus.SELECTED, ProposalStatus.NOT_SELECTED)
# States after a final decision: the applicant may read their feedback.
DECIDED_STATES = (ProposalStatus.INELIGIBLE, ProposalStatus.SELECTED, ProposalStatus.NOT_SELECTED)
BLOCKING_CONFLICTS = (ConflictStatus.ACTIVE, ConflictStatus.CONFIRMED)


def access_stage_for_manager(user, stage_id) -> Stage:
    if not user.has_role(Role.MANAGER):
        raise NotFoundOrForbidden("stage")
    try:
        return Stage.objects.select_related("call", "call__track").get(pk=stage_id)
    except (Stage.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("stage") from None


def is_scored(stage: Stage) -> bool:
    return stage.kind in SCORED_STAGES


def proposals_at_stage(stage: Stage):
    """The call's submitted proposals that have reached ``stage`` (not stopped earlier)."""
    qs = Proposal.objects.filter(call_id=stage.call_id).select_related("consortium", "lead_user", "technology")
    if stage.kind == StageKind.ELIGIBILITY:
        return qs.filter(status__in=(ProposalStatus.SUBMITTED, ProposalStatus.INELIGIBLE, *_EVALUATED))
    stopped = Decision.objects.filter(
        stage__call_id=stage.call_id, stage__order__lt=stage.order, outcome=Outcome.FAIL
    ).values("proposal_id")
    return qs.filter(status__in=_EVALUATED).exclude(pk__in=stopped)


def proposal_at_stage(stage: Stage, proposal_id) -> Proposal:
    try:
        return proposals_at_stage(stage).get(pk=proposal_id)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("proposal") from None


def consortium_organisations(proposal: Proposal):
    """The organisations of a proposal: its members and the consortium's lead."""
    from dure.organisations.models import Organisation

    ids = set(ProposalMember.objects.filter(proposal=proposal).values_list("organisation_id", flat=True))
    ids.add(proposal.consortium.lead_id)
    ids.update(proposal.consortium.members.values_list("organisation_id", flat=True))
    return Organisation.objects.filter(pk__in=ids)


def reviewer_load(reviewer: User, call_id: int) -> int:
    return Assignment.objects.filter(reviewer=reviewer, stage__call_id=call_id).count()


def stage_board(stage: Stage) -> list[dict]:
    """One row per proposal at the stage: its assignments, reviews, decision and conflicts."""
    proposals = list(proposals_at_stage(stage).order_by("pk"))
    ids = [p.pk for p in proposals]
    assignments = defaultdict(list)
    for a in Assignment.objects.filter(stage=stage, proposal_id__in=ids).select_related("reviewer", "reviewer__organisation"):
        assignments[a.proposal_id].append(a)
    n_reviews = dict(
        Review.objects.filter(stage=stage, proposal_id__in=ids, is_submitted=True)
        .values_list("proposal_id").annotate(n=Count("id")).values_list("proposal_id", "n")
    )
    decisions = {d.proposal_id: d for d in Decision.objects.filter(stage=stage, proposal_id__in=ids)}
    conflicts = defaultdict(list)
    for c in Conflict.objects.filter(proposal_id__in=ids).select_related("person", "person__organisation"):
        conflicts[c.proposal_id].append(c)
    return [
        {
            "proposal": p,
            "assignments": assignments[p.pk],
            "n_reviews": n_reviews.get(p.pk, 0),
            "decision": decisions.get(p.pk),
            "conflicts": conflicts[p.pk],
        }
        for p in proposals
    ]


def reviewers_with_load(call_id: int):
    return (
        User.objects.filter(role=Role.REVIEWER, is_active=True)
        .select_related("organisation")
        .annotate(load=Count("assignments", filter=Q(assignments__stage__call_id=call_id)))
        .order_by("display_name", "username")
    )


# ---------------------------------------------------------------- reviewers


def assignments_of(reviewer: User):
    """The reviewer's own assignments, and nobody else's."""
    return (
        Assignment.objects.filter(reviewer=reviewer)
        .select_related("stage", "stage__call", "proposal", "proposal__technology")
        .order_by("-stage__call__deadline", "stage__order", "proposal_id")
    )


def access_assignment_for_reviewer(user, assignment_id) -> Assignment:
    if not user.has_role(Role.REVIEWER):
        raise NotFoundOrForbidden("assignment")
    try:
        return assignments_of(user).get(pk=assignment_id)
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("assignment") from None


def pseudonym_of(reviewer: User, stage: Stage) -> str | None:
    return ReviewerPseudonym.objects.filter(stage=stage, reviewer=reviewer).values_list("code", flat=True).first()


def own_review(assignment: Assignment) -> Review | None:
    code = pseudonym_of(assignment.reviewer, assignment.stage)
    if code is None:
        return None
    return (
        Review.objects.filter(stage=assignment.stage, proposal=assignment.proposal, pseudonym=code)
        .prefetch_related("scores")
        .first()
    )


def panel_reviews(assignment: Assignment) -> list[Review]:
    """At a panel stage, the other panel members' submitted reviews, by pseudonym only."""
    if assignment.stage.kind != StageKind.PANEL:
        return []
    own = pseudonym_of(assignment.reviewer, assignment.stage)
    return list(
        Review.objects.filter(stage=assignment.stage, proposal=assignment.proposal, is_submitted=True)
        .exclude(pseudonym=own)
        .prefetch_related(Prefetch("scores", queryset=CriterionScore.objects.select_related("criterion")))
    )


# ---------------------------------------------------------------- applicants


def applicant_may_see(user, proposal: Proposal) -> bool:
    if not user.has_role(Role.COMPANY, Role.RESEARCH):
        return False
    if proposal.lead_user_id == user.pk:
        return True
    if user.organisation_id is None:
        return False
    return ProposalMember.objects.filter(proposal=proposal, organisation_id=user.organisation_id).exists()


def access_feedback_proposal(user, proposal_id) -> Proposal:
    """The proposal, for its lead and members, once a final decision has been taken."""
    try:
        proposal = Proposal.objects.select_related("call").get(pk=proposal_id)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("proposal") from None
    if not applicant_may_see(user, proposal) or proposal.status not in DECIDED_STATES:
        raise NotFoundOrForbidden("proposal")
    return proposal


def applicant_feedback(proposal: Proposal) -> dict:
    """Scores, comments and decisions for the applicant, with no trace of who reviewed.

    Reviews are numbered "Reviewer 1, 2, 3" in the order of their random pseudonyms within
    each stage: never by time, name or anything that follows the person.
    """
    stages = []
    for stage in Stage.objects.filter(call_id=proposal.call_id).order_by("order").prefetch_related("criteria"):
        if stage.kind not in SCORED_STAGES:
            continue
        reviews = list(
            Review.objects.filter(stage=stage, proposal=proposal, is_submitted=True)
            .order_by("pseudonym")
            .prefetch_related(Prefetch("scores", queryset=CriterionScore.objects.select_related("criterion")))
        )
        if not reviews:
            continue
        numbered = [
            {
                "number": i,
                "scores": [(s.criterion, s.score) for s in r.scores.all()],
                "overall": r.overall,
                "comment": r.comment_to_applicant,
                "question": r.question_to_applicant,
            }
            for i, r in enumerate(reviews, start=1)
        ]
        stages.append({"stage": stage, "criteria": list(stage.criteria.all()), "reviews": numbered})
    decisions = [
        {"stage": d.stage, "outcome": d.get_outcome_display(), "reason": d.reason}
        for d in Decision.objects.filter(proposal=proposal).select_related("stage").order_by("stage__order")
    ]
    return {"stages": stages, "decisions": decisions}


# ---------------------------------------------------------------- unsealing


def unseal_requests_for(user):
    if not user.has_role(Role.AUDITOR, Role.MANAGER):
        return UnsealRequest.objects.none()
    qs = UnsealRequest.objects.select_related("proposal", "requested_by", "witness").order_by("-created_at")
    return qs


def access_unseal_request(user, request_id) -> UnsealRequest:
    try:
        return unseal_requests_for(user).get(pk=request_id)
    except (UnsealRequest.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("request") from None


def unsealed_identities(user, req: UnsealRequest) -> list[dict]:
    """Pseudonym -> person for the proposal, only for the requester after a witness."""
    if req.status != UnsealStatus.WITNESSED or req.requested_by_id != user.pk or not user.has_role(Role.AUDITOR):
        return []
    rows = []
    stage_ids = Assignment.objects.filter(proposal_id=req.proposal_id).values_list("stage_id", flat=True)
    reviewer_ids = Assignment.objects.filter(proposal_id=req.proposal_id).values_list("reviewer_id", flat=True)
    for p in (
        ReviewerPseudonym.objects.filter(stage_id__in=stage_ids, reviewer_id__in=reviewer_ids)
        .select_related("stage", "reviewer", "reviewer__organisation")
        .order_by("stage__order", "code")
    ):
        if Assignment.objects.filter(proposal_id=req.proposal_id, stage_id=p.stage_id, reviewer_id=p.reviewer_id).exists():
            rows.append({"stage": p.stage, "code": p.code, "reviewer": p.reviewer})
    return rows
