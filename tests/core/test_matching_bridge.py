"""Lexical similarity across writing systems: a Korean demand is not penalised against
English work for sharing no words with it.

Real texts: English titles from the OpenAlex sample and their Korean translations
(tests/fixtures/matching/ko_en_titles.jsonl, translated by hand).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from dure.core.matching import AffinityModel, Profile, Query, ThinProfileWarning, Work
from dure.core.matching.lexical import (
    SCRIPT_HAN,
    SCRIPT_HANGUL,
    SCRIPT_OTHER,
    LexicalBridge,
    script_of,
)
from dure.core.matching.topk import work_similarities

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "matching"


@pytest.fixture(scope="module")
def pairs() -> list[dict]:
    with open(FIXTURES / "ko_en_titles.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _fit(model: AffinityModel, profiles) -> AffinityModel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ThinProfileWarning)
        return model.fit(profiles)


def test_script_of_names_the_script_that_carries_the_words():
    assert script_of("전기차 구동모터용 희토류 프리 영구자석 (MnBi, ferrite)") == SCRIPT_HANGUL
    assert script_of("Rare-earth-free permanent magnets, 영구자석") == SCRIPT_OTHER
    assert script_of("量子計算機の誤り訂正") == SCRIPT_HAN
    assert script_of("") == SCRIPT_OTHER


def test_bridge_is_monotone_and_only_lifts_cross_script_pairs():
    rng = np.random.default_rng(3)
    dense = rng.standard_normal((60, 8)).astype(np.float32)
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    lex = sp.csr_matrix(np.clip(dense, 0, None))  # words overlap where meaning does
    scripts = np.zeros(60, dtype=np.int8)
    bridge = LexicalBridge.fit(dense, lex, scripts)
    assert bridge is not None
    grid = np.linspace(-1, 1, 50, dtype=np.float32)
    assert np.all(np.diff(bridge(grid)) >= 0)

    q = dense[:2]
    q_lex = sp.csr_matrix((2, lex.shape[1]), dtype=np.float32)  # the queries share no words
    plain = work_similarities(q, dense, 0.3, q_lex, lex)
    same = work_similarities(q, dense, 0.3, q_lex, lex, (np.zeros(2, np.int8), scripts, bridge))
    cross = work_similarities(q, dense, 0.3, q_lex, lex, (np.ones(2, np.int8), scripts, bridge))
    assert np.array_equal(plain, same)  # same script: nothing changes
    expected = 0.7 * (q @ dense.T) + 0.3 * bridge(q @ dense.T)
    assert np.allclose(cross, expected, atol=1e-6)


def test_single_script_pools_score_exactly_as_before(pairs):
    profiles = [Profile(id=f"p{i}", works=(Work(id=f"w{i}", title=p["title_en"]),)) for i, p in enumerate(pairs)]
    queries = [Query(id=f"q{i}", title=p["title_en"]) for i, p in enumerate(pairs[:5])]
    model = _fit(AffinityModel(lexical_weight=0.3), profiles)
    with_bridge = model.score(queries, top_k=5)
    model.bridge_ = None
    without = model.score(queries, top_k=5)
    assert np.array_equal(with_bridge.profile_index, without.profile_index)
    assert np.allclose(with_bridge.scores, without.scores)


@pytest.mark.parametrize("query_lang,writer_lang", [("ko", "en"), ("en", "ko")])
def test_a_mixed_language_pool_is_ranked_on_meaning_not_language(pairs, query_lang, writer_lang):
    """Half the experts write in Korean, half in English. A title must find the writer of
    the same paper in the other language, ahead of experts who merely share its language."""
    half = len(pairs) // 2
    profiles = [Profile(id=f"p{i}", works=(Work(id=f"w{i}", title=p["title_ko"] if i < half else p["title_en"]),))
                for i, p in enumerate(pairs)]
    writers = range(half, len(pairs)) if writer_lang == "en" else range(half)
    queries = [Query(id=f"q{i}", title=pairs[i][f"title_{query_lang}"]) for i in writers]

    def hits(model):
        result = _fit(model, profiles).score(queries, top_k=1)
        return sum(result.top(q.id)[0][0] == f"p{q.id[1:]}" for q in queries)

    default = hits(AffinityModel())
    assert default >= len(queries) - 2
    assert default > hits(AffinityModel(centre_scripts=False))


def test_single_language_pools_are_not_centred(pairs):
    profiles = [Profile(id=f"p{i}", works=(Work(id=f"w{i}", title=p["title_en"]),)) for i, p in enumerate(pairs)]
    assert _fit(AffinityModel(), profiles).script_means_ == {}


def test_explanation_score_matches_the_ranking_score_across_scripts(pairs):
    profiles = [Profile(id="en", works=(Work(id="w1", title=pairs[0]["title_en"]),
                                        Work(id="w2", title=pairs[1]["title_en"]))),
                Profile(id="ko", works=(Work(id="w3", title=pairs[2]["title_ko"]),
                                        Work(id="w4", title=pairs[3]["title_ko"])))]
    model = _fit(AffinityModel(lexical_weight=0.3, top_works=1), profiles)
    query = Query(id="q", title=pairs[0]["title_ko"])
    ranked = dict(model.score([query], top_k=2).top("q"))
    assert model.explain(query, "en").score == pytest.approx(ranked["en"], abs=1e-5)
    assert model.explain(query, "ko").score == pytest.approx(ranked["ko"], abs=1e-5)


def test_openreview_notes_take_the_year_from_content_before_note_dates(tmp_path):
    from dure.core.matching import read_openreview_archives

    archives = tmp_path / "archives"
    archives.mkdir()
    notes = [
        {"id": "a", "content": {"title": "Old paper", "year": 2009}, "cdate": 1640995200000},
        {"id": "b", "content": {"title": "String year", "year": {"value": "2015"}}},
        {"id": "c", "content": {"title": "Dated by note"}, "cdate": 1640995200000},
        {"id": "d", "content": {"title": "Nonsense year", "year": "soon"}},
    ]
    (archives / "~Reviewer1.jsonl").write_text("\n".join(json.dumps(n) for n in notes), encoding="utf-8")
    (profile,) = read_openreview_archives(archives)
    assert [w.year for w in profile.works] == [2009, 2015, 2022, None]


def test_a_megabyte_of_korean_is_tokenised_from_its_head_only():
    from dure.core.matching.lexical import tokenize

    sentence = "희토류를 쓰지 않는 영구자석을 전기차 구동모터에 적용하기 위한 페라이트 고성능화 연구. "
    huge = sentence * (1_000_000 // len(sentence) + 1)
    assert len(huge) > 1_000_000
    tokens = tokenize(huge, max_tokens=2000)  # the analyser reads only the head: fast
    assert 0 < len(tokens) <= 2000
    assert "영구자석" in tokens or "자석" in tokens


def test_chinese_text_is_matched_word_by_word_not_only_by_whole_phrases():
    from dure.core.matching.lexical import TfidfIndex

    works = ["量子纠错码在超导量子处理器上的实现", "锂离子电池正极材料的热稳定性", "稀土永磁材料的回收工艺"]
    index = TfidfIndex().fit(works)
    query = index.transform(["超导量子比特的纠错"])
    sims = (index.matrix_ @ query.T).toarray().ravel()
    assert sims[0] > 0.2
    assert sims[0] > 3 * max(sims[1], sims[2])
