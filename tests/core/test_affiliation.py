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
from dure.core.importers.ror import RorOrganisation, iter_ror_records

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


def _org(ror_id: str, name: str, aliases: tuple[str, ...], acronyms: tuple[str, ...], country: str,
         city: str) -> RorOrganisation:
    return RorOrganisation(
        ror_id=f"https://ror.org/{ror_id}", name_en=name, name_ko="", names_all=(name, *aliases, *acronyms),
        acronyms=acronyms, aliases=aliases, types=("education",), country_code=country, city=city,
        established=None, website="", parent_ids=(), child_ids=(), related_ids=(), status="active")


@pytest.fixture(scope="module")
def registry_excerpt(matcher: AffiliationMatcher) -> AffiliationMatcher:
    """The fixture records plus a few more, as the ROR registry (v2) records them."""
    extra = [
        _org("00za53h95", "Johns Hopkins University", ("Universidad Johns Hopkins",), ("JHU",), "US", "Baltimore"),
        _org("024gw2733", "University of Baltimore", ("Université de Baltimore",), ("UB",), "US", "Baltimore"),
        _org("00rxpqe74", "Providence College", ("Providence",), ("PC",), "US", "Providence"),
        _org("0030zas98", "Hong Kong Polytechnic University", ("PolyU",), ("HKPU",), "HK", "Hong Kong"),
        _org("033eqas34", "Justus Liebig University Giessen",
             ("Giessen University", "Justus-Liebig-Universität Giessen", "University of Giessen"), ("JLU",),
             "DE", "Giessen"),
        _org("05591te55", "Ludwig-Maximilians-Universität München",
             ("LMU München", "Ludwig Maximilian University of Munich", "University of Munich"), ("LMU",),
             "DE", "Munich"),
    ]
    return AffiliationMatcher().fit([*matcher.orgs_.values(), *extra])


def test_a_city_part_does_not_name_an_organisation(registry_excerpt: AffiliationMatcher) -> None:
    # "Providence" is also an alias of Providence College; here it is the hospital's city
    assert not registry_excerpt.match("Roger Williams Medical Center, Providence, RI, USA").matched
    assert not registry_excerpt.match("Center for Addiction Research, Baltimore, MD, USA").matched
    assert not registry_excerpt.match("Broad Institute, Cambridge").matched
    hit = registry_excerpt.match("Department of Medicine, Johns Hopkins University, Baltimore, MD, USA")
    assert hit.name == "Johns Hopkins University"


def test_hong_kong_organisation_under_a_china_country_mention(registry_excerpt: AffiliationMatcher) -> None:
    hit = registry_excerpt.match("Department of Applied Mathematics, Hong Kong Polytechnic University, "
                                 "Hong Kong SAR, China")
    assert hit.name == "Hong Kong Polytechnic University"


def test_name_written_without_its_city(registry_excerpt: AffiliationMatcher) -> None:
    assert registry_excerpt.match("Department of Psychology, Justus-Liebig University").name == (
        "Justus Liebig University Giessen")


def test_numbered_unit_after_the_organisation(matcher: AffiliationMatcher) -> None:
    # Crossref joins "organisation N unit" without a comma
    hit = matcher.match("The University of Tokyo 2 Department of Physics, , Tokyo, Japan")
    assert hit.name == "The University of Tokyo"


def test_normalise_letters_without_accents_and_html_entities() -> None:
    assert normalise("Medical University of Białystok") == "medical university of bialystok"
    assert normalise("Adıyaman University") == "adiyaman university"
    assert normalise("FSBEI of HE &quot;Plekhanov Russian University&quot;") == (
        "fsbei of he plekhanov russian university")


def test_acronym_with_the_organisations_city(registry_excerpt: AffiliationMatcher) -> None:
    hit = registry_excerpt.match("Faculty for Philosophy, LMU Munich, Munich, Germany")
    assert hit.name == "Ludwig-Maximilians-Universität München"
    assert not registry_excerpt.match("Faculty for Philosophy, LMU Berlin, Berlin, Germany").matched


def test_country_hint_from_us_state_codes_and_dotted_usa() -> None:
    assert country_hint("Department of Anthropology, University of Georgia, Athens, GA, U.S.A.") == "US"
    assert country_hint("Department of Medicine, New York, NY") == "US"
    assert country_hint("Rochester, NY 14642") == "US"
    # two letters that are also country codes say nothing about the US
    assert country_hint("Jawaharlal Nehru University, New Delhi, IN") == ""
    assert country_hint("Institute of Physiology, Kiel, DE") == ""
