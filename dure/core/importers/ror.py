"""Research Organization Registry (ROR) records, schema v2 and v1, streamed from JSON lines.

The full ROR data dump is a JSON array; convert it once to JSON lines (one record a line,
for example with ``jq -c '.[]'``) or use the per-record release files joined into lines.
Both schema versions are read into the same :class:`RorOrganisation`.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dure.core.importers.report import ImportReport, ImportSourceError, iter_json_objects

ROR_PREFIX = "https://ror.org/"


@dataclass(frozen=True)
class RorOrganisation:
    """One organisation as ROR describes it; names keep their original script."""

    ror_id: str
    name_en: str
    name_ko: str
    names_all: tuple[str, ...]
    acronyms: tuple[str, ...]
    aliases: tuple[str, ...]
    types: tuple[str, ...]
    country_code: str
    city: str
    established: int | None
    website: str
    parent_ids: tuple[str, ...]
    child_ids: tuple[str, ...]
    related_ids: tuple[str, ...]
    status: str

    @property
    def is_active(self) -> bool:
        return self.status == "active"


def normalise_ror_id(value: str) -> str:
    """Return the full ``https://ror.org/xxxxxxxxx`` form of a ROR id (bare or URL)."""
    v = value.strip()
    if not v:
        return ""
    tail = v.rstrip("/").rsplit("/", 1)[-1]
    return ROR_PREFIX + tail.lower()


