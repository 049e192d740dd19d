"""``dure assign`` end to end on small CSV files."""

from __future__ import annotations

import csv

import pytest

from dure.cli import main

PROPOSALS = "proposal_id,organisation_id,required_reviewers\nP1,KAIST,2\nP2,SNU,2\n"
REVIEWERS = ("reviewer_id,organisation_id,kind,max_load\nR1,KAIST,academic,2\nR2,SNU,academic,2\n"
             "R3,Samsung,industry,2\nR4,ETRI,institute,2\nR5,KAIST,academic,2\n")
SCORES = ("proposal_id,reviewer_id,score\n"
          + "".join(f"P{p},R{r},{(p * 7 + r * 3) % 10 / 10}\n" for p in (1, 2) for r in range(1, 6)))
CONFLICTS = "proposal_id,reviewer_id,reason\nP2,R3,co-author 2024\n"


@pytest.fixture
def files(tmp_path):
    paths = {}
    for name, text in (("proposals", PROPOSALS), ("reviewers", REVIEWERS), ("scores", SCORES),
                       ("conflicts", CONFLICTS)):
        paths[name] = tmp_path / f"{name}.csv"
        paths[name].write_text(text, encoding="utf-8")
    paths["out"] = tmp_path / "assignment.csv"
    return paths


def argv(files, *extra):
    return ["assign", "--proposals", str(files["proposals"]), "--reviewers", str(files["reviewers"]),
            "--scores", str(files["scores"]), "--conflicts", str(files["conflicts"]),
            "--out", str(files["out"]), *extra]


def read_pairs(path):
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["proposal_id", "reviewer_id"]
    return {tuple(r) for r in rows[1:]}


def test_assigns_without_conflicts_or_same_organisation(files):
    assert main(argv(files)) == 0
    pairs = read_pairs(files["out"])
    assert len(pairs) == 4
    assert ("P2", "R3") not in pairs  # conflicts.csv
    assert not {("P1", "R1"), ("P1", "R5"), ("P2", "R2")} & pairs  # applicant's own organisation


def test_randomized_mode_is_reproducible(files):
    files["reviewers"].write_text(REVIEWERS + "R6,Hyundai,industry,2\nR7,KIST,institute,2\n")
    files["scores"].write_text(SCORES + "P1,R6,0.4\nP2,R6,0.3\nP1,R7,0.2\nP2,R7,0.6\n")
    assert main(argv(files, "--mode", "randomized", "--seed", "5", "--max-probability", "0.7")) == 0
    first = read_pairs(files["out"])
    assert main(argv(files, "--mode", "randomized", "--seed", "5", "--max-probability", "0.7")) == 0
    assert read_pairs(files["out"]) == first


def test_bad_value_names_file_line_and_column(files, capsys):
    files["reviewers"].write_text(REVIEWERS.replace("R4,ETRI,institute,2", "R4,ETRI,institute,two"))
    assert main(argv(files)) == 2
    err = capsys.readouterr().err
    assert "reviewers.csv, line 5, column max_load" in err and "'two'" in err


def test_missing_column_and_unknown_id(files, capsys):
    files["scores"].write_text("proposal_id,reviewer,score\nP1,R1,0.5\n")
    assert main(argv(files)) == 2
    assert "missing column(s) reviewer_id" in capsys.readouterr().err
    files["scores"].write_text(SCORES + "P9,R1,0.5\n")
    assert main(argv(files)) == 2
    assert "line 12, column proposal_id: 'P9' is not in" in capsys.readouterr().err


def test_infeasible_prints_diagnosis_and_exits_2(files, capsys):
    assert main(argv(files, "--min-industry", "1")) == 2
    err = capsys.readouterr().err
    assert "no assignment possible" in err
    assert "proposal P2: needs at least 1 industry reviewers but has 0" in err
    assert not files["out"].exists()
