"""PatentsView tables joined by patent id, on rows cut from the real NVIDIA extract."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from dure.core.importers import ImportReport, ImportSourceError
from dure.core.importers.patentsview import iter_patents

DATA = Path(__file__).resolve().parents[1] / "fixtures" / "data" / "patentsview"


def _count(name: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    with open(DATA / name, newline="") as fh:
        for row in csv.DictReader(fh):
            counts[row["patent_id"]] = counts.get(row["patent_id"], 0) + 1
    return counts


@pytest.mark.parametrize("batch_size", [1, 5, 1000])
def test_join_keeps_every_side_row_whatever_the_batch(batch_size: int) -> None:
    report = ImportReport()
    patents = list(iter_patents(DATA, report=report, batch_size=batch_size))
    assert report.imported == len(patents) == 12 and report.malformed == 0
    cpc, inventors = _count("nvidia_cpc.csv"), _count("nvidia_inventor.csv")
    for p in patents:
        assert p.abstract and p.year is not None and p.year >= 1990
        assert len(p.cpc_groups) == cpc[p.patent_id]
        assert len(p.inventors) == inventors[p.patent_id]
        assert any("NVIDIA" in a.name for a in p.assignees)
        assert all(len(s) == 4 for s in p.cpc_subclasses)


def test_selection_by_id_and_by_assignee() -> None:
    first = next(iter_patents(DATA))
    only = list(iter_patents(DATA, patent_ids=[first.patent_id]))
    assert [p.patent_id for p in only] == [first.patent_id]
    assert list(iter_patents(DATA, assignee_contains="no such company")) == []
    assert len(list(iter_patents(DATA, assignee_contains="nvidia"))) == 12


def test_ragged_row_is_counted(tmp_path: Path) -> None:
    for f in DATA.iterdir():
        shutil.copy(f, tmp_path / f.name)
    with open(tmp_path / "nvidia_patent.csv", "a", encoding="utf-8") as fh:
        fh.write("999,utility\n")
    report = ImportReport()
    assert len(list(iter_patents(tmp_path, report=report))) == 12
    assert report.malformed == 1 and "fields" in report.issues[0].message


def test_folder_without_patent_table(tmp_path: Path) -> None:
    with pytest.raises(ImportSourceError, match="no patent table"):
        list(iter_patents(tmp_path))