def _unique(values: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for v in values:
        if v and v not in seen:
            seen[v] = None
    return tuple(seen)


def _year(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _relations(rels: list[dict[str, Any]]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    parents: list[str] = []
    children: list[str] = []
    related: list[str] = []
    for rel in rels or []:
        kind = str(rel.get("type", "")).lower()
        rid = normalise_ror_id(str(rel.get("id", "")))
        if kind == "parent":
            parents.append(rid)
        elif kind == "child":
            children.append(rid)
        elif kind == "related":
            related.append(rid)
    return _unique(parents), _unique(children), _unique(related)


def _from_v2(obj: dict[str, Any]) -> RorOrganisation:
    names = obj.get("names") or []
    display = ""
    label_en = ""
    name_ko = ""
    label_ko = ""
    acronyms: list[str] = []
    aliases: list[str] = []
    all_names: list[str] = []
    for entry in names:
        value = str(entry.get("value") or "").strip()
        kinds = entry.get("types") or []
        lang = entry.get("lang")
        if not value:
            continue
        if "ror_display" in kinds and not display:
            display = value
        if "label" in kinds and lang == "en" and not label_en:
            label_en = value
        if lang == "ko" and "acronym" not in kinds:
            name_ko = name_ko or value
            if "label" in kinds and not label_ko:
                label_ko = value
        if "acronym" in kinds:
            acronyms.append(value)
        elif "alias" in kinds:
            aliases.append(value)
        all_names.append(value)
    name_en = label_en or display
    if not name_en:
        raise ValueError("record has no display name or English label")
    locations = obj.get("locations") or []
    geo = (locations[0].get("geonames_details") or {}) if locations else {}
    website = ""
    for link in obj.get("links") or []:
        if isinstance(link, dict) and link.get("type") == "website":
            website = str(link.get("value") or "")
            break
    parents, children, related = _relations(obj.get("relationships") or [])
    return RorOrganisation(
        ror_id=normalise_ror_id(str(obj["id"])),
        name_en=name_en,
        name_ko=label_ko or name_ko,
        names_all=_unique([name_en, *all_names]),
        acronyms=_unique(acronyms),
        aliases=_unique(aliases),
        types=tuple(str(t).lower() for t in obj.get("types") or []),
        country_code=str(geo.get("country_code") or "").upper(),
        city=str(geo.get("name") or ""),
        established=_year(obj.get("established")),
        website=website,
        parent_ids=parents,
        child_ids=children,
        related_ids=related,
        status=str(obj.get("status") or "active").lower(),
    )


def _from_v1(obj: dict[str, Any]) -> RorOrganisation:
    name_en = str(obj.get("name") or "").strip()
    if not name_en:
        raise ValueError("record has no name")
    labels = obj.get("labels") or []
    name_ko = ""
    label_values: list[str] = []
    for label in labels:
        value = str(label.get("label") or "").strip()
        if not value:
            continue
        label_values.append(value)
        if label.get("iso639") == "ko" and not name_ko:
            name_ko = value
    acronyms = [str(a) for a in obj.get("acronyms") or [] if a]
    aliases = [str(a) for a in obj.get("aliases") or [] if a]
    addresses = obj.get("addresses") or []
    city = str(addresses[0].get("city") or "") if addresses else ""
    country = obj.get("country") or {}
    links = obj.get("links") or []
    parents, children, related = _relations(obj.get("relationships") or [])
    return RorOrganisation(
        ror_id=normalise_ror_id(str(obj["id"])),
        name_en=name_en,
        name_ko=name_ko,
        names_all=_unique([name_en, *label_values, *aliases, *acronyms]),
        acronyms=_unique(acronyms),
        aliases=_unique(aliases),
        types=tuple(str(t).lower() for t in obj.get("types") or []),
        country_code=str(country.get("country_code") or "").upper(),
        city=city,
        established=_year(obj.get("established")),
        website=str(links[0]) if links else "",
        parent_ids=parents,
        child_ids=children,
        related_ids=related,
        status=str(obj.get("status") or "active").lower(),
    )


def parse_ror_record(obj: dict[str, Any]) -> RorOrganisation:
    """Read one ROR record of either schema; raise ``ValueError`` saying what is missing."""
    if "id" not in obj:
        raise ValueError("record has no 'id'")
    if "names" in obj:
        return _from_v2(obj)
    if "name" in obj:
        return _from_v1(obj)
    raise ValueError("record has neither 'names' (schema v2) nor 'name' (schema v1)")


def iter_ror_records(path: str | os.PathLike[str], *, report: ImportReport | None = None,
                     progress: bool = False,
                     include_inactive: bool = True) -> Iterator[RorOrganisation]:
    """Stream organisations from a ROR JSON-lines file (``.jsonl`` or ``.jsonl.gz``).

    Bad lines are counted in ``report`` (if given) and skipped. With
    ``include_inactive=False`` withdrawn and inactive records are skipped and counted
    as ``skipped``.
    """
    rep = report if report is not None else ImportReport()
    for number, obj in iter_json_objects(path, rep, progress=progress):
        try:
            org = parse_ror_record(obj)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            rep.reject(number, f"not a ROR record: {exc}")
            continue
        if not include_inactive and not org.is_active:
            rep.skipped += 1
            continue
        rep.imported += 1
        yield org


@dataclass(frozen=True)
class NstInstitute:
    """A government research institute (출연연) under the National Research Council of S&T."""

    ror_id: str
    name_en: str
    name_ko: str
    names_ko: tuple[str, ...]
    acronym: str
    acronyms: tuple[str, ...]
    types: tuple[str, ...]
    city: str
    established: int | None
    relationship_to_nst: str


NST_COLUMNS = ("ror_id", "name_en", "name_ko", "acronym", "types", "city", "established")


def read_nst_institutes(csv_path: str | os.PathLike[str]) -> list[NstInstitute]:
    """Read the NST member-institute table; ``|`` separates several values in a cell."""
    p = Path(csv_path)
    if not p.is_file():
        raise ImportSourceError(f"{p}: no such file")
    rows: list[NstInstitute] = []
    with open(p, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in NST_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ImportSourceError(f"{p}: missing column(s) {', '.join(missing)}; "
                                    f"expected header {','.join(NST_COLUMNS)},...")
        last = (reader.fieldnames or [""])[-1]
        for line, row in enumerate(reader, start=2):
            if not (row.get("ror_id") or "").strip():
                raise ImportSourceError(f"{p}, line {line}, column ror_id: empty ROR id")
            names_ko = tuple(n.strip() for n in (row["name_ko"] or "").split("|") if n.strip())
            acronyms = tuple(a.strip() for a in (row["acronym"] or "").split("|") if a.strip())
            established = _year(row.get("established"))
            if (row.get("established") or "").strip() and established is None:
                raise ImportSourceError(
                    f"{p}, line {line}, column established: {row['established']!r} is not a year")
            rows.append(NstInstitute(
                ror_id=normalise_ror_id(row["ror_id"]),
                name_en=(row["name_en"] or "").strip(),
                name_ko=names_ko[0] if names_ko else "",
                names_ko=names_ko,
                acronym=acronyms[0] if acronyms else "",
                acronyms=acronyms,
                types=tuple(t.strip() for t in (row["types"] or "").split("|") if t.strip()),
                city=(row["city"] or "").strip(),
                established=established,
                relationship_to_nst=(row.get(last) or "").strip() if last not in NST_COLUMNS else "",
            ))
    return rows
