"""Consortium proposals: coverage, rules, foreign partner when the map says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dure.core.consortium import (
    Candidate,
    ConsortiumError,
    ConsortiumRules,
    candidates_from_profiles,
    competences_from_text,
    propose_consortia,
)
from dure.core.importers.ror import iter_ror_records
from dure.core.techmap import EvidenceItem, OrgRef, Technology, TechnologyMap

DATA = Path(__file__).resolve().parents[1] / "fixtures" / "data"


def cand(cid: str, kind: str, comps: dict[str, float], cc: str = "KR") -> Candidate:
    return Candidate(id=cid, name=cid.upper(), kind=kind, country_code=cc, competences=comps)


POOL = [
    cand("kist", "gri", {"cathode": 0.9, "electrolyte": 0.4}),
    cand("snu", "university", {"electrolyte": 0.8, "simulation": 0.6}),
    cand("sme1", "sme", {"cell_assembly": 0.7}),
    cand("bigco", "large_company", {"cell_assembly": 0.9, "cathode": 0.3}),
    cand("mit", "university", {"electrolyte": 0.95, "simulation": 0.9}, cc="US"),
]
DEMAND = {"cathode": 2.0, "electrolyte": 1.0, "cell_assembly": 1.0, "simulation": 0.5}


def test_covers_demand_and_respects_member_limit_and_sme_rule() -> None:
    best = propose_consortia(DEMAND, POOL, ConsortiumRules(max_members=4))[0]
    assert best.rules_met and len(best.members) <= 4
    assert best.lead.kind in ("gri", "university") and best.lead.role == "lead"
    assert any(m.kind == "sme" for m in best.members)
    assert not best.uncovered
    assert all(m.reason for m in best.members)
    assert not any(m.foreign for m in best.members)  # no need stated: domestic only


def test_foreign_partner_added_when_cooperation_is_needed() -> None:
    best = propose_consortia(DEMAND, POOL, ConsortiumRules(max_members=4), cooperation_level="needed",
                             cooperation_reasons=["domestic strength is 20% of the best foreign"])[0]
    foreign = [m for m in best.members if m.foreign]
    assert [m.id for m in foreign] == ["mit"]
    assert "cooperation is needed" in foreign[0].reason and "20%" in foreign[0].reason
    assert any(m.kind == "sme" for m in best.members) and best.rules_met


def test_unmet_rule_is_reported_not_hidden() -> None:
    pool = [c for c in POOL if c.kind != "sme"]
    best = propose_consortia(DEMAND, pool, ConsortiumRules(require_foreign=True))[0]
    assert not best.rules_met and any("SME" in v for v in best.violations)
    assert any(m.foreign for m in best.members)


def test_no_possible_lead_is_an_explained_error() -> None:
    with pytest.raises(ConsortiumError, match="no candidate can lead"):
        propose_consortia(DEMAND, [c for c in POOL if c.kind in ("sme", "large_company")])
    with pytest.raises(ConsortiumError, match="kind"):
        cand("x", "startup", {})


def test_korean_demand_to_consortium_with_foreign_partner() -> None:
    """Demo path: a demand in Korean -> competences -> technology map -> consortium."""
    demand_text = ("전고체 이차전지용 고체전해질과 고니켈 양극재를 개발하고, 셀 조립 공정을 양산 라인에 "
                   "적용하고자 합니다. 해외 최고 연구기관과의 협력을 희망합니다.")
    vocabulary = {"SSE": ["고체전해질", "solid electrolyte"], "CAT": ["양극재", "cathode"],
                  "CELL": ["셀 조립", "cell assembly"]}
    demand = competences_from_text(demand_text, vocabulary)
    assert set(demand) == {"SSE", "CAT", "CELL"}

    orgs = {o.name_en: o for f in ("ror_kr_v2_sample.jsonl", "ror_foreign_sample_v2.jsonl")
            for o in iter_ror_records(DATA / f)}
    kist = orgs["Korea Institute of Science and Technology"]
    kaist = orgs["Korea Advanced Institute of Science and Technology"]
    mit = orgs["Massachusetts Institute of Technology"]
    ref = {o.ror_id: OrgRef(o.ror_id, o.name_en, o.country_code) for o in (kist, kaist, mit)}
    items: list[EvidenceItem] = []

    def add(org: str, n: int, cites: int, text: str) -> None:
        for _ in range(n):
            items.append(EvidenceItem(id=f"W{len(items)}", kind="work", year=2022, citations=cites,
                                      field="materials", topics=(), text=text,
                                      organisations=(ref[org],)))

    add(mit.ror_id, 12, 60, "sulfide solid electrolyte for all-solid-state batteries")
    add(kaist.ror_id, 3, 10, "solid electrolyte interphase")
    add(kist.ror_id, 10, 30, "high-nickel cathode degradation")
    add(kaist.ror_id, 2, 5, "cathode coating")
    techs = [Technology("SSE", "solid electrolytes", keywords=("solid electrolyte",)),
             Technology("CAT", "cathodes", keywords=("cathode",))]
    tmap = TechnologyMap(current_year=2023, min_evidence=1).fit(items, techs)
    need = tmap.profile("SSE").cooperation
    assert need.level == "needed" and need.best_foreign[0].name == mit.name_en

    kinds = {kist.ror_id: "gri", kaist.ror_id: "university", mit.ror_id: "university"}
    pool = candidates_from_profiles({c: tmap.profile(c) for c in ("SSE", "CAT")}, kinds)
    pool.append(Candidate("sme:cellworks", "셀웍스 (test SME)", "sme", "KR", {"CELL": 0.8}))
    best = propose_consortia(demand, pool, ConsortiumRules(max_members=4), cooperation_level=need.level,
                             cooperation_reasons=need.reasons)[0]
    by_id = {m.id: m for m in best.members}
    assert mit.ror_id in by_id and by_id[mit.ror_id].foreign
    assert by_id[mit.ror_id].evidence  # the works that justify the suggestion
    assert "sme:cellworks" in by_id and best.rules_met and not best.uncovered
    assert best.lead.country_code == "KR"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["gri", "university", "sme", "large_company"]),
                          st.sampled_from(["KR", "US"]),
                          st.dictionaries(st.sampled_from("abcde"), st.floats(0.05, 1.0), min_size=1)),
                min_size=1, max_size=12),
       st.integers(1, 6))
def test_proposals_never_exceed_limit_and_score_is_weighted_coverage(rows: list, max_members: int) -> None:
    pool = [Candidate(f"c{i}", f"c{i}", k, cc, comps) for i, (k, cc, comps) in enumerate(rows)]
    demand = {"a": 1.0, "b": 2.0, "c": 1.0}
    try:
        proposals = propose_consortia(demand, pool, ConsortiumRules(max_members=max_members))
    except ConsortiumError:
        assert not any(c.kind in ("gri", "university") and c.country_code == "KR"
                       and set(c.competences) & set(demand) for c in pool)
        return
    for p in proposals:
        assert len(p.members) <= max_members and len({m.id for m in p.members}) == len(p.members)
        expected = sum(w * p.coverage[k] for k, w in demand.items()) / 4.0
        assert p.score == pytest.approx(expected)
        assert p.members[0] is p.lead
