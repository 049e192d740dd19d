"""`dure rank`: round trip from a reviews CSV to a ranking and a re-runnable lottery record."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from dure.cli import main

FAST = ["--samples", "200", "--burn-in", "100"]


def write_reviews(path, n_prop=40, n_rev=20, per_prop=3, seed=0, panels=False):
    rng = np.random.default_rng(seed)
    quality = rng.normal(5, 1.5, n_prop)
    leniency = rng.normal(0, 1.0, n_rev)
    header = ["proposal_id", "reviewer_id", "score", "confidence"] + (["panel_id"] if panels else [])
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for p in range(n_prop):
            for r in rng.choice(n_rev, per_prop, replace=False):
                score = int(np.clip(round(quality[p] + leniency[r] + rng.normal(0, 1)), 1, 10))
                row = [f"P{p:03d}", f"R{r:02d}", score, int(rng.integers(1, 6))]
                writer.writerow(row + ([f"K{p % 2}"] if panels else []))
    return path


def test_round_trip(tmp_path, capsys):
    reviews = write_reviews(tmp_path / "reviews.csv", panels=True)
    out = tmp_path / "ranking.csv"
    rc = main(["rank", "--reviews", str(reviews), "--fundable", "8", "--seed", "KOSPI 2026-11-20 2501.33",
               "--out", str(out), *FAST])
    assert rc == 0
    printed = capsys.readouterr().out
    record_path = tmp_path / "ranking.lottery.json"
    assert f"dure rank --verify-lottery {record_path}" in printed
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["proposal_id", "calibrated_score", "expected_rank", "rank_low", "rank_high", "decision"]
    assert len(rows) == 40
    decisions = [r["decision"] for r in rows]
    assert decisions.count("funded") + decisions.count("lottery_funded") == 8
    expected = [float(r["expected_rank"]) for r in rows]
    assert expected == sorted(expected)
    assert all(int(r["rank_low"]) <= int(r["rank_high"]) for r in rows)
    record = json.loads(record_path.read_text())
    band = [r["proposal_id"] for r in rows if r["decision"].startswith("lottery_")]
    assert record["candidates"] == band
    assert sorted(record["winners"]) == sorted(r["proposal_id"] for r in rows if r["decision"] == "lottery_funded")

    assert main(["rank", "--verify-lottery", str(record_path)]) == 0
    assert "matches" in capsys.readouterr().out

    # same inputs, same outputs
    out2 = tmp_path / "again.csv"
    main(["rank", "--reviews", str(reviews), "--fundable", "8", "--seed", "KOSPI 2026-11-20 2501.33",
          "--out", str(out2), *FAST])
    assert out2.read_text() == out.read_text()

    record["seed"] = "a value chosen after the fact"
    record_path.write_text(json.dumps(record))
    assert main(["rank", "--verify-lottery", str(record_path)]) == 1
    assert "does NOT match" in capsys.readouterr().out


@pytest.mark.parametrize(
    "content, message",
    [
        ("proposal_id,score\nP1,3\n", "line 1: missing column(s) reviewer_id"),
        ("proposal_id,reviewer_id,score,grade\nP1,R1,3,A\n", "unknown column(s) grade"),
        ("proposal_id,reviewer_id,score\nP1,R1,3\nP2,R1,high\n", "line 3, column score: 'high' is not a number"),
        ("proposal_id,reviewer_id,score\nP1,R1,nan\n", "line 2, column score: 'nan' is not a finite number"),
        ("proposal_id,reviewer_id,score,confidence\nP1,R1,3,\n", "line 2, column confidence: empty"),
        ("proposal_id,reviewer_id,score,confidence\nP1,R1,3,0\n", "line 2, column confidence: 0 must be positive"),
        ("proposal_id,reviewer_id,score\nP1,R1,3\nP1,R1,4\n", "line 3: reviewer 'R1' already scored proposal 'P1' on line 2"),
        ("proposal_id,reviewer_id,score\nP1,R1\n", "line 2: 2 fields where the header has 3"),
        ("", "the file is empty"),
        ("proposal_id,reviewer_id,score\n", "no reviews after the header"),
    ],
)
def test_bad_reviews_file(tmp_path, capsys, content, message):
    path = tmp_path / "reviews.csv"
    path.write_text(content)
    rc = main(["rank", "--reviews", str(path), "--fundable", "1", "--seed", "s", "--out", str(tmp_path / "o.csv")])
    assert rc == 2
    err = capsys.readouterr().err
    assert message in err and str(path) in err
    assert not (tmp_path / "o.csv").exists()


def test_out_of_range_and_missing_arguments(tmp_path, capsys):
    path = tmp_path / "reviews.csv"
    path.write_text("proposal_id,reviewer_id,score\nP1,R1,3\nP2,R2,11\n")
    args = ["rank", "--reviews", str(path), "--fundable", "1", "--seed", "s", "--out", str(tmp_path / "o.csv")]
    assert main([*args, "--score-range", "1", "10", *FAST]) == 2
    assert "outside the score range [1, 10]" in capsys.readouterr().err
    assert main(["rank", "--reviews", str(path)]) == 2
    assert "missing --fundable, --seed, --out" in capsys.readouterr().err
    assert main(["rank", "--verify-lottery", str(tmp_path / "none.json")]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert main(["rank", "--verify-lottery", str(bad)]) == 2
    assert "must be a JSON object" in capsys.readouterr().err
