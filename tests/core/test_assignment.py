"""Reviewer assignment: hard rules always hold, optimality, fairness, randomization, diagnosis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from dure.core.assignment import (
    AssignmentProblem,
    InfeasibleAssignment,
    PinError,
    ProposalSpec,
    ReviewerAssigner,
    ReviewerSpec,
    validate_assignment,
)
from dure.core.assignment.network import eligible_pairs


@st.composite
def problems(draw, with_kinds=True):
    n_p = draw(st.integers(1, 6))
    n_r = draw(st.integers(3, 10))
    n_org = draw(st.integers(2, 8))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    density = draw(st.floats(0.5, 1.0))
    mask = rng.random((n_p, n_r)) < density
    pp, pr = np.nonzero(mask)
    org = rng.integers(0, n_org, n_r)
    org_kind = rng.integers(0, 3, n_org)
    conflicts = np.argwhere(rng.random((n_p, n_r)) < 0.1)
    kind_min = np.zeros((n_p, 3), np.int64)
    required = rng.integers(0, 4, n_p)
    if with_kinds:
        wants = (rng.random(n_p) < 0.3) & (required > 0)
        kind_min[wants, 2] = 1
    org_kind[: max(1, n_org // 3)] = 2  # some industry organisations
    return AssignmentProblem(
        proposal_ids=tuple(f"P{i}" for i in range(n_p)),
        reviewer_ids=tuple(f"R{i}" for i in range(n_r)),
        pair_proposal=pp, pair_reviewer=pr, pair_score=np.round(rng.random(len(pp)), 3),
        required=required, max_load=rng.integers(1, 5, n_r),
        reviewer_organisation=org, reviewer_kind=org_kind[org],
        proposal_organisation=rng.integers(0, n_org + 2, n_p),
        kind_min=kind_min, conflicts=conflicts)


def exact_optimum(problem: AssignmentProblem) -> float | None:
    """Best total affinity by integer programming (HiGHS), or None if infeasible."""
    pairs, scores, pinned = eligible_pairs(problem)
    m = len(pairs)
    if m == 0:
        return 0.0 if problem.required.sum() == 0 else None
    rows, lo, hi = [], [], []

    def group(keys, lower, upper):
        uniq, inv = np.unique(keys, return_inverse=True)
        rows.append(coo_matrix((np.ones(m), (inv, np.arange(m))), shape=(len(uniq), m)))
        lo.append(lower(uniq))
        hi.append(upper(uniq))
        return uniq

    n_p = problem.n_proposals
    covered = group(pairs[:, 0], lambda u: problem.required[u], lambda u: problem.required[u])
    if np.any(problem.required[np.setdiff1d(np.arange(n_p), covered)] > 0):
        return None
    group(pairs[:, 1], lambda u: np.zeros(len(u)), lambda u: problem.max_load[u])
    n_org = int(problem.reviewer_organisation.max()) + 1
    group(pairs[:, 0] * n_org + problem.reviewer_organisation[pairs[:, 1]],
          lambda u: np.zeros(len(u)), lambda u: np.ones(len(u)))
    kinds = problem.reviewer_kind[pairs[:, 1]]
    group(pairs[:, 0] * 3 + kinds, lambda u: problem.kind_min[u // 3, u % 3],
          lambda u: problem.kind_max[u // 3, u % 3])
    for k in range(3):  # minima on kinds with no candidate at all
        need = problem.kind_min[:, k] > 0
        have = np.isin(np.arange(n_p), pairs[kinds == k, 0])
        if np.any(need & ~have):
            return None
    from scipy.sparse import vstack
    res = milp(-scores, integrality=np.ones(m), bounds=Bounds(pinned.astype(float), np.ones(m)),
               constraints=LinearConstraint(vstack(rows).tocsr(), np.concatenate(lo), np.concatenate(hi)))
    return None if res.status != 0 else float(-res.fun)


def assert_hard_rules(problem: AssignmentProblem, pairs: np.ndarray) -> None:
    assert validate_assignment(problem, pairs) == []
    conflicted = {tuple(c) for c in problem.conflicts}
    for p, r in pairs:
        assert (p, r) not in conflicted
        assert problem.reviewer_organisation[r] != problem.proposal_organisation[p]
    assert np.array_equal(np.bincount(pairs[:, 0], minlength=problem.n_proposals), problem.required)
    assert np.all(np.bincount(pairs[:, 1], minlength=problem.n_reviewers) <= problem.max_load)
    orgs = problem.reviewer_organisation[pairs[:, 1]]
    assert len({(p, o) for p, o in zip(pairs[:, 0], orgs, strict=True)}) == len(pairs)
    industry = np.bincount(pairs[problem.reviewer_kind[pairs[:, 1]] == 2, 0], minlength=problem.n_proposals)
    assert np.all(industry >= problem.kind_min[:, 2])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_optimal_is_valid_and_matches_integer_programming(problem):
    best = exact_optimum(problem)
    try:
        result = ReviewerAssigner("optimal").solve(problem)
    except InfeasibleAssignment as exc:
        assert best is None, "solver said infeasible but an assignment exists"
        assert str(exc.diagnosis_)
        return
    assert best is not None
    assert_hard_rules(problem, result.pairs)
    assert result.total_affinity == pytest.approx(best, abs=1e-6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.integers(0, 1000))
def test_fair_and_randomized_keep_every_rule(problem, seed):
    try:
        optimal = ReviewerAssigner("optimal").solve(problem)
    except InfeasibleAssignment:
        with pytest.raises(InfeasibleAssignment):
            ReviewerAssigner("fair").solve(problem)
        return
    fair = ReviewerAssigner("fair").solve(problem)
    assert_hard_rules(problem, fair.pairs)
    assert fair.min_pair_score >= optimal.min_pair_score - 1e-9
    assert fair.total_affinity <= optimal.total_affinity + 1e-9
    for q in (0.5, 1.0):
        try:
            randomized = ReviewerAssigner("randomized", max_probability=q, seed=seed).solve(problem)
        except InfeasibleAssignment as exc:
            assert q < 1.0 and "probability" in str(exc.diagnosis_)
            continue
        assert_hard_rules(problem, randomized.pairs)
        again = ReviewerAssigner("randomized", max_probability=q, seed=seed).solve(problem)
        assert np.array_equal(again.pairs, randomized.pairs)


def slack_instance(n_p=12, n_r=16, seed=7):
    rng = np.random.default_rng(seed)
    pp, pr = np.nonzero(np.ones((n_p, n_r), bool))
    org = np.arange(n_r) % 8
    return AssignmentProblem(
        proposal_ids=tuple(f"P{i}" for i in range(n_p)), reviewer_ids=tuple(f"R{i}" for i in range(n_r)),
        pair_proposal=pp, pair_reviewer=pr, pair_score=rng.random(len(pp)),
        required=np.full(n_p, 3), max_load=np.full(n_r, 3),
        reviewer_organisation=org, reviewer_kind=org % 3,
        proposal_organisation=np.full(n_p, 99), kind_min=np.tile([0, 0, 1], (n_p, 1)),
        conflicts=np.argwhere(rng.random((n_p, n_r)) < 0.1))


def test_same_seed_same_assignment_and_different_seeds_differ():
    problem = slack_instance()
    runs = [ReviewerAssigner("randomized", seed=s).solve(problem).pairs for s in range(8)]
    again = ReviewerAssigner("randomized", seed=3).solve(problem).pairs
    assert np.array_equal(runs[3], again)
    assert len({r.tobytes() for r in runs}) >= 6


def test_pair_frequencies_stay_under_the_cap():
    problem = slack_instance(n_p=6, n_r=16, seed=11)
    q, n = 0.4, 300
    solver = ReviewerAssigner("randomized", max_probability=q, seed=0)
    solver.solve(problem)
    assert np.all(solver.marginals_ <= q + 1e-12)
    counts = np.zeros((problem.n_proposals, problem.n_reviewers))
    for seed in range(n):
        pairs = ReviewerAssigner("randomized", max_probability=q, seed=seed).solve(problem).pairs
        counts[pairs[:, 0], pairs[:, 1]] += 1
    freq = counts / n
    tolerance = 4 * np.sqrt(q * (1 - q) / n)
    assert freq.max() <= q + tolerance
    # and the sampler hits the planned marginals, not just the cap
    planned = np.zeros_like(freq)
    planned[solver.candidate_pairs_[:, 0], solver.candidate_pairs_[:, 1]] = solver.marginals_
    assert np.abs(freq - planned).max() <= tolerance


def test_infeasible_diagnosis_names_the_short_proposal():
    proposals = [ProposalSpec("P-ok", "O1", 2), ProposalSpec("P-short", "O1", 2)]
    reviewers = [ReviewerSpec(f"R{i}", f"O{i + 2}", "academic", 2) for i in range(4)]
    scores = [("P-ok", f"R{i}", 0.5) for i in range(4)] + [("P-short", f"R{i}", 0.5) for i in range(3)]
    conflicts = [("P-short", "R0"), ("P-short", "R1")]
    problem = AssignmentProblem.from_records(proposals, reviewers, scores, conflicts)
    with pytest.raises(InfeasibleAssignment) as info:
        ReviewerAssigner().solve(problem)
    diagnosis = info.value.diagnosis_
    assert [s.proposal_id for s in diagnosis.shortfalls] == ["P-short"]
    assert diagnosis.shortfalls[0].candidates == 1
    assert "P-short" in str(diagnosis) and "lower its required reviewers" in str(diagnosis)


def test_infeasible_diagnosis_finds_competing_proposals_and_binding_loads():
    # each proposal alone is fine; together they need 4 reviews from two reviewers of load 1
    proposals = [ProposalSpec("A", None, 2), ProposalSpec("B", None, 2), ProposalSpec("C", None, 1)]
    reviewers = [ReviewerSpec("R1", "O1", "academic", 1), ReviewerSpec("R2", "O2", "industry", 1),
                 ReviewerSpec("R3", "O3", "academic", 5)]
    scores = [("A", "R1", 1), ("A", "R2", 1), ("B", "R1", 1), ("B", "R2", 1), ("C", "R3", 1)]
    problem = AssignmentProblem.from_records(proposals, reviewers, scores)
    with pytest.raises(InfeasibleAssignment) as info:
        ReviewerAssigner().solve(problem)
    diagnosis = info.value.diagnosis_
    assert diagnosis.shortfalls == ()
    assert set(diagnosis.blocked_groups[0]) == {"A", "B"}
    assert any("R1" in b and "R2" in b and "only 2" in b for b in diagnosis.binding_limits)


def test_industry_shortage_and_organisation_rule_are_explained():
    proposals = [ProposalSpec("P1", None, 2, min_per_kind={"industry": 1})]
    reviewers = [ReviewerSpec("R1", "Uni", "academic", 1), ReviewerSpec("R2", "Uni", "academic", 1),
                 ReviewerSpec("R3", "Lab", "institute", 1)]
    scores = [("P1", r.reviewer_id, 0.5) for r in reviewers]
    problem = AssignmentProblem.from_records(proposals, reviewers, scores)
    with pytest.raises(InfeasibleAssignment) as info:
        ReviewerAssigner().solve(problem)
    text = str(info.value.diagnosis_)
    assert "industry" in text and "P1" in text


def test_pins_and_forbids_are_honoured():
    problem = slack_instance()
    best = ReviewerAssigner().solve(problem)
    p, r = best.pairs[0]
    unused = next((int(p2), int(r2)) for p2, r2 in zip(problem.pair_proposal, problem.pair_reviewer, strict=True)
                  if not np.any((best.pairs[:, 0] == p2) & (best.pairs[:, 1] == r2))
                  and (p2, r2) not in {tuple(c) for c in problem.conflicts}
                  and problem.reviewer_kind[r2] != 2 and p2 != p)
    adjusted = AssignmentProblem(**{**problem.__dict__, "pinned": np.array([unused]),
                                    "forbidden": np.array([[p, r]])})
    result = ReviewerAssigner().solve(adjusted)
    pairs = {tuple(x) for x in result.pairs.tolist()}
    assert unused in pairs and (int(p), int(r)) not in pairs
    assert result.total_affinity <= best.total_affinity
    conflicted = AssignmentProblem(**{**problem.__dict__, "pinned": problem.conflicts[:1]})
    with pytest.raises(PinError, match="conflicted"):
        ReviewerAssigner().solve(conflicted)


def test_caller_arrays_are_not_changed():
    scores = np.array([0.3, 0.9])
    problem = AssignmentProblem(("P",), ("R1", "R2"), np.array([0, 0]), np.array([0, 1]), scores,
                                np.array([1]), np.array([1, 1]), np.array([0, 1]), np.array([0, 0]))
    scores[:] = 0
    assert ReviewerAssigner().solve(problem).total_affinity == pytest.approx(0.9)


def test_bad_settings_say_what_to_fix():
    with pytest.raises(ValueError, match="explicit seed"):
        ReviewerAssigner("randomized")
    with pytest.raises(ValueError, match="mode must be one of"):
        ReviewerAssigner("greedy")
    with pytest.raises(ValueError, match="listed twice"):
        AssignmentProblem(("P",), ("R",), [0, 0], [0, 0], [1.0, 2.0], [1], [1], [0], [0])


def test_fair_mode_lifts_the_proposal_optimal_mode_sacrifices():
    # R1 suits P2 best; giving it to P2 maximises the total but leaves P1 with a weak reviewer
    proposals = [ProposalSpec("P1", None, 1), ProposalSpec("P2", None, 1)]
    reviewers = [ReviewerSpec("R1", "O1", "academic", 1), ReviewerSpec("R2", "O2", "academic", 1)]
    scores = [("P1", "R1", 0.4), ("P2", "R1", 1.0), ("P1", "R2", 0.35), ("P2", "R2", 0.5)]
    problem = AssignmentProblem.from_records(proposals, reviewers, scores)
    optimal = ReviewerAssigner("optimal").solve(problem)
    fair = ReviewerAssigner("fair").solve(problem)
    assert set(optimal.as_ids(problem)) == {("P1", "R2"), ("P2", "R1")}
    assert set(fair.as_ids(problem)) == {("P1", "R1"), ("P2", "R2")}
    assert fair.per_proposal_min > optimal.per_proposal_min
    assert fair.total_affinity < optimal.total_affinity


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 11))
def test_diagnosis_names_a_proposal_stripped_of_candidates(seed, victim):
    problem = slack_instance(seed=seed)
    own = problem.pair_reviewer[problem.pair_proposal == victim]
    keep_one = own[:1]  # one candidate left, three needed
    extra = np.array([[victim, r] for r in own if r not in keep_one], np.int64).reshape(-1, 2)
    stripped = AssignmentProblem(**{**problem.__dict__,
                                    "conflicts": np.concatenate([problem.conflicts, extra])})
    with pytest.raises(InfeasibleAssignment) as info:
        ReviewerAssigner("optimal").solve(stripped)
    named = {s.proposal_id: s for s in info.value.diagnosis_.shortfalls}
    assert f"P{victim}" in named
    assert named[f"P{victim}"].candidates <= 1
