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
    FeedbackRelease,
    PanelComment,
    PanelSummary,
    Rebuttal,
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
    if not selectors.stage_is_open(stage):
        raise ActionError(_closed_message(stage))
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
        if outcome == Outcome.PASS:
            _open_next(manager, stage)
    return decision


def _open_next(manager: User, stage: Stage) -> None:
    """The first proposal passed into the next stage opens it (recorded as the manager's act)."""
    nxt = Stage.objects.select_for_update().filter(call_id=stage.call_id, order__gt=stage.order).order_by("order").first()
    if nxt is not None and not nxt.is_open and not nxt.is_closed:
        nxt.is_open = True
        nxt.save(update_fields=["is_open"])
        record(manager, "stage.opened", nxt, call=stage.call_id, stage=nxt.kind, by_decision_at=stage.kind)


def _closed_message(stage: Stage) -> str:
    if stage.is_closed:
        return f"The stage '{stage.get_kind_display()}' is closed; nothing at it can change."
    return f"The stage '{stage.get_kind_display()}' is not open yet; the programme manager opens it first."


def check_open_stage(manager: User, stage: Stage) -> Stage:
    """Open a stage for assignments, reviews and decisions."""
    with transaction.atomic():
        stage = Stage.objects.select_for_update().get(pk=stage.pk)
        if stage.is_closed:
            raise ActionError("This stage is closed and cannot be opened again.")
        if stage.is_open:
            raise ActionError("This stage is already open.")
        stage.is_open = True
        stage.save(update_fields=["is_open"])
        record(manager, "stage.opened", stage, call=stage.call_id, stage=stage.kind)
    return stage


def check_close_stage(manager: User, stage: Stage) -> Stage:
    """Close an open stage: its scores, assignments and decisions are final from now on."""
    with transaction.atomic():
        stage = Stage.objects.select_for_update().get(pk=stage.pk)
        if not stage.is_open or stage.is_closed:
            raise ActionError("Only an open stage can be closed.")
        stage.is_closed = True
        stage.save(update_fields=["is_closed"])
        record(manager, "stage.closed", stage, call=stage.call_id, stage=stage.kind)
    return stage


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
    if not selectors.stage_is_open(stage):
        raise ActionError(_closed_message(stage))
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
    if not selectors.stage_is_open(stage):
        raise ActionError(_closed_message(stage))
    if (not selectors.proposals_at_stage(stage).filter(pk=assignment.proposal_id).exists()
            or Decision.objects.filter(proposal_id=assignment.proposal_id, outcome=Outcome.FAIL).exists()):
        raise ActionError("This proposal has not reached this stage (or has stopped); it cannot be reviewed here.")
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


# ------------------------------------------------------------------ panel


def check_designate_chair(manager: User, assignment: Assignment) -> Assignment:
    """Make one panel member the chair for a proposal (the one who records the consensus)."""
    stage = assignment.stage
    if stage.kind != StageKind.PANEL:
        raise ActionError("Only a panel has a chair.")
    if not selectors.stage_is_open(stage):
        raise ActionError(_closed_message(stage))
    with transaction.atomic():
        Assignment.objects.filter(stage=stage, proposal_id=assignment.proposal_id).update(is_chair=False)
        Assignment.objects.filter(pk=assignment.pk).update(is_chair=True)
        record(manager, "panel.chair_designated", assignment, proposal=assignment.proposal_id, sensitive=True,
               reviewer=assignment.reviewer_id)
    assignment.is_chair = True
    return assignment


def _panel_writer(user: User, stage: Stage, proposal: Proposal) -> str:
    """The name a panel member writes under: their stage pseudonym, or "Chair" for a manager."""
    if stage.kind != StageKind.PANEL:
        raise ActionError("Discussion happens at the panel stage only.")
    if not selectors.stage_is_open(stage):
        raise ActionError(_closed_message(stage))
    if not selectors.proposals_at_stage(stage).filter(pk=proposal.pk).exists():
        raise ActionError("This proposal has not reached the panel.")
    if user.has_role(Role.MANAGER):
        return "Chair"
    if not Assignment.objects.filter(stage=stage, proposal=proposal, reviewer=user).exists():
        raise ActionError("Only the proposal's panel members take part in its discussion.")
    return selectors.pseudonym_of(user, stage) or _pseudonym(stage, user).code


