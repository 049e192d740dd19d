"""Reviewer assignment at national scale, against plain OR-Tools min-cost flow.

    .venv/bin/python -m bench.assign            # 20,000 x 20,000, 100 candidates each
    .venv/bin/python -m bench.assign --quick    # 2,000 x 2,000

The instance is generated from a seed: reviewers belong to organisations (5 each on
average) with one kind per organisation; each proposal has an applicant organisation,
about 100 candidate reviewers with topic-similarity scores, a sprinkle of declared
conflicts, needs 3 reviewers; every reviewer takes at most 4. Rules: no conflicted or
same-organisation pair, at most one reviewer per organisation on a proposal.

The baseline builds the same network directly (source -> proposal -> proposal x
organisation -> reviewer -> sink) and calls SimpleMinCostFlow, in this same process.
Every figure is printed as key=value; times are wall-clock and include building.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from ortools.graph.python import min_cost_flow

from dure.core.assignment import (
    AssignmentProblem,
    InfeasibleAssignment,
    ReviewerAssigner,
    validate_assignment,
)
from dure.core.assignment.keys import group_keys, member


def make_instance(n_proposals: int, n_reviewers: int, n_candidates: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    n_orgs = max(n_reviewers // 5, 1)
    reviewer_org = rng.integers(0, n_orgs, n_reviewers)
    org_kind = rng.choice(3, n_orgs, p=[0.6, 0.25, 0.15])
    proposal_org = rng.integers(0, n_orgs, n_proposals)
    dim = 16
    topics = rng.normal(size=(n_proposals, dim))
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    expertise = rng.normal(size=(n_reviewers, dim))
    expertise /= np.linalg.norm(expertise, axis=1, keepdims=True)
    draws = np.sort(rng.integers(0, n_reviewers, (n_proposals, n_candidates + 20)), axis=1)
    dup = np.zeros(draws.shape, bool)
    dup[:, 1:] = draws[:, 1:] == draws[:, :-1]
    first = np.argsort(dup, axis=1, kind="stable")[:, :n_candidates]
    cand = np.take_along_axis(draws, first, axis=1)
    pair_p = np.repeat(np.arange(n_proposals), n_candidates)
    pair_r = cand.reshape(-1)
    cos = np.einsum("ij,ij->i", topics[pair_p], expertise[pair_r])
    score = np.round((1 + cos) / 2 + rng.normal(0, 0.05, len(cos)), 4).clip(0, 1)
    conflicted = rng.random(len(pair_p)) < 0.01
    return dict(pair_p=pair_p, pair_r=pair_r, score=score,
                conflicts=np.stack([pair_p[conflicted], pair_r[conflicted]], axis=1),
                reviewer_org=reviewer_org, reviewer_kind=org_kind[reviewer_org],
                proposal_org=proposal_org, n_proposals=n_proposals, n_reviewers=n_reviewers)


def baseline(inst: dict, required: int, load: int, lean: bool = False) -> tuple[float, np.ndarray, float]:
    """Plain min-cost flow on the same rules, built directly with numpy (sort-based set ops).

    The textbook network has a source node and a node for every (proposal, organisation)
    group. ``lean`` puts the supplies on the proposal nodes and gives a node only to groups
    with two or more candidates, as the solver does: the same optimum, a smaller network.
    """
    n_p, n_r = inst["n_proposals"], inst["n_reviewers"]
    p, r, s = inst["pair_p"], inst["pair_r"], inst["score"]
    key = p * n_r + r
    bad = inst["conflicts"][:, 0] * n_r + inst["conflicts"][:, 1]
    ok = ~member(key, bad) & (inst["reviewer_org"][r] != inst["proposal_org"][p])
    p, r, s = p[ok], r[ok], s[ok]
    n_org = int(inst["reviewer_org"].max()) + 1
    group_key = p * n_org + inst["reviewer_org"][r]
    groups, inverse, counts = group_keys(group_key)
    if not lean:  # textbook: every (proposal, organisation) group gets a node
        counts = np.full(len(groups), 2)
    multi = counts >= 2
    source, sink = 0, 1
    p_node = 2 + np.arange(n_p)
    r_node = 2 + n_p + np.arange(n_r)
    g_node = np.full(len(groups), -1)
    g_node[multi] = 2 + n_p + n_r + np.arange(int(multi.sum()))
    n_nodes = 2 + n_p + n_r + int(multi.sum())
    src_t, src_h, src_c = ((np.zeros(0, np.int64),) * 3 if lean
                           else (np.full(n_p, source), p_node, np.full(n_p, required)))
    tails = np.concatenate([src_t, p_node[groups[multi] // n_org],
                            np.where(multi[inverse], g_node[inverse], p_node[p]), r_node])
    heads = np.concatenate([src_h, g_node[multi], r_node[r], np.full(n_r, sink)])
    caps = np.concatenate([src_c, np.ones(int(multi.sum()), np.int64),
                           np.ones(len(p), np.int64), np.full(n_r, load)])
    costs = np.concatenate([np.zeros(len(src_t) + int(multi.sum()), np.int64),
                            -np.rint(s / 1e-6).astype(np.int64), np.zeros(n_r, np.int64)])
    t_solve = time.perf_counter()
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    supplies = np.zeros(n_nodes, np.int64)
    supplies[sink] = -n_p * required
    if lean:
        supplies[p_node] = required
    else:
        supplies[source] = n_p * required
    smcf.set_nodes_supplies(np.arange(n_nodes), supplies)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise SystemExit(f"baseline min-cost flow failed: status {status}")
    solver_seconds = time.perf_counter() - t_solve
    first = len(src_t) + int(multi.sum())
    flows = np.asarray(smcf.flows(np.arange(first, first + len(p))))
    chosen = flows > 0
    return float(s[chosen].sum()), np.stack([p[chosen], r[chosen]], axis=1), solver_seconds


def make_problem(inst: dict, required: int, load: int, industry_calls: float = 0.0) -> AssignmentProblem:
    """``industry_calls``: share of proposals (seeded pick) that need one industry reviewer."""
    n_p, n_r = inst["n_proposals"], inst["n_reviewers"]
    kind_min = np.zeros((n_p, 3), np.int64)
    if industry_calls:
        pick = np.random.default_rng(n_p).random(n_p) < industry_calls
        kind_min[pick, 2] = 1
    return AssignmentProblem(
        proposal_ids=tuple(f"P{i}" for i in range(n_p)),
        reviewer_ids=tuple(f"R{i}" for i in range(n_r)),
        pair_proposal=inst["pair_p"], pair_reviewer=inst["pair_r"], pair_score=inst["score"],
        required=np.full(n_p, required), max_load=np.full(n_r, load),
        reviewer_organisation=inst["reviewer_org"], reviewer_kind=inst["reviewer_kind"],
        proposal_organisation=inst["proposal_org"], conflicts=inst["conflicts"], kind_min=kind_min)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2,000 x 2,000 instead of 20,000 x 20,000")
    ap.add_argument("--seed", type=int, default=20260)
    ap.add_argument("--max-probability", type=float, default=0.5)
    ap.add_argument("--industry-calls", type=float, default=0.0,
                    help="also solve (optimal mode) with this share of proposals needing one "
                         "industry reviewer; the baseline cannot express this rule")
    ap.add_argument("--repeat", type=int, default=1,
                    help="time baseline and optimal this many times, alternating, and compare "
                         "the fastest of each (the machine may be shared)")
    args = ap.parse_args(argv)
    n = 2_000 if args.quick else 20_000
    required, load, n_candidates = 3, 4, 100
    t0 = time.perf_counter()
    inst = make_instance(n, n, n_candidates, args.seed)
    print(f"proposals={n} reviewers={n} candidates_per_proposal={n_candidates} "
          f"required={required} max_load={load} seed={args.seed}")
    print(f"candidate_pairs={len(inst['pair_p'])} declared_conflicts={len(inst['conflicts'])} "
          f"generate_seconds={time.perf_counter() - t0:.2f}")

    base_times, lean_times, opt_times = [], [], []
    for _ in range(max(args.repeat, 1)):
        t0 = time.perf_counter()
        base_total, base_pairs, solver_seconds = baseline(inst, required, load)
        base_times.append(time.perf_counter() - t0)
        print(f"baseline_run_seconds={base_times[-1]:.2f} "
              f"baseline_solver_only_seconds={solver_seconds:.2f}")
        t0 = time.perf_counter()
        lean_total, _, lean_solver_seconds = baseline(inst, required, load, lean=True)
        lean_times.append(time.perf_counter() - t0)
        print(f"lean_baseline_run_seconds={lean_times[-1]:.2f} "
              f"lean_baseline_solver_only_seconds={lean_solver_seconds:.2f} "
              f"lean_baseline_total_affinity={lean_total:.4f}")
        t0 = time.perf_counter()
        problem = make_problem(inst, required, load)
        optimal = ReviewerAssigner("optimal").solve(problem)
        opt_times.append(time.perf_counter() - t0)
    base_seconds, seconds = min(base_times), min(opt_times)
    print(f"baseline_seconds={base_seconds:.2f} baseline_total_affinity={base_total:.4f} "
          f"baseline_runs={','.join(f'{t:.2f}' for t in base_times)}")
    results = {"optimal": optimal}
    print(f"optimal_seconds={seconds:.2f} optimal_total_affinity={optimal.total_affinity:.4f} "
          f"optimal_per_proposal_min={optimal.per_proposal_min:.4f} "
          f"optimal_min_pair_score={optimal.min_pair_score:.4f} "
          f"optimal_violations={len(validate_assignment(problem, optimal.pairs))} "
          f"optimal_runs={','.join(f'{t:.2f}' for t in opt_times)}")
    print(f"optimal_time_ratio={seconds / base_seconds:.3f} (target <= 1.5)")
    print(f"optimal_time_ratio_vs_lean_baseline={seconds / min(lean_times):.3f}")
    print(f"optimal_affinity_gap={optimal.total_affinity - base_total:.6f} "
          f"optimal_matches_baseline={abs(optimal.total_affinity - base_total) <= 1e-6 * max(1.0, base_total)}")

    if args.industry_calls:
        t0 = time.perf_counter()
        problem = make_problem(inst, required, load, args.industry_calls)
        try:
            ruled = ReviewerAssigner("optimal").solve(problem)
        except InfeasibleAssignment as exc:
            print(f"industry_calls={args.industry_calls} industry_rule_feasible=False "
                  f"diagnosis_seconds={time.perf_counter() - t0:.2f}")
            print(str(exc.diagnosis_))
        else:
            seconds = time.perf_counter() - t0
            print(f"industry_calls={args.industry_calls} industry_rule_feasible=True "
                  f"optimal_with_industry_seconds={seconds:.2f} "
                  f"optimal_with_industry_total_affinity={ruled.total_affinity:.4f} "
                  f"optimal_with_industry_violations={len(validate_assignment(problem, ruled.pairs))} "
                  f"industry_rule_affinity_ratio={ruled.total_affinity / optimal.total_affinity:.4f}")

    for mode in ("fair", "randomized"):
        t0 = time.perf_counter()
        problem = make_problem(inst, required, load)
        solver = ReviewerAssigner(mode, seed=args.seed, max_probability=args.max_probability)
        result = solver.solve(problem)
        seconds = time.perf_counter() - t0
        violations = validate_assignment(problem, result.pairs)
        results[mode] = result
        print(f"{mode}_seconds={seconds:.2f} {mode}_total_affinity={result.total_affinity:.4f} "
              f"{mode}_per_proposal_min={result.per_proposal_min:.4f} "
              f"{mode}_min_pair_score={result.min_pair_score:.4f} "
              f"{mode}_violations={len(violations)}")
        print(f"{mode}_affinity_ratio={result.total_affinity / optimal.total_affinity:.4f} "
              f"(target >= 0.90) {mode}_under_60s={seconds < 60}")
    print(f"baseline_violations={len(validate_assignment(make_problem(inst, required, load), base_pairs))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
