"""Consortium proposals for a company demand: a lead and complementary members.

The demand needs competences, each with an importance weight. Each candidate
organisation has an affinity (0..1) for some competences, from the technology map or
from expert input. A consortium covers a competence as well as its best member does, and
its score is the weighted mean coverage. Proposals are built greedily (a set cover with
affinity weights, which is within a factor (1 - 1/e) of the best cover of this kind):

1. a lead, one proposal per strong lead of an allowed kind (research organisations by
   default), so the company can compare;
2. the members the rules require (an SME; a foreign institute when the rules or the
   cooperation need say so), each the best of its kind for what is still missing;
3. further members while they add enough coverage and the member limit allows,
   preferring kinds not yet in the consortium (GRI, university, SME, large company,
   foreign institute complement each other).

Every member carries the reason it was chosen; rule violations that could not be avoided
(no SME among the candidates, say) are listed, never hidden.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dure.core.techmap import TechnologyProfile

KINDS = ("gri", "university", "sme", "large_company", "company", "hospital", "other")


class ConsortiumError(ValueError):
    """The demand, candidates or rules cannot form any consortium; the message says why."""


@dataclass(frozen=True)
class Candidate:
    """An organisation that could join: kind is one of :data:`KINDS`."""

    id: str
    name: str
    kind: str
    country_code: str
    competences: Mapping[str, float]
    evidence: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConsortiumError(f"candidate {self.id}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        for comp, a in self.competences.items():
            if not 0.0 <= a <= 1.0:
                raise ConsortiumError(f"candidate {self.id}: affinity for {comp!r} is {a}; use 0..1")


@dataclass(frozen=True)
class ConsortiumRules:
    max_members: int = 5
    require_sme: bool = True
    require_foreign: bool = False
    allow_foreign: bool = True
    domestic_country: str = "KR"
    lead_kinds: tuple[str, ...] = ("gri", "university")
    min_gain: float = 0.05
    covered_at: float = 0.5

    def __post_init__(self) -> None:
        if self.max_members < 1:
            raise ConsortiumError("max_members must be at least 1")
        if self.require_foreign and not self.allow_foreign:
            raise ConsortiumError("rules both require and forbid a foreign member")


@dataclass(frozen=True)
class ConsortiumMember:
    id: str
    name: str
    kind: str
    country_code: str
    role: str  # "lead" or "member"
    covers: tuple[str, ...]
    reason: str
    foreign: bool
    evidence: tuple[str, ...] = ()
    # why it was chosen, as a code a page can translate: lead, foreign_needed, foreign_rules,
    # foreign, sme_rules, complementary, adds_coverage
    why: str = ""


@dataclass(frozen=True)
class ConsortiumProposal:
    lead: ConsortiumMember
    members: tuple[ConsortiumMember, ...]  # the lead first
    coverage: dict[str, float]
    uncovered: tuple[str, ...]
    score: float
    violations: tuple[str, ...]
    explanation: tuple[str, ...] = field(default=())

    @property
    def rules_met(self) -> bool:
        return not self.violations


def _weights(demand: Mapping[str, float] | Sequence[str]) -> dict[str, float]:
    w = dict(demand) if isinstance(demand, Mapping) else {c: 1.0 for c in demand}
    if not w:
        raise ConsortiumError("the demand names no competences")
    bad = [c for c, v in w.items() if v <= 0]
    if bad:
        raise ConsortiumError(f"competence weights must be positive: {', '.join(bad)}")
    return w


class _Builder:
    def __init__(self, weights: dict[str, float], rules: ConsortiumRules, foreign_reason: str) -> None:
        self.w = weights
        self.total = sum(weights.values())
        self.rules = rules
        self.foreign_reason = foreign_reason
        self.coverage = {c: 0.0 for c in weights}
        self.members: list[ConsortiumMember] = []
        self.chosen: set[str] = set()
        self.kinds: set[str] = set()

    def is_foreign(self, c: Candidate) -> bool:
        return bool(c.country_code) and c.country_code != self.rules.domestic_country

    def gain(self, c: Candidate) -> float:
        return sum(self.w[k] * max(0.0, c.competences.get(k, 0.0) - self.coverage[k]) for k in self.w) / self.total

    def improved(self, c: Candidate) -> tuple[str, ...]:
        return tuple(sorted((k for k in self.w if c.competences.get(k, 0.0) > self.coverage[k] + 1e-12),
                            key=lambda k: -self.w[k] * c.competences.get(k, 0.0)))

    def add(self, c: Candidate, role: str, why: str, code: str = "") -> None:
        covers = self.improved(c)
        detail = ", ".join(f"{k} ({c.competences[k]:.2f})" for k in covers[:4])
        reason = f"{why}; covers {detail}" if detail else f"{why}; adds no new competence"
        self.members.append(ConsortiumMember(c.id, c.name, c.kind, c.country_code, role, covers, reason,
                                             self.is_foreign(c), c.evidence[:5], code))
        for k in self.w:
            self.coverage[k] = max(self.coverage[k], c.competences.get(k, 0.0))
        self.chosen.add(c.id)
        self.kinds.add("foreign" if self.is_foreign(c) else c.kind)

    def best(self, pool: Sequence[Candidate]) -> Candidate | None:
        options = [c for c in pool if c.id not in self.chosen]
        if not options:
            return None
        return max(options, key=lambda c: (self.gain(c), sum(c.competences.values()), c.id))

    def score(self) -> float:
        return sum(self.w[k] * self.coverage[k] for k in self.w) / self.total


def propose_consortia(demand_competences: Mapping[str, float] | Sequence[str], candidates: Sequence[Candidate],
                      rules: ConsortiumRules | None = None, *, cooperation_level: str | None = None,
                      cooperation_reasons: Sequence[str] = (), n_proposals: int = 3) -> list[ConsortiumProposal]:
    """Up to ``n_proposals`` consortia with different leads, best score first.

    ``cooperation_level`` is the technology map's :class:`CooperationNeed` level for the
    demand's technology: ``"needed"`` makes a foreign member required, ``"useful"`` allows
    one when it adds coverage, ``"not_needed"`` leaves the rules as they are.
    """
    rules = rules or ConsortiumRules()
    weights = _weights(demand_competences)
    if len({c.id for c in candidates}) != len(candidates):
        raise ConsortiumError("candidate ids must be unique")
    require_foreign = rules.require_foreign or (cooperation_level == "needed" and rules.allow_foreign)
    foreign_reason = "foreign partner"
    if cooperation_level == "needed":
        foreign_reason = "foreign partner required: the technology map says international cooperation is needed"
        if cooperation_reasons:
            foreign_reason += f" ({cooperation_reasons[0]})"
    elif rules.require_foreign:
        foreign_reason = "foreign partner required by the call's rules"
    relevant = [c for c in candidates if any(c.competences.get(k, 0.0) > 0 for k in weights)]
    if not rules.allow_foreign:
        relevant = [c for c in relevant if not c.country_code or c.country_code == rules.domestic_country]
    leads = [c for c in relevant if c.kind in rules.lead_kinds
             and (not c.country_code or c.country_code == rules.domestic_country)]
    if not leads:
        raise ConsortiumError("no candidate can lead: a domestic organisation of kind "
                              f"{' or '.join(rules.lead_kinds)} with a needed competence is required")
    probe = _Builder(weights, rules, foreign_reason)
    leads.sort(key=lambda c: (-probe.gain(c), c.id))
    proposals = [_build(lead, relevant, weights, rules, require_foreign, cooperation_level, foreign_reason)
                 for lead in leads[:n_proposals]]
    return sorted(proposals, key=lambda p: (len(p.violations), -p.score, p.lead.id))


def _build(lead: Candidate, pool: Sequence[Candidate], weights: dict[str, float], rules: ConsortiumRules,
           require_foreign: bool, cooperation_level: str | None, foreign_reason: str) -> ConsortiumProposal:
    b = _Builder(weights, rules, foreign_reason)
    b.add(lead, "lead", f"research lead: strongest {lead.kind.replace('_', ' ')} for the demand", "lead")
    violations: list[str] = []
    foreign = [c for c in pool if b.is_foreign(c)]
    smes = [c for c in pool if c.kind == "sme" and not b.is_foreign(c)]
    required: list[tuple[str, Sequence[Candidate], str, str]] = []
    if require_foreign:
        code = "foreign_needed" if cooperation_level == "needed" else "foreign_rules"
        required.append(("a foreign institute", foreign, foreign_reason, code))
    if rules.require_sme:
        required.append(("an SME", smes, "SME required by the call's rules", "sme_rules"))
    for label, options, why, code in required:
        if len(b.members) >= rules.max_members:
            violations.append(f"no room for {label} within {rules.max_members} members")
            continue
        pick = b.best(options)
        if pick is None:
            violations.append(f"no candidate is {label}; the call requires one")
            continue
        b.add(pick, "member", why, code)
    while len(b.members) < rules.max_members:
        options = [c for c in pool if c.id not in b.chosen]
        if not (cooperation_level in ("needed", "useful") or rules.require_foreign):
            options = [c for c in options if not b.is_foreign(c)]
        if not options:
            break

        def value(c: Candidate) -> float:
            kind = "foreign" if b.is_foreign(c) else c.kind
            return b.gain(c) * (1.15 if kind not in b.kinds else 1.0)

        pick = max(options, key=lambda c: (value(c), c.id))
        if b.gain(pick) < rules.min_gain:
            break
        kind = "foreign" if b.is_foreign(pick) else pick.kind
        why = (foreign_reason if kind == "foreign" else
               f"complementary {pick.kind.replace('_', ' ')}" if kind not in b.kinds else "adds coverage")
        code = "foreign" if kind == "foreign" else "complementary" if kind not in b.kinds else "adds_coverage"
        b.add(pick, "member", why, code)
    uncovered = tuple(k for k in weights if b.coverage[k] < rules.covered_at)
    explanation = [f"coverage {100 * b.score():.0f}% of the weighted competences with {len(b.members)} members"]
    if uncovered:
        explanation.append("weakly covered: " + ", ".join(uncovered))
    if cooperation_level:
        explanation.append(f"cooperation need from the technology map: {cooperation_level}")
    return ConsortiumProposal(lead=b.members[0], members=tuple(b.members), coverage=dict(b.coverage),
                              uncovered=uncovered, score=b.score(), violations=tuple(violations),
                              explanation=tuple(explanation))


def competences_from_text(text: str, vocabulary: Mapping[str, Sequence[str]]) -> dict[str, float]:
    """Competences a demand text mentions: weight = number of distinct keywords found.

    ``vocabulary`` maps a competence to keywords in Korean and/or English; Korean
    keywords match inside words (particles attach to them), English ones as whole words.
    """
    lowered = text.lower()
    found: dict[str, float] = {}
    for comp, keywords in vocabulary.items():
        hits = 0
        for kw in keywords:
            k = kw.lower().strip()
            if not k:
                continue
            if re.search(r"[가-힣]", k):
                hits += k in lowered
            else:
                hits += re.search(r"\b" + re.escape(k) + r"\b", lowered) is not None
        if hits:
            found[comp] = float(hits)
    return found


def candidates_from_profiles(profiles: Mapping[str, TechnologyProfile], kinds: Mapping[str, str], *,
                             default_kind: str = "other", top: int = 20) -> list[Candidate]:
    """Candidates from the technology map: competence = technology, affinity from strength.

    For each competence (``profiles`` maps it to the profile of its technology) the
    ``top`` organisations get affinity = their strength / the strongest organisation's
    (volume when no item has citations). ``kinds`` gives each organisation's kind
    (from the organisation registry); others get ``default_kind``.
    """
    comps: dict[str, dict[str, float]] = {}
    info: dict[str, tuple[str, str, list[str]]] = {}
    for comp, prof in profiles.items():
        orgs = prof.organisations[:top]
        if not orgs:
            continue
        use_volume = orgs[0].strength <= 0
        best = max((o.volume if use_volume else o.strength) for o in orgs)
        for o in orgs:
            value = (o.volume if use_volume else o.strength) / best if best > 0 else 0.0
            comps.setdefault(o.id, {})[comp] = round(min(1.0, value), 4)
            entry = info.setdefault(o.id, (o.name, o.country_code, []))
            entry[2].extend(e for e in o.top_evidence if e not in entry[2])
    return [Candidate(id=oid, name=info[oid][0], kind=kinds.get(oid, default_kind), country_code=info[oid][1],
                      competences=c, evidence=tuple(info[oid][2][:5])) for oid, c in sorted(comps.items())]
