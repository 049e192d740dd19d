"""People as records for identity linking, and the parties and works of a stage for conflicts.

Record ids: ``u:<user id>`` for an account (with its aliases folded in: extra e-mails,
names, organisations, ORCID), ``a:<alias id>`` for an alias that names another
organisation (a former affiliation is its own record, linked by name + organisation),
``w:<work id>:<n>`` for the n-th co-author written in a work. Organisations are
``o:<organisation id>``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dure.accounts.models import Role, User
from dure.core.conflicts import DeclaredTie as CoreTie
from dure.core.conflicts import ProposalParties
from dure.core.conflicts import Work as CoreWork
from dure.core.identity import Identity, PersonRecord, link_identities
from dure.expertise.models import DeclaredTie, ExpertWork, PersonAlias
from dure.organisations.models import Organisation
from dure.proposals.models import Proposal


def user_record_id(user_id: int) -> str:
    return f"u:{user_id}"


def org_key(org_id: int | None) -> str | None:
    return f"o:{org_id}" if org_id else None


def user_id_of_record(record_id: str) -> int | None:
    return int(record_id[2:]) if record_id.startswith("u:") else None


def _user_records(users: Iterable[User]) -> list[PersonRecord]:
    users = list(users)
    aliases: dict[int, list[PersonAlias]] = {}
    for a in PersonAlias.objects.filter(person__in=users).order_by("pk"):
        aliases.setdefault(a.person_id, []).append(a)
    records = []
    for u in users:
        names = [n for n in (u.display_name, f"{u.first_name} {u.last_name}".strip()) if n]
        emails = [u.email] if u.email else []
        orgs = [org_key(u.organisation_id)] if u.organisation_id else []
        orcid = None
        for a in aliases.get(u.pk, []):
            if a.name:
                names.append(a.name)
            if a.email:
                emails.append(a.email)
            if a.orcid and orcid is None:
                orcid = a.orcid
            if a.organisation_id:
                orgs.append(org_key(a.organisation_id))
        records.append(PersonRecord(user_record_id(u.pk), tuple(dict.fromkeys(names)), tuple(dict.fromkeys(emails)),
                                    tuple(dict.fromkeys(o for o in orgs if o)), orcid))
    return records


def _ror_map() -> dict[str, int]:
    return {r.rsplit("/", 1)[-1].lower(): pk
            for pk, r in Organisation.objects.exclude(ror_id=None).exclude(ror_id="").values_list("pk", "ror_id")}


def coauthor_records(works: Iterable[ExpertWork]) -> tuple[list[PersonRecord], dict[str, set[str]]]:
    """Records for every co-author written in ``works``; and the organisations of each record."""
    ror = _ror_map()
    records, orgs_of = [], {}
    for w in works:
        for n, c in enumerate(w.coauthors or []):
            if not isinstance(c, dict):
                continue
            orgs: set[str] = set()
            if c.get("organisation_id"):
                orgs.add(f"o:{c['organisation_id']}")
            for r in ([c.get("ror_id")] if c.get("ror_id") else []) + list(c.get("ror_ids") or []):
                pk = ror.get(str(r).rsplit("/", 1)[-1].lower())
                if pk:
                    orgs.add(f"o:{pk}")
            rid = f"w:{w.pk}:{n}"
            records.append(PersonRecord(rid, tuple(x for x in [c.get("name", "")] if x),
                                        tuple(x for x in [c.get("email", "")] if x), tuple(sorted(orgs)),
                                        c.get("orcid") or None))
            orgs_of[rid] = orgs
    return records, orgs_of


@dataclass(frozen=True)
class ConflictInputs:
    identities: list[Identity]
    reviewer_identities: list[Identity]
    reviewers_of_identity: dict[str, list[int]]   # identity id -> reviewer user ids
    parties: list[ProposalParties]
    works: list[CoreWork]
    ties: list[CoreTie]
    organisation_parents: dict[str, tuple[str, ...]]


def conflict_inputs(proposals: list[Proposal], reviewers: list[User]) -> ConflictInputs:
    """Everything :class:`dure.core.conflicts.ConflictDetector` needs, read from the database."""
    consortium_orgs: dict[int, set[int]] = {}
    all_orgs: set[int] = set()
    for p in proposals:
        ids = set(p.members.values_list("organisation_id", flat=True))
        ids.add(p.consortium.lead_id)
        ids.update(p.consortium.members.values_list("organisation_id", flat=True))
        consortium_orgs[p.pk] = ids
        all_orgs |= ids
    applicants = list(User.objects.filter(organisation_id__in=all_orgs).exclude(role=Role.REVIEWER)
                      .select_related("organisation"))
    applicants += [p.lead_user for p in proposals]
    people = {u.pk: u for u in [*reviewers, *applicants]}
    works = list(ExpertWork.objects.filter(person_id__in=people).order_by("pk"))
    co_records, co_orgs = coauthor_records(works)
    records = _user_records(people.values()) + co_records
    identities = link_identities(records)
    by_record = {rid: ident for ident in identities for rid in ident.record_ids}

    reviewer_ids = {r.pk for r in reviewers}
    reviewers_of_identity: dict[str, list[int]] = {}
    for ident in identities:
        uids = [u for u in map(user_id_of_record, ident.record_ids) if u in reviewer_ids]
        if uids:
            reviewers_of_identity[ident.identity_id] = uids
    reviewer_identities = [by_record[user_record_id(r.pk)] for r in reviewers]
    reviewer_identities = list({i.identity_id: i for i in reviewer_identities}.values())

    parties = []
    for p in proposals:
        orgs = consortium_orgs[p.pk]
        members = {user_record_id(p.lead_user_id), user_record_id(p.consortium.created_by_id)}
        members |= {user_record_id(u.pk) for u in applicants if u.organisation_id in orgs}
        members |= {rid for rid, o in co_orgs.items() if o & {f"o:{x}" for x in orgs}}
        lead = p.consortium.lead_id
        parties.append(ProposalParties(str(p.pk), f"o:{lead}", tuple(f"o:{o}" for o in sorted(orgs - {lead})),
                                       tuple(sorted(members))))
    core_works = [
        CoreWork(f"{w.kind}:{w.external_id or w.pk}", w.kind, w.year or 0,
                 (user_record_id(w.person_id),) + tuple(f"w:{w.pk}:{n}" for n in range(len(w.coauthors or []))))
        for w in works
    ]
    ties = []
    for t in DeclaredTie.objects.filter(person_id__in=people):
        ties.append(CoreTie(user_record_id(t.person_id), t.reason,
                            user_record_id(t.other_person_id) if t.other_person_id else None,
                            str(t.proposal_id) if t.proposal_id else None))
    parents = {f"o:{pk}": (f"o:{parent}",) for pk, parent in
               Organisation.objects.exclude(parent=None).values_list("pk", "parent_id")}
    return ConflictInputs(identities, reviewer_identities, reviewers_of_identity, parties, core_works, ties, parents)


def identity_of_user(user: User) -> Identity:
    """The linked identity of one person: their account, aliases and co-author mentions in their works."""
    works = list(ExpertWork.objects.filter(person=user))
    records = _user_records([user]) + coauthor_records(works)[0]
    own = user_record_id(user.pk)
    return next(i for i in link_identities(records) if own in i.record_ids)
