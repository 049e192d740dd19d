"""Every write of the evaluation: stage decisions, conflicts, assignments, reviews, unsealing.

Locks taken here (declared in :mod:`dure.audit.locks`):
- ``reviewer-load:<user id>`` while counting and adding a reviewer's assignments, so two
  managers at once cannot push a reviewer past ``User.max_reviews``;
- ``assignment:<stage id>`` while creating pseudonyms for a stage.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from dure.accounts.errors import ActionError
from dure.accounts.models import Role, User
from dure.audit.actions import record
from dure.audit.locks import lock
from dure.programmes.models import Criterion, Stage
from dure.programmes.workflow import StageKind
from dure.proposals.models import Proposal
from dure.proposals.workflow import (
    InvalidProposalTransition,
    ProposalStatus,
    check_proposal_transition,
)
from dure.review import selectors
from dure.review.models import (
    Assignment,
    Conflict,
    ConflictKind,
    ConflictSource,
    ConflictStatus,
    CriterionScore,
    Review,
    ReviewerPseudonym,
    UnsealRequest,
    UnsealStatus,
)
from dure.selection.models import Decision, Outcome

# ------------------------------------------------------------------ stage decisions


def _eligibility_problems(proposal: Proposal) -> list[str]:
    """Re-check the call's rules on the proposal as submitted (timing is judged at submission)."""
    try:
        from dure.proposals import eligibility
    except ImportError:
        return []
    call = proposal.call
    members = tuple(
        eligibility.MemberFacts(
            organisation_id=m.organisation_id, name=m.organisation.name_en, role=m.role,
            kind=m.organisation.kind, country_code=m.organisation.country_code,
            budget_share_pct=m.budget_share_pct,
        )
        for m in proposal.members.select_related("organisation")
    )
    facts = eligibility.ProposalFacts(
        members=members,
        budget_by_year={b.year: b.amount_krw for b in proposal.budget_years.all()},
        technology_track_id=proposal.technology.track_id,
        ip_licence_plan=proposal.ip_licence_plan,
        foreign_partner_id=proposal.foreign_partner_id,
        cooperation_need=proposal.cooperation_need,
    )
    rules = eligibility.CallRules(
        track_id=call.track_id, is_open=True, opens_at=call.opens_at, deadline=call.deadline,
        grace_seconds=call.grace_seconds, years=tuple(call.years),
        max_budget_per_year_krw=call.max_budget_per_year_krw, min_members=call.min_members,
        max_members=call.max_members, requires_company=call.requires_company, requires_sme=call.requires_sme,
        requires_foreign_partner=call.requires_foreign_partner, requires_ip_plan=call.requires_ip_plan,
    )
    when = proposal.submitted_at or call.opens_at
    return [str(p.message) for p in eligibility.check_eligibility(facts, rules, when) if p.field != "__all__"]


def _transition(proposal: Proposal, target: str) -> None:
    try:
        check_proposal_transition(proposal.status, target)
    except InvalidProposalTransition as exc:
        raise ActionError(str(exc)) from None
    proposal.status = target
    proposal.save(update_fields=["status"])


def check_decide_stage(manager: User, stage: Stage, proposal: Proposal, outcome: str, reason: str) -> Decision:
    """Record pass/fail for a proposal at a stage; eligibility moves the proposal's status."""
    reason = (reason or "").strip()
    if outcome not in (Outcome.PASS, Outcome.FAIL):
        raise ActionError({"outcome": ["Choose 'moves on' or 'stops here'."]})
    if not reason:
        raise ActionError({"reason": ["Give the reason for the decision; the applicant will read it."]})
    if stage.kind == StageKind.COMMITTEE:
        raise ActionError("Funding decisions are recorded on the ranking page, within the track budget.")
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if not selectors.proposals_at_stage(stage).filter(pk=proposal.pk).exists():
            raise ActionError("This proposal has not reached this stage.")
        if Decision.objects.filter(proposal=proposal, stage=stage).exists():
            raise ActionError("A decision on this proposal at this stage is already recorded.")
        if stage.kind == StageKind.ELIGIBILITY:
            if outcome == Outcome.PASS:
                problems = _eligibility_problems(proposal)
                if problems:
                    raise ActionError({"outcome": ["The proposal fails the eligibility rules: " + " ".join(problems)]})
                _transition(proposal, ProposalStatus.IN_REVIEW)
            else:
                _transition(proposal, ProposalStatus.INELIGIBLE)
        elif outcome == Outcome.FAIL:
            _transition(proposal, ProposalStatus.NOT_SELECTED)
        decision = Decision.objects.create(
            proposal=proposal, stage=stage, outcome=outcome, reason=reason, decided_by=manager
        )
        record(manager, "stage.decision", decision, proposal=proposal.pk, stage=stage.kind, outcome=outcome, reason=reason)
    return decision


