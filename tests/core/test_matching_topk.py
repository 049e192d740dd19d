"""The blocked top-k scorer ranks as a plain per-profile computation would, with and
without the lexical term."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from dure.core.matching.topk import (
    build_layout,
    fold_profiles,
    prepare_pool,
    score_pool_block,
    top_k_rows,
)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_profiles=st.integers(1, 12), n_queries=st.integers(1, 5),
       top_works=st.integers(1, 4), k=st.integers(1, 15))
def test_fold_and_top_k_match_naive(seed, n_profiles, n_queries, top_works, k):
    rng = np.random.default_rng(seed)
    owner = rng.integers(0, n_profiles, size=rng.integers(1, 40))
    s = rng.standard_normal((n_queries, len(owner))).astype(np.float32)
    s_copy = s.copy()
    folded = fold_profiles(s, build_layout(owner, n_profiles), top_works)
    np.testing.assert_array_equal(s, s_copy)
    for q in range(n_queries):
        for p in range(n_profiles):
            mine = np.flatnonzero(owner == p)
            if len(mine) == 0:
                assert folded[q, p] == -np.inf
                continue
            best = mine[np.argsort(-s[q, mine], kind="stable")[:top_works]]
            expect = s[q, best].mean()
            assert abs(folded[q, p] - expect) < 1e-5
    idx, val = top_k_rows(folded, k)
    for q in range(n_queries):
        finite = [(-folded[q, p], p) for p in range(n_profiles) if np.isfinite(folded[q, p])]
        expect = [p for _, p in sorted(finite)[:k]]
        assert [int(i) for i in idx[q] if i >= 0] == expect


def _pool(rng, n_profiles, n_works, dim=16, empty=()):
    owner = rng.integers(0, n_profiles, size=n_works)
    owner = np.where(np.isin(owner, empty), (owner + 1) % n_profiles, owner)
    w = rng.standard_normal((n_works, dim)).astype(np.float32)
    w /= np.linalg.norm(w, axis=1, keepdims=True)
    return owner, w, rng.uniform(0, 0.05, n_works).astype(np.float32)


def _naive(s, owner, n_profiles, top_works, k):
    """Per-profile loop over the whole query x work matrix, best first, ties by index."""
    out = []
    for row in s:
        scores = []
        for p in range(n_profiles):
            mine = np.sort(row[owner == p])[::-1][:top_works]
            if len(mine):
                scores.append((-float(mine.mean()), p))
        out.append([p for _, p in sorted(scores)[:k]])
    return out


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_profiles=st.integers(2, 40), top_works=st.integers(1, 5),
       k=st.integers(1, 12), block=st.integers(1, 9))
def test_blocked_scorer_with_recency_penalty_ranks_like_a_per_profile_loop(seed, n_profiles, top_works, k, block):
    rng = np.random.default_rng(seed)
    owner, w, penalty = _pool(rng, n_profiles, int(rng.integers(1, 200)), empty=(0,))
    q = rng.standard_normal((block, 16)).astype(np.float32)
    pool = prepare_pool(w, None, penalty, build_layout(owner, n_profiles))
    idx, val = score_pool_block(q, None, pool, 0.0, top_works, k, threads=2)
    expect = _naive(q @ w.T - penalty, owner, n_profiles, top_works, k)
    for i in range(block):
        got = [int(p) for p in idx[i] if p >= 0]
        assert got == expect[i]
        assert 0 not in got  # a profile without works is never ranked
        assert np.all(np.isnan(val[i, len(got):]))


def _hybrid_data(seed, n_profiles=300, n_queries=120, dim=32, vocab=400):
    """Dense vectors that agree with the lexical ones the way an embedding agrees with TF-IDF
    (a random projection of the TF-IDF vector plus noise), so that both kinds of score rank
    related works high. Works per profile 1-30."""
    rng = np.random.default_rng(seed)
    counts = np.clip(rng.geometric(1 / 10, size=n_profiles), 1, 30)
    owner = np.repeat(np.arange(n_profiles), counts)
    topics = rng.integers(0, 20, size=n_profiles)

    def docs(topic_of_doc):
        n = len(topic_of_doc)
        terms = (topic_of_doc[:, None] * 20 + rng.integers(0, 20, size=(n, 8))) % vocab
        terms = np.concatenate([terms, rng.integers(0, vocab, size=(n, 8))], axis=1)
        m = sp.csr_matrix((np.ones(terms.size, np.float32), (np.repeat(np.arange(n), 16), terms.ravel())),
                          shape=(n, vocab))
        m = sp.csr_matrix(m.multiply(1.0 / np.sqrt(m.multiply(m).sum(axis=1))))
        d = m @ proj + 0.5 * rng.standard_normal((n, dim)).astype(np.float32)
        return np.asarray(d / np.linalg.norm(d, axis=1, keepdims=True), np.float32), m

    proj = rng.standard_normal((vocab, dim)).astype(np.float32)
    w, w_lex = docs(topics[owner])
    q, q_lex = docs(rng.integers(0, 20, size=n_queries))
    penalty = rng.uniform(0, 0.01, len(owner)).astype(np.float32)
    return owner, w, w_lex, penalty, q, q_lex


def test_hybrid_scorer_ranks_like_the_plain_embedding_plus_lexical_formula():
    for seed in range(3):
        owner, w, w_lex, penalty, q, q_lex = _hybrid_data(seed)
        layout = build_layout(owner, 300)
        pool = prepare_pool(w, w_lex, penalty, layout)
        idx, val = score_pool_block(q, q_lex, pool, 0.3, 3, 10, threads=2)
        # 0.7 * cosine + 0.3 * TF-IDF cosine - penalty, mean of each profile's 3 best works
        full = fold_profiles(0.7 * (q @ w.T) + 0.3 * (q_lex @ w_lex.T).toarray() - penalty, layout, 3)
        expect_idx, expect_val = top_k_rows(full, 10)
        np.testing.assert_allclose(val, expect_val, atol=1e-5)
        assert np.mean(idx == expect_idx) > 0.999  # only float near-ties may swap
        # the lexical term moves the ranking: without it the top-10 differs
        dense_only, _ = score_pool_block(q, None, pool, 0.3, 3, 10)
        assert np.mean(dense_only == idx) < 0.9
