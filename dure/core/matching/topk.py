"""Blocked top-k affinity: query blocks against all works, aggregated per profile.

No query x profile matrix is ever held whole: each block of queries is scored against
the works, works are folded into profile scores (recency-weighted mean of the profile's
best ``top_works`` works) and only the best ``top_k`` profiles per query are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class WorkLayout:
    """Which works belong to which profile, bucketed by work count for vectorised folding.

    ``buckets`` holds (profile indices, work index matrix padded with ``n_works``).
    """

    n_profiles: int
    n_works: int
    buckets: tuple[tuple[np.ndarray, np.ndarray], ...]


def build_layout(work_profile: np.ndarray, n_profiles: int) -> WorkLayout:
    """Group work indices by profile; profiles with similar work counts share a padded bucket."""
    work_profile = np.asarray(work_profile, dtype=np.int64)
    n_works = len(work_profile)
    order = np.argsort(work_profile, kind="stable")
    counts = np.bincount(work_profile, minlength=n_profiles)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    width = np.where(counts > 0, 2 ** np.ceil(np.log2(np.maximum(counts, 1))).astype(np.int64), 0)
    buckets = []
    for w in np.unique(width[width > 0]):
        profs = np.flatnonzero(width == w)
        mat = np.full((len(profs), int(w)), n_works, dtype=np.int64)
        for r, p in enumerate(profs):
            mat[r, :counts[p]] = order[starts[p]:starts[p] + counts[p]]
        buckets.append((profs, mat))
    return WorkLayout(n_profiles=n_profiles, n_works=n_works, buckets=tuple(buckets))


def work_similarities(q_dense: np.ndarray, w_dense: np.ndarray, lexical_weight: float,
                      q_lex: sp.csr_matrix | None, w_lex: sp.csr_matrix | None) -> np.ndarray:
    """Combined similarity (B x n_works) of a block of queries with every work."""
    s = q_dense @ w_dense.T
    if lexical_weight > 0 and q_lex is not None and w_lex is not None:
        s *= (1.0 - lexical_weight)
        lex = (q_lex @ w_lex.T).toarray().astype(np.float32, copy=False)
        s += lexical_weight * lex
    return s.astype(np.float32, copy=False)


def fold_profiles(s: np.ndarray, work_weight: np.ndarray, layout: WorkLayout, top_works: int) -> np.ndarray:
    """Profile scores (B x n_profiles): recency-weighted mean of each profile's best works."""
    b = s.shape[0]
    s_ext = np.concatenate([s, np.full((b, 1), -np.inf, dtype=np.float32)], axis=1)
    w_ext = np.append(work_weight.astype(np.float32), np.float32(0.0))
    out = np.full((b, layout.n_profiles), -np.inf, dtype=np.float32)
    for profs, mat in layout.buckets:
        g = s_ext[:, mat]  # (B, P_b, width)
        wts = np.broadcast_to(w_ext[mat], g.shape)
        if mat.shape[1] > top_works:
            part = np.argpartition(-g, top_works - 1, axis=2)[:, :, :top_works]
            g = np.take_along_axis(g, part, axis=2)
            wts = np.take_along_axis(wts, part, axis=2)
        valid = np.isfinite(g)
        wts = np.where(valid, wts, 0.0)
        num = (np.where(valid, g, 0.0) * wts).sum(axis=2)
        den = wts.sum(axis=2)
        out[:, profs] = np.where(den > 0, num / np.where(den > 0, den, 1.0), -np.inf)
    return out


def top_k_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best k columns per row, best first, ties broken by lower column index; -1/NaN pad."""
    b, n = scores.shape
    k_eff = min(k, n)
    idx = np.full((b, k), -1, dtype=np.int64)
    val = np.full((b, k), np.nan, dtype=np.float32)
    if k_eff == 0:
        return idx, val
    cand = np.argpartition(-scores, k_eff - 1, axis=1)[:, :k_eff] if k_eff < n else np.tile(np.arange(n), (b, 1))
    cand_scores = np.take_along_axis(scores, cand, axis=1)
    for r in range(b):
        order = np.lexsort((cand[r], -cand_scores[r]))
        c, v = cand[r][order], cand_scores[r][order]
        keep = np.isfinite(v)
        idx[r, :keep.sum()] = c[keep]
        val[r, :keep.sum()] = v[keep]
    return idx, val


def score_block(q_dense: np.ndarray, q_lex: sp.csr_matrix | None, w_dense: np.ndarray,
                w_lex: sp.csr_matrix | None, work_weight: np.ndarray, layout: WorkLayout,
                lexical_weight: float, top_works: int, top_k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (profile index, score) for one block of queries."""
    s = work_similarities(q_dense, w_dense, lexical_weight, q_lex, w_lex)
    return top_k_rows(fold_profiles(s, work_weight, layout, top_works), top_k)


def block_bounds(n: int, block_size: int) -> list[tuple[int, int]]:
    return [(i, min(i + block_size, n)) for i in range(0, n, block_size)]