# ------------------------------------------------------------------ conflicts


@dataclass(frozen=True)
class DetectedConflict:
    proposal_id: int
    person_id: int
    kind: str
    evidence: str


def _organisation_conflicts(proposal: Proposal, reviewer: User) -> list[DetectedConflict]:
    found: list[DetectedConflict] = []
    if reviewer.pk in (proposal.lead_user_id, proposal.consortium.created_by_id):
        found.append(DetectedConflict(proposal.pk, reviewer.pk, ConflictKind.CONSORTIUM_MEMBER,
                                      "The reviewer is a named person of the consortium."))
    org = reviewer.organisation
    if org is None:
        return found
    family = org.family_ids()
    for member in selectors.consortium_organisations(proposal):
        if member.pk not in family:
            continue
        if member.pk == org.pk:
            relation = "is"
        elif member.pk == org.parent_id:
            relation = "is a part of"
        else:
            relation = "is the parent of"
        found.append(DetectedConflict(
            proposal.pk, reviewer.pk, ConflictKind.SAME_ORGANISATION,
            f"The reviewer's organisation {org.name_en} {relation} consortium member {member.name_en}.",
        ))
        break
    return found


def do_detect_conflicts(stage: Stage, actor: User | None = None) -> int:
    """Detect same-organisation (incl. parent/child) and consortium-member conflicts.

    Stores one ``Conflict`` row per new (proposal, person, kind); existing rows, and any
    manager's decision on them, are kept. Returns how many new conflicts were stored.
    """
    reviewers = list(User.objects.filter(role=Role.REVIEWER, is_active=True).select_related("organisation"))
    created = 0
    with transaction.atomic():
        for proposal in selectors.proposals_at_stage(stage).select_related("consortium"):
            for reviewer in reviewers:
                for c in _organisation_conflicts(proposal, reviewer):
                    _, new = Conflict.objects.get_or_create(
                        proposal_id=c.proposal_id, person_id=c.person_id, kind=c.kind,
                        defaults={"source": ConflictSource.DETECTED, "evidence": c.evidence},
                    )
                    created += int(new)
        record(actor, "conflicts.detected", stage, new=created)
    return created


def check_decide_conflict(manager: User, conflict: Conflict, confirm: bool, reason: str) -> Conflict:
    reason = (reason or "").strip()
    if not reason:
        raise ActionError({"reason": ["Say why the conflict is confirmed or dismissed."]})
    with transaction.atomic():
        conflict = Conflict.objects.select_for_update().get(pk=conflict.pk)
        conflict.status = ConflictStatus.CONFIRMED if confirm else ConflictStatus.DISMISSED
        conflict.decided_by = manager
        conflict.decision_reason = reason
        conflict.save(update_fields=["status", "decided_by", "decision_reason"])
        record(manager, "conflict.confirmed" if confirm else "conflict.dismissed", conflict,
               proposal=conflict.proposal_id, kind=conflict.kind, reason=reason)
    return conflict


def check_declare_conflict(reviewer: User, assignment: Assignment, reason: str) -> Conflict:
    """A reviewer declares a conflict with a proposal; the unreviewed assignment is withdrawn."""
    reason = (reason or "").strip()
    if not reason:
        raise ActionError({"reason": ["Describe the conflict (for example: a former student leads the project)."]})
    with transaction.atomic():
        code = selectors.pseudonym_of(reviewer, assignment.stage)
        if Review.objects.filter(stage=assignment.stage, proposal=assignment.proposal, pseudonym=code,
                                 is_submitted=True).exists():
            raise ActionError("You have already submitted this review; ask the programme manager to withdraw it.")
        conflict, _ = Conflict.objects.update_or_create(
            proposal=assignment.proposal, person=reviewer, kind=ConflictKind.DECLARED_TIE,
            defaults={"source": ConflictSource.DECLARED, "evidence": reason, "status": ConflictStatus.ACTIVE},
        )
        Review.objects.filter(stage=assignment.stage, proposal=assignment.proposal, pseudonym=code).delete()
        Assignment.objects.filter(pk=assignment.pk).delete()
        record(None, "conflict.declared", conflict, proposal=assignment.proposal_id, stage=assignment.stage_id,
               sensitive=True, pseudonym=code)
    return conflict


# ------------------------------------------------------------------ assignment


def _new_code() -> str:
    return "R-" + secrets.token_hex(2).upper()


def _pseudonym(stage: Stage, reviewer: User) -> ReviewerPseudonym:
    existing = ReviewerPseudonym.objects.filter(stage=stage, reviewer=reviewer).first()
    if existing:
        return existing
    lock(f"assignment:{stage.pk}")
    taken = set(ReviewerPseudonym.objects.filter(stage=stage).values_list("code", flat=True))
    code = _new_code()
    while code in taken:
        code = _new_code()
    return ReviewerPseudonym.objects.create(stage=stage, reviewer=reviewer, code=code)


