"""The assignment pipeline for a stage: read inputs -> solve -> (preview) -> validate again.

Inputs: affinities (:mod:`dure.expertise.affinity`), conflicts in force (active or
confirmed) and every rule of :func:`dure.review.actions.assignment_problems`, the call's
reviewers per proposal minus those already assigned, each reviewer's remaining load
(``User.max_reviews`` minus assignments in the call), one reviewer per organisation per
proposal, at least one industry reviewer when the call asks, and (optionally) balance:
no background takes more than ``required - 1`` seats. Pins and forbids come from the
manager. Reciprocal reviews found in a solution are forbidden and the solver runs again.
Nothing here writes assignments; see :mod:`dure.expertise.actions`.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from dure.accounts.models import User
from dure.expertise.affinity import StageAffinities, active_reviewers, stage_affinities
from dure.programmes.models import Stage
from dure.proposals.models import Proposal
from dure.review import selectors as review_selectors
from dure.review.actions import assignment_problems
from dure.review.models import Assignment

MODES = ("optimal", "fair", "randomized")
KINDS = ("academic", "institute", "industry")
MAX_RECIPROCAL_ROUNDS = 3


@dataclass
class StageProblem:
    stage: Stage
    proposals: list[Proposal]                  # those still short of reviewers
    reviewers: list[User]
    affinities: StageAffinities
    specs: list = field(default_factory=list)
    reviewer_specs: list = field(default_factory=list)
    scores: list[tuple[str, str, float]] = field(default_factory=list)
    conflicts: list[tuple[str, str]] = field(default_factory=list)
    forbidden: list[tuple[str, str]] = field(default_factory=list)
    pinned: list[tuple[str, str]] = field(default_factory=list)
    excluded: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    complete: list[Proposal] = field(default_factory=list)  # already fully staffed

    def core_problem(self, extra_forbidden=()):
        from dure.core.assignment import AssignmentProblem

        return AssignmentProblem.from_records(self.specs, self.reviewer_specs, self.scores,
                                              conflicts=self.conflicts, pinned=self.pinned,
                                              forbidden=[*self.forbidden, *extra_forbidden])

    def inputs(self) -> dict:
        return {
            "proposals": [[s.proposal_id, s.required_reviewers, s.min_per_kind, s.max_per_kind] for s in self.specs],
            "reviewers": [[r.reviewer_id, r.organisation_id, r.kind, r.max_load] for r in self.reviewer_specs],
            "scores": [[p, r, s] for p, r, s in self.scores],
            "conflicts": sorted(map(list, self.conflicts)),
            "forbidden": sorted(map(list, self.forbidden)),
            "pinned": sorted(map(list, self.pinned)),
            "engine": self.affinities.engine,
        }


def build_problem(stage: Stage, *, balance: bool = True, pinned=(), forbidden=()) -> StageProblem:
    from dure.core.assignment import ProposalSpec, ReviewerSpec

    call = stage.call
    proposals = list(review_selectors.proposals_at_stage(stage).exclude(decisions__stage=stage)
                     .select_related("consortium", "technology").order_by("pk"))
    reviewers = [r for r in active_reviewers() if r.expert_kind in KINDS and r.organisation_id]
    affinities = stage_affinities(stage, proposals, reviewers)
    existing: dict[int, list[Assignment]] = defaultdict(list)
    for a in Assignment.objects.filter(stage=stage).select_related("reviewer"):
        existing[a.proposal_id].append(a)
    pinned, forbidden = set(map(tuple, pinned)), set(map(tuple, forbidden))
    sp = StageProblem(stage, [], reviewers, affinities)
    for p in proposals:
        have = existing.get(p.pk, [])
        need = call.reviewers_per_proposal - len(have)
        if need <= 0:
            sp.complete.append(p)
            continue
        sp.proposals.append(p)
        kinds_have = [a.reviewer.expert_kind for a in have]
        minimum = ({"industry": 1} if call.requires_industry_reviewer and "industry" not in kinds_have else {})
        maximum = {}
        if balance and call.reviewers_per_proposal >= 2:
            cap = call.reviewers_per_proposal - 1
            maximum = {k: max(0, min(need, cap - kinds_have.count(k))) for k in KINDS}
        sp.specs.append(ProposalSpec(str(p.pk), None, need, min_per_kind=minimum, max_per_kind=maximum))
        taken_orgs = {a.reviewer.organisation_id for a in have}
        for r in reviewers:
            key = (p.pk, r.pk)
            reasons = []
            if r.organisation_id in taken_orgs and not any(a.reviewer_id == r.pk for a in have):
                reasons.append("Another reviewer from this organisation already reviews this proposal.")
            reasons += assignment_problems(stage, p, r)
            sp.scores.append((str(p.pk), str(r.pk), affinities.score(p.pk, r.pk)))
            if key in forbidden:
                sp.forbidden.append((str(p.pk), str(r.pk)))
                reasons.append("Forbidden by the programme manager for this run.")
            elif reasons:
                sp.conflicts.append((str(p.pk), str(r.pk)))
            if key in pinned:
                sp.pinned.append((str(p.pk), str(r.pk)))
            if reasons:
                sp.excluded[key] = reasons
    loads = {r.pk: r.max_reviews - review_selectors.reviewer_load(r, call.pk) for r in reviewers}
    sp.reviewer_specs = [ReviewerSpec(str(r.pk), str(r.organisation_id), r.expert_kind, max(loads[r.pk], 0))
                         for r in reviewers]
    return sp


def digest_of(inputs: dict, mode: str, seed, max_probability) -> str:
    blob = json.dumps({"inputs": inputs, "mode": mode, "seed": seed, "q": max_probability}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class SolveOutcome:
    ok: bool
    pairs: list[tuple[int, int, float]]
    total_affinity: float | None
    diagnosis: str
    diagnosis_data: dict
    inputs: dict
    inputs_digest: str
    engine: str


def _diagnosis_data(d) -> dict:
    return {
        "shortfalls": [{"proposal": s.proposal_id, "required": s.required, "candidates": s.candidates,
                        "organisations": s.organisations, "reason": s.reason} for s in d.shortfalls],
        "blocked_groups": [list(g) for g in d.blocked_groups],
        "binding_limits": list(d.binding_limits),
        "suggestions": list(d.suggestions),
        "demand": d.demand, "capacity": d.capacity, "max_assignable": d.max_assignable,
    }


def _reciprocal(stage: Stage, sp: StageProblem, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Pairs of the proposed plan (with the call's current assignments) that are reciprocal reviews."""
    from dure.core.conflicts import reciprocal_reviews
    from dure.expertise.identities import conflict_inputs, user_id_of_record, user_record_id

    inputs = conflict_inputs(sp.proposals + sp.complete, sp.reviewers)
    canon = {rid: ident.identity_id for ident in inputs.identities for rid in ident.record_ids}
    current = [(str(a.proposal_id), user_record_id(a.reviewer_id))
               for a in Assignment.objects.filter(stage__call_id=stage.call_id)]
    proposed = [(p, user_record_id(int(r))) for p, r in pairs]
    found = reciprocal_reviews(inputs.parties, proposed + current, lambda x: canon.get(x, x))
    bad = set()
    planned = set(pairs)
    for c in found:
        for uid in inputs.reviewers_of_identity.get(c.person_id, []) or [user_id_of_record(c.person_id)]:
            if uid is not None and (c.proposal_id, str(uid)) in planned:
                bad.add((c.proposal_id, str(uid)))
    return sorted(bad)


