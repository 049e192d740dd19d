"""``dure select``: CSV in, portfolio and reasons out, clear errors for bad files."""

from __future__ import annotations

import csv

import pytest

from dure.cli import main

CANDIDATES = """proposal_id,track,sector,organisation_id,international,quality,cost_2026,cost_2027,cost_2028
P1,choke,semis,KIST,yes,3.1,1000000000,1000000000,
P2,choke,semis,ETRI,no,3.6,1500000000,1500000000,1500000000
P3,choke,bio,KIST,no,2.9,500000000,,
P4,orig,robots,KAIST,no,3.9,2000000000,2000000000,
P5,orig,robots,MIT,true,3.3,800000000,800000000,800000000
P6,orig,bio,KRIBB,0,2.2,"1,200,000,000",,
"""
BUDGETS = """track,year,amount
choke,2026,2500000000
choke,2027,2500000000
choke,2028,2000000000
orig,2026,3000000000
orig,2027,3000000000
orig,2028,1000000000
"""


@pytest.fixture
def files(tmp_path):
    (tmp_path / "c.csv").write_text(CANDIDATES, encoding="utf-8")
    (tmp_path / "b.csv").write_text(BUDGETS, encoding="utf-8")
    return tmp_path


def _run(files, *extra):
    return main(["select", "--candidates", str(files / "c.csv"), "--budgets", str(files / "b.csv"),
                 "--out", str(files / "out.csv"), *extra])


def test_writes_one_row_per_candidate_with_a_reason(files, capsys):
    assert _run(files, "--compare-rank") == 0
    rows = list(csv.DictReader((files / "out.csv").open(encoding="utf-8")))
    assert [r["proposal_id"] for r in rows] == ["P1", "P2", "P3", "P4", "P5", "P6"]
    assert all(r["reason"] for r in rows)
    chosen = {r["proposal_id"] for r in rows if r["selected"] == "yes"}
    spent_2026 = sum(int(r["total_cost"]) for r in rows if r["proposal_id"] in chosen & {"P1", "P2", "P3"})
    assert spent_2026 > 0
    rejected = [r for r in rows if r["selected"] == "no"]
    assert rejected and all("rejected" in r["reason"] for r in rejected)
    out = capsys.readouterr().out
    assert "international_share=" in out and "fund_by_rank objective=" in out
    assert "choke 2026:" in out and "억 원" in out


def test_share_target_and_cap_change_the_portfolio(files):
    assert _run(files, "--min-international-share", "0") == 0
    loose = {r["proposal_id"] for r in csv.DictReader((files / "out.csv").open()) if r["selected"] == "yes"}
    assert _run(files, "--organisation-cap", "0", "--min-international-share", "0") == 0
    none = {r["proposal_id"] for r in csv.DictReader((files / "out.csv").open()) if r["selected"] == "yes"}
    assert loose and not none


def test_impossible_rules_exit_2_and_name_the_rule(files, capsys):
    assert _run(files, "--sector-minimum", "bio=3") == 2
    err = capsys.readouterr().err
    assert "sector 'bio'" in err and "short by 1" in err


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t.replace("yes,3.1", "maybe,3.1"), "line 2, column international"),
    (lambda t: t.replace("2.9,500000000", "high,500000000"), "line 4, column quality"),
    (lambda t: t.replace("800000000,800000000,800000000", "800000000,-5,800000000"), "line 6, column cost_2027"),
    (lambda t: t.replace("P3,", "P1,"), "line 4, column proposal_id"),
    (lambda t: t.replace("organisation_id,", "org,"), "missing column(s) organisation_id"),
    (lambda t: t.replace(",cost_2026,cost_2027,cost_2028", ",a,b,c"), "no cost_<year> columns"),
])
def test_bad_candidate_files_name_line_and_column(files, capsys, edit, expected):
    (files / "c.csv").write_text(edit(CANDIDATES), encoding="utf-8")
    assert _run(files) == 2
    err = capsys.readouterr().err
    assert expected in err and "c.csv" in err


def test_bad_budget_file_and_unknown_track(files, capsys):
    (files / "b.csv").write_text(BUDGETS.replace("choke,2027", "choke,next"), encoding="utf-8")
    assert _run(files) == 2
    assert "b.csv, line 3, column year" in capsys.readouterr().err
    (files / "b.csv").write_text(BUDGETS.replace("orig", "original"), encoding="utf-8")
    assert _run(files) == 2
    assert "track 'orig', which has no budget" in capsys.readouterr().err
