"""Importing organisations from ROR, and creating the ones ROR does not hold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from dure.accounts.errors import ActionError
from dure.audit.actions import record
from dure.core.importers.ror import RorOrganisation
from dure.organisations.models import Organisation, OrgKind


def kind_from_ror(org: RorOrganisation, *, nst_ids: frozenset[str]) -> str:
    """Dure's organisation kind from ROR's types, country and the NST member list."""
    if org.country_code != "KR":
        return OrgKind.FOREIGN
    if org.ror_id in nst_ids:
        return OrgKind.GRI
    types = set(org.types)
    if "education" in types:
        return OrgKind.UNIVERSITY
    if "company" in types:
        # ROR lists established firms; SMEs rarely have ROR records.
        return OrgKind.LARGE
    return OrgKind.OTHER


@dataclass(frozen=True)
class RorImportResult:
    created: int
    updated: int
    linked_parents: int


def do_import_ror(actor, records: Iterable[RorOrganisation], *, nst_ids: frozenset[str] = frozenset()) -> RorImportResult:
    """Create or update organisations by ROR id, then link parents; one transaction."""
    created = updated = 0
    parents: dict[str, str] = {}
    with transaction.atomic():
        existing = {o.ror_id: o for o in Organisation.objects.exclude(ror_id=None)}
        for org in records:
            fields = dict(
                name_en=org.name_en[:300],
                name_ko=org.name_ko[:300],
                acronym=(org.acronyms[0] if org.acronyms else "")[:40],
                aliases=list(org.aliases),
                kind=kind_from_ror(org, nst_ids=nst_ids),
                ror_types=list(org.types),
                country_code=org.country_code[:2],
                city=org.city[:120],
                website=org.website[:200] if org.website.startswith(("http://", "https://")) else "",
                established=org.established,
                is_nst_member=org.ror_id in nst_ids,
            )
            if org.ror_id in existing:
                obj = existing[org.ror_id]
                for k, v in fields.items():
                    setattr(obj, k, v)
                obj.save()
                updated += 1
            else:
                existing[org.ror_id] = Organisation.objects.create(ror_id=org.ror_id, **fields)
                created += 1
            if org.parent_ids:
                parents[org.ror_id] = org.parent_ids[0]
        linked = 0
        for child, parent in parents.items():
            if parent in existing:
                Organisation.objects.filter(pk=existing[child].pk).update(parent=existing[parent])
                linked += 1
        record(actor, "organisations.imported_ror", None, created=created, updated=updated, parents_linked=linked)
    return RorImportResult(created, updated, linked)


def check_create_organisation(actor, *, name_en: str, name_ko: str, kind: str, country_code: str,
                              city: str = "", is_sample: bool = False) -> Organisation:
    problems: dict[str, list[str]] = {}
    if not name_en.strip():
        problems["name_en"] = ["Give the organisation's English name."]
    if kind not in OrgKind.values:
        problems["kind"] = [f"Kind must be one of: {', '.join(OrgKind.values)}."]
    if len(country_code) != 2 or not country_code.isalpha():
        problems["country_code"] = ["Use the two-letter ISO country code, e.g. KR or US."]
    if problems:
        raise ActionError(problems)
    with transaction.atomic():
        org = Organisation.objects.create(
            name_en=name_en.strip(), name_ko=name_ko.strip(), kind=kind,
            country_code=country_code.upper(), city=city, is_sample=is_sample,
        )
        record(actor, "organisation.created", org, name=org.name_en, sample=is_sample)
    return org
