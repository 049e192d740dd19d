"""Conflict-of-interest rules between proposals and people.

Conflicts are data: each :class:`Conflict` names the proposal, the person (an identity
id from :mod:`dure.core.identity`), the kind, the evidence and the source rule. The web
app stores them, shows them to the manager and lets them be confirmed or dismissed.

Run :func:`dure.core.identity.link_identities` first and pass the resulting identities:
every rule is checked on the linked person, so a conflict found under one alias (an old
e-mail, a romanised name, a former affiliation) covers them all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dure.core.identity import Identity, identity_of_record

CONFLICT_KINDS = (
    "same_organisation",
    "consortium_member",
    "coauthorship",
    "joint_project",
    "joint_patent",
    "declared_tie",
    "reciprocal_review",
)


@dataclass(frozen=True)
class Conflict:
    """One reason why ``person_id`` must not review ``proposal_id``."""

    proposal_id: str
    person_id: str
    kind: str
    evidence: str
    source: str = "detected"


@dataclass(frozen=True)
class ProposalParties:
    """Who stands behind a proposal.

    ``lead_organisation_id`` is the applicant organisation; ``consortium_organisation_ids``
    the partners; ``person_ids`` the researchers named in it (record ids or identity ids).
    """

    proposal_id: str
    lead_organisation_id: str
    consortium_organisation_ids: tuple[str, ...] = ()
    person_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Work:
    """A paper, project or patent with its people (record ids) and year.

    ``kind`` is ``publication``, ``project`` or ``patent``.
    """

    work_id: str
    kind: str
    year: int
    person_ids: tuple[str, ...]


@dataclass(frozen=True)
class DeclaredTie:
    """A tie a person declared: with another person, or directly with a proposal."""

    person_id: str
    reason: str
    other_person_id: str | None = None
    proposal_id: str | None = None


_WORK_KIND_TO_CONFLICT = {"publication": "coauthorship", "project": "joint_project",
                          "patent": "joint_patent"}


def organisation_lineage(org_id: str, parents: Mapping[str, Sequence[str]]) -> set[str]:
    """``org_id`` and all its ancestors under ``parents`` (child -> parent ids, e.g. ROR)."""
    seen = {org_id}
    stack = [org_id]
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


class ConflictDetector:
    """Detect conflicts between proposals and candidate reviewers.

    ``coauthor_window_years`` bounds co-authorship and joint projects: a work counts if
    ``reference_year - window <= year <= reference_year``. ``patent_window_years`` does the
    same for joint patents (None: any past patent). ``organisation_parents`` maps an
    organisation id to its parent ids (ROR ``parent`` relations); organisations are the
    same for conflict purposes when one is the other's ancestor.
    """

    def __init__(self, coauthor_window_years: int = 3, patent_window_years: int | None = None,
                 organisation_parents: Mapping[str, Sequence[str]] | None = None) -> None:
        if coauthor_window_years < 0:
            raise ValueError("coauthor_window_years must be >= 0")
        if patent_window_years is not None and patent_window_years < 0:
            raise ValueError("patent_window_years must be >= 0 or None")
        self.coauthor_window_years = coauthor_window_years
        self.patent_window_years = patent_window_years
        self.organisation_parents = dict(organisation_parents or {})

    def detect(self, proposals: Sequence[ProposalParties], reviewers: Sequence[Identity], *,
               identities: Sequence[Identity] = (), works: Iterable[Work] = (),
               ties: Iterable[DeclaredTie] = (), reference_year: int | None = None,
               proposed_pairs: Iterable[tuple[str, str]] = ()) -> list[Conflict]:
        """All conflicts between ``proposals`` and ``reviewers`` (linked identities).

        ``identities`` are every linked person (reviewers and applicants); people in
        proposals, works and ties may be given by record id or identity id.
        ``proposed_pairs`` are (proposal_id, reviewer identity id) of a proposed assignment,
        checked for reciprocal review. Results are sorted and free of duplicates.
        """
        all_identities = list({i.identity_id: i for i in (*identities, *reviewers)}.values())
        canon = identity_of_record(all_identities)

        def person(pid: str) -> str:
            return canon.get(pid, pid)

        reviewer_ids = {r.identity_id for r in reviewers}
        found: dict[tuple[str, str, str], Conflict] = {}

        def add(proposal_id: str, person_id: str, kind: str, evidence: str,
                source: str | None = None) -> None:
            key = (proposal_id, person_id, kind)
            if key not in found:
                found[key] = Conflict(proposal_id, person_id, kind, evidence, source or f"rule:{kind}")

        # organisations: lead (with parent/child) and consortium partners
        lineage_cache: dict[str, set[str]] = {}

        def lineage(org: str) -> set[str]:
            if org not in lineage_cache:
                lineage_cache[org] = organisation_lineage(org, self.organisation_parents)
            return lineage_cache[org]

        # index proposals by each organisation and by every ancestor of it
        by_org: dict[tuple[str, str], list[tuple[ProposalParties, str]]] = defaultdict(list)
        by_ancestor: dict[tuple[str, str], list[tuple[ProposalParties, str]]] = defaultdict(list)
        for p in proposals:
            roles = [("lead", p.lead_organisation_id)]
            roles += [("partner", o) for o in p.consortium_organisation_ids]
            for role, org in roles:
                by_org[(role, org)].append((p, org))
                for ancestor in lineage(org) - {org}:
                    by_ancestor[(role, ancestor)].append((p, org))

        for reviewer in reviewers:
            for org in dict.fromkeys(reviewer.organisation_ids):
                for role in ("lead", "partner"):
                    kind = "same_organisation" if role == "lead" else "consortium_member"
                    what = "applicant organisation" if role == "lead" else "consortium partner"
                    for p, target in by_org.get((role, org), ()):
                        add(p.proposal_id, reviewer.identity_id, kind,
                            f"reviewer affiliated with {what} {target}")
                    for ancestor in lineage(org) - {org}:
                        for p, target in by_org.get((role, ancestor), ()):
                            add(p.proposal_id, reviewer.identity_id, kind,
                                f"reviewer organisation {org} is a child of {what} {target}")
                    for p, target in by_ancestor.get((role, org), ()):
                        add(p.proposal_id, reviewer.identity_id, kind,
                            f"reviewer organisation {org} is a parent of {what} {target}")

        members: dict[str, set[str]] = {p.proposal_id: {person(x) for x in p.person_ids}
                                         for p in proposals}
        for p in proposals:
            for member in members[p.proposal_id] & reviewer_ids:
                add(p.proposal_id, member, "consortium_member",
                    "reviewer is named as a researcher in the proposal")

        # shared works within their windows
        collaborators: dict[tuple[str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for work in works:
            if work.kind not in _WORK_KIND_TO_CONFLICT:
                raise ValueError(f"work {work.work_id}: kind must be one of "
                                 f"{sorted(_WORK_KIND_TO_CONFLICT)}, got {work.kind!r}")
            kind = _WORK_KIND_TO_CONFLICT[work.kind]
            window = self.patent_window_years if kind == "joint_patent" else self.coauthor_window_years
            if reference_year is not None and window is not None:
                if not (reference_year - window <= work.year <= reference_year):
                    continue
            people = sorted({person(x) for x in work.person_ids})
            for a in people:
                for b in people:
                    if a != b:
                        collaborators[(a, kind)][b].append(f"{work.work_id} ({work.year})")
        for p in proposals:
            for member in members[p.proposal_id]:
                for kind in ("coauthorship", "joint_project", "joint_patent"):
                    for other, refs in collaborators.get((member, kind), {}).items():
                        if other in reviewer_ids:
                            add(p.proposal_id, other, kind,
                                f"shared {kind.replace('_', ' ')} with applicant {member}: "
                                + ", ".join(sorted(refs)[:5]))

        # declared ties
        for tie in ties:
            who = person(tie.person_id)
            if tie.proposal_id is not None:
                add(tie.proposal_id, who, "declared_tie", f"declared: {tie.reason}",
                    f"declared:{tie.person_id}")
            if tie.other_person_id is not None:
                other = person(tie.other_person_id)
                for p in proposals:
                    if other in members[p.proposal_id] and who in reviewer_ids:
                        add(p.proposal_id, who, "declared_tie",
                            f"declared tie with applicant {other}: {tie.reason}", f"declared:{tie.person_id}")
                    if who in members[p.proposal_id] and other in reviewer_ids:
                        add(p.proposal_id, other, "declared_tie",
                            f"tie declared by applicant {who}: {tie.reason}", f"declared:{tie.person_id}")

        for conflict in reciprocal_reviews(proposals, proposed_pairs, person):
            add(conflict.proposal_id, conflict.person_id, conflict.kind, conflict.evidence)

        return sorted(found.values(), key=lambda c: (c.proposal_id, c.person_id, c.kind))


def reciprocal_reviews(proposals: Sequence[ProposalParties],
                       proposed_pairs: Iterable[tuple[str, str]],
                       person: object = None) -> list[Conflict]:
    """Pairs where A reviews B's proposal while B reviews one of A's.

    Both pairs of each such cycle are returned as ``reciprocal_review`` conflicts.
    ``person`` optionally maps a record id to its identity id.
    """
    canon = person if callable(person) else (lambda x: x)
    authors = {p.proposal_id: {canon(x) for x in p.person_ids} for p in proposals}
    pairs = [(pid, canon(r)) for pid, r in proposed_pairs]
    reviews_authors_of: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for pid, reviewer in pairs:
        for author in authors.get(pid, ()):
            reviews_authors_of[reviewer].add((author, pid))
    out = []
    for pid, reviewer in pairs:
        for author in authors.get(pid, ()):
            for back_author, back_pid in reviews_authors_of.get(author, ()):
                if back_author == reviewer:
                    out.append(Conflict(pid, reviewer, "reciprocal_review",
                                        f"{reviewer} reviews {pid} of {author} while {author} "
                                        f"reviews {back_pid} of {reviewer}", "rule:reciprocal_review"))
    return out
