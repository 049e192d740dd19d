"""Every write of the technology map: evidence imports, topic mapping, overrides, accepted consortia."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from dure.accounts.errors import ActionError
from dure.accounts.models import Role, User
from dure.audit.actions import record
from dure.core.affiliation import AffiliationMatcher
from dure.core.importers.openalex import OpenAlexWork, iter_openalex_works
from dure.core.importers.patentsview import PatentRecord, iter_patents
from dure.core.importers.report import ImportReport
from dure.core.importers.ror import RorOrganisation, iter_ror_records, read_nst_institutes
from dure.core.techmap import OpenAlexTopic, find_topics, short_topic_id
from dure.organisations.actions import do_import_ror
from dure.organisations.models import Organisation, OrgKind
from dure.partners.actions import check_add_member, check_create_consortium
from dure.partners.models import Consortium, Demand, MemberRole
from dure.programmes.models import Technology
from dure.techmap.models import (
    CooperationLevel,
    CooperationOverride,
    Evidence,
    EvidenceKind,
    EvidenceOrganisation,
)

BATCH = 500


def ror_dir() -> Path:
    return Path(settings.DATA_DIR) / "ror"


def ror_records(paths: Iterable[str | os.PathLike[str]] | None = None) -> list[RorOrganisation]:
    """The ROR records Dure ships with (Korean organisations and the foreign top subset)."""
    base = ror_dir()
    paths = list(paths) if paths is not None else [
        base / "ror_kr_v2.jsonl", base / "ror_kr_v1schema_only.jsonl", base / "ror_foreign_top_subset_v2.jsonl"]
    out: dict[str, RorOrganisation] = {}
    for p in paths:
        if Path(p).is_file():
            for org in iter_ror_records(p, report=ImportReport()):
                out.setdefault(org.ror_id, org)
    return list(out.values())


@dataclass(frozen=True)
class EvidenceImportResult:
    kind: str
    report: ImportReport
    created: int
    updated: int
    organisations_linked: int
    affiliations_matched: int


class _Linker:
    """Links evidence organisations to the registry: by ROR id, else by matching the free text."""

    def __init__(self, matcher: AffiliationMatcher | None) -> None:
        self.by_ror = dict(Organisation.objects.exclude(ror_id=None).values_list("ror_id", "pk"))
        self.matcher = matcher
        self.names: dict[str, tuple[str, str, str]] = {}
        self.seen: dict[str, tuple[str, str, str] | None] = {}
        if matcher is not None:
            self.names = {o.ror_id: (o.ror_id, o.name_en, o.country_code) for o in matcher.orgs_.values()}

    def match_text(self, text: str) -> tuple[str, str, str] | None:
        if self.matcher is None or not text.strip():
            return None
        if text not in self.seen:
            m = self.matcher.match(text)
            self.seen[text] = self.names.get(m.ror_id) if m.matched else None
        return self.seen[text]


def _work_links(work: OpenAlexWork, linker: _Linker) -> tuple[list[dict], int]:
    links: dict[str, dict] = {}
    matched = 0
    for a in work.authorships:
        found = False
        for inst in a.institutions:
            key = inst.ror_id or inst.openalex_id
            if key and key not in links:
                links[key] = dict(key=key[:200], ror_id=inst.ror_id[:40], name=(inst.name or key)[:300],
                                  country_code=(inst.country_code or "")[:2], matched_from_text=False)
                found = True
            elif key:
                found = True
        if not found and a.raw_affiliation:
            hit = linker.match_text(a.raw_affiliation)
            if hit and hit[0] not in links:
                matched += 1
                links[hit[0]] = dict(key=hit[0], ror_id=hit[0], name=hit[1][:300], country_code=hit[2][:2],
                                     matched_from_text=True)
    return list(links.values()), matched


def _patent_links(patent: PatentRecord, linker: _Linker) -> tuple[list[dict], int]:
    links: dict[str, dict] = {}
    matched = 0
    for a in patent.assignees:
        hit = linker.match_text(a.name)
        if hit:
            matched += 1
            links.setdefault(hit[0], dict(key=hit[0], ror_id=hit[0], name=hit[1][:300], country_code=hit[2][:2],
                                          matched_from_text=True))
        else:
            key = "patentsview:" + a.assignee_id
            links.setdefault(key, dict(key=key[:200], ror_id="", name=(a.name or key)[:300], country_code="",
                                       matched_from_text=False))
    return list(links.values()), matched


def _store(actor, kind: str, rows: Iterator[tuple[dict, list[dict]]], report: ImportReport,
           matched_counter: Callable[[], int], linker: _Linker) -> EvidenceImportResult:
    created = updated = linked = 0
    batch: list[tuple[dict, list[dict]]] = []

    def flush() -> None:
        nonlocal created, updated, linked
        if not batch:
            return
        with transaction.atomic():
            ids = [fields["external_id"] for fields, _ in batch]
            existing = {e.external_id: e for e in Evidence.objects.filter(external_id__in=ids)}
            new = [Evidence(**fields) for fields, _ in batch if fields["external_id"] not in existing]
            Evidence.objects.bulk_create(new, batch_size=BATCH)
            for fields, _ in batch:
                obj = existing.get(fields["external_id"])
                if obj is not None:
                    for k, v in fields.items():
                        setattr(obj, k, v)
                    obj.save()
                    updated += 1
            created += len(new)
            objs = {e.external_id: e for e in Evidence.objects.filter(external_id__in=ids)}
            EvidenceOrganisation.objects.filter(evidence__in=objs.values()).delete()
            links = []
            for fields, orgs in batch:
                ev = objs[fields["external_id"]]
                for o in orgs:
                    org_pk = linker.by_ror.get(o["ror_id"]) if o["ror_id"] else None
                    linked += org_pk is not None
                    links.append(EvidenceOrganisation(evidence=ev, organisation_id=org_pk, **o))
            EvidenceOrganisation.objects.bulk_create(links, batch_size=BATCH)
        batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            flush()
    flush()
    with transaction.atomic():
        record(actor, "techmap.evidence_imported", None, kind=kind, source=report.source, read=report.read,
               imported=report.imported, malformed=report.malformed, created=created, updated=updated)
    return EvidenceImportResult(kind, report, created, updated, linked, matched_counter())


def import_openalex_works(actor, path: str | os.PathLike[str], *, matcher: AffiliationMatcher | None = None,
                          progress: bool = False, report: ImportReport | None = None) -> EvidenceImportResult:
    """Stream an OpenAlex works file into the evidence tables; malformed lines are counted, never raised."""
    report = report if report is not None else ImportReport()
    linker = _Linker(matcher)
    matched = 0

    def rows() -> Iterator[tuple[dict, list[dict]]]:
        nonlocal matched
        for w in iter_openalex_works(path, report=report, progress=progress):
            links, m = _work_links(w, linker)
            matched += m
            topic_ids = [short_topic_id(t.id) for t in w.topics]
            primary = short_topic_id(w.primary_topic_id) if w.primary_topic_id else (topic_ids[0] if topic_ids else "")
            text = " ".join([w.title, w.abstract, *(c.name for c in w.concepts)])
            yield dict(kind=EvidenceKind.PUBLICATION, external_id=w.id[:200], title=(w.title or w.id)[:500],
                       text=text[:4000], year=w.year, citations=max(0, w.cited_by_count), field="topic:" + primary,
                       topics=topic_ids, codes=[], country_codes=sorted({o["country_code"] for o in links if o["country_code"]}),
                       source="OpenAlex"), links

    return _store(actor, EvidenceKind.PUBLICATION, rows(), report, lambda: matched, linker)


def import_patents(actor, directory: str | os.PathLike[str], *, matcher: AffiliationMatcher | None = None,
                   progress: bool = False, report: ImportReport | None = None,
                   assignee_contains: str | None = None) -> EvidenceImportResult:
    """Stream PatentsView tables (or CSV extracts) into the evidence tables."""
    report = report if report is not None else ImportReport()
    linker = _Linker(matcher)
    matched = 0

    def rows() -> Iterator[tuple[dict, list[dict]]]:
        nonlocal matched
        for p in iter_patents(directory, report=report, progress=progress, assignee_contains=assignee_contains):
            links, m = _patent_links(p, linker)
            matched += m
            sub = p.cpc_subclasses
            yield dict(kind=EvidenceKind.PATENT, external_id=("patent:" + p.patent_id)[:200],
                       title=(p.title or p.patent_id)[:500], text=f"{p.title} {p.abstract}"[:4000], year=p.year,
                       citations=0, field="cpc:" + (sub[0] if sub else "unknown"), topics=[],
                       codes=list(p.cpc_groups), country_codes=sorted({o["country_code"] for o in links if o["country_code"]}),
                       source="PatentsView"), links

    return _store(actor, EvidenceKind.PATENT, rows(), report, lambda: matched, linker)


def create_missing_organisations(actor, records: Iterable[RorOrganisation], *, only_linked: bool = True) -> int:
    """Organisations named on evidence by a ROR id Dure does not hold yet are created from ROR.

    With ``only_linked`` only those on evidence that belongs to a programme technology.
    Returns the number created; links are then pointed at the new organisations.
    """
    qs = EvidenceOrganisation.objects.filter(organisation=None).exclude(ror_id="")
    if only_linked:
        qs = qs.filter(evidence__technologies__isnull=False)
    wanted = set(qs.values_list("ror_id", flat=True))
    known = set(Organisation.objects.filter(ror_id__in=wanted).values_list("ror_id", flat=True))
    missing = wanted - known
    todo = []
    for r in records:
        if not missing:
            break
        if r.ror_id in missing:
            todo.append(r)
            missing.discard(r.ror_id)
    nst_path = ror_dir() / "nst_member_institutes_from_ror.csv"
    nst = frozenset(i.ror_id for i in read_nst_institutes(nst_path)) if nst_path.is_file() else frozenset()
    created = do_import_ror(actor, todo, nst_ids=nst).created if todo else 0
    relink_organisations()
    return created


def relink_organisations() -> int:
    by_ror = dict(Organisation.objects.filter(ror_id__isnull=False).values_list("ror_id", "pk"))
    n = 0
    with transaction.atomic():
        for link in EvidenceOrganisation.objects.filter(organisation=None).exclude(ror_id=""):
            if link.ror_id in by_ror:
                link.organisation_id = by_ror[link.ror_id]
                link.save(update_fields=["organisation"])
                n += 1
    return n


def sync_project_evidence(actor=None) -> int:
    """Proposals (all but withdrawn ones) become project evidence, with their consortium's organisations."""
    from dure.proposals.models import Proposal
    from dure.proposals.workflow import ProposalStatus

    done = 0
    with transaction.atomic():
        # drafts count too: the cross-institute view must see planned work; titles are never shown
        keep = Proposal.objects.exclude(status=ProposalStatus.WITHDRAWN)
        Evidence.objects.filter(kind=EvidenceKind.PROJECT).exclude(proposal__in=keep).delete()
        for p in keep.select_related("call", "technology").prefetch_related("members__organisation"):
            ev, _ = Evidence.objects.update_or_create(
                external_id=f"proposal:{p.public_id}",
                defaults=dict(kind=EvidenceKind.PROJECT, title=p.title[:500], text=f"{p.title} {p.abstract}"[:4000],
                              year=p.call.first_year, citations=0, field="project", topics=[], codes=[f"programme:{p.technology.code}"],
                              proposal=p, source="Dure", country_codes=sorted({m.organisation.country_code for m in p.members.all()})))
            ev.organisations.all().delete()
            EvidenceOrganisation.objects.bulk_create([
                EvidenceOrganisation(evidence=ev, organisation=m.organisation, key=f"org:{m.organisation_id}",
                                     ror_id=m.organisation.ror_id or "", name=m.organisation.name_en[:300],
                                     country_code=m.organisation.country_code)
                for m in p.members.all()])
            ev.technologies.set([p.technology_id])
            done += 1
        if actor is not None:
            record(actor, "techmap.projects_synced", None, projects=done)
    return done


