"""PatentsView bulk tables (patent, abstract, CPC, assignee, inventor) joined by patent id.

The bulk downloads are one table per file (``g_patent.tsv``, ``g_patent_abstract.tsv``,
``g_cpc_current.tsv``, ``g_assignee_disambiguated.tsv``, ``g_inventor_disambiguated.tsv``;
unzip them first) and are large. To keep memory bounded the join works on batches of
patents: patents are read ``batch_size`` at a time and each side table is streamed once
per batch, keeping only rows of that batch. Give ``patent_ids`` or ``assignee_contains``
to select a subset first (one pass over the assignee table), which is much faster.
Comma- (``.csv``) and tab-separated (``.tsv``) files, plain or gzip, are both read.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dure.core.importers.report import ImportReport, ImportSourceError, open_text_lines

csv.field_size_limit(2**31 - 1)

TABLES = {
    "patent": ("g_patent", "patent"),
    "abstract": ("g_patent_abstract", "patent_abstract"),
    "cpc": ("g_cpc_current", "cpc"),
    "assignee": ("g_assignee_disambiguated", "assignee"),
    "inventor": ("g_inventor_disambiguated", "inventor"),
}
REQUIRED_COLUMNS = {
    "patent": ("patent_id", "patent_date", "patent_title"),
    "abstract": ("patent_id", "patent_abstract"),
    "cpc": ("patent_id", "cpc_group"),
    "assignee": ("patent_id", "disambig_assignee_organization"),
    "inventor": ("patent_id", "disambig_inventor_name_first", "disambig_inventor_name_last"),
}


@dataclass(frozen=True)
class PatentAssignee:
    assignee_id: str
    name: str
    type: str


@dataclass(frozen=True)
class PatentInventor:
    inventor_id: str
    name: str


@dataclass(frozen=True)
class PatentRecord:
    patent_id: str
    title: str
    date: str
    year: int | None
    type: str
    abstract: str
    num_claims: int | None
    cpc_groups: tuple[str, ...]
    assignees: tuple[PatentAssignee, ...]
    inventors: tuple[PatentInventor, ...]

    @property
    def cpc_subclasses(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(g.split("/")[0][:4] for g in self.cpc_groups))


def find_patentsview_tables(directory: str | os.PathLike[str]) -> dict[str, Path]:
    """Locate the five tables in ``directory`` by their PatentsView (or ``*_<table>``) names."""
    d = Path(directory)
    if not d.is_dir():
        raise ImportSourceError(f"{d}: not a directory; give the folder holding the PatentsView tables")
    found: dict[str, Path] = {}
    files = sorted(p for p in d.iterdir() if p.is_file())
    for key, (bulk, short) in TABLES.items():
        for p in files:
            stem = p.name.split(".")[0]
            if stem == bulk or stem == short or stem.endswith("_" + short):
                if key == "patent" and stem.endswith("_patent_abstract"):
                    continue
                found[key] = p
                break
    if "patent" not in found:
        raise ImportSourceError(f"{d}: no patent table (g_patent.tsv or *_patent.csv) found")
    return found


def _rows(path: Path, report: ImportReport | None, progress: bool) -> Iterator[tuple[int, dict[str, str]]]:
    delimiter = "\t" if ".tsv" in path.name else ","
    lines = (line for _, line in open_text_lines(path, progress=progress))
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    header = [h.strip().strip('"') for h in header]
    table = next((k for k, (b, s) in TABLES.items() if path.name.split(".")[0] in (b, s)
                  or path.name.split(".")[0].endswith("_" + s)), None)
    missing = [c for c in REQUIRED_COLUMNS.get(table or "", ()) if c not in header]
    if missing:
        raise ImportSourceError(f"{path}: missing column(s) {', '.join(missing)} in the header")
    for row in reader:
        if len(row) != len(header):
            if report is not None:
                report.reject(reader.line_num, f"{path.name}: {len(row)} fields, header has {len(header)}")
            continue
        yield reader.line_num, dict(zip(header, row, strict=True))


def _int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _batches(items: Iterable[tuple[int, dict[str, str]]], size: int) -> Iterator[list[tuple[int, dict[str, str]]]]:
    batch: list[tuple[int, dict[str, str]]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def iter_patents(directory: str | os.PathLike[str], *, report: ImportReport | None = None,
                 patent_ids: Iterable[str] | None = None, assignee_contains: str | None = None,
                 batch_size: int = 200_000, progress: bool = False) -> Iterator[PatentRecord]:
    """Stream joined patent records from a folder of PatentsView tables."""
    rep = report if report is not None else ImportReport()
    tables = find_patentsview_tables(directory)
    rep.source = rep.source or str(directory)
    wanted: set[str] | None = set(patent_ids) if patent_ids is not None else None
    if assignee_contains:
        if "assignee" not in tables:
            raise ImportSourceError(f"{directory}: assignee_contains needs the assignee table")
        needle = assignee_contains.lower()
        by_assignee = {row["patent_id"] for _, row in _rows(tables["assignee"], None, progress)
                       if needle in row.get("disambig_assignee_organization", "").lower()}
        wanted = by_assignee if wanted is None else wanted & by_assignee

    def selected() -> Iterator[tuple[int, dict[str, str]]]:
        for number, row in _rows(tables["patent"], rep, progress):
            rep.read += 1
            if wanted is not None and row["patent_id"] not in wanted:
                rep.skipped += 1
                continue
            if not row["patent_id"].strip():
                rep.reject(number, "empty patent_id")
                continue
            yield number, row

    for batch in _batches(selected(), batch_size):
        ids = {row["patent_id"] for _, row in batch}
        abstracts: dict[str, str] = {}
        cpcs: dict[str, list[tuple[int, str]]] = {}
        assignees: dict[str, list[tuple[int, PatentAssignee]]] = {}
        inventors: dict[str, list[tuple[int, PatentInventor]]] = {}
        if "abstract" in tables:
            for _, r in _rows(tables["abstract"], rep, False):
                if r["patent_id"] in ids:
                    abstracts[r["patent_id"]] = r["patent_abstract"]
        if "cpc" in tables:
            for _, r in _rows(tables["cpc"], rep, False):
                if r["patent_id"] in ids:
                    cpcs.setdefault(r["patent_id"], []).append((_int(r.get("cpc_sequence", "")) or 0, r["cpc_group"]))
        if "assignee" in tables:
            for _, r in _rows(tables["assignee"], rep, False):
                if r["patent_id"] in ids:
                    individual = " ".join(x for x in (r.get("disambig_assignee_individual_name_first", ""),
                                                      r.get("disambig_assignee_individual_name_last", "")) if x)
                    assignees.setdefault(r["patent_id"], []).append((
                        _int(r.get("assignee_sequence", "")) or 0,
                        PatentAssignee(assignee_id=r.get("assignee_id", ""),
                                       name=r["disambig_assignee_organization"] or individual,
                                       type=r.get("assignee_type", ""))))
        if "inventor" in tables:
            for _, r in _rows(tables["inventor"], rep, False):
                if r["patent_id"] in ids:
                    name = f"{r['disambig_inventor_name_first']} {r['disambig_inventor_name_last']}".strip()
                    inventors.setdefault(r["patent_id"], []).append((
                        _int(r.get("inventor_sequence", "")) or 0,
                        PatentInventor(inventor_id=r.get("inventor_id", ""), name=name)))
        for _, row in batch:
            pid = row["patent_id"]
            date = row.get("patent_date", "")
            rep.imported += 1
            yield PatentRecord(
                patent_id=pid,
                title=row.get("patent_title", ""),
                date=date,
                year=_int(date[:4]),
                type=row.get("patent_type", ""),
                abstract=abstracts.get(pid, ""),
                num_claims=_int(row.get("num_claims", "")),
                cpc_groups=tuple(dict.fromkeys(g for _, g in sorted(cpcs.get(pid, [])))),
                assignees=tuple(a for _, a in sorted(assignees.get(pid, []), key=lambda t: t[0])),
                inventors=tuple(i for _, i in sorted(inventors.get(pid, []), key=lambda t: t[0])),
            )
