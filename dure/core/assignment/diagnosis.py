"""Why no assignment exists, and what to relax.

Cheap counts come first (per proposal: unconflicted candidates, their organisations,
candidates of each required kind; overall: reviewer capacity against demand). A
max-flow / min-cut on the real network then finds the Hall-violating sets the counts
miss: groups of proposals whose candidates together cannot take them all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dure.core.assignment.keys import distinct
from dure.core.assignment.network import (
    SINK,
    build_network,
    check_feasibility,
    eligible_pairs,
)
from dure.core.assignment.problem import REVIEWER_KINDS, AssignmentProblem


@dataclass(frozen=True)
class ProposalShortfall:
    """A proposal that cannot be staffed on its own, with the counts that show it."""

    proposal_id: str
    required: int
    candidates: int
    organisations: int
    reason: str


@dataclass(frozen=True)
class Diagnosis:
    """What blocks an assignment: proposals, binding limits, and what to relax."""

    shortfalls: tuple[ProposalShortfall, ...]
    blocked_groups: tuple[tuple[str, ...], ...]
    binding_limits: tuple[str, ...]
    suggestions: tuple[str, ...]
    demand: int
    capacity: int
    max_assignable: int

    def __str__(self) -> str:
        lines = [f"No assignment satisfies every rule: {self.demand} reviewer slots are needed, "
                 f"at most {self.max_assignable} can be filled "
                 f"(reviewer capacity on unconflicted candidates: {self.capacity})."]
        for s in self.shortfalls:
            lines.append(f"- proposal {s.proposal_id}: {s.reason}")
        for group in self.blocked_groups:
            shown = ", ".join(group[:10]) + (" …" if len(group) > 10 else "")
            lines.append(f"- proposals {shown} compete for the same few candidates")
        if self.binding_limits:
            lines.append("Limits that bind:")
            lines.extend(f"- {b}" for b in self.binding_limits)
        if self.suggestions:
            lines.append("To fix, relax one of:")
            lines.extend(f"- {s}" for s in self.suggestions)
        return "\n".join(lines)


class InfeasibleAssignment(ValueError):
    """No assignment meets every rule; ``diagnosis_`` says why and what to relax."""

    def __init__(self, diagnosis: Diagnosis) -> None:
        super().__init__(str(diagnosis))
        self.diagnosis_ = diagnosis


def _names(ids: tuple[str, ...], positions: np.ndarray, limit: int = 10) -> str:
    shown = [ids[i] for i in positions[:limit]]
    return ", ".join(shown) + (f" and {len(positions) - limit} more" if len(positions) > limit else "")


def diagnose(problem: AssignmentProblem) -> Diagnosis:
    pairs, _, pinned = eligible_pairs(problem)
    p_of, r_of = pairs[:, 0], pairs[:, 1]
    n_p = problem.n_proposals
    org = problem.reviewer_organisation[r_of]
    kind = problem.reviewer_kind[r_of]
    n_org = int(problem.reviewer_organisation.max(initial=0)) + 1
    candidates = np.bincount(p_of, minlength=n_p)
    distinct_po = distinct(p_of * n_org + org)
    organisations = np.bincount(distinct_po // n_org, minlength=n_p)
    shortfalls: list[ProposalShortfall] = []
    binding: list[str] = []
    suggestions: list[str] = []
    for p in np.flatnonzero(organisations < problem.required):
        pid = problem.proposal_ids[p]
        reason = (f"needs {problem.required[p]} reviewers but has {candidates[p]} unconflicted "
                  f"candidates from {organisations[p]} organisations")
        if candidates[p] >= problem.required[p]:
            reason += " (at most one reviewer per organisation)"
            suggestions.append(f"allow two reviewers from one organisation on {pid}, or add candidates from other organisations")
        else:
            suggestions.append(f"add candidate scores for {pid} or lower its required reviewers to {organisations[p]}")
        shortfalls.append(ProposalShortfall(pid, int(problem.required[p]), int(candidates[p]),
                                            int(organisations[p]), reason))
    for k, kind_name in enumerate(REVIEWER_KINDS):
        kpk = distinct(p_of[kind == k] * n_org + org[kind == k])
        kind_orgs = np.bincount(kpk // n_org, minlength=n_p)
        for p in np.flatnonzero(kind_orgs < problem.kind_min[:, k]):
            pid = problem.proposal_ids[p]
            shortfalls.append(ProposalShortfall(
                pid, int(problem.required[p]), int(candidates[p]), int(organisations[p]),
                f"needs at least {problem.kind_min[p, k]} {kind_name} reviewers but has "
                f"{kind_orgs[p]} unconflicted {kind_name} candidates (distinct organisations)"))
            suggestions.append(f"add {kind_name} candidates for {pid} or drop its {kind_name} minimum")
        need = int(problem.kind_min[:, k].sum())
        if need:
            kind_reviewers = distinct(r_of[kind == k])
            cap = int(problem.max_load[kind_reviewers].sum())
            if cap < need:
                binding.append(f"{kind_name} reviewers can take {cap} assignments but the "
                               f"{kind_name} minima ask for {need}")
                suggestions.append(f"recruit more {kind_name} reviewers or raise their loads by {need - cap}")
    pin_load = np.bincount(problem.pinned[:, 1], minlength=problem.n_reviewers)
    for r in np.flatnonzero(pin_load > problem.max_load):
        binding.append(f"reviewer {problem.reviewer_ids[r]} has {pin_load[r]} pinned pairs but max load {problem.max_load[r]}")
        suggestions.append(f"unpin pairs of {problem.reviewer_ids[r]} or raise its max load")
    pin_count = np.bincount(problem.pinned[:, 0], minlength=n_p)
    for p in np.flatnonzero(pin_count > problem.required):
        binding.append(f"proposal {problem.proposal_ids[p]} has {pin_count[p]} pinned reviewers but needs only {problem.required[p]}")
        suggestions.append(f"unpin reviewers of {problem.proposal_ids[p]}")

    used_reviewers = distinct(r_of)
    capacity = int(problem.max_load[used_reviewers].sum())
    demand = int(problem.required.sum())
    if capacity < demand:
        binding.append(f"total reviewer capacity {capacity} is below the {demand} reviews needed")
        suggestions.append(f"raise reviewer max loads by {demand - capacity} in total or recruit reviewers")

    net = build_network(problem, eligible=(pairs, np.zeros(len(pairs)), pinned))
    check = check_feasibility(net)
    blocked: list[tuple[str, ...]] = []
    if not check.feasible:
        side = np.zeros(net.n_nodes + 2, bool)
        side[check.source_side] = True
        p_nodes = 1 + np.arange(n_p)
        hall = np.flatnonzero(side[p_nodes])
        already = {s.proposal_id for s in shortfalls}
        if len(hall) and not {problem.proposal_ids[p] for p in hall} <= already:
            blocked.append(tuple(problem.proposal_ids[p] for p in hall))
            r_nodes = net.reviewer_node0 + np.arange(problem.n_reviewers)
            full = np.flatnonzero(side[r_nodes])
            sink_arcs = (net.head == SINK) & side[net.tail]
            if len(full) and np.any(sink_arcs):
                cap = int(problem.max_load[full].sum())
                need = int(problem.required[hall].sum())
                binding.append(
                    f"proposals {_names(problem.proposal_ids, hall)} need {need} reviews, but "
                    f"their unconflicted candidates ({_names(problem.reviewer_ids, full)}) can take "
                    f"only {cap} in all")
                suggestions.append(f"raise max load of {_names(problem.reviewer_ids, full, 5)} "
                                   f"or add candidates for {_names(problem.proposal_ids, hall, 5)}")
            cut = side[net.tail] & ~side[net.head]
            if np.any(cut & (net.head >= net.group_node0)):
                binding.append("the one-reviewer-per-organisation rule limits these proposals")
                suggestions.append("allow two reviewers from one organisation on these proposals")
            kind_arcs = (net.head >= net.kind_node0) & (net.head < net.group_node0)
            if np.any(cut & kind_arcs):
                binding.append("a per-kind maximum (panel balance) limits these proposals")
                suggestions.append("raise the per-kind maxima on these proposals")
        if not shortfalls and not binding:
            binding.append(f"only {check.achieved} of {check.demand} required reviews can be routed")
    return Diagnosis(tuple(shortfalls), tuple(blocked), tuple(dict.fromkeys(binding)),
                     tuple(dict.fromkeys(suggestions)), demand, capacity, int(check.achieved))
