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
    FeedbackRelease,
    PanelComment,
    PanelSummary,
    Rebuttal,
    Review,
    ReviewerPseudonym,
    UnsealRequest,
    UnsealStatus,
)
from dure.review.visibility import visibility_for
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
    """The call's proposals that have reached ``stage``: passed every earlier stage by a recorded decision."""
    qs = Proposal.objects.filter(call_id=stage.call_id).select_related("consortium", "lead_user", "technology")
    earlier = Stage.objects.filter(call_id=stage.call_id, order__lt=stage.order).count()
    if earlier == 0:
        return qs.filter(status__in=(ProposalStatus.SUBMITTED, ProposalStatus.INELIGIBLE, *_EVALUATED))
    return qs.filter(status__in=_EVALUATED).annotate(
        passed=Count("decisions", filter=Q(decisions__stage__order__lt=stage.order,
                                           decisions__stage__call_id=stage.call_id, decisions__outcome=Outcome.PASS))
    ).filter(passed=earlier)


def stage_is_open(stage: Stage) -> bool:
    """Open for assignments, reviews and decisions: opened (by the manager, or by the first
    decision passing a proposal into it) and not closed. The first stage opens with the call's
    closing for proposals."""
    if stage.is_closed:
        return False
    if stage.is_open:
        return True
    from dure.programmes.workflow import CallStatus

    first = not Stage.objects.filter(call_id=stage.call_id, order__lt=stage.order).exists()
    return first and stage.call.status == CallStatus.CLOSED


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


def _submitted_reviews(stage_filter: dict, proposal) -> list[Review]:
    return list(
        Review.objects.filter(proposal=proposal, is_submitted=True, **stage_filter)
        .order_by("pseudonym")
        .prefetch_related(Prefetch("scores", queryset=CriterionScore.objects.select_related("criterion")))
    )


def peer_reviews(assignment: Assignment) -> list[Review]:
    """The other reviewers' submitted reviews at the same stage, by pseudonym only."""
    own = pseudonym_of(assignment.reviewer, assignment.stage)
    return [r for r in _submitted_reviews({"stage": assignment.stage}, assignment.proposal) if r.pseudonym != own]


def panel_reviews(assignment: Assignment) -> list[Review]:
    """At a stage whose rules show peers' reviews, those reviews by pseudonym; else nothing."""
    if not visibility_for(assignment.stage).peer_reviews:
        return []
    return peer_reviews(assignment)


def written_reviews(proposal: Proposal) -> list[Review]:
    """The written-stage reviews of a proposal, by their written-stage pseudonyms."""
    return _submitted_reviews({"stage__call_id": proposal.call_id, "stage__kind": StageKind.WRITTEN}, proposal)


def panel_thread(stage: Stage, proposal: Proposal) -> list[PanelComment]:
    return list(PanelComment.objects.filter(stage=stage, proposal=proposal).order_by("id"))


def panel_summary(stage: Stage, proposal: Proposal) -> PanelSummary | None:
    return PanelSummary.objects.filter(stage=stage, proposal=proposal).first()


def rebuttal_of(proposal: Proposal) -> Rebuttal | None:
    return Rebuttal.objects.filter(proposal=proposal).first()


def may_chair(user, stage: Stage, proposal: Proposal) -> bool:
    """A manager, or the panel member the manager designated chair for this proposal."""
    if stage.kind != StageKind.PANEL:
        return False
    if user.has_role(Role.MANAGER):
        return True
    return Assignment.objects.filter(stage=stage, proposal=proposal, reviewer=user, is_chair=True).exists()


def cooperation_evidence(proposal: Proposal) -> dict:
    """What the cooperation-necessity reviewers read beside the proposal's own statement.

    The technology map's assessment when :mod:`dure.techmap.selectors` offers one
    (``cooperation_need_for(technology)``); otherwise the technology's planned partner
    countries and budget note from the programme's records.
    """
    technology = proposal.technology
    evidence: dict = {"partner_countries": list(technology.partner_countries or []),
                      "budget_note": technology.budget_note, "map": None}
    try:
        from dure.techmap.selectors import cooperation_need_for  # type: ignore[import-not-found]
    except ImportError:
        return evidence
    try:
        found = cooperation_need_for(technology)
    except Exception:  # noqa: BLE001 - the map is optional evidence; the page works without it
        return evidence
    if found is None:
        return evidence
    if hasattr(found, "to_dict"):
        found = found.to_dict()
    elif hasattr(found, "__dataclass_fields__"):
        from dataclasses import asdict

        found = asdict(found)
    if isinstance(found, dict):
        evidence["map"] = [(str(k).replace("_", " "), v) for k, v in found.items()]
    else:
        evidence["map"] = [("", str(found))]
    return evidence


