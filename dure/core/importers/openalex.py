"""OpenAlex work records, streamed from the snapshot's JSON-lines parts (plain or gzip).

A snapshot part (``data/works/updated_date=.../part_000.gz``) is gigabytes; records are
read one at a time and only the fields the technology map uses are kept. Both the older
records (``concepts`` only) and the current ones (``topics``, ``primary_topic``) are read.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from dure.core.importers.report import ImportReport, iter_json_objects
from dure.core.importers.ror import normalise_ror_id


@dataclass(frozen=True)
class OpenAlexInstitution:
    openalex_id: str
    name: str
    ror_id: str
    country_code: str
    type: str


@dataclass(frozen=True)
class OpenAlexAuthorship:
    author_id: str
    author_name: str
    position: str
    institutions: tuple[OpenAlexInstitution, ...]
    raw_affiliation: str
    country_codes: tuple[str, ...]

    @property
    def ror_ids(self) -> tuple[str, ...]:
        return tuple(i.ror_id for i in self.institutions if i.ror_id)


@dataclass(frozen=True)
class OpenAlexLabel:
    """A concept or topic attached to a work, with its score (0..1)."""

    id: str
    name: str
    score: float


@dataclass(frozen=True)
class OpenAlexWork:
    id: str
    doi: str
    title: str
    abstract: str
    year: int | None
    type: str
    authorships: tuple[OpenAlexAuthorship, ...]
    concepts: tuple[OpenAlexLabel, ...]
    topics: tuple[OpenAlexLabel, ...]
    primary_topic_id: str
    cited_by_count: int

    @property
    def ror_ids(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for a in self.authorships:
            for r in a.ror_ids:
                seen.setdefault(r, None)
        return tuple(seen)

    @property
    def country_codes(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for a in self.authorships:
            for c in a.country_codes:
                seen.setdefault(c, None)
        return tuple(seen)


def rebuild_abstract(inverted_index: Mapping[str, Any] | None) -> str:
    """Turn OpenAlex's ``abstract_inverted_index`` (word -> positions) back into text."""
    if not inverted_index:
        return ""
    placed: dict[int, str] = {}
    for word, positions in inverted_index.items():
        if not isinstance(positions, list):
            raise ValueError(f"abstract_inverted_index[{word!r}] is not a list of positions")
        for pos in positions:
            placed[int(pos)] = word
    return " ".join(placed[i] for i in sorted(placed))


def _short_id(value: Any) -> str:
    return str(value or "").strip()


def _labels(items: list[dict[str, Any]] | None) -> tuple[OpenAlexLabel, ...]:
    out = []
    for item in items or []:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        out.append(OpenAlexLabel(id=str(item["id"]), name=str(item.get("display_name") or ""),
                                 score=float(item.get("score") or 0.0)))
    return tuple(out)


def _authorship(raw: dict[str, Any]) -> OpenAlexAuthorship:
    author = raw.get("author") or {}
    institutions = []
    for inst in raw.get("institutions") or []:
        institutions.append(OpenAlexInstitution(
            openalex_id=_short_id(inst.get("id")),
            name=str(inst.get("display_name") or ""),
            ror_id=normalise_ror_id(str(inst.get("ror") or "")),
            country_code=str(inst.get("country_code") or "").upper(),
            type=str(inst.get("type") or ""),
        ))
    countries: dict[str, None] = {}
    for c in raw.get("countries") or []:
        if c:
            countries.setdefault(str(c).upper(), None)
    for inst in institutions:
        if inst.country_code:
            countries.setdefault(inst.country_code, None)
    raw_aff = raw.get("raw_affiliation_string")
    if not raw_aff and raw.get("raw_affiliation_strings"):
        raw_aff = "; ".join(str(s) for s in raw["raw_affiliation_strings"])
    return OpenAlexAuthorship(
        author_id=_short_id(author.get("id")),
        author_name=str(author.get("display_name") or ""),
        position=str(raw.get("author_position") or ""),
        institutions=tuple(institutions),
        raw_affiliation=str(raw_aff or ""),
        country_codes=tuple(countries),
    )


def parse_openalex_work(obj: dict[str, Any]) -> OpenAlexWork:
    """Read one OpenAlex work object; raise ``ValueError`` saying what is wrong."""
    work_id = _short_id(obj.get("id"))
    if not work_id:
        raise ValueError("work has no 'id'")
    year = obj.get("publication_year")
    if year is not None and not isinstance(year, int):
        raise ValueError(f"publication_year {year!r} is not an integer")
    cited = obj.get("cited_by_count") or 0
    if not isinstance(cited, int):
        raise ValueError(f"cited_by_count {cited!r} is not an integer")
    primary = obj.get("primary_topic") or {}
    return OpenAlexWork(
        id=work_id,
        doi=str(obj.get("doi") or ""),
        title=str(obj.get("title") or obj.get("display_name") or ""),
        abstract=rebuild_abstract(obj.get("abstract_inverted_index")),
        year=year,
        type=str(obj.get("type") or ""),
        authorships=tuple(_authorship(a) for a in obj.get("authorships") or []),
        concepts=_labels(obj.get("concepts")),
        topics=_labels(obj.get("topics")),
        primary_topic_id=str(primary.get("id") or "") if isinstance(primary, dict) else "",
        cited_by_count=cited,
    )


def iter_openalex_works(path: str | os.PathLike[str], *, report: ImportReport | None = None,
                        progress: bool = False) -> Iterator[OpenAlexWork]:
    """Stream works from an OpenAlex JSON-lines file; bad records are counted, not raised."""
    rep = report if report is not None else ImportReport()
    for number, obj in iter_json_objects(path, rep, progress=progress):
        try:
            work = parse_openalex_work(obj)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            rep.reject(number, f"not an OpenAlex work: {exc}")
            continue
        rep.imported += 1
        yield work
