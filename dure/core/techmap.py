"""Technology map: where capability stands, by organisation and country, from evidence.

Evidence items are publications (OpenAlex), patents (PatentsView) and projects, each with
its organisations and their countries, year, citations and a field. A technology is a set
of OpenAlex topic ids, keywords and CPC prefixes. For each technology the map gives, per
organisation and per country:

* volume: number of evidence items (an item counts once for each organisation on it);
* impact: mean field-normalised citation score, each item's citations divided by the mean
  citations of all supplied items of the same kind, field and year (1.0 = field average);
* strength: volume x impact, the total field-normalised citations, used for ranking;
* growth: items in the last ``recent_years`` years over the ``recent_years`` before
  (with one added to both counts so a new entrant does not divide by zero).

The global frontier (best organisations anywhere) is shown next to the best domestic
ones, and :class:`CooperationNeed` explains whether international cooperation is needed.
Experts may overrule it; the indicator only states the evidence and the rule applied.
"""

from __future__ import annotations

import csv
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from dure.core.importers.openalex import OpenAlexWork
from dure.core.importers.patentsview import PatentRecord
from dure.core.matching.lexical import TfidfIndex, tokenize

# -- taxonomy ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenAlexTopic:
    id: str
    name: str
    description: str
    works_count: int
    subfield_id: str
    subfield_name: str
    field_id: str
    field_name: str
    domain_id: str
    domain_name: str


class TechMapError(ValueError):
    """Inconsistent technology definitions or evidence."""


def short_topic_id(value: str) -> str:
    """``https://openalex.org/T10299`` or ``T10299`` -> ``T10299``."""
    return value.strip().rstrip("/").rsplit("/", 1)[-1].upper()


