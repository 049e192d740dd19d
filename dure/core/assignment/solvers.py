"""The three solver modes: optimal, fair and randomized.

A solver only proposes: it returns an :class:`AssignmentResult` that has already passed
:func:`validate_assignment` (a failure there is a bug and raises ``RuntimeError``). The
pipeline that previews, applies under a lock and logs lives in the web app.
"""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np

from dure.core.assignment.diagnosis import (
    Diagnosis,
    InfeasibleAssignment,
    ProposalShortfall,
    diagnose,
)
from dure.core.assignment.keys import group_keys
from dure.core.assignment.network import (
    FlowNetwork,
    build_network,
    check_feasibility,
    eligible_pairs,
    solve_min_cost,
)
from dure.core.assignment.problem import (
    REVIEWER_KINDS,
    AssignmentProblem,
    AssignmentResult,
    validate_assignment,
)
from dure.core.assignment.rounding import round_flow

MODES = ("optimal", "fair", "randomized")


class ReviewerAssigner:
    """Propose reviewer assignments.

    ``mode``:

    * ``optimal``: maximum total affinity (min-cost flow).
    * ``fair``: first the largest threshold t such that every proposal can be staffed with
      pairs scoring at least t (binary search over scores, max-flow feasibility), which
      raises the worst-off proposal's weakest reviewer as high as possible; then maximum
      total affinity among pairs scoring at least t. Then ``fair_rounds`` re-solves in
      which the scores of proposals below the median total are weighted up (by
      ``fair_strength`` times their relative shortfall); the result with the highest
      lowest proposal total (ties: highest total affinity) is kept.
    * ``randomized``: maximum expected affinity with every pair's probability capped at
      ``max_probability`` (fractional min-cost flow in steps of 1/D), then an integral
      assignment sampled by dependent rounding with those exact marginals. ``seed`` is
      required; the same seed gives the same assignment.

    After :meth:`solve`: ``result_``; in randomized mode also ``marginals_`` (probability of
    each pair in ``candidate_pairs_``).
    """

    def __init__(self, mode: str = "optimal", *, max_probability: float = 0.5,
                 seed: int | None = None, score_resolution: float = 1e-6,
                 probability_denominator: int = 100, fair_rounds: int = 2,
                 fair_strength: float = 2.0) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if not 0 < max_probability <= 1:
            raise ValueError(f"max_probability must be in (0, 1], got {max_probability}")
        if mode == "randomized" and seed is None:
            raise ValueError("randomized mode needs an explicit seed so the draw can be repeated")
        if score_resolution <= 0:
            raise ValueError("score_resolution must be > 0")
        self.mode = mode
        self.max_probability = max_probability
        self.seed = seed
        self.score_resolution = score_resolution
        self.probability_denominator = probability_denominator
        if fair_rounds < 0 or fair_strength < 0:
            raise ValueError("fair_rounds and fair_strength must be >= 0")
        self.fair_rounds = fair_rounds
        self.fair_strength = fair_strength

    # -- public ------------------------------------------------------------------------
    def solve(self, problem: AssignmentProblem) -> AssignmentResult:
        started = time.perf_counter()
        if self.mode == "optimal":
            pairs = self._optimal(problem)
        elif self.mode == "fair":
            pairs = self._fair(problem)
        else:
            pairs = self._randomized(problem)
        violations = validate_assignment(problem, pairs)
        if violations:  # pragma: no cover - a solver bug, never an input problem
            raise RuntimeError(f"solver produced an invalid assignment: {violations[:5]}")
        self.result_ = summarise(problem, pairs, self.mode,
                                 self.seed if self.mode == "randomized" else None,
                                 self.max_probability if self.mode == "randomized" else None,
                                 time.perf_counter() - started)
        return self.result_

    # -- modes -------------------------------------------------------------------------
    def _network(self, problem: AssignmentProblem, **kw) -> FlowNetwork:
        return build_network(problem, score_resolution=self.score_resolution, **kw)

    def _optimal(self, problem: AssignmentProblem) -> np.ndarray:
        net = self._network(problem)
        flows = solve_min_cost(net)
        if flows is None:
            raise InfeasibleAssignment(diagnose(problem))
        return net.pairs[flows[net.pair_arcs] > 0]

    def _fair(self, problem: AssignmentProblem) -> np.ndarray:
        eligible = eligible_pairs(problem)
        pairs, scores, pinned = eligible
        if not check_feasibility(self._network(problem, eligible=eligible)).feasible:
            raise InfeasibleAssignment(diagnose(problem))
        free = ~pinned
        levels = np.sort(scores[free])
        if len(levels):
            levels = levels[np.append(True, levels[1:] != levels[:-1])]
        # no proposal can do better than its r-th best candidate
        order = np.lexsort((-scores, pairs[:, 0]))
        p_sorted = pairs[order, 0]
        starts = np.searchsorted(p_sorted, np.arange(problem.n_proposals))
        counts = np.bincount(pairs[:, 0], minlength=problem.n_proposals)
        need = problem.required
        ok = (need > 0) & (counts >= need)
        hi = float(scores[order][starts[ok] + need[ok] - 1].min()) if np.any(ok) else np.inf
        levels = levels[levels <= hi] if np.isfinite(hi) else levels
        lo_i, hi_i = 0, len(levels) - 1  # levels[lo_i] is always feasible (or no levels)
        while lo_i < hi_i:
            mid = (lo_i + hi_i + 1) // 2
            keep = scores >= levels[mid]
            if check_feasibility(self._network(problem, eligible=eligible, keep=keep)).feasible:
                lo_i = mid
            else:
                hi_i = mid - 1
        keep = scores >= levels[lo_i] if len(levels) else None
        self.threshold_ = float(levels[lo_i]) if len(levels) else None
        best: tuple[float, float, np.ndarray] | None = None
        weights = np.ones(problem.n_proposals)
        for _ in range(1 + self.fair_rounds):
            weighted = (pairs, scores * weights[pairs[:, 0]], pinned)
            net = self._network(problem, eligible=weighted, keep=keep)
            flows = solve_min_cost(net)
            if flows is None:  # pragma: no cover - feasibility was proved above
                raise InfeasibleAssignment(diagnose(problem))
            chosen = flows[net.pair_arcs] > 0
            per = np.bincount(net.pairs[chosen, 0], weights=net.pair_score[chosen] / weights[net.pairs[chosen, 0]],
                              minlength=problem.n_proposals)
            staffed = problem.required > 0
            worst = float(per[staffed].min()) if np.any(staffed) else 0.0
            total = float(per.sum())
            if best is None or (worst, total) > (best[0], best[1]):
                best = (worst, total, net.pairs[chosen])
            # lift proposals below the median: their pairs weigh more in the next round
            middle = float(np.median(per[staffed])) if np.any(staffed) else 0.0
            if middle <= 0:
                break
            weights = 1.0 + self.fair_strength * np.clip((middle - per) / middle, 0.0, None)
        assert best is not None
        return best[2]

    def _randomized(self, problem: AssignmentProblem) -> np.ndarray:
        q = Fraction(self.max_probability).limit_denominator(self.probability_denominator)
        unit, cap = q.denominator, q.numerator
        net = self._network(problem, unit=unit, pair_capacity=cap)
        flows = solve_min_cost(net)
        if flows is None:
            base = diagnose(problem)
            if base.shortfalls or base.binding_limits or base.blocked_groups:
                raise InfeasibleAssignment(base)
            raise InfeasibleAssignment(_probability_cap_diagnosis(problem, float(q), base))
        self.candidate_pairs_ = net.pairs
        self.marginals_ = flows[net.pair_arcs] / unit
        rng = np.random.default_rng(self.seed)
        rounded = round_flow(net.tail, net.head, flows, unit, rng)
        return net.pairs[rounded[net.pair_arcs] >= unit]


