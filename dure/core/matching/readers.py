"""Readers for the work formats agencies and peers use.

* OpenReview expertise format: reviewer archives as a directory of ``<reviewer>.jsonl``
  files (one publication note per line), submissions as a directory of JSONL files, one
  JSONL file, a JSON file (a list of notes, an ``{id: note}`` mapping or the expertise
  service's ``{"notes": {invitation: [notes]}}``) or a headerless ``id,title,abstract`` CSV.
* OpenAlex works (JSON list or JSONL, optionally gzipped): abstracts come as inverted
  indexes and are put back in order; each author becomes a profile keyed by the OpenAlex
  author id.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from dure.core.matching.types import MatchingInputError, Profile, Query, Work


def _open_text(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def _value(v: Any) -> Any:
    """OpenReview API v2 wraps content fields as ``{"value": ...}``."""
    if isinstance(v, dict) and "value" in v:
        return v["value"]
    return v


def _year_from_epoch(v: Any) -> int | None:
    if not isinstance(v, int | float) or isinstance(v, bool) or v <= 0:
        return None
    seconds = v / 1000 if v > 1e11 else v  # OpenReview dates are usually milliseconds
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).year
    except (OverflowError, OSError, ValueError):
        return None


def _note_fields(note: Any, where: str) -> tuple[str, str, str, int | None, tuple[str, ...]]:
    if not isinstance(note, dict):
        raise MatchingInputError(f"{where}: expected a JSON object (an OpenReview note), got {type(note).__name__}")
    note_id = note.get("id")
    if not isinstance(note_id, str) or not note_id:
        raise MatchingInputError(f"{where}: note has no string 'id'")
    content = note.get("content") or {}
    if not isinstance(content, dict):
        raise MatchingInputError(f"{where}: note {note_id!r} has a 'content' that is not an object")
    title = _value(content.get("title")) or ""
    abstract = _value(content.get("abstract")) or ""
    if not isinstance(title, str) or not isinstance(abstract, str):
        raise MatchingInputError(f"{where}: note {note_id!r} title/abstract must be strings")
    kws = _value(content.get("keywords")) or ()
    keywords = tuple(k for k in kws if isinstance(k, str)) if isinstance(kws, list) else ()
    year = _content_year(_value(content.get("year")))
    for key in ("pdate", "cdate", "tcdate", "mdate", "tmdate"):
        if year is not None:
            break
        year = _year_from_epoch(note.get(key))
    return note_id, title, abstract, year, keywords


def _content_year(v: Any) -> int | None:
    """A publication year written in the note's content (``"year": 2019`` or ``"2019"``)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int) and 1000 <= v <= 3000:
        return v
    if isinstance(v, str) and v.strip().isdigit() and 1000 <= int(v.strip()) <= 3000:
        return int(v.strip())
    return None


def _read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    with _open_text(path) as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as exc:
                raise MatchingInputError(f"{path}, line {lineno}: not valid JSON ({exc.msg})") from None


def read_openreview_archives(directory: str | Path) -> tuple[Profile, ...]:
    """Profiles from an OpenReview archives directory (``<reviewer_id>.jsonl`` files)."""
    d = Path(directory)
    if not d.is_dir():
        raise MatchingInputError(f"archives path {d} is not a directory of <reviewer>.jsonl files")
    files = sorted(d.glob("*.jsonl"))
    if not files:
        raise MatchingInputError(f"archives directory {d} holds no .jsonl files")
    profiles = []
    for f in files:
        works = []
        for lineno, note in _read_jsonl(f):
            nid, title, abstract, year, kws = _note_fields(note, f"{f}, line {lineno}")
            works.append(Work(id=nid, title=title, abstract=abstract, year=year, keywords=kws))
        profiles.append(Profile(id=f.stem, works=tuple(works)))
    return tuple(profiles)


def _notes_from_json(data: Any, where: str) -> list[Any]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        if isinstance(data.get("notes"), dict):  # expertise service: {invitation: [notes]}
            return [n for notes in data["notes"].values() if isinstance(notes, list) for n in notes]
        if "id" in data and "content" in data:
            return [data]
        notes = []
        for key, note in data.items():  # {id: note}
            if isinstance(note, dict):
                notes.append({"id": key, **note} if "id" not in note else note)
        return notes
    raise MatchingInputError(f"{where}: expected a list of notes or an object of notes")


