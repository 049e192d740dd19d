"""Affiliation matching on real publisher-asserted rows and real ROR records."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dure.core.affiliation import (
    AffiliationMatcher,
    AffiliationMatcherError,
    country_hint,
    normalise,
)
from dure.core.importers.ror import iter_ror_records

DATA = Path(__file__).resolve().parents[1] / "fixtures" / "data"


@pytest.fixture(scope="module")
def matcher() -> AffiliationMatcher:
    orgs = [o for name in ("ror_kr_v2_sample.jsonl", "ror_foreign_sample_v2.jsonl", "ror_kr_v1_sample.jsonl")
            for o in iter_ror_records(DATA / name)]
    return AffiliationMatcher().fit(orgs)


def test_precision_and_recall_on_real_rows(matcher: AffiliationMatcher) -> None:
    with open(DATA / "affiliation_gold_sample.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    results = [(matcher.match(r["affiliation"]), r["ror_id"]) for r in rows]
    made = [(m, gold) for m, gold in results if m.matched]
    correct = sum(m.ror_id == gold for m, gold in made)
    assert correct / len(made) >= 0.9  # precision
    assert correct / len(rows) >= 0.7  # recall


def test_korean_name_with_department(matcher: AffiliationMatcher) -> None:
    result = matcher.match("서울대학교 공과대학 전기정보공학부, 서울, 대한민국")
    assert result.name == "Seoul National University"
    assert result.country_hint == "KR"
    assert any("서울대학교" in r for r in result.reasons)


def test_acronym_and_comma_in_name(matcher: AffiliationMatcher) -> None:
    assert matcher.match("Dept. of Physics, KAIST, Daejeon 34141, Republic of Korea").name == (
        "Korea Advanced Institute of Science and Technology")
    assert matcher.match("Department of Materials, ETH Zürich, Switzerland").name == "ETH Zurich"


def test_abstains_when_no_organisation_is_named(matcher: AffiliationMatcher) -> None:
    result = matcher.match("Department of Physics, Daejeon, Korea")
    assert not result.matched and result.ror_id == ""
    assert result.reasons  # says why it abstained


def test_country_hint_reweights_candidates(matcher: AffiliationMatcher) -> None:
    same = matcher.match("Max Planck Society, Munich, Germany")
    other = matcher.match("Max Planck Society, Seoul, Korea")
    assert same.matched and same.score > other.score


def test_helpers_and_errors() -> None:
    assert normalise("ETH Zürich & Co.") == "eth zurich and co"
    assert normalise("한국과학기술원(KAIST)") == "한국과학기술원 kaist"
    assert country_hint("Seoul 08826, Republic of Korea") == "KR"
    assert country_hint("Stanford, CA, USA") == "US"
    assert country_hint("Department of Pathology, University of New Mexico") == ""
    with pytest.raises(AffiliationMatcherError, match="before match"):
        AffiliationMatcher().match("x")
    with pytest.raises(AffiliationMatcherError, match="no organisations"):
        AffiliationMatcher().fit([])