def assignment_problems(stage: Stage, proposal: Proposal, reviewer: User) -> list[str]:
    """Why ``reviewer`` may not review ``proposal`` at ``stage`` (empty when they may)."""
    problems = []
    if proposal.status != ProposalStatus.IN_REVIEW:
        problems.append("This proposal is not in evaluation (pass it through eligibility first, or it is decided).")
    if not reviewer.has_role(Role.REVIEWER):
        problems.append(f"{reviewer.name} is not an expert evaluator.")
    if not selectors.is_scored(stage):
        problems.append("Reviewers are assigned only at scored stages.")
    if Assignment.objects.filter(stage=stage, proposal=proposal, reviewer=reviewer).exists():
        problems.append(f"{reviewer.name} is already assigned to this proposal.")
    for c in _organisation_conflicts(proposal, reviewer):
        problems.append(f"Conflict of interest: {c.evidence}")
    recorded = Conflict.objects.filter(
        proposal=proposal, person=reviewer, status__in=selectors.BLOCKING_CONFLICTS
    ).exclude(kind__in=[c.kind for c in _organisation_conflicts(proposal, reviewer)])
    for c in recorded:
        problems.append(f"Conflict of interest ({c.get_kind_display()}): {c.evidence}")
    return problems


def check_assign_reviewer(manager: User, stage: Stage, proposal: Proposal, reviewer: User,
                          affinity: float | None = None) -> Assignment:
    """Assign a reviewer by hand; refused on any conflict or when the load limit is reached."""
    proposal = Proposal.objects.select_related("consortium").get(pk=proposal.pk)
    if not selectors.proposals_at_stage(stage).filter(pk=proposal.pk).exists():
        raise ActionError("This proposal has not reached this stage.")
    if stage.is_closed:
        raise ActionError("This stage is closed; assignments can no longer change.")
    problems = assignment_problems(stage, proposal, reviewer)
    if problems:
        raise ActionError({"reviewer": problems})
    with transaction.atomic():
        lock(f"reviewer-load:{reviewer.pk}")
        load = selectors.reviewer_load(reviewer, stage.call_id)
        if load + 1 > reviewer.max_reviews:
            raise ActionError({"reviewer": [
                f"{reviewer.name} already has {load} reviews in this call; their limit is {reviewer.max_reviews}."
            ]})
        try:
            with transaction.atomic():
                assignment = Assignment.objects.create(
                    stage=stage, proposal=proposal, reviewer=reviewer, assigned_by=manager, affinity=affinity
                )
        except IntegrityError:
            raise ActionError({"reviewer": [f"{reviewer.name} is already assigned to this proposal."]}) from None
        _pseudonym(stage, reviewer)
        record(manager, "review.assigned", assignment, proposal=proposal.pk, stage=stage.kind, sensitive=True,
               reviewer=reviewer.pk)
    return assignment


def check_apply_assignment(manager: User, stage: Stage, pairs: list[tuple[Proposal, User, float | None]],
                           *, mode: str, seed: int | None) -> list[Assignment]:
    """Apply a previewed plan: every pair is re-checked; all are written or none."""
    if not pairs:
        raise ActionError("The plan is empty: nothing to apply.")
    created = []
    with transaction.atomic():
        lock(f"assignment:{stage.pk}")
        for proposal, reviewer, affinity in pairs:
            try:
                created.append(check_assign_reviewer(manager, stage, proposal, reviewer, affinity))
            except ActionError as exc:
                raise ActionError(
                    f"Proposal {proposal.pk} and {reviewer.name}: {' '.join(exc.messages)} "
                    "Nothing was applied; preview a new plan."
                ) from None
        record(manager, "assignment.applied", stage, mode=mode, seed=seed, pairs=len(created), sensitive=True,
               assignments=[[a.proposal_id, a.reviewer_id] for a in created])
    return created


def check_unassign(manager: User, assignment: Assignment) -> None:
    code = selectors.pseudonym_of(assignment.reviewer, assignment.stage)
    with transaction.atomic():
        if Review.objects.filter(stage=assignment.stage, proposal=assignment.proposal, pseudonym=code,
                                 is_submitted=True).exists():
            raise ActionError("The review is already submitted; the assignment stays on record.")
        record(manager, "review.unassigned", assignment, proposal=assignment.proposal_id, sensitive=True,
               reviewer=assignment.reviewer_id)
        Review.objects.filter(stage=assignment.stage, proposal=assignment.proposal, pseudonym=code).delete()
        assignment.delete()


# ------------------------------------------------------------------ reviews


@dataclass(frozen=True)
class ReviewInput:
    scores: dict[int, Decimal]  # criterion id -> score
    confidence: int
    comment_to_applicant: str
    question_to_applicant: str = ""
    submit: bool = True