def read_openreview_submissions(path: str | Path) -> tuple[Query, ...]:
    """Submissions as queries, from a JSONL directory, JSONL/JSON file or id,title,abstract CSV."""
    p = Path(path)
    if not p.exists():
        raise MatchingInputError(f"submissions path {p} does not exist")
    raw: list[tuple[str, Any]] = []
    if p.is_dir():
        files = sorted(p.glob("*.jsonl"))
        if not files:
            raise MatchingInputError(f"submissions directory {p} holds no .jsonl files")
        for f in files:
            raw.extend((f"{f}, line {n}", note) for n, note in _read_jsonl(f))
    elif p.name.endswith((".jsonl", ".jsonl.gz")):
        raw.extend((f"{p}, line {n}", note) for n, note in _read_jsonl(p))
    elif p.name.endswith((".json", ".json.gz")):
        try:
            with _open_text(p) as fh:
                data = json.load(fh)
        except json.JSONDecodeError as exc:
            raise MatchingInputError(f"{p}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
        raw.extend((f"{p}, note {i + 1}", n) for i, n in enumerate(_notes_from_json(data, str(p))))
    elif p.suffix == ".csv":
        return _read_submissions_csv(p)
    else:
        raise MatchingInputError(f"submissions file {p}: use a .jsonl, .json or .csv file or a directory of .jsonl files")
    queries, seen = [], set()
    for where, note in raw:
        nid, title, abstract, _year, kws = _note_fields(note, where)
        if nid in seen:
            raise MatchingInputError(f"{where}: submission id {nid!r} appears twice")
        seen.add(nid)
        queries.append(Query(id=nid, title=title, abstract=abstract, keywords=kws))
    if not queries:
        raise MatchingInputError(f"submissions {p} hold no notes")
    return tuple(queries)


def _read_submissions_csv(p: Path) -> tuple[Query, ...]:
    queries, seen = [], set()
    with open(p, newline="", encoding="utf-8") as fh:
        for lineno, row in enumerate(csv.reader(fh), start=1):
            if not row or not any(c.strip() for c in row):
                continue
            if lineno == 1 and [c.strip().lower() for c in row[:2]] == ["id", "title"]:
                continue
            if len(row) < 2:
                raise MatchingInputError(f"{p}, line {lineno}: expected columns id,title[,abstract], got {len(row)} column(s)")
            sid = row[0].strip()
            if not sid:
                raise MatchingInputError(f"{p}, line {lineno}, column 1 (id): empty submission id")
            if sid in seen:
                raise MatchingInputError(f"{p}, line {lineno}, column 1 (id): submission id {sid!r} appears twice")
            seen.add(sid)
            queries.append(Query(id=sid, title=row[1], abstract=row[2] if len(row) > 2 else ""))
    if not queries:
        raise MatchingInputError(f"{p} holds no submissions")
    return tuple(queries)


def abstract_from_inverted_index(index: dict[str, list[int]] | None) -> str:
    """Rebuild an abstract from OpenAlex's ``abstract_inverted_index``."""
    if not index:
        return ""
    positioned = [(pos, word) for word, positions in index.items() for pos in positions]
    positioned.sort()
    return " ".join(word for _, word in positioned)


def _openalex_records(path: Path) -> Iterator[tuple[str, dict]]:
    if path.name.endswith((".jsonl", ".jsonl.gz")):
        for lineno, rec in _read_jsonl(path):
            yield f"{path}, line {lineno}", rec
        return
    try:
        with _open_text(path) as fh:
            data = json.load(fh)
    except json.JSONDecodeError as exc:
        raise MatchingInputError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if isinstance(data, dict):
        data = data.get("results", [data])
    for i, rec in enumerate(data):
        yield f"{path}, record {i + 1}", rec


def openalex_work(record: dict, where: str = "record") -> tuple[Work, tuple[str, ...]]:
    """One OpenAlex work record as a :class:`Work` and the ids of its authors."""
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise MatchingInputError(f"{where}: not an OpenAlex work (no string 'id')")
    title = record.get("title") or record.get("display_name") or ""
    kws = []
    for c in record.get("keywords") or ():
        name = c.get("display_name") or c.get("keyword") if isinstance(c, dict) else c
        if isinstance(name, str):
            kws.append(name)
    year = record.get("publication_year")
    work = Work(id=record["id"], title=title if isinstance(title, str) else "",
                abstract=abstract_from_inverted_index(record.get("abstract_inverted_index")),
                year=year if isinstance(year, int) else None, keywords=tuple(kws))
    authors = []
    for a in record.get("authorships") or ():
        aid = (a.get("author") or {}).get("id") if isinstance(a, dict) else None
        if isinstance(aid, str) and aid and aid not in authors:
            authors.append(aid)
    return work, tuple(authors)


def read_openalex_works(path: str | Path) -> tuple[tuple[Work, tuple[str, ...]], ...]:
    """Works with their author ids from an OpenAlex JSON / JSONL(.gz) file."""
    p = Path(path)
    if not p.is_file():
        raise MatchingInputError(f"OpenAlex works file {p} does not exist")
    return tuple(openalex_work(rec, where) for where, rec in _openalex_records(p))


def profiles_by_author(works: Iterable[tuple[Work, tuple[str, ...]]]) -> tuple[Profile, ...]:
    """One profile per author id holding that author's works, in first-seen order."""
    by_author: dict[str, list[Work]] = {}
    for work, authors in works:
        for aid in authors:
            by_author.setdefault(aid, []).append(work)
    return tuple(Profile(id=aid, works=tuple(ws)) for aid, ws in by_author.items())


def read_openalex_profiles(path: str | Path) -> tuple[Profile, ...]:
    """Per-author profiles from an OpenAlex works file, keyed by OpenAlex author id."""
    return profiles_by_author(read_openalex_works(path))