def check_post_panel_comment(user: User, stage: Stage, proposal: Proposal, body: str) -> PanelComment:
    body = (body or "").strip()
    if not body:
        raise ActionError({"body": ["Write your comment."]})
    if len(body) > 10000:
        raise ActionError({"body": ["Keep a comment under 10,000 characters."]})
    code = _panel_writer(user, stage, proposal)
    with transaction.atomic():
        comment = PanelComment.objects.create(stage=stage, proposal=proposal, pseudonym=code, body=body)
        record(None, "panel.comment", comment, proposal=proposal.pk, sensitive=True, pseudonym=code)
    return comment


def check_record_consensus(user: User, stage: Stage, proposal: Proposal, score, summary: str) -> PanelSummary:
    """The panel chair records the consensus score (0..10) and the summary the applicant reads."""
    summary = (summary or "").strip()
    value = _decimal(score)
    problems: dict[str, list[str]] = {}
    if value is None or not (Decimal(0) <= value <= Decimal(10)) or value != value.quantize(Decimal("0.1")):
        problems["consensus_score"] = ["Give the consensus score from 0 to 10 in steps of 0.1."]
    if not summary:
        problems["summary_for_applicant"] = ["Write the panel's summary for the applicant."]
    if problems:
        raise ActionError(problems)
    _panel_writer(user, stage, proposal)
    if not selectors.may_chair(user, stage, proposal):
        raise ActionError("Only the panel chair records the consensus.")
    with transaction.atomic():
        previous = PanelSummary.objects.select_for_update().filter(stage=stage, proposal=proposal).first()
        summary_row, _ = PanelSummary.objects.update_or_create(
            stage=stage, proposal=proposal,
            defaults={"consensus_score": float(value), "summary_for_applicant": summary},
        )
        record(user, "panel.consensus", summary_row, sensitive=True, proposal=proposal.pk, score=str(value),
               previous=None if previous is None else previous.consensus_score, summary=summary)
    return summary_row


# ------------------------------------------------------------------ applicants


def check_submit_rebuttal(user: User, proposal: Proposal, answer: str) -> Rebuttal:
    """The applicant's one answer to the written-stage reviewers' questions."""
    answer = (answer or "").strip()
    if not answer:
        raise ActionError({"answer": ["Write your answer to the reviewers' questions."]})
    if len(answer) > 20000:
        raise ActionError({"answer": ["Keep the answer under 20,000 characters."]})
    with transaction.atomic():
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if Rebuttal.objects.filter(proposal=proposal).exists():
            raise ActionError("You have already answered the reviewers; an answer can be given only once.")
        state = selectors.rebuttal_state(proposal)
        if not proposal.call.allows_rebuttal:
            raise ActionError("This call does not allow answers to the reviewers.")
        if not state["can_answer"]:
            raise ActionError("Answers are possible once the written review is closed, while the proposal "
                              "is still in evaluation and the reviewers asked questions.")
        rebuttal = Rebuttal.objects.create(proposal=proposal, stage=state["stage"], answer=answer, written_by=user)
        record(user, "rebuttal.submitted", rebuttal, proposal=proposal.pk)
    return rebuttal


def do_release_feedback(manager: User, call) -> FeedbackRelease:
    """Show every applicant of the call their feedback at once, after all decisions are taken.

    Released together, so that nothing about when a review was written or a decision taken
    shows through to an applicant.
    """
    with transaction.atomic():
        if FeedbackRelease.objects.filter(call=call).exists():
            raise ActionError("Feedback for this call is already released.")
        undecided = Proposal.objects.filter(
            call=call, status__in=(ProposalStatus.SUBMITTED, ProposalStatus.IN_REVIEW)).count()
        if undecided:
            raise ActionError(f"{undecided} proposals still wait for a decision; release feedback after the last one.")
        release = FeedbackRelease.objects.create(call=call, released_by=manager)
        record(manager, "feedback.released", release, call=call.pk)
    return release


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
