"""ROR and OpenAlex importers on records cut from the shared real data."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dure.core.importers import ImportReport, ImportSourceError
from dure.core.importers.openalex import iter_openalex_works, rebuild_abstract
from dure.core.importers.ror import iter_ror_records, read_nst_institutes

DATA = Path(__file__).resolve().parents[1] / "fixtures" / "data"


def _by_name(path: Path) -> dict:
    return {o.name_en: o for o in iter_ror_records(path)}


def test_ror_v2_reads_korean_names_acronyms_and_links() -> None:
    orgs = _by_name(DATA / "ror_kr_v2_sample.jsonl")
    kaist = orgs["Korea Advanced Institute of Science and Technology"]
    assert kaist.ror_id.startswith("https://ror.org/")
    assert kaist.name_ko == "한국과학기술원"
    assert "KAIST" in kaist.acronyms
    assert kaist.country_code == "KR" and kaist.city == "Daejeon"
    # children and parents point at each other inside the sample
    severance = orgs["Severance Hospital"]
    cancer = orgs["Yonsei Cancer Hospital"]
    assert severance.ror_id in cancer.parent_ids
    assert cancer.ror_id in severance.child_ids
    assert cancer.name_ko == "연세암병원"  # the Korean label is preferred over Korean aliases


def test_ror_v1_schema_is_read_into_the_same_shape() -> None:
    report = ImportReport()
    orgs = list(iter_ror_records(DATA / "ror_kr_v1_sample.jsonl", report=report))
    assert report.imported == len(orgs) == 10 and report.malformed == 0
    assert all(o.country_code == "KR" for o in orgs)
    assert any(o.name_ko for o in orgs)
    assert any(o.acronyms for o in orgs)
    assert all(t == t.lower() for o in orgs for t in o.types)


def test_ror_gzip_and_malformed_lines_are_counted_not_raised(tmp_path: Path) -> None:
    lines = (DATA / "ror_foreign_sample_v2.jsonl").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "mixed.jsonl.gz"
    with gzip.open(bad, "wt", encoding="utf-8") as fh:
        fh.write(lines[0] + "\n")
        fh.write('{"id": "https://ror.org/x", "names": [\n')  # cut-off JSON
        fh.write("[1, 2]\n")  # JSON but not an object
        fh.write('{"no_id": true}\n')  # object but not a ROR record
        fh.write("\n")
        fh.write(lines[1] + "\n")
    report = ImportReport()
    orgs = list(iter_ror_records(bad, report=report))
    assert len(orgs) == 2
    assert report.read == 5 and report.imported == 2 and report.malformed == 3
    assert [i.line for i in report.issues] == [2, 3, 4]


def test_truncated_gzip_stops_with_a_recorded_problem(tmp_path: Path) -> None:
    data = (DATA / "openalex_works_sample.jsonl.gz").read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    report = ImportReport()
    works = list(iter_openalex_works(cut, report=report))
    assert report.truncated and 0 < len(works) < 30
    assert "truncated" in report.issues[-1].message


def test_missing_file_says_which() -> None:
    with pytest.raises(ImportSourceError, match="no such file"):
        list(iter_ror_records(DATA / "nope.jsonl"))


def test_nst_institutes_table() -> None:
    rows = read_nst_institutes(DATA / "nst_member_institutes_from_ror.csv")
    assert len(rows) == 28
    kist = next(r for r in rows if r.acronym == "KIST")
    assert kist.name_ko == "한국과학기술연구원" and kist.ror_id.startswith("https://ror.org/")
    assert any(len(r.names_ko) > 1 for r in rows)


def test_nst_bad_header_is_explained(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("id,name\n1,x\n", encoding="utf-8")
    with pytest.raises(ImportSourceError, match="missing column"):
        read_nst_institutes(p)


def test_openalex_works_rebuild_abstract_and_affiliations() -> None:
    report = ImportReport()
    works = list(iter_openalex_works(DATA / "openalex_works_sample.jsonl.gz", report=report))
    assert report.imported == 30 and report.malformed == 0
    with gzip.open(DATA / "openalex_works_sample.jsonl.gz", "rt") as fh:
        raws = [json.loads(line) for line in fh]
    i = next(i for i, r in enumerate(raws) if r.get("abstract_inverted_index"))
    first, raw = works[i], raws[i]
    words = [w for w, pos in raw["abstract_inverted_index"].items() for _ in pos]
    assert sorted(first.abstract.split(" ")) == sorted(words)
    korean = [w for w in works if "KR" in w.country_codes]
    assert korean and all(w.ror_ids for w in korean)
    assert all(r.startswith("https://ror.org/") for w in works for r in w.ror_ids)
    assert all(w.concepts for w in works)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(alphabet="abcdefg", min_size=1, max_size=5), min_size=1, max_size=30))
def test_rebuild_abstract_inverts_any_word_sequence(words: list[str]) -> None:
    index: dict[str, list[int]] = {}
    for i, w in enumerate(words):
        index.setdefault(w, []).append(i)
    assert rebuild_abstract(index) == " ".join(words)