def link_technologies(actor=None) -> dict[str, int]:
    """Recompute which evidence belongs to which technology, from the technologies' definitions."""
    from dure.techmap.selectors import core_technology, evidence_items

    techs = {t.code: (t, core_technology(t)) for t in Technology.objects.all()}
    techs = {k: v for k, v in techs.items() if v[1] is not None}
    counts = {code: 0 for code in techs}
    through = Evidence.technologies.through
    with transaction.atomic():
        through.objects.exclude(evidence__kind=EvidenceKind.PROJECT).delete()
        rows = []
        for pk, item in evidence_items(include_projects=False):
            for code, (tech, core) in techs.items():
                if core.matches(item):
                    rows.append(through(evidence_id=pk, technology_id=tech.pk))
                    counts[code] += 1
        through.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
        if actor is not None:
            record(actor, "techmap.technologies_linked", None, **counts)
    return counts


def map_technology_topics(actor, technology: Technology, topics: dict[str, OpenAlexTopic], *,
                          limit: int = 5, replace: bool = False) -> list[str]:
    """Store on the technology the OpenAlex topics whose names carry its keywords."""
    if technology.openalex_topics and not replace:
        return list(technology.openalex_topics)
    keywords = [k for k in technology.keywords if k.strip()]
    if not keywords:
        raise ActionError({"keywords": [_("Give the technology keywords first; topics are found from them.")]})
    found = [t for t in find_topics(topics, keywords, limit=limit * 3)
             if any(k.lower() in t.name.lower() for k in keywords)][:limit]
    ids = [t.id for t in found]
    with transaction.atomic():
        Technology.objects.filter(pk=technology.pk).update(openalex_topics=ids)
        technology.openalex_topics = ids
        record(actor, "techmap.topics_mapped", technology, code=technology.code, topics=ids)
    return ids


