"""Similar-project search: IVF agrees with exact search; reasons are shared terms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dure.core.similar import SimilarIndex, SimilarIndexError, default_tokenizer


def _clustered(n: int, dim: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((max(5, n // 50), dim))
    labels = rng.integers(0, topics.shape[0], size=n)
    return (topics[labels] + 0.8 * rng.standard_normal((n, dim)) / np.sqrt(dim)).astype(np.float32)


def test_ivf_recall_against_exact_on_clustered_vectors() -> None:
    x = _clustered(3000, 64, seed=1)
    base, queries = x[:2900], x[2900:]
    ids = [f"p{i}" for i in range(len(base))]
    exact = SimilarIndex(method="exact").build(ids, base)
    ivf = SimilarIndex(method="ivf", n_probe=12, seed=3).build(ids, base)
    recalls = []
    for q in queries:
        truth = {h.id for h in exact.query(q, k=10)}
        found = {h.id for h in ivf.query(q, k=10)}
        recalls.append(len(truth & found) / 10)
    assert np.mean(recalls) >= 0.95


def _topics(n: int, dim: int, per_topic: int, spread: float, seed: int) -> np.ndarray:
    """Unit topic directions with noise of norm about ``spread``: diffuse topics when spread > 1."""
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((n // per_topic, dim))
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    labels = rng.integers(0, topics.shape[0], size=n)
    return (topics[labels] + spread * rng.standard_normal((n, dim)) / np.sqrt(dim)).astype(np.float32)


def _recall(index: SimilarIndex, exact: SimilarIndex, queries: np.ndarray) -> float:
    return float(np.mean([
        len(set(exact.search_positions(q, 10)[0].tolist()) & set(index.search_positions(q, 10)[0].tolist())) / 10
        for q in queries
    ]))


@pytest.fixture(scope="module")
def diffuse() -> tuple[np.ndarray, np.ndarray, SimilarIndex]:
    # diffuse topics, lists trained on few projects per topic: k-means leaves some topics
    # without a centre, so their neighbours are spread over many lists
    x = _topics(6100, 64, 100, 1.5, seed=1)
    base, queries = x[:6000], x[6000:]
    return base, queries, SimilarIndex(method="exact").build([f"p{i}" for i in range(6000)], base)


def test_ivf_recall_on_diffuse_topics_where_fixed_probing_fails(diffuse) -> None:
    base, queries, exact = diffuse
    ids = [f"p{i}" for i in range(len(base))]
    settings = {"n_lists": 75, "train_size": 1500, "n_probe": 4, "seed": 3}
    fixed = SimilarIndex(method="ivf", standout_margin=-1e9, **settings).build(ids, base)
    assert _recall(fixed, exact, queries) < 0.95  # the data is hard for a fixed probe count
    adaptive = SimilarIndex(method="ivf", **settings).build(ids, base)
    assert 0.0 < adaptive.residual_share_ < 1.0
    assert _recall(adaptive, exact, queries) >= 0.95


def test_residual_list_alone_restores_recall(diffuse) -> None:
    base, queries, exact = diffuse
    ids = [f"p{i}" for i in range(len(base))]
    # never fall back to a full scan: only the residual list is added to the probed lists
    index = SimilarIndex(method="ivf", n_lists=75, train_size=1500, n_probe=4, seed=3,
                         max_residual_share=1.0).build(ids, base)
    assert _recall(index, exact, queries) >= 0.95


def test_probing_every_list_gives_exact_results_in_order() -> None:
    x = _topics(2000, 32, 50, 1.0, seed=5)
    ids = [f"p{i}" for i in range(2000)]
    exact = SimilarIndex(method="exact").build(ids, x)
    ivf = SimilarIndex(method="ivf", n_lists=30, n_probe=30, seed=2).build(ids, x)
    rng = np.random.default_rng(9)
    for q in rng.standard_normal((20, 32)).astype(np.float32):
        got, want = ivf.query(q, k=10), exact.query(q, k=10)
        assert [h.id for h in got] == [h.id for h in want]
        assert [h.score for h in got] == pytest.approx([h.score for h in want], abs=1e-6)


def test_exact_blocked_search_equals_brute_force() -> None:
    x = _clustered(1000, 16, seed=2)
    ids = [str(i) for i in range(1000)]
    index = SimilarIndex(method="exact", block_size=97).build(ids, x)
    q = x[5] + 0.01
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    brute = np.argsort(-(unit @ (q / np.linalg.norm(q))))[:10]
    assert [h.id for h in index.query(q, k=10)] == [str(i) for i in brute]


def test_reason_lists_shared_korean_and_english_terms() -> None:
    texts = [
        "초전도 큐비트를 이용한 양자컴퓨팅 오류정정 기술 개발",
        "이차전지 양극재의 열안정성 향상 연구",
        "Superconducting qubit error correction for quantum computing",
    ]
    vecs = np.eye(3, 8, dtype=np.float32)
    index = SimilarIndex().build(["a", "b", "c"], vecs, texts)
    hits = index.query(vecs[0], "큐비트의 오류정정을 위한 양자컴퓨팅 제어", k=1)
    assert hits[0].id == "a"
    assert set(hits[0].shared_terms) == {"큐비트", "오류정정", "양자컴퓨팅"}
    hits = index.query(vecs[2], "quantum error correction", k=1)
    assert set(hits[0].shared_terms) == {"quantum", "error", "correction"}


def test_exclude_own_project_and_caller_array_untouched() -> None:
    x = _clustered(200, 8, seed=4)
    before = x.copy()
    ids = [f"p{i}" for i in range(200)]
    index = SimilarIndex(method="ivf", n_probe=4).build(ids, x)
    hits = index.query(x[10], k=5, exclude_ids=["p10"])
    assert len(hits) == 5 and "p10" not in {h.id for h in hits}
    assert np.array_equal(x, before)


def test_bad_input_is_explained() -> None:
    with pytest.raises(SimilarIndexError, match="one id per vector"):
        SimilarIndex().build(["a"], np.zeros((2, 3)))
    index = SimilarIndex().build(["a", "b"], np.eye(2, 3))
    with pytest.raises(SimilarIndexError, match="same embedding model"):
        index.query(np.ones(4))
    with pytest.raises(SimilarIndexError, match="before query"):
        SimilarIndex().query(np.ones(3))


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=60), st.integers(min_value=1, max_value=15),
       st.integers(min_value=0, max_value=10_000))
def test_scores_sorted_and_k_respected(n: int, k: int, seed: int) -> None:
    x = np.random.default_rng(seed).standard_normal((n, 6)).astype(np.float32)
    index = SimilarIndex(method="ivf", n_probe=3, seed=seed).build([str(i) for i in range(n)], x)
    hits = index.query(x[0], k=k)
    scores = [h.score for h in hits]
    assert len(hits) == min(k, n) and scores == sorted(scores, reverse=True)
    assert all(-1.0001 <= s <= 1.0001 for s in scores)


def test_tokenizer_strips_particles_but_keeps_words() -> None:
    assert default_tokenizer("전자회로의 디스플레이를 the Display") == ["전자회로", "디스플레이", "display"]
