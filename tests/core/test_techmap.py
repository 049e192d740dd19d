"""Technology map indicators on a tiny constructed set, and on real records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dure.core.importers.openalex import iter_openalex_works
from dure.core.importers.patentsview import iter_patents
from dure.core.techmap import (
    EvidenceItem,
    OrgRef,
    TechMapError,
    Technology,
    TechnologyMap,
    evidence_from_patent,
    evidence_from_work,
    find_topics,
    load_openalex_topics,
    overlap_matrix,
)

DATA = Path(__file__).resolve().parents[1] / "fixtures" / "data"
KAIST = OrgRef("kaist", "KAIST", "KR")
ETRI = OrgRef("etri", "ETRI", "KR")
MIT = OrgRef("mit", "MIT", "US")
ETH = OrgRef("eth", "ETH Zurich", "CH")
QUANTUM = Technology("QC", "quantum computing", topic_ids=frozenset({"T10682"}))
BATTERY = Technology("BAT", "battery", keywords=("battery", "이차전지"))
NOBODY = Technology("FUS", "fusion", keywords=("tokamak",))


def item(i: int, orgs: tuple[OrgRef, ...], year: int, cites: int, *, topics: tuple[str, ...] = ("T10682",),
         text: str = "", fld: str = "physics") -> EvidenceItem:
    return EvidenceItem(id=f"W{i}", kind="work", year=year, citations=cites, field=fld, topics=topics,
                        text=text, organisations=orgs)


def quantum_world(domestic_cites: int) -> list[EvidenceItem]:
    items = [item(i, (MIT,), 2020 + i % 4, 40) for i in range(8)]
    items += [item(10 + i, (ETH,), 2021, 20) for i in range(3)]
    items += [item(20 + i, (KAIST,), 2021, domestic_cites) for i in range(4)]
    items += [item(30, (ETRI, KAIST), 2023, 5, topics=(), text="Solid-state battery cathodes")]
    return items


def test_field_normalised_impact_and_ranking() -> None:
    tmap = TechnologyMap(current_year=2023, min_evidence=1).fit(quantum_world(10), [QUANTUM])
    prof = tmap.profile("QC")
    assert [o.id for o in prof.frontier] == ["mit", "eth", "kaist"]
    assert [o.id for o in prof.best_domestic] == ["kaist"]
    # ETH's items share (work, physics, 2021) with two of MIT's and all of KAIST's
    mean_2021 = (2 * 40 + 3 * 20 + 4 * 10) / 9
    eth = next(o for o in prof.organisations if o.id == "eth")
    assert eth.impact == pytest.approx(20 / mean_2021)
    us = next(c for c in prof.countries if c.country_code == "US")
    assert us.volume == 8


def test_cooperation_needed_when_domestic_lags_and_not_when_it_leads() -> None:
    lagging = TechnologyMap(current_year=2023, min_evidence=1).fit(quantum_world(1), [QUANTUM])
    need = lagging.profile("QC").cooperation
    assert need.level == "needed" and need.gap >= 0.5
    assert need.best_foreign[0].id == "mit" and need.best_domestic[0].id == "kaist"
    assert any("MIT" in r and "KAIST" in r for r in need.reasons)
    leading = TechnologyMap(current_year=2023, min_evidence=1).fit(quantum_world(400), [QUANTUM])
    assert leading.profile("QC").cooperation.level == "not_needed"


def test_no_domestic_evidence_means_needed_and_thin_evidence_is_flagged() -> None:
    items = [item(i, (MIT,), 2022, 3) for i in range(2)]
    need = TechnologyMap(min_evidence=10).fit(items, [QUANTUM]).profile("QC").cooperation
    assert need.level == "needed" and need.gap == 1.0
    assert any("thin" in r for r in need.reasons)


def test_growth_counts_recent_against_previous_window() -> None:
    items = [item(i, (MIT,), 2019, 1) for i in range(2)] + [item(5, (MIT,), 2017, 1)] + [item(10 + i, (MIT,), 2023, 1) for i in range(5)]
    mit = TechnologyMap(current_year=2023, recent_years=3).fit(items, [QUANTUM]).profile("QC").organisations[0]
    assert (mit.recent, mit.previous) == (5, 2) and mit.growth == pytest.approx(6 / 3)


def test_overlap_shows_shared_and_uncovered_technologies() -> None:
    ov = overlap_matrix(quantum_world(3), [QUANTUM, BATTERY, NOBODY], country_code="KR")
    assert ov.organisation_ids == ["etri", "kaist"]
    assert ov.counts.tolist() == [[0, 1, 0], [4, 1, 0]]
    assert ov.shared == {"BAT": ["etri", "kaist"]}
    assert ov.uncovered == ["FUS"]


def test_korean_keyword_matches_korean_text() -> None:
    it = item(1, (KAIST,), 2022, 0, topics=(), text="전고체 이차전지 양극재 개발")
    assert BATTERY.matches(it) and not NOBODY.matches(it)


def test_bad_definitions_are_explained() -> None:
    with pytest.raises(TechMapError, match="topic ids, keywords or CPC"):
        Technology("X", "empty")
    with pytest.raises(TechMapError, match="unique"):
        TechnologyMap().fit([], [QUANTUM, QUANTUM])
    with pytest.raises(TechMapError, match="unknown technology"):
        TechnologyMap().fit([], [QUANTUM]).profile("nope")


def test_real_topics_works_and_patents() -> None:
    topics = load_openalex_topics(DATA / "openalex_topics")
    assert topics["T10299"].field_name == "Engineering"
    quantum = find_topics(topics, ["quantum computing"])
    assert quantum and "Quantum" in quantum[0].name
    works = [evidence_from_work(w, topics) for w in iter_openalex_works(DATA / "openalex_works_sample.jsonl.gz")]
    patents = [evidence_from_patent(p) for p in iter_patents(DATA / "patentsview")]
    gpu = Technology("GPU", "graphics processors", keywords=("graphics",), cpc_prefixes=("G06T",))
    tmap = TechnologyMap(current_year=2023).fit(works + patents, [gpu])
    prof = tmap.profile("GPU")
    assert prof.evidence_count > 0 and any(o.patents for o in prof.organisations)
    assert all(np.isfinite(o.impact) for o in prof.organisations)
    assert any(o.country_code == "KR" for w in works for o in w.organisations)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([KAIST, MIT, ETH]), st.integers(2015, 2023), st.integers(0, 500)),
                min_size=1, max_size=30))
def test_gap_bounded_and_field_average_is_one(rows: list[tuple[OrgRef, int, int]]) -> None:
    items = [item(i, (o,), y, c) for i, (o, y, c) in enumerate(rows)]
    tmap = TechnologyMap(current_year=2023).fit(items, [QUANTUM])
    need = tmap.profile("QC").cooperation
    assert 0.0 <= need.gap <= 1.0 and need.level in ("needed", "useful", "not_needed")
    by_cell: dict[int, list[float]] = {}
    for it in items:
        by_cell.setdefault(it.year or 0, []).append(tmap.normalised_citations(it))
    for scores in by_cell.values():
        assert np.mean(scores) == pytest.approx(1.0) or max(scores) == 0.0


def test_partner_suggestions_domestic_first_foreign_only_when_gap_says_so() -> None:
    from dure.core.techmap import suggest_partners

    lagging = TechnologyMap(current_year=2023, min_evidence=1).fit(quantum_world(1), [QUANTUM]).profile("QC")
    ranked = suggest_partners(lagging, limit=4)
    assert ranked[0].organisation.id == "kaist" and ranked[0].domestic
    assert [s.organisation.id for s in ranked if not s.domestic] == ["mit", "eth"]
    assert all(s.evidence for s in ranked)
    leading = TechnologyMap(current_year=2023, min_evidence=1).fit(quantum_world(400), [QUANTUM]).profile("QC")
    assert all(s.domestic for s in suggest_partners(leading))


def test_every_cooperation_reason_has_a_coded_note_for_translation() -> None:
    cases = [TechnologyMap(current_year=2023, min_evidence=1).fit(quantum_world(1), [QUANTUM]),
             TechnologyMap(current_year=2023, min_evidence=1).fit(quantum_world(400), [QUANTUM])]
    cases.append(TechnologyMap(min_evidence=10).fit([item(i, (MIT,), 2022, 3) for i in range(2)], [QUANTUM]))
    codes = set()
    for tmap in cases:
        need = tmap.profile("QC").cooperation
        assert len(need.notes) == len(need.reasons)
        codes |= {c for c, _ in need.notes}
    assert {"best", "strength", "rule_needed", "no_domestic", "thin"} <= codes