def check_override_cooperation(user: User, technology: Technology, *, level: str, reason: str,
                               computed_level: str = "") -> CooperationOverride:
    """An expert or a manager overrules the computed cooperation need, with a reason."""
    if user.role not in (Role.MANAGER, Role.REVIEWER):
        raise ActionError(_("Only programme managers and experts can overrule the indicator."))
    problems: dict[str, list[str]] = {}
    if level not in CooperationLevel.values:
        problems["level"] = [_("Choose needed, useful or not needed.")]
    if len(reason.strip()) < 10:
        problems["reason"] = [_("Explain the decision in a sentence or more (at least 10 characters).")]
    if problems:
        raise ActionError(problems)
    with transaction.atomic():
        override = CooperationOverride.objects.create(technology=technology, level=level, reason=reason.strip(),
                                                      computed_level=computed_level, decided_by=user)
        record(user, "techmap.cooperation_overridden", technology, level=level, computed=computed_level,
               reason=reason.strip())
    return override


_ROLE_FOR_KIND = {OrgKind.SME: MemberRole.SME, OrgKind.LARGE: MemberRole.LARGE}


def member_role(org: Organisation) -> str:
    if not org.is_domestic:
        return MemberRole.FOREIGN
    return _ROLE_FOR_KIND.get(org.kind, MemberRole.RESEARCH)