def load_openalex_topics(directory: str | os.PathLike[str]) -> dict[str, OpenAlexTopic]:
    """Read the OpenAlex topic table (topic -> subfield -> field -> domain) by topic id."""
    d = Path(directory)
    files = sorted(d.glob("openalex_topics*.csv")) if d.is_dir() else []
    if not files:
        raise TechMapError(f"{d}: no openalex_topics*.csv found; give the folder of the topic taxonomy")
    needed = ("topic_id", "topic_name", "subfield_id", "subfield_name", "field_id", "field_name",
              "domain_id", "domain_name")
    topics: dict[str, OpenAlexTopic] = {}
    with open(files[-1], newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in needed if c not in (reader.fieldnames or [])]
        if missing:
            raise TechMapError(f"{files[-1]}: missing column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            if not row["topic_id"]:
                raise TechMapError(f"{files[-1]}, line {line}, column topic_id: empty")
            tid = short_topic_id(row["topic_id"])
            topics[tid] = OpenAlexTopic(
                id=tid, name=row["topic_name"], description=row.get("description", ""),
                works_count=int(row.get("works_count") or 0),
                subfield_id=row["subfield_id"], subfield_name=row["subfield_name"],
                field_id=row["field_id"], field_name=row["field_name"],
                domain_id=row["domain_id"], domain_name=row["domain_name"])
    return topics


def find_topics(topics: dict[str, OpenAlexTopic], keywords: Sequence[str], limit: int = 20) -> list[OpenAlexTopic]:
    """Topics whose name or description mentions any keyword, most keywords then largest first."""
    words = [k.lower() for k in keywords if k.strip()]
    scored = []
    for t in topics.values():
        name, desc = t.name.lower(), t.description.lower()
        hits = sum(2 * (w in name) + (w in desc) for w in words)
        if hits:
            scored.append((-hits, -t.works_count, t.id, t))
    return [t for *_, t in sorted(scored)[:limit]]


# -- evidence ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgRef:
    """An organisation on an evidence item: id (a ROR id when known), name, country."""

    id: str
    name: str
    country_code: str


@dataclass(frozen=True)
class EvidenceItem:
    id: str
    kind: str  # "work", "patent" or "project"
    year: int | None
    citations: int
    field: str
    topics: tuple[str, ...]
    text: str
    organisations: tuple[OrgRef, ...]
    codes: tuple[str, ...] = ()  # CPC groups, programme codes


def evidence_from_work(work: OpenAlexWork, topics: dict[str, OpenAlexTopic] | None = None) -> EvidenceItem:
    """One work as evidence; organisations are its institutions with ROR ids (else OpenAlex ids)."""
    orgs: dict[str, OrgRef] = {}
    for a in work.authorships:
        for inst in a.institutions:
            oid = inst.ror_id or inst.openalex_id
            if oid and oid not in orgs:
                orgs[oid] = OrgRef(oid, inst.name, inst.country_code)
    topic_ids = tuple(short_topic_id(t.id) for t in work.topics)
    primary = short_topic_id(work.primary_topic_id) if work.primary_topic_id else (topic_ids[0] if topic_ids else "")
    if topics and primary in topics:
        fld = "field:" + topics[primary].field_name
    else:
        level0 = [c for c in work.concepts if c.id]  # older records: top concept as the field
        fld = "concept:" + level0[0].name if level0 else "unknown"
    return EvidenceItem(id=work.id, kind="work", year=work.year, citations=work.cited_by_count,
                        field=fld, topics=topic_ids,
                        text=" ".join([work.title, work.abstract, *(c.name for c in work.concepts)]),
                        organisations=tuple(orgs.values()))


def evidence_from_patent(patent: PatentRecord,
                         resolve: Callable[[str], OrgRef | None] | None = None) -> EvidenceItem:
    """One patent as evidence; assignees become organisations (``resolve`` may map them to ROR)."""
    orgs: dict[str, OrgRef] = {}
    for a in patent.assignees:
        ref = resolve(a.name) if resolve else None
        ref = ref or OrgRef("patentsview:" + a.assignee_id, a.name, "")
        orgs.setdefault(ref.id, ref)
    sub = patent.cpc_subclasses
    return EvidenceItem(id="patent:" + patent.patent_id, kind="patent", year=patent.year, citations=0,
                        field="cpc:" + (sub[0] if sub else "unknown"), topics=(),
                        text=f"{patent.title} {patent.abstract}", organisations=tuple(orgs.values()),
                        codes=patent.cpc_groups)


@dataclass(frozen=True)
class Technology:
    """A technology as the programme defines it; an item belongs if any criterion matches."""

    code: str
    name: str
    topic_ids: frozenset[str] = frozenset()
    keywords: tuple[str, ...] = ()
    cpc_prefixes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not (self.topic_ids or self.keywords or self.cpc_prefixes):
            raise TechMapError(f"technology {self.code}: give topic ids, keywords or CPC prefixes")
        object.__setattr__(self, "topic_ids", frozenset(short_topic_id(t) for t in self.topic_ids))

    def matches(self, item: EvidenceItem) -> bool:
        if self.topic_ids and self.topic_ids.intersection(item.topics):
            return True
        if self.cpc_prefixes and any(c.startswith(self.cpc_prefixes) for c in item.codes):
            return True
        if self.keywords:
            text = item.text.lower()
            return any(_keyword_in(k.lower(), text) for k in self.keywords)
        return False


def _keyword_in(keyword: str, text: str) -> bool:
    if re.search(r"[가-힣]", keyword):
        return keyword in text
    return re.search(r"\b" + re.escape(keyword) + r"\b", text) is not None


# -- indicators -------------------------------------------------------------------------


@dataclass(frozen=True)
class CapabilityIndicator:
    """Indicators for one organisation or country within one technology."""

    id: str
    name: str
    country_code: str
    volume: int
    works: int
    patents: int
    impact: float
    strength: float
    recent: int
    previous: int
    growth: float
    top_evidence: tuple[str, ...]
    relevance: float = 0.0  # sum of the items' relevance to a demand (0 in a technology's own profile)


@dataclass(frozen=True)
class CooperationNeed:
    level: str  # "needed", "useful" or "not_needed"
    gap: float
    reasons: list[str]
    best_foreign: list[CapabilityIndicator]
    best_domestic: list[CapabilityIndicator]
    # the same reasons as (code, values), for pages that word them in the reader's language
    notes: tuple[tuple[str, dict], ...] = ()


@dataclass(frozen=True)
class TechnologyProfile:
    technology: Technology
    evidence_count: int
    organisations: list[CapabilityIndicator]
    countries: list[CapabilityIndicator]
    frontier: list[CapabilityIndicator]
    best_domestic: list[CapabilityIndicator]
    cooperation: CooperationNeed = field(repr=False)


def demand_rank_score(c: CapabilityIndicator) -> float:
    """How strongly an organisation answers a demand: relevance x (1 + min(impact, 1)).

    An organisation with several relevant items outranks one with a single item; at equal
    relevance, work cited at or above the field average counts up to twice as much.
    """
    return c.relevance * (1.0 + min(c.impact, 1.0))


class TechnologyMap:
    """Computes :class:`TechnologyProfile` for each technology from evidence items.

    Parameters
    ----------
    domestic_country : ISO code of the programme's country.
    current_year : last year of the growth window (default: latest year in the evidence).
    recent_years : width of each growth window.
    top_n : organisations listed in the frontier and the best domestic lists.
    needed_gap, useful_gap : gap at or above which cooperation is needed / useful.
    min_evidence : below this many items the indicator says the evidence is thin.
    """

    def __init__(self, *, domestic_country: str = "KR", current_year: int | None = None,
                 recent_years: int = 3, top_n: int = 5, needed_gap: float = 0.5,
                 useful_gap: float = 0.2, min_evidence: int = 10) -> None:
        if not 0 <= useful_gap <= needed_gap <= 1:
            raise TechMapError("need 0 <= useful_gap <= needed_gap <= 1")
        self.domestic_country = domestic_country.upper()
        self.current_year = current_year
        self.recent_years = recent_years
        self.top_n = top_n
        self.needed_gap = needed_gap
        self.useful_gap = useful_gap
        self.min_evidence = min_evidence

    def fit(self, items: Iterable[EvidenceItem], technologies: Sequence[Technology]) -> TechnologyMap:
        codes = [t.code for t in technologies]
        if len(set(codes)) != len(codes):
            raise TechMapError("technology codes must be unique")
        self.items_ = list(items)
        baseline: dict[tuple[str, str, int | None], list[int]] = defaultdict(list)
        for it in self.items_:
            baseline[(it.kind, it.field, it.year)].append(it.citations)
        self.field_means_ = {k: float(np.mean(v)) for k, v in baseline.items()}
        years = [it.year for it in self.items_ if it.year is not None]
        self.current_year_ = self.current_year or (max(years) if years else 0)
        self.technologies_ = list(technologies)
        self.profiles_ = {t.code: self._profile(t) for t in technologies}
        return self

    def normalised_citations(self, item: EvidenceItem) -> float:
        mean = self.field_means_.get((item.kind, item.field, item.year), 0.0)
        return item.citations / mean if mean > 0 else 0.0

    def profile(self, code: str) -> TechnologyProfile:
        if not hasattr(self, "profiles_"):
            raise TechMapError("call fit(items, technologies) first")
        if code not in self.profiles_:
            raise TechMapError(f"unknown technology code {code!r}; known: {', '.join(self.profiles_)}")
        return self.profiles_[code]

    def _indicators(self, groups: dict[str, list[EvidenceItem]], names: dict[str, tuple[str, str]],
                    relevance: Mapping[str, float] | None = None) -> list[CapabilityIndicator]:
        y = self.current_year_
        out = []
        for gid, its in groups.items():
            ncs = [self.normalised_citations(i) for i in its]
            recent = sum(1 for i in its if i.year is not None and y - self.recent_years < i.year <= y)
            prev = sum(1 for i in its if i.year is not None
                       and y - 2 * self.recent_years < i.year <= y - self.recent_years)
            rels = [relevance.get(i.id, 0.0) for i in its] if relevance is not None else [0.0] * len(its)
            # with a demand, the works that drove a suggestion are the most relevant ones first
            ranked = sorted(zip(rels, ncs, [i.id for i in its], strict=True), key=lambda t: (-t[0], -t[1], t[2]))
            name, cc = names[gid]
            out.append(CapabilityIndicator(
                id=gid, name=name, country_code=cc, volume=len(its),
                works=sum(i.kind == "work" for i in its), patents=sum(i.kind == "patent" for i in its),
                impact=float(np.mean(ncs)) if ncs else 0.0, strength=float(np.sum(ncs)) + 0.0,
                recent=recent, previous=prev, growth=(recent + 1) / (prev + 1),
                top_evidence=tuple(i for *_, i in ranked[:5]), relevance=round(float(sum(rels)), 6)))
        if relevance is not None:
            # relevant evidence first, boosted (at most 2x) by its field-normalised impact
            return sorted(out, key=lambda c: (-demand_rank_score(c), -c.strength, c.id))
        # ties in strength (e.g. patents without citations) fall back to volume
        return sorted(out, key=lambda c: (-c.strength, -c.volume, c.id))

    def _profile(self, tech: Technology) -> TechnologyProfile:
        return self._profile_of([it for it in self.items_ if tech.matches(it)], tech, None)

    def profile_of(self, tech: Technology, items: Iterable[EvidenceItem],
                   relevance: Mapping[str, float] | None = None) -> TechnologyProfile:
        """The profile of ``tech`` computed over ``items`` only (e.g. the evidence a demand matches).

        Citations stay normalised against all fitted items. With ``relevance`` (item id -> 0..1)
        organisations are ranked by :func:`demand_rank_score` and each lists its most relevant
        items first; the cooperation need compares strengths within these items.
        """
        if not hasattr(self, "items_"):
            raise TechMapError("call fit(items, technologies) first")
        return self._profile_of(list(items), tech, relevance)

    def _profile_of(self, matched: list[EvidenceItem], tech: Technology,
                    relevance: Mapping[str, float] | None) -> TechnologyProfile:
        by_org: dict[str, list[EvidenceItem]] = defaultdict(list)
        by_country: dict[str, list[EvidenceItem]] = defaultdict(list)
        names: dict[str, tuple[str, str]] = {}
        for it in matched:
            countries = set()
            for org in it.organisations:
                by_org[org.id].append(it)
                names.setdefault(org.id, (org.name, org.country_code))
                if org.country_code:
                    countries.add(org.country_code)
            for cc in countries:
                by_country[cc].append(it)
                names.setdefault("country:" + cc, (cc, cc))
        orgs = self._indicators(by_org, names, relevance)
        countries_ind = self._indicators({"country:" + k: v for k, v in by_country.items()}, names)
        domestic = [o for o in orgs if o.country_code == self.domestic_country]
        foreign = [o for o in orgs if o.country_code and o.country_code != self.domestic_country]
        need = self._cooperation(tech, len(matched), domestic, foreign, countries_ind)
        return TechnologyProfile(technology=tech, evidence_count=len(matched), organisations=orgs,
                                 countries=countries_ind, frontier=orgs[: self.top_n],
                                 best_domestic=domestic[: self.top_n], cooperation=need)

    def _cooperation(self, tech: Technology, n: int, domestic: list[CapabilityIndicator],
                     foreign: list[CapabilityIndicator], countries: list[CapabilityIndicator]) -> CooperationNeed:
        best_f, best_d = foreign[: self.top_n], domestic[: self.top_n]
        reasons: list[str] = []
        notes: list[tuple[str, dict]] = []

        def need(level: str, gap: float) -> CooperationNeed:
            return CooperationNeed(level, gap, reasons, best_f, best_d, tuple(notes))

        if n < self.min_evidence:
            reasons.append(f"evidence is thin: {n} items match {tech.name} (fewer than {self.min_evidence}); "
                           "an expert should confirm")
            notes.append(("thin", {"n": n, "technology": tech.name, "minimum": self.min_evidence}))
        if not foreign:
            reasons.append("no foreign organisation has evidence in this technology")
            notes.append(("no_foreign", {}))
            return need("not_needed", 0.0)

        def strength(c: CapabilityIndicator) -> float:  # patents carry no citations here
            return c.strength if c.strength > 0 else 0.1 * c.volume

        f = best_f[0]
        if not domestic:
            reasons.append(f"no {self.domestic_country} organisation has evidence; the frontier is "
                           f"{f.name} ({f.country_code}) with {f.volume} items")
            notes.append(("no_domestic", {"country": self.domestic_country, "name": f.name,
                                          "country_code": f.country_code, "volume": f.volume}))
            return need("needed", 1.0)
        d = best_d[0]
        gap = max(0.0, 1.0 - strength(d) / strength(f)) if strength(f) > 0 else 0.0
        reasons.append(f"best foreign: {f.name} ({f.country_code}), {f.volume} items, impact "
                       f"{f.impact:.2f}x field average; best domestic: {d.name}, {d.volume} items, "
                       f"impact {d.impact:.2f}x")
        notes.append(("best", {"foreign": f.name, "country_code": f.country_code, "foreign_volume": f.volume,
                               "foreign_impact": f"{f.impact:.2f}", "domestic": d.name,
                               "domestic_volume": d.volume, "domestic_impact": f"{d.impact:.2f}"}))
        reasons.append(f"domestic strength is {100 * (1 - gap):.0f}% of the best foreign (gap {gap:.2f})")
        notes.append(("strength", {"percent": f"{100 * (1 - gap):.0f}", "gap": f"{gap:.2f}"}))
        level = "needed" if gap >= self.needed_gap else "useful" if gap >= self.useful_gap else "not_needed"
        dom_c = next((c for c in countries if c.country_code == self.domestic_country), None)
        top_c = next((c for c in countries if c.country_code != self.domestic_country), None)
        if dom_c and top_c and top_c.growth > 1.25 * dom_c.growth and level == "not_needed":
            level = "useful"
            reasons.append(f"{top_c.country_code} grows faster ({top_c.growth:.2f}x) than "
                           f"{self.domestic_country} ({dom_c.growth:.2f}x) over the last {self.recent_years} years")
            notes.append(("growth", {"country_code": top_c.country_code, "growth": f"{top_c.growth:.2f}",
                                     "country": self.domestic_country, "domestic_growth": f"{dom_c.growth:.2f}",
                                     "years": self.recent_years}))
        threshold = {"needed": self.needed_gap, "useful": self.useful_gap, "not_needed": self.useful_gap}[level]
        rule = {"needed": f"gap >= {self.needed_gap}", "useful": f"gap >= {self.useful_gap}",
                "not_needed": f"gap < {self.useful_gap}"}[level]
        reasons.append(f"rule applied: {level} ({rule})")
        notes.append(("rule_" + level, {"threshold": threshold}))
        return need(level, gap)


# -- overlap across institutes ------------------------------------------------------------


@dataclass(frozen=True)
class OverlapMatrix:
    """Items per (organisation, technology); who shares a technology and what nobody covers."""

    organisation_ids: list[str]
    organisation_names: list[str]
    technology_codes: list[str]
    counts: NDArray[np.int64]
    shared: dict[str, list[str]]
    uncovered: list[str]


def overlap_matrix(items: Iterable[EvidenceItem], technologies: Sequence[Technology], *,
                   organisation_ids: Sequence[str] | None = None, country_code: str | None = None,
                   min_items: int = 1) -> OverlapMatrix:
    """Count each organisation's items per technology.

    Restrict to ``organisation_ids`` (e.g. the government research institutes) or to
    ``country_code``. An organisation covers a technology with at least ``min_items``
    items; ``shared`` lists technologies covered by two or more, ``uncovered`` those
    covered by none.
    """
    wanted = list(dict.fromkeys(organisation_ids)) if organisation_ids is not None else None
    codes = [t.code for t in technologies]
    counts: dict[tuple[str, str], int] = defaultdict(int)
    names: dict[str, str] = {}
    for it in items:
        techs = [t.code for t in technologies if t.matches(it)]
        if not techs:
            continue
        for org in it.organisations:
            if wanted is not None and org.id not in wanted:
                continue
            if country_code and org.country_code != country_code:
                continue
            names.setdefault(org.id, org.name)
            for c in techs:
                counts[(org.id, c)] += 1
    org_ids = wanted if wanted is not None else sorted(names)
    matrix = np.zeros((len(org_ids), len(codes)), dtype=np.int64)
    row = {o: i for i, o in enumerate(org_ids)}
    col = {c: j for j, c in enumerate(codes)}
    for (o, c), n in counts.items():
        matrix[row[o], col[c]] = n
    covered = matrix >= min_items
    shared = {codes[j]: [org_ids[i] for i in np.flatnonzero(covered[:, j])]
              for j in range(len(codes)) if covered[:, j].sum() >= 2}
    uncovered = [codes[j] for j in range(len(codes)) if not covered[:, j].any()]
    return OverlapMatrix(organisation_ids=list(org_ids), organisation_names=[names.get(o, o) for o in org_ids],
                         technology_codes=codes, counts=matrix, shared=shared, uncovered=uncovered)


# -- partner suggestions ------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerSuggestion:
    organisation: CapabilityIndicator
    domestic: bool
    reason: str
    evidence: tuple[str, ...]


def suggest_partners(profile: TechnologyProfile, *, limit: int = 10,
                     domestic_country: str = "KR") -> list[PartnerSuggestion]:
    """Organisations to approach for a technology: domestic first, foreign where the gap says so.

    Foreign organisations are listed when the cooperation need is ``needed`` or
    ``useful``; each suggestion names the works (or patents) that justify it.
    """
    need = profile.cooperation
    domestic = [o for o in profile.organisations if o.country_code == domestic_country]
    foreign = [o for o in profile.organisations if o.country_code and o.country_code != domestic_country]
    out: list[PartnerSuggestion] = []

    def matched(o: CapabilityIndicator) -> str:
        return f"; relevance to the demand {o.relevance:.2f}" if o.relevance > 0 else ""

    for rank, o in enumerate(domestic, start=1):
        out.append(PartnerSuggestion(o, True, f"domestic #{rank} in {profile.technology.name}: {o.volume} items, "
                                     f"impact {o.impact:.2f}x field average{matched(o)}", o.top_evidence))
    if need.level != "not_needed":
        for rank, o in enumerate(foreign, start=1):
            out.append(PartnerSuggestion(o, False, f"foreign #{rank} ({o.country_code}); cooperation "
                                         f"{need.level.replace('_', ' ')}, gap {need.gap:.2f}: {o.volume} items, "
                                         f"impact {o.impact:.2f}x{matched(o)}", o.top_evidence))
    if need.level == "needed":  # interleave so the frontier is not hidden below a long domestic list
        half = max(1, limit // 2)
        dom = [s for s in out if s.domestic][:half]
        fo = [s for s in out if not s.domestic][: limit - len(dom)]
        return dom + fo
    return out[:limit]


# -- a demand's evidence (multilingual) ---------------------------------------------------


@dataclass(frozen=True)
class EvidenceMatch:
    """One evidence item's relevance to a demand, and what drove it."""

    item: EvidenceItem
    relevance: float  # 0..1, the hybrid of the two signals below
    dense: float  # embedding cosine (0 without an embedding backend)
    lexical: float  # TF-IDF cosine over Korean-aware index terms
    terms: tuple[str, ...]  # index terms the demand and the item share, strongest first


class EvidenceMatcher:
    """Which evidence a demand (in Korean or English) is about: embedding + Korean-aware TF-IDF.

    The dense signal is the cosine between the demand (an e5 "query") and each item's text cut
    to ``max_words`` (a "passage"). A small multilingual model puts all texts in a narrow cone,
    same-language pairs score higher than cross-language ones, and a few "hub" passages are
    near every query. So the passages are centred on their script group's mean (items with
    Hangul, items without), the query on the mean of all passages, and each cosine is
    standardised within its script group and mapped to 0..1:
    ``clip((z - dense_z0) / dense_z_span, 0, 1)``: only items far above the crowd count, and
    items shorter than ``short_words`` words (a design patent titled "Robot") count pro rata,
    as such texts sit near every query. On the demo evidence (multilingual-e5-small, 4-bit) the
    dense signal alone is noisy for technical Korean demands, hence the lexical weight of 0.6. The lexical signal is the TF-IDF cosine
    mapped by ``clip(cos / lexical_full, 0, 1)``. relevance = (1 - lexical_weight) x dense +
    lexical_weight x lexical; without a backend only the lexical signal counts.

    Item vectors are computed on the first :meth:`match` (or :meth:`embed_items`), through
    whatever caching the backend does (wrap it in ``dure.core.matching.CachedBackend`` so
    nothing is embedded twice across processes).
    """

    def __init__(self, backend=None, *, lexical_weight: float = 0.6, max_words: int = 32,
                 query_words: int = 160, dense_z0: float = 2.5, dense_z_span: float = 2.5, short_words: int = 8,
                 lexical_full: float = 0.2) -> None:
        if not 0.0 <= lexical_weight <= 1.0:
            raise TechMapError(f"lexical_weight must be within [0, 1], got {lexical_weight}")
        if max_words < 1 or query_words < 1 or dense_z_span <= 0 or lexical_full <= 0:
            raise TechMapError("max_words, query_words, dense_z_span and lexical_full must be positive")
        self.backend = backend
        self.requested_lexical_weight = lexical_weight
        self.lexical_weight = lexical_weight if backend is not None else 1.0
        self.max_words = max_words
        self.query_words = query_words
        self.dense_z0 = dense_z0
        self.dense_z_span = dense_z_span
        self.short_words = short_words
        self.lexical_full = lexical_full

    def fit(self, items: Sequence[EvidenceItem]) -> EvidenceMatcher:
        self.items_ = list(items)
        texts = [it.text or "" for it in self.items_]
        self.lexical_ = _StemmedTfidf().fit(texts) if self.items_ else None
        self.hangul_ = np.array([bool(_HANGUL.search(t)) for t in texts], dtype=bool)
        # a title of a word or two ("Robot") embeds near every query: its cosine counts less
        self.dense_trust_ = np.array([min(1.0, len(t.split()) / max(self.short_words, 1)) for t in texts],
                                     dtype=np.float32)
        self.dense_: NDArray[np.float32] | None = None
        return self

    def with_backend(self, backend) -> EvidenceMatcher:
        """A matcher over the same items and word index that also uses ``backend`` (vectors not yet computed)."""
        if not hasattr(self, "items_"):
            raise TechMapError("call fit(items) first")
        other = EvidenceMatcher(backend, lexical_weight=self.requested_lexical_weight, max_words=self.max_words,
                                query_words=self.query_words, dense_z0=self.dense_z0,
                                dense_z_span=self.dense_z_span, short_words=self.short_words,
                                lexical_full=self.lexical_full)
        other.items_, other.lexical_, other.hangul_ = self.items_, self.lexical_, self.hangul_
        other.dense_trust_, other.dense_ = self.dense_trust_, None
        return other

    @property
    def semantic(self) -> bool:
        return self.backend is not None

    def embed_items(self, progress: Callable[[int], None] | None = None) -> None:
        """Compute (or fetch from the backend's cache) the items' vectors, in blocks of 64."""
        if self.backend is None or self.dense_ is not None:
            return
        from dure.core.matching.model import truncate_words

        cut = [truncate_words(it.text or it.id, self.max_words) for it in self.items_]
        parts = []
        for lo in range(0, len(cut), 64):
            parts.append(np.asarray(self.backend.embed(cut[lo:lo + 64], kind="passage"), dtype=np.float32))
            if progress is not None:
                progress(len(parts[-1]))
        dense = np.concatenate(parts) if parts else np.zeros((0, 1), np.float32)
        self.dense_mean_ = dense.mean(axis=0) if len(dense) else np.zeros(dense.shape[1], np.float32)
        for group in (self.hangul_, ~self.hangul_):
            if group.any():
                dense[group] = _unit(dense[group] - dense[group].mean(axis=0))
        self.dense_ = dense

    def _dense_relevance(self, query: str) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        from dure.core.matching.model import truncate_words

        self.embed_items()
        assert self.dense_ is not None and self.backend is not None
        q = np.asarray(self.backend.embed([truncate_words(query, self.query_words)], kind="query"), np.float32)[0]
        cos = self.dense_ @ _unit((q - self.dense_mean_)[None, :])[0]
        z = np.zeros_like(cos)
        for group in (self.hangul_, ~self.hangul_):
            if group.sum() >= 2:
                vals = cos[group]
                sd = float(vals.std())
                z[group] = (vals - float(np.median(vals))) / (sd if sd > 1e-6 else 1.0)
        rel = (np.clip((z - self.dense_z0) / self.dense_z_span, 0.0, 1.0) * self.dense_trust_).astype(np.float32)
        return cos.astype(np.float32), rel

    def match(self, query: str, *, min_relevance: float = 0.3, limit: int = 60) -> list[EvidenceMatch]:
        """The items about ``query``, most relevant first (at most ``limit``, each >= ``min_relevance``)."""
        if not hasattr(self, "items_"):
            raise TechMapError("call fit(items) first")
        if not self.items_ or not query.strip():
            return []
        n = len(self.items_)
        assert self.lexical_ is not None
        qlex = self.lexical_.transform([query])
        lex = np.asarray((self.lexical_.matrix_ @ qlex.T).toarray()).ravel().astype(np.float32)
        lex_rel = np.clip(lex / self.lexical_full, 0.0, 1.0)
        if self.backend is not None:
            cos, dense_rel = self._dense_relevance(query)
        else:
            cos, dense_rel = np.zeros(n, np.float32), np.zeros(n, np.float32)
        score = (1.0 - self.lexical_weight) * dense_rel + self.lexical_weight * lex_rel
        order = [int(i) for i in np.lexsort((np.arange(n), -score)) if score[i] >= min_relevance][:limit]
        return [EvidenceMatch(self.items_[i], round(float(score[i]), 4), round(float(cos[i]), 4),
                              round(float(lex[i]), 4), self._shared_terms(qlex, i)) for i in order]

    def _shared_terms(self, qlex, i: int, n: int = 6) -> tuple[str, ...]:
        assert self.lexical_ is not None
        contrib = self.lexical_.matrix_[i].multiply(qlex).tocoo()
        ranked = sorted(zip(contrib.data, contrib.col, strict=True), key=lambda t: (-t[0], t[1]))
        return tuple(str(self.lexical_.terms_[j]) for v, j in ranked[:n] if v > 0)


_HANGUL = re.compile(r"[가-힣]")


def _unit(x: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0).astype(np.float32)

_EN_SUFFIXES = ("izations", "isations", "ization", "isation", "ically", "ations", "ation", "ities", "ical",
                "isms", "ism", "ity", "ing", "ic", "ed", "al")


def light_stem(term: str) -> str:
    """Fold English derivations onto one term (magnetic, magnetism, magnetization -> magnet).

    The matching index already drops plural endings; a demand says "magnet" where a paper
    says "magnetic nanoparticles", so adjective and noun endings are stripped too while at
    least four letters remain. Korean morphemes and hyphenated terms are left as they are.
    """
    if not term.isascii() or not term.isalpha():
        return term
    for suffix in _EN_SUFFIXES:
        if term.endswith(suffix) and len(term) - len(suffix) >= 4:
            return term[: -len(suffix)]
    return term


# Words every demand, topic description or abstract uses, which say nothing about the technology.
_GENERIC = frozenset("""
cluster paper focuse focus emphasiz particularly wide range include includ cover diverse relat applic
various research advancement topic area field review recent development develop effect investig
present propos report role issue potential provide aim work find science
공동 연구 개발 기관 찾다 당사 하다 크다 쓰다 함께 수준 적용 가능 기술 사업 과제 의존 위험 줄이다 년 안
""".split())


def _stemmed_tokens(text: str, max_tokens: int) -> list[str]:
    return [t for t in (light_stem(t) for t in tokenize(text, max_tokens)) if t not in _GENERIC]


class _StemmedTfidf(TfidfIndex):
    """The matching engine's Korean-aware TF-IDF, with English endings folded by :func:`light_stem`."""

    def fit(self, texts: Sequence[str]) -> _StemmedTfidf:
        docs = [_stemmed_tokens(t, self.max_tokens) for t in texts]
        df: dict[str, int] = {}
        for d in docs:
            for term in set(d):
                df[term] = df.get(term, 0) + 1
        terms = sorted(t for t, c in df.items() if c >= self.min_df)
        self.vocabulary_ = {t: i for i, t in enumerate(terms)}
        self.terms_ = np.array(terms, dtype=object)
        n = max(len(docs), 1)
        self.idf_ = np.array([np.log((1 + n) / (1 + df[t])) + 1.0 for t in terms], dtype=np.float32)
        self.matrix_ = self._vectorise(docs)
        return self

    def transform(self, texts: Sequence[str]):
        return self._vectorise([_stemmed_tokens(t, self.max_tokens) for t in texts])
