"""The assignment problem as arrays, its result, and the validator every result passes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from dure.core.assignment.keys import distinct, group_keys, member

REVIEWER_KINDS = ("academic", "institute", "industry")
KIND_INDEX = {k: i for i, k in enumerate(REVIEWER_KINDS)}
_NOT_GIVEN = np.zeros(0, np.int64)  # default for optional array fields ("none given")


@dataclass(frozen=True)
class ProposalSpec:
    """One proposal: its applicant organisation, reviewers needed and panel rules.

    ``min_per_kind``/``max_per_kind`` map a reviewer kind to a bound on how many of the
    proposal's reviewers may be of that kind (e.g. ``{"industry": 1}`` as minimum).
    """

    proposal_id: str
    organisation_id: str | None
    required_reviewers: int
    min_per_kind: dict[str, int] = field(default_factory=dict)
    max_per_kind: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ReviewerSpec:
    """One reviewer: organisation, kind (academic, institute, industry) and load limit."""

    reviewer_id: str
    organisation_id: str
    kind: str
    max_load: int


def _as_int_array(values: object, name: str, length: int | None = None) -> np.ndarray:
    arr = np.asarray(values)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise ValueError(f"{name} must hold integers")
    arr = arr.astype(np.int64, copy=True).reshape(-1) if arr.ndim <= 1 else arr.astype(np.int64)
    if length is not None and arr.shape[0] != length:
        raise ValueError(f"{name} has {arr.shape[0]} entries; expected {length}")
    return arr


@dataclass(frozen=True, eq=False)
class AssignmentProblem:
    """Everything the solvers need, as arrays indexed by proposal and reviewer position.

    Candidate pairs are ``(pair_proposal[i], pair_reviewer[i])`` with ``pair_score[i]``;
    pairs absent are not candidates. ``conflicts``, ``forbidden`` and ``pinned`` are
    ``(k, 2)`` integer arrays of (proposal, reviewer) positions. A reviewer whose
    organisation equals the proposal's organisation is treated as conflicted.
    ``kind_min``/``kind_max`` are ``(n_proposals, 3)`` arrays over :data:`REVIEWER_KINDS`.
    Arrays are copied; the caller's arrays are never changed.
    """

    proposal_ids: tuple[str, ...]
    reviewer_ids: tuple[str, ...]
    pair_proposal: np.ndarray
    pair_reviewer: np.ndarray
    pair_score: np.ndarray
    required: np.ndarray
    max_load: np.ndarray
    reviewer_organisation: np.ndarray
    reviewer_kind: np.ndarray
    proposal_organisation: np.ndarray | None = None
    kind_min: np.ndarray = field(default_factory=lambda: _NOT_GIVEN)
    kind_max: np.ndarray = field(default_factory=lambda: _NOT_GIVEN)
    conflicts: np.ndarray = field(default_factory=lambda: _NOT_GIVEN)
    forbidden: np.ndarray = field(default_factory=lambda: _NOT_GIVEN)
    pinned: np.ndarray = field(default_factory=lambda: _NOT_GIVEN)
    organisation_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n_p, n_r = len(self.proposal_ids), len(self.reviewer_ids)
        put = object.__setattr__
        put(self, "proposal_ids", tuple(self.proposal_ids))
        put(self, "reviewer_ids", tuple(self.reviewer_ids))
        pp = _as_int_array(self.pair_proposal, "pair_proposal")
        pr = _as_int_array(self.pair_reviewer, "pair_reviewer", len(pp))
        ps = np.asarray(self.pair_score, dtype=np.float64).copy().reshape(-1)
        if ps.shape[0] != len(pp):
            raise ValueError(f"pair_score has {ps.shape[0]} entries; expected {len(pp)}")
        if not np.all(np.isfinite(ps)):
            raise ValueError("pair_score must be finite numbers")
        if len(pp) and (pp.min() < 0 or pp.max() >= n_p):
            raise ValueError("pair_proposal holds a position outside proposal_ids")
        if len(pr) and (pr.min() < 0 or pr.max() >= n_r):
            raise ValueError("pair_reviewer holds a position outside reviewer_ids")
        key = pp * max(n_r, 1) + pr
        if len(distinct(key)) != len(key):
            raise ValueError("a (proposal, reviewer) candidate pair is listed twice; give each pair one score")
        put(self, "pair_proposal", pp)
        put(self, "pair_reviewer", pr)
        put(self, "pair_score", ps)
        required = _as_int_array(self.required, "required", n_p)
        max_load = _as_int_array(self.max_load, "max_load", n_r)
        if np.any(required < 0) or np.any(max_load < 0):
            raise ValueError("required reviewers and max loads must be >= 0")
        put(self, "required", required)
        put(self, "max_load", max_load)
        put(self, "reviewer_organisation", _as_int_array(self.reviewer_organisation,
                                                          "reviewer_organisation", n_r))
        kinds = _as_int_array(self.reviewer_kind, "reviewer_kind", n_r)
        if len(kinds) and (kinds.min() < 0 or kinds.max() >= len(REVIEWER_KINDS)):
            raise ValueError(f"reviewer_kind must index {REVIEWER_KINDS}")
        put(self, "reviewer_kind", kinds)
        if self.proposal_organisation is not None:
            put(self, "proposal_organisation", _as_int_array(self.proposal_organisation,
                                                              "proposal_organisation", n_p))
        shape = (n_p, len(REVIEWER_KINDS))
        kmin = (np.zeros(shape, np.int64) if self.kind_min is None or self.kind_min is _NOT_GIVEN
                else np.array(self.kind_min, np.int64))
        kmax = (np.repeat(required[:, None], shape[1], axis=1)
                if self.kind_max is None or self.kind_max is _NOT_GIVEN
                else np.minimum(np.array(self.kind_max, np.int64), required[:, None]))
        if kmin.shape != shape or kmax.shape != shape:
            raise ValueError(f"kind_min and kind_max must have shape {shape}")
        if np.any(kmin > kmax):
            p = int(np.argwhere(kmin > kmax)[0][0])
            raise ValueError(f"proposal {self.proposal_ids[p]}: a minimum per reviewer kind "
                             "exceeds its maximum (or the required count)")
        put(self, "kind_min", kmin)
        put(self, "kind_max", kmax)
        for name in ("conflicts", "forbidden", "pinned"):
            value = getattr(self, name)
            arr = (np.zeros((0, 2), np.int64) if value is None or value is _NOT_GIVEN
                   else np.array(value, np.int64).reshape(-1, 2))
            if len(arr) and (arr[:, 0].min() < 0 or arr[:, 0].max() >= n_p
                             or arr[:, 1].min() < 0 or arr[:, 1].max() >= n_r):
                raise ValueError(f"{name} holds a position outside the proposal or reviewer ids")
            put(self, name, arr)

    @property
    def n_proposals(self) -> int:
        return len(self.proposal_ids)

    @property
    def n_reviewers(self) -> int:
        return len(self.reviewer_ids)

    def excluded_mask(self) -> np.ndarray:
        """Boolean mask over candidate pairs: conflicted, same organisation or forbidden."""
        n_r = max(self.n_reviewers, 1)
        key = self.pair_proposal * n_r + self.pair_reviewer
        bad = np.concatenate([self.conflicts, self.forbidden])
        mask = member(key, bad[:, 0] * n_r + bad[:, 1]) if len(bad) else np.zeros(len(key), bool)
        if self.proposal_organisation is not None:
            mask |= (self.reviewer_organisation[self.pair_reviewer]
                     == self.proposal_organisation[self.pair_proposal])
        return mask

    def organisation_name(self, code: int) -> str:
        if 0 <= code < len(self.organisation_names):
            return self.organisation_names[code]
        return f"organisation #{code}"

    @classmethod
    def from_records(cls, proposals: Sequence[ProposalSpec], reviewers: Sequence[ReviewerSpec],
                     scores: Iterable[tuple[str, str, float]],
                     conflicts: Iterable[tuple[str, str]] = (),
                     pinned: Iterable[tuple[str, str]] = (),
                     forbidden: Iterable[tuple[str, str]] = ()) -> AssignmentProblem:
        """Build a problem from ids; unknown ids raise ``ValueError`` naming them."""
        p_index = {p.proposal_id: i for i, p in enumerate(proposals)}
        r_index = {r.reviewer_id: i for i, r in enumerate(reviewers)}
        if len(p_index) != len(proposals) or len(r_index) != len(reviewers):
            raise ValueError("proposal and reviewer ids must be unique")
        orgs: dict[str, int] = {}
        for r in reviewers:
            orgs.setdefault(r.organisation_id, len(orgs))
        for p in proposals:
            if p.organisation_id is not None:
                orgs.setdefault(p.organisation_id, len(orgs))
        for r in reviewers:
            if r.kind not in KIND_INDEX:
                raise ValueError(f"reviewer {r.reviewer_id}: kind must be one of {REVIEWER_KINDS}, got {r.kind!r}")

        def positions(pairs: Iterable[tuple[str, str]], what: str) -> np.ndarray:
            out = []
            for pid, rid in pairs:
                if pid not in p_index:
                    raise ValueError(f"{what}: unknown proposal {pid!r}")
                if rid not in r_index:
                    raise ValueError(f"{what}: unknown reviewer {rid!r}")
                out.append((p_index[pid], r_index[rid]))
            return np.array(out, np.int64).reshape(-1, 2)

        score_rows = list(scores)
        pairs = positions(((s[0], s[1]) for s in score_rows), "scores")
        kmin = np.zeros((len(proposals), len(REVIEWER_KINDS)), np.int64)
        kmax = np.repeat(np.array([p.required_reviewers for p in proposals], np.int64)[:, None],
                         len(REVIEWER_KINDS), axis=1)
        for i, p in enumerate(proposals):
            for bound, target in ((p.min_per_kind, kmin), (p.max_per_kind, kmax)):
                for kind, value in bound.items():
                    if kind not in KIND_INDEX:
                        raise ValueError(f"proposal {p.proposal_id}: unknown reviewer kind {kind!r}")
                    target[i, KIND_INDEX[kind]] = value
        return cls(
            proposal_ids=tuple(p.proposal_id for p in proposals),
            reviewer_ids=tuple(r.reviewer_id for r in reviewers),
            pair_proposal=pairs[:, 0], pair_reviewer=pairs[:, 1],
            pair_score=np.array([float(s[2]) for s in score_rows], np.float64),
            required=np.array([p.required_reviewers for p in proposals], np.int64),
            max_load=np.array([r.max_load for r in reviewers], np.int64),
            reviewer_organisation=np.array([orgs[r.organisation_id] for r in reviewers], np.int64),
            reviewer_kind=np.array([KIND_INDEX[r.kind] for r in reviewers], np.int64),
            proposal_organisation=np.array([orgs[p.organisation_id] if p.organisation_id is not None
                                            else -1 for p in proposals], np.int64),
            kind_min=kmin, kind_max=kmax,
            conflicts=positions(conflicts, "conflicts"),
            pinned=positions(pinned, "pinned"),
            forbidden=positions(forbidden, "forbidden"),
            organisation_names=tuple(orgs),
        )


@dataclass(frozen=True)
class AssignmentResult:
    """A proposed assignment; ``pairs`` is an ``(n, 2)`` array of (proposal, reviewer) positions.

    ``per_proposal_min`` is the lowest total affinity any proposal received and
    ``min_pair_score`` the lowest score of any assigned pair. ``max_probability`` is the
    cap Q used in randomized mode (None otherwise).
    """

    pairs: np.ndarray
    total_affinity: float
    per_proposal_min: float
    min_pair_score: float
    mode: str
    seed: int | None
    max_probability: float | None = None
    solve_seconds: float = 0.0

    def as_ids(self, problem: AssignmentProblem) -> list[tuple[str, str]]:
        return [(problem.proposal_ids[p], problem.reviewer_ids[r]) for p, r in self.pairs]


@dataclass(frozen=True)
class Violation:
    """One broken rule in an assignment: ``rule`` names it, ``detail`` says where."""

    rule: str
    detail: str
    proposal_id: str | None = None
    reviewer_id: str | None = None


def validate_assignment(problem: AssignmentProblem, pairs: np.ndarray) -> list[Violation]:
    """Check every hard rule on ``pairs`` ((n, 2) positions); an empty list means valid."""
    pairs = np.asarray(pairs, np.int64).reshape(-1, 2)
    out: list[Violation] = []
    pid, rid = problem.proposal_ids, problem.reviewer_ids
    n_r = max(problem.n_reviewers, 1)
    key = pairs[:, 0] * n_r + pairs[:, 1]
    uniq, _, counts = group_keys(key)
    for k in uniq[counts > 1]:
        out.append(Violation("duplicate_pair", "pair assigned more than once",
                             pid[k // n_r], rid[k % n_r]))
    cand_key = problem.pair_proposal * n_r + problem.pair_reviewer
    excluded = cand_key[problem.excluded_mask()]
    pinned_key = problem.pinned[:, 0] * n_r + problem.pinned[:, 1]
    allowed = (member(key, cand_key) & ~member(key, excluded)) | member(key, pinned_key)
    for p, r in pairs[~allowed]:
        if member(np.array([p * n_r + r]), excluded)[0] or (
                problem.proposal_organisation is not None
                and problem.proposal_organisation[p] == problem.reviewer_organisation[r]):
            out.append(Violation("conflict", "conflicted, same-organisation or forbidden pair",
                                 pid[p], rid[r]))
        else:
            out.append(Violation("not_candidate", "pair has no score", pid[p], rid[r]))
    for p, r in problem.pinned[~member(pinned_key, key)]:
        out.append(Violation("pin_missing", "pinned pair is not assigned", pid[p], rid[r]))
    count = np.bincount(pairs[:, 0], minlength=problem.n_proposals)
    for p in np.flatnonzero(count != problem.required):
        out.append(Violation("reviewer_count", f"has {count[p]} reviewers, needs "
                             f"{problem.required[p]}", pid[p]))
    load = np.bincount(pairs[:, 1], minlength=problem.n_reviewers)
    for r in np.flatnonzero(load > problem.max_load):
        out.append(Violation("load", f"load {load[r]} exceeds {problem.max_load[r]}", None, rid[r]))
    org = problem.reviewer_organisation[pairs[:, 1]]
    n_org = int(problem.reviewer_organisation.max(initial=0)) + 1
    po_key = pairs[:, 0] * n_org + org
    po_uniq, _, po_counts = group_keys(po_key)
    for k in po_uniq[po_counts > 1]:
        out.append(Violation("one_per_organisation", f"{po_counts[po_uniq == k][0]} reviewers from "
                             f"{problem.organisation_name(int(k % n_org))}", pid[k // n_org]))
    kinds = problem.reviewer_kind[pairs[:, 1]]
    per_kind = np.zeros_like(problem.kind_min)
    np.add.at(per_kind, (pairs[:, 0], kinds), 1)
    for p, k in np.argwhere(per_kind < problem.kind_min):
        out.append(Violation("kind_minimum", f"{per_kind[p, k]} {REVIEWER_KINDS[k]} reviewers, needs "
                             f"at least {problem.kind_min[p, k]}", pid[p]))
    for p, k in np.argwhere(per_kind > problem.kind_max):
        out.append(Violation("kind_maximum", f"{per_kind[p, k]} {REVIEWER_KINDS[k]} reviewers, allows "
                             f"at most {problem.kind_max[p, k]}", pid[p]))
    return out