def check_accept_consortium(user: User, demand: Demand, organisations: list[Organisation], *, name: str,
                            reasons: dict[int, str] | None = None) -> Consortium:
    """Turn a suggested consortium into a real one, led by the accepting person's organisation.

    The company that posted the demand or a research organisation in the suggestion may accept;
    the demand's company always joins. Members are added through the partners app's actions.
    """
    if user.role == Role.COMPANY and user.organisation_id != demand.company_id:
        raise ActionError(_("Only the company that posted the demand can accept a consortium for it."))
    if user.role == Role.RESEARCH and user.organisation_id not in {o.pk for o in organisations}:
        raise ActionError(_("Your organisation is not in this suggestion; choose one that includes it."))
    if user.role not in (Role.COMPANY, Role.RESEARCH):
        raise ActionError(_("Only the company or a research organisation in the suggestion can accept it."))
    with transaction.atomic():
        consortium = check_create_consortium(user, name, is_sample=demand.is_sample)
        members = [demand.company, *organisations]
        for org in members:
            if org.pk in consortium.organisation_ids():
                continue
            check_add_member(user, consortium, org, member_role(org))
        # the partners app has no action that links a consortium to a demand; set the one field here
        Consortium.objects.filter(pk=consortium.pk).update(demand=demand)
        consortium.demand = demand
        record(user, "techmap.consortium_accepted", consortium, demand=demand.pk,
               members=[o.pk for o in members], reasons={str(k): v for k, v in (reasons or {}).items()})
    return consortium
