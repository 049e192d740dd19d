"""The flow network behind every solver mode.

Nodes: a sink, one node per proposal (supply = reviewers required), per-kind nodes for
proposals with panel-composition rules (arc bounds = min/max of that kind), one node
per (proposal, organisation) with two or more candidates (capacity 1: at most one
reviewer per organisation), and one node per reviewer (arc to the sink = max load).
Lower bounds (kind minima, pinned pairs) are kept as arc data and moved into node
supplies only when a solver is called.

All quantities are integers in ``unit`` steps: ``unit = 1`` gives an integral
assignment; ``unit = D`` lets the randomized mode work with fractions k/D.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from dure.core.assignment.keys import group_keys, member
from dure.core.assignment.problem import AssignmentProblem


class PinError(ValueError):
    """A pinned pair cannot be honoured as given."""


@dataclass(frozen=True, eq=False)
class FlowNetwork:
    """Arcs as parallel arrays; ``pair_arcs[i]`` is the arc of candidate ``pairs[i]``."""

    n_nodes: int
    tail: np.ndarray
    head: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    cost: np.ndarray
    supply: np.ndarray
    pairs: np.ndarray
    pair_score: np.ndarray
    pair_arcs: np.ndarray
    unit: int
    n_proposal_nodes: int
    reviewer_node0: int
    kind_node0: int
    group_node0: int


SINK = 0


def eligible_pairs(problem: AssignmentProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate pairs that may be assigned, their scores, and a pinned flag.

    Pinned pairs that are not candidates are added with score 0; a pin on a conflicted,
    same-organisation or forbidden pair raises :class:`PinError`.
    """
    n_r = max(problem.n_reviewers, 1)
    excluded = problem.excluded_mask()
    key = problem.pair_proposal * n_r + problem.pair_reviewer
    pin_key = problem.pinned[:, 0] * n_r + problem.pinned[:, 1]
    bad_pins = member(pin_key, key[excluded])
    if problem.proposal_organisation is not None and len(pin_key):
        bad_pins |= (problem.proposal_organisation[problem.pinned[:, 0]]
                     == problem.reviewer_organisation[problem.pinned[:, 1]])
    if len(problem.conflicts) or len(problem.forbidden):
        bad = np.concatenate([problem.conflicts, problem.forbidden])
        bad_pins |= member(pin_key, bad[:, 0] * n_r + bad[:, 1])
    if np.any(bad_pins):
        p, r = problem.pinned[np.argmax(bad_pins)]
        raise PinError(f"pinned pair ({problem.proposal_ids[p]}, {problem.reviewer_ids[r]}) is "
                       "conflicted, forbidden or from the applicant's organisation; remove the pin "
                       "or dismiss the conflict first")
    keep = ~excluded
    pairs = np.stack([problem.pair_proposal[keep], problem.pair_reviewer[keep]], axis=1)
    scores = problem.pair_score[keep]
    extra = problem.pinned[~member(pin_key, key)]
    if len(extra):
        pairs = np.concatenate([pairs, extra])
        scores = np.concatenate([scores, np.zeros(len(extra))])
    pinned = member(pairs[:, 0] * n_r + pairs[:, 1], pin_key)
    return pairs, scores, pinned


def proposals_with_kind_rules(problem: AssignmentProblem) -> np.ndarray:
    return np.any(problem.kind_min > 0, axis=1) | np.any(
        problem.kind_max < problem.required[:, None], axis=1)


