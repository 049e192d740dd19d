"""The blocked top-k fold agrees with a plain per-profile computation."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dure.core.matching.topk import build_layout, fold_profiles, top_k_rows


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
