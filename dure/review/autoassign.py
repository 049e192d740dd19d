"""Automatic reviewer assignment for a stage: the solver proposes, the manager previews.

The one pipeline: :func:`propose_assignment` reads the stage (proposals still short of
reviewers, reviewers with their remaining load, every rule that refuses a pair) and asks
:class:`dure.core.assignment.ReviewerAssigner` for a plan; nothing is written. Applying a
plan goes through :func:`dure.review.actions.check_apply_assignment`, which re-checks every
pair under the stage's lock, writes them all or none, and logs the run.

Affinity here is the overlap between the reviewer's expertise keywords and the proposal's
technology (its names and keywords), plus one, so every unconflicted expert is a candidate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dure.accounts.models import Role, User
from dure.programmes.models import Stage
from dure.proposals.models import Proposal
from dure.review import selectors
from dure.review.actions import assignment_problems
from dure.review.models import Assignment

_WORD = re.compile(r"[\w가-힣]{2,}")


@dataclass(frozen=True)
class PlannedPair:
    proposal: Proposal
    reviewer: User
    affinity: float


@dataclass(frozen=True)
class AssignmentPlan:
    pairs: tuple[PlannedPair, ...]
    mode: str
    seed: int | None
    total_affinity: float
    problem: str = ""  # why no plan exists, when it does not

    @property
    def ok(self) -> bool:
        return not self.problem


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text or "")}


def affinity(reviewer: User, proposal: Proposal) -> float:
    tech = proposal.technology
    topic = _words(" ".join([tech.name_en, tech.name_ko, " ".join(map(str, tech.keywords or [])), proposal.title]))
    expertise = _words(reviewer.expertise)
    if not topic or not expertise:
        return 1.0
    return 1.0 + len(topic & expertise) / len(topic | expertise)


def propose_assignment(stage: Stage, mode: str = "optimal", seed: int | None = None) -> AssignmentPlan:
    from dure.core.assignment import (
        InfeasibleAssignment,
        ProposalSpec,
        ReviewerAssigner,
        ReviewerSpec,
    )

    call = stage.call
    proposals = list(selectors.proposals_at_stage(stage).exclude(decisions__stage=stage)
                     .select_related("technology").order_by("pk")) if selectors.is_scored(stage) else []
    reviewers = [
        r for r in User.objects.filter(role=Role.REVIEWER, is_active=True).select_related("organisation").order_by("pk")
        if r.expert_kind and r.organisation_id
    ]
    existing: dict[int, list[Assignment]] = {}
    for a in Assignment.objects.filter(stage=stage).select_related("reviewer"):
        existing.setdefault(a.proposal_id, []).append(a)
    specs, scores = [], []
    by_id = {str(p.pk): p for p in proposals}
    for p in proposals:
        have = existing.get(p.pk, [])
        need = call.reviewers_per_proposal - len(have)
        if need <= 0:
            continue
        kinds = {a.reviewer.expert_kind for a in have}
        minimum = {"industry": 1} if call.requires_industry_reviewer and "industry" not in kinds else {}
        specs.append(ProposalSpec(str(p.pk), None, need, min_per_kind=minimum))
        taken_orgs = {a.reviewer.organisation_id for a in have}
        for r in reviewers:
            if r.organisation_id in taken_orgs:
                continue
            if assignment_problems(stage, p, r):
                continue
            scores.append((str(p.pk), str(r.pk), affinity(r, p)))
    if not specs:
        return AssignmentPlan((), mode, seed, 0.0, problem="Every proposal at this stage already has its reviewers.")
    loads = {r.pk: r.max_reviews - selectors.reviewer_load(r, call.pk) for r in reviewers}
    rspecs = [ReviewerSpec(str(r.pk), str(r.organisation_id), r.expert_kind, max(loads[r.pk], 0)) for r in reviewers]
    by_reviewer = {str(r.pk): r for r in reviewers}
    try:
        from dure.core.assignment import AssignmentProblem

        problem = AssignmentProblem.from_records(specs, rspecs, scores)
        result = ReviewerAssigner(mode, seed=seed).solve(problem)
    except InfeasibleAssignment as exc:
        return AssignmentPlan((), mode, seed, 0.0, problem=str(getattr(exc, "diagnosis_", exc)))
    except ValueError as exc:
        return AssignmentPlan((), mode, seed, 0.0, problem=str(exc))
    score_of = {(p, r): s for p, r, s in scores}
    pairs = tuple(
        PlannedPair(by_id[pid], by_reviewer[rid], round(score_of[(pid, rid)], 3))
        for pid, rid in sorted(result.as_ids(problem), key=lambda x: (int(x[0]), int(x[1])))
    )
    return AssignmentPlan(pairs, mode, seed, float(result.total_affinity))