def review_page_context(assignment: Assignment) -> dict:
    """Everything a reviewer may read at this assignment's stage, as the visibility table says."""
    from dure.review.blinding import blind_view, known_names, redact

    stage, proposal = assignment.stage, assignment.proposal
    rule = visibility_for(stage)
    names = known_names(proposal) if rule.redact_identities else []
    rebuttal = rebuttal_of(proposal) if rule.rebuttal else None
    return {
        "visibility": rule,
        "blind": rule.redact_identities,
        "shown": blind_view(proposal) if rule.redact_identities else proposal,
        "panel_reviews": peer_reviews(assignment) if rule.peer_reviews else [],
        "written_reviews": written_reviews(proposal) if rule.earlier_reviews and stage.kind != StageKind.WRITTEN else [],
        "rebuttal_text": (redact(rebuttal.answer, names) if names else rebuttal.answer) if rebuttal else "",
        "evidence": cooperation_evidence(proposal) if rule.cooperation_evidence else None,
        "thread": panel_thread(stage, proposal) if rule.discussion else [],
        "summary": panel_summary(stage, proposal) if stage.kind == StageKind.PANEL else None,
        "may_chair": may_chair(assignment.reviewer, stage, proposal),
        "stage_open": stage_is_open(stage),
    }


# ---------------------------------------------------------------- applicants


def applicant_may_see(user, proposal: Proposal) -> bool:
    if not user.has_role(Role.COMPANY, Role.RESEARCH):
        return False
    if proposal.lead_user_id == user.pk:
        return True
    if user.organisation_id is None:
        return False
    return ProposalMember.objects.filter(proposal=proposal, organisation_id=user.organisation_id).exists()


def feedback_released(call_id) -> bool:
    return FeedbackRelease.objects.filter(call_id=call_id).exists()


def access_feedback_proposal(user, proposal_id) -> Proposal:
    """The proposal, for its lead and members, once decided and once the manager released feedback."""
    try:
        proposal = Proposal.objects.select_related("call").get(pk=proposal_id)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("proposal") from None
    if (not applicant_may_see(user, proposal) or proposal.status not in DECIDED_STATES
            or not feedback_released(proposal.call_id)):
        raise NotFoundOrForbidden("proposal")
    return proposal


def access_rebuttal_proposal(user, proposal_id) -> Proposal:
    """The proposal, for its lead and members, in a call that allows one answer to the reviewers."""
    try:
        proposal = Proposal.objects.select_related("call").get(pk=proposal_id)
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("proposal") from None
    if not applicant_may_see(user, proposal) or not proposal.call.allows_rebuttal:
        raise NotFoundOrForbidden("proposal")
    return proposal


def written_stage(call_id) -> Stage | None:
    return Stage.objects.filter(call_id=call_id, kind=StageKind.WRITTEN).first()


def rebuttal_state(proposal: Proposal) -> dict:
    """Whether the applicant may answer now, and the questions numbered "Reviewer n"."""
    stage = written_stage(proposal.call_id)
    questions = []
    if stage is not None and stage.is_closed:
        for i, r in enumerate(_submitted_reviews({"stage": stage}, proposal), start=1):
            if r.question_to_applicant:
                questions.append({"number": i, "question": r.question_to_applicant})
    stopped = Decision.objects.filter(proposal=proposal, outcome=Outcome.FAIL).exists()
    rebuttal = rebuttal_of(proposal)
    return {
        "stage": stage,
        "questions": questions,
        "rebuttal": rebuttal,
        "can_answer": bool(stage and stage.is_closed and questions and rebuttal is None and not stopped
                           and proposal.status == ProposalStatus.IN_REVIEW),
    }


def _lottery_note(proposal: Proposal) -> str:
    from dure.selection.models import RankingRun

    run = RankingRun.objects.filter(call_id=proposal.call_id).order_by("-created_at", "-pk").first()
    if run is None:
        return ""
    suggestion = next((r.get("suggestion") for r in run.results if r.get("proposal_id") == proposal.pk), "")
    if suggestion == "lottery_funded" and proposal.status == ProposalStatus.SELECTED:
        return "selected_by_lottery"
    if suggestion == "lottery_not_funded" and proposal.status == ProposalStatus.NOT_SELECTED:
        return "not_drawn"
    return ""


def applicant_feedback(proposal: Proposal) -> dict:
    """Scores, comments, panel summaries and decisions for the applicant, with no trace of who reviewed.

    Reviews are numbered "Reviewer 1, 2, 3" in the order of their random pseudonyms within
    each stage: never by time, name or anything that follows the person.
    """
    stages = []
    for stage in Stage.objects.filter(call_id=proposal.call_id).order_by("order").prefetch_related("criteria"):
        if stage.kind not in SCORED_STAGES:
            continue
        reviews = _submitted_reviews({"stage": stage}, proposal)
        summary = panel_summary(stage, proposal)
        if not reviews and summary is None:
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
        stages.append({"stage": stage, "criteria": list(stage.criteria.all()), "reviews": numbered,
                       "summary": summary})
    decisions = [
        {"stage": d.stage, "outcome": d.get_outcome_display(), "reason": d.reason}
        for d in Decision.objects.filter(proposal=proposal).select_related("stage").order_by("stage__order")
    ]
    return {"stages": stages, "decisions": decisions, "rebuttal": rebuttal_of(proposal),
            "lottery_note": _lottery_note(proposal)}


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