def solve_stage(stage: Stage, *, mode: str, seed=None, max_probability=None, balance=True,
                pinned=(), forbidden=()) -> SolveOutcome:
    from dure.core.assignment import (
        InfeasibleAssignment,
        PinError,
        ReviewerAssigner,
        validate_assignment,
    )

    sp = build_problem(stage, balance=balance, pinned=pinned, forbidden=forbidden)
    inputs = sp.inputs()
    digest = digest_of(inputs, mode, seed, max_probability)
    engine = sp.affinities.engine

    def fail(text: str, data: dict | None = None) -> SolveOutcome:
        return SolveOutcome(False, [], None, text, data or {}, inputs, digest, engine)

    if not sp.specs:
        return fail("Every proposal at this stage already has its reviewers; nothing to assign.")
    assigner = ReviewerAssigner(mode, seed=seed, max_probability=max_probability or 0.5)
    extra: list[tuple[str, str]] = []
    try:
        for _round in range(MAX_RECIPROCAL_ROUNDS + 1):
            problem = sp.core_problem(extra)
            result = assigner.solve(problem)
            ids = result.as_ids(problem)
            reciprocal = _reciprocal(stage, sp, ids)
            if not reciprocal:
                break
            extra += reciprocal
            for p, r in reciprocal:
                sp.excluded.setdefault((int(p), int(r)), []).append(
                    "Reciprocal review: the reviewer's own proposal would be reviewed by this applicant.")
        else:
            return fail("Every solution found pairs reviewers who would review each other's proposals; "
                        "add reviewers or forbid one of the pairs.")
    except InfeasibleAssignment as exc:
        d = exc.diagnosis_
        return fail(str(d), _diagnosis_data(d))
    except PinError as exc:
        return fail(f"A pinned pair cannot be used: {exc}")
    except ValueError as exc:
        return fail(str(exc))
    violations = validate_assignment(problem, result.pairs)
    if violations:
        return fail("The solver's plan breaks rules: " + "; ".join(v.detail for v in violations))
    pairs = sorted((int(p), int(r), round(sp.affinities.score(int(p), int(r)), 4)) for p, r in ids)
    if extra:
        inputs = {**inputs, "reciprocal_forbidden": sorted(map(list, extra))}
    return SolveOutcome(True, pairs, round(sum(a for _, _, a in pairs), 4), "", {}, inputs, digest, engine)


def validate_run(run) -> list[str]:
    """The run's pairs checked again against the stage as it is now; messages for each broken rule."""
    from dure.core.assignment import validate_assignment

    sp = build_problem(run.stage, balance=run.balance, pinned=[tuple(x) for x in run.pinned],
                       forbidden=[tuple(x) for x in run.forbidden])
    if not sp.specs:
        return ["Every proposal at this stage already has its reviewers."]
    problem = sp.core_problem([tuple(x) for x in run.inputs.get("reciprocal_forbidden", [])])
    p_index = {pid: i for i, pid in enumerate(problem.proposal_ids)}
    r_index = {rid: i for i, rid in enumerate(problem.reviewer_ids)}
    missing = [f"proposal {p} / reviewer {r} is no longer open for assignment."
               for p, r, _ in run.pairs if str(p) not in p_index or str(r) not in r_index]
    if missing:
        return missing
    arr = np.array([(p_index[str(p)], r_index[str(r)]) for p, r, _ in run.pairs], np.int64).reshape(-1, 2)
    return [v.detail for v in validate_assignment(problem, arr)]