def _probability_cap_diagnosis(problem: AssignmentProblem, q: float, base: Diagnosis) -> Diagnosis:
    pairs, _, pinned = eligible_pairs(problem)
    free = np.bincount(pairs[~pinned, 0], minlength=problem.n_proposals)
    pins = np.bincount(pairs[pinned, 0], minlength=problem.n_proposals)
    # each organisation gives a proposal at most one reviewer: min(1, q * its candidates)
    n_org = int(problem.reviewer_organisation.max(initial=0)) + 1
    po, _, per_org = group_keys(pairs[:, 0] * n_org + problem.reviewer_organisation[pairs[:, 1]])
    reach = np.bincount(po // n_org, weights=np.minimum(1.0, q * per_org), minlength=problem.n_proposals)
    reach = np.maximum(reach, pins)
    short = np.flatnonzero(reach < problem.required - 1e-9)
    shortfalls = [
        ProposalShortfall(problem.proposal_ids[p], int(problem.required[p]), int(free[p] + pins[p]),
                          -1, f"needs {problem.required[p]} reviewers but its {free[p] + pins[p]} "
                          f"candidates at probability <= {q:g} (one per organisation) give only "
                          f"{reach[p]:.3g} in expectation")
        for p in short]
    kinds = problem.reviewer_kind[pairs[:, 1]]
    for k, kind_name in enumerate(REVIEWER_KINDS):
        sel = ~pinned & (kinds == k)
        free_k = np.bincount(pairs[sel, 0], minlength=problem.n_proposals)
        pins_k = np.bincount(pairs[pinned & (kinds == k), 0], minlength=problem.n_proposals)
        for p in np.flatnonzero(pins_k + free_k * q < problem.kind_min[:, k]):
            shortfalls.append(ProposalShortfall(
                problem.proposal_ids[p], int(problem.required[p]), int(free[p] + pins[p]), -1,
                f"needs at least {problem.kind_min[p, k]} {kind_name} reviewers but its "
                f"{free_k[p]} {kind_name} candidates at probability <= {q:g} give only "
                f"{free_k[p] * q:g} in expectation"))
    return Diagnosis(
        tuple(shortfalls), (), (f"the probability cap Q = {q:g} binds: an assignment exists without it",),
        (f"raise --max-probability above {q:g}", "add candidates for the proposals listed"),
        base.demand, base.capacity, base.max_assignable)


def summarise(problem: AssignmentProblem, pairs: np.ndarray, mode: str, seed: int | None,
              max_probability: float | None, seconds: float) -> AssignmentResult:
    """Build the result record: sorted pairs and the affinity figures."""
    pairs = np.asarray(pairs, np.int64).reshape(-1, 2)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    n_r = max(problem.n_reviewers, 1)
    cand_key = problem.pair_proposal * n_r + problem.pair_reviewer
    order = np.argsort(cand_key)
    key = pairs[:, 0] * n_r + pairs[:, 1]
    pos = np.searchsorted(cand_key[order], key)
    pos = np.minimum(pos, max(len(order) - 1, 0))
    found = (len(order) > 0) & (cand_key[order][pos] == key) if len(order) else np.zeros(len(key), bool)
    score = np.where(found, problem.pair_score[order][pos] if len(order) else 0.0, 0.0)
    per_proposal = np.bincount(pairs[:, 0], weights=score, minlength=problem.n_proposals)
    staffed = problem.required > 0
    return AssignmentResult(
        pairs=pairs, total_affinity=float(score.sum()),
        per_proposal_min=float(per_proposal[staffed].min()) if np.any(staffed) else 0.0,
        min_pair_score=float(score.min()) if len(score) else 0.0,
        mode=mode, seed=seed, max_probability=max_probability, solve_seconds=seconds)