def build_network(problem: AssignmentProblem, *, unit: int = 1, pair_capacity: int | None = None,
                  keep: np.ndarray | None = None, score_resolution: float = 1e-6,
                  eligible: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> FlowNetwork:
    """Build the network; ``keep`` (mask over eligible pairs) drops pairs, pins are always kept."""
    pairs, scores, pinned = eligible if eligible is not None else eligible_pairs(problem)
    if keep is not None:
        mask = keep | pinned
        pairs, scores, pinned = pairs[mask], scores[mask], pinned[mask]
    pair_capacity = unit if pair_capacity is None else pair_capacity
    n_p, n_r = problem.n_proposals, problem.n_reviewers
    p_node0, r_node0 = 1, 1 + n_p
    next_node = 1 + n_p + n_r
    tails, heads, lowers, uppers, costs = [], [], [], [], []

    def arcs(t, h, lo, up, c=None) -> None:
        t = np.asarray(t, np.int64)
        tails.append(t)
        heads.append(np.asarray(h, np.int64))
        lowers.append(np.broadcast_to(np.asarray(lo, np.int64), t.shape))
        uppers.append(np.broadcast_to(np.asarray(up, np.int64), t.shape))
        costs.append(np.zeros(t.shape, np.int64) if c is None else np.asarray(c, np.int64))

    kind_node0 = next_node
    rule = proposals_with_kind_rules(problem)
    p_of, r_of = pairs[:, 0], pairs[:, 1]
    kind_of = problem.reviewer_kind[r_of]
    org_of = problem.reviewer_organisation[r_of]
    parent = p_node0 + p_of
    if np.any(rule):
        n_k = problem.kind_min.shape[1]
        ruled = np.flatnonzero(rule)
        kind_node = np.full((n_p, n_k), -1, np.int64)
        kind_node[ruled] = next_node + np.arange(len(ruled) * n_k).reshape(-1, n_k)
        next_node += len(ruled) * n_k
        arcs(np.repeat(p_node0 + ruled, n_k), kind_node[ruled].reshape(-1),
             problem.kind_min[ruled].reshape(-1) * unit, problem.kind_max[ruled].reshape(-1) * unit)
        in_rule = rule[p_of]
        parent = np.where(in_rule, kind_node[p_of, kind_of], parent)
        # one-per-organisation is enforced per kind node; an organisation with reviewers of
        # several kinds on a proposal with kind rules would slip through, so refuse it.
        if np.any(in_rule):
            n_org = int(problem.reviewer_organisation.max(initial=0)) + 1
            po = p_of[in_rule] * n_org + org_of[in_rule]
            order = np.lexsort((kind_of[in_rule], po))
            po_s, k_s = po[order], kind_of[in_rule][order]
            mixed = (po_s[1:] == po_s[:-1]) & (k_s[1:] != k_s[:-1])
            if np.any(mixed):
                i = int(np.argmax(mixed))
                raise ValueError(
                    f"proposal {problem.proposal_ids[po_s[i] // n_org]} has panel-composition rules, "
                    f"and its candidates from {problem.organisation_name(int(po_s[i] % n_org))} have "
                    "different reviewer kinds; give each organisation one kind (split the "
                    "organisation id by kind) so the one-per-organisation rule can be kept")
    n_org = int(problem.reviewer_organisation.max(initial=0)) + 1
    group_node0 = next_node
    group_key = parent * n_org + org_of
    uniq, inverse, counts = group_keys(group_key)
    multi = counts >= 2
    group_node = np.full(len(uniq), -1, np.int64)
    group_node[multi] = next_node + np.arange(int(multi.sum()))
    next_node += int(multi.sum())
    arcs(uniq[multi] // n_org, group_node[multi], 0, unit)
    pair_tail = np.where(multi[inverse], group_node[inverse], parent)
    cost = -np.rint(scores / score_resolution).astype(np.int64)
    pair_lo = np.where(pinned, unit, 0)
    pair_up = np.where(pinned, unit, pair_capacity)
    first_pair_arc = sum(len(t) for t in tails)
    arcs(pair_tail, r_node0 + r_of, pair_lo, pair_up, cost)
    arcs(r_node0 + np.arange(n_r), np.full(n_r, SINK), 0, problem.max_load * unit)
    supply = np.zeros(next_node, np.int64)
    supply[p_node0:p_node0 + n_p] = problem.required * unit
    supply[SINK] = -int(problem.required.sum()) * unit
    return FlowNetwork(
        n_nodes=next_node, tail=np.concatenate(tails), head=np.concatenate(heads),
        lower=np.concatenate(lowers), upper=np.concatenate(uppers), cost=np.concatenate(costs),
        supply=supply, pairs=pairs, pair_score=scores,
        pair_arcs=first_pair_arc + np.arange(len(pairs)), unit=unit, n_proposal_nodes=n_p,
        reviewer_node0=r_node0, kind_node0=kind_node0, group_node0=group_node0)


def _transformed(net: FlowNetwork) -> tuple[np.ndarray, np.ndarray]:
    """Capacities and supplies after moving lower bounds into the supplies."""
    supply = net.supply.copy()
    np.subtract.at(supply, net.tail, net.lower)
    np.add.at(supply, net.head, net.lower)
    return net.upper - net.lower, supply


def solve_min_cost(net: FlowNetwork) -> np.ndarray | None:
    """Arc flows of a minimum-cost flow meeting every supply, or None if there is none."""
    capacity, supply = _transformed(net)
    if np.any(capacity < 0):
        return None
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(net.tail, net.head, capacity, net.cost)
    smcf.set_nodes_supplies(np.arange(net.n_nodes), supply)
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        return None
    return np.asarray(smcf.flows(np.arange(len(net.tail))), np.int64) + net.lower


@dataclass(frozen=True)
class FeasibilityCheck:
    """Max-flow view of feasibility: demand to route, flow achieved, source side of a min cut."""

    demand: int
    achieved: int
    source_side: np.ndarray
    flows: np.ndarray

    @property
    def feasible(self) -> bool:
        return self.achieved == self.demand


def check_feasibility(net: FlowNetwork) -> FeasibilityCheck:
    """Circulation test: a super source feeds the positive supplies, a super sink drains the rest."""
    capacity, supply = _transformed(net)
    capacity = np.maximum(capacity, 0)
    s, t = net.n_nodes, net.n_nodes + 1
    pos, neg = np.flatnonzero(supply > 0), np.flatnonzero(supply < 0)
    smf = max_flow.SimpleMaxFlow()
    smf.add_arcs_with_capacity(
        np.concatenate([net.tail, np.full(len(pos), s), neg]),
        np.concatenate([net.head, pos, np.full(len(neg), t)]),
        np.concatenate([capacity, supply[pos], -supply[neg]]))
    status = smf.solve(s, t)
    if status != smf.OPTIMAL:
        raise RuntimeError(f"max-flow solver failed with status {status}")
    return FeasibilityCheck(
        demand=int(supply[pos].sum()), achieved=int(smf.optimal_flow()),
        source_side=np.asarray(smf.get_source_side_min_cut(), np.int64),
        flows=np.asarray(smf.flows(np.arange(len(net.tail))), np.int64))