def weighted_overall(criteria: list[Criterion], scores: dict[int, Decimal]) -> float:
    """Weighted mean of the criteria scores, each scaled to 0..10."""
    total_weight = sum(c.weight for c in criteria) or 1.0
    return sum(c.weight * float(scores[c.pk]) / c.max_score * 10 for c in criteria) / total_weight


def _decimal(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value))
    except ArithmeticError:
        return None
    return result if result.is_finite() else None


def check_save_review(reviewer: User, assignment: Assignment, data: ReviewInput) -> Review:
    """Create or update the reviewer's review; every save is a new revision."""
    stage = assignment.stage
    if assignment.reviewer_id != reviewer.pk:
        raise ActionError("This is not your assignment.")
    if stage.is_closed:
        raise ActionError("This stage is closed; reviews can no longer change.")
    criteria = list(stage.criteria.order_by("order"))
    problems: dict[str, list[str]] = {}
    for c in criteria:
        value = _decimal(data.scores.get(c.pk))
        field = f"criterion_{c.pk}"
        if value is None:
            problems.setdefault(field, []).append(f"Score '{c.name_en}'.")
        elif not (Decimal(0) <= value <= Decimal(c.max_score)) or value != value.quantize(Decimal("0.1")):
            problems.setdefault(field, []).append(f"Give a score from 0 to {c.max_score} in steps of 0.1.")
    unknown = set(data.scores) - {c.pk for c in criteria}
    if unknown:
        problems.setdefault("__all__", []).append("Some scores are for criteria of another stage.")
    if not 1 <= int(data.confidence) <= 5:
        problems.setdefault("confidence", []).append("Confidence is 1 (low) to 5 (high).")
    if data.submit and not data.comment_to_applicant.strip():
        problems.setdefault("comment_to_applicant", []).append("Write a comment for the applicant.")
    if problems:
        raise ActionError(problems)
    scores = {c.pk: _decimal(data.scores[c.pk]) for c in criteria}
    with transaction.atomic():
        code = _pseudonym(stage, reviewer).code
        review, created = Review.objects.select_for_update().get_or_create(
            stage=stage, proposal=assignment.proposal, pseudonym=code
        )
        review.revision += 1
        review.confidence = int(data.confidence)
        review.comment_to_applicant = data.comment_to_applicant.strip()
        review.question_to_applicant = data.question_to_applicant.strip()
        review.is_submitted = data.submit
        review.overall = weighted_overall(criteria, scores) if criteria else None
        review.save()
        for c in criteria:
            CriterionScore.objects.update_or_create(review=review, criterion=c, defaults={"score": scores[c.pk]})
        record(None, "review.saved", review, sensitive=True, pseudonym=code, proposal=assignment.proposal_id,
               stage=stage.kind, revision=review.revision, submitted=data.submit,
               scores={str(k): str(v) for k, v in scores.items()})
    return review


# ------------------------------------------------------------------ unsealing


def check_request_unseal(auditor: User, proposal: Proposal, reason: str) -> UnsealRequest:
    reason = (reason or "").strip()
    if not auditor.has_role(Role.AUDITOR):
        raise ActionError("Only an auditor may ask to unseal reviewer identities.")
    if len(reason) < 10:
        raise ActionError({"reason": ["Give the reason for unsealing (at least 10 characters)."]})
    with transaction.atomic():
        req = UnsealRequest.objects.create(proposal=proposal, requested_by=auditor, reason=reason)
        record(auditor, "unseal.requested", req, sensitive=True, proposal=proposal.pk, reason=reason)
    return req


def check_witness_unseal(witness: User, req: UnsealRequest, approve: bool = True) -> UnsealRequest:
    """A second person (auditor or manager, never the requester) witnesses or refuses."""
    if not witness.has_role(Role.AUDITOR, Role.MANAGER):
        raise ActionError("Only an auditor or a programme manager may witness an unsealing.")
    with transaction.atomic():
        req = UnsealRequest.objects.select_for_update().get(pk=req.pk)
        if req.requested_by_id == witness.pk:
            raise ActionError("A second person must witness the request; you cannot witness your own.")
        if req.status != UnsealStatus.PENDING:
            raise ActionError("This request has already been decided.")
        req.witness = witness
        req.status = UnsealStatus.WITNESSED if approve else UnsealStatus.REFUSED
        req.decided_at = timezone.now()
        req.save(update_fields=["witness", "status", "decided_at"])
        record(witness, "unseal.witnessed" if approve else "unseal.refused", req, sensitive=True,
               proposal=req.proposal_id, requester=req.requested_by_id)
    return req


def do_record_unseal_viewed(auditor: User, req: UnsealRequest) -> None:
    with transaction.atomic():
        record(auditor, "unseal.viewed", req, sensitive=True, proposal=req.proposal_id)
