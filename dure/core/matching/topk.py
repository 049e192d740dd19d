"""Blocked top-k affinity: query blocks against all works, aggregated per profile.

No query x profile matrix is ever held whole: each block of queries is scored against
the works, works are folded into profile scores (mean of the profile's best
``top_works`` works, after each work's recency penalty) and only the best ``top_k`` profiles per query are kept.
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
                      q_lex: sp.csr_matrix | None, w_lex: sp.csr_matrix | None, scripts=None) -> np.ndarray:
    """Combined similarity (B x n_works) of a block of queries with every work."""
    return work_similarities_t(q_dense, w_dense, lexical_weight, q_lex, w_lex, scripts).T


def work_similarities_t(q_dense: np.ndarray, w_dense: np.ndarray, lexical_weight: float,
                        q_lex: sp.csr_matrix | None, w_lex: sp.csr_matrix | None, scripts=None) -> np.ndarray:
    """Combined similarity, works as rows (n_works x B), so a profile's works are whole rows."""
    return _similarities_with_sentinel(q_dense, w_dense, lexical_weight, q_lex, w_lex, scripts)[:-1]


def _similarities_with_sentinel(q_dense, w_dense, lexical_weight, q_lex, w_lex, scripts=None) -> np.ndarray:
    """(n_works + 1) x B similarities; the last row is -inf, the padding target of the layout.

    ``scripts`` = (query scripts, work scripts, bridge): where a query and a work are
    written in different scripts, the lexical cosine is replaced by the larger of itself
    and the bridge's stand-in computed from the embedding cosine (see LexicalBridge).
    """
    n, b = w_dense.shape[0], q_dense.shape[0]
    s = np.empty((n + 1, b), dtype=np.float32)
    np.matmul(np.asarray(w_dense, dtype=np.float32), np.asarray(q_dense, dtype=np.float32).T, out=s[:n])
    if lexical_weight > 0 and q_lex is not None and w_lex is not None:
        lex = (w_lex @ q_lex.T).toarray().astype(np.float32, copy=False)
        if scripts is not None and scripts[2] is not None:
            q_script, w_script, bridge = scripts
            cross = np.asarray(w_script)[:, None] != np.asarray(q_script)[None, :]
            if cross.any():
                np.maximum(lex, bridge(s[:n]), out=lex, where=cross)
        s[:n] *= np.float32(1.0 - lexical_weight)
        s[:n] += np.float32(lexical_weight) * lex
    s[n] = -np.inf
    return s


_NETWORK_MAX_WIDTH = 16


def _fold_bucket_network(s_ext: np.ndarray, mat: np.ndarray, n_eff: np.ndarray, m: int) -> np.ndarray:
    """Mean of the best ``n_eff`` works of each row of ``mat``, one work column at a time.

    A running top-m is kept as whole (P_b x B) arrays updated with in-place maximum /
    minimum, so every step is one vectorised elementwise pass.
    """
    p_b, width = mat.shape
    b = s_ext.shape[1]
    depth = min(m, width)
    top = [np.full((p_b, b), -np.inf, dtype=np.float32) for _ in range(depth)]
    tmp = np.empty((p_b, b), dtype=np.float32)
    for j in range(width):
        v = s_ext[mat[:, j]]
        for t in range(depth):
            np.maximum(top[t], v, out=tmp)
            np.minimum(top[t], v, out=v)
            top[t], tmp = tmp, top[t]
    total = np.zeros((p_b, b), dtype=np.float32)
    for t in range(depth):
        rows = n_eff > t
        total[rows] += top[t][rows]
    return total / n_eff[:, None].astype(np.float32)


def _fold_bucket_partition(s_ext: np.ndarray, mat: np.ndarray, n_eff: np.ndarray, m: int) -> np.ndarray:
    """The same fold for wide buckets (few profiles with many works), by partition."""
    g = s_ext[mat]  # (P_b, width, B)
    if mat.shape[1] > m:
        g = -np.partition(-g, m - 1, axis=1)[:, :m, :]
    return np.where(np.isfinite(g), g, 0.0).sum(axis=1) / n_eff[:, None].astype(np.float32)


def fold_profiles_t(s_t: np.ndarray, layout: WorkLayout, top_works: int) -> np.ndarray:
    """Profile scores (n_profiles x B) from work similarities (n_works x B)."""
    b = s_t.shape[1]
    s_ext = np.concatenate([s_t, np.full((1, b), -np.inf, dtype=np.float32)], axis=0)
    return _fold_ext(s_ext, layout, top_works)


def _fold_ext(s_ext: np.ndarray, layout: WorkLayout, top_works: int) -> np.ndarray:
    b = s_ext.shape[1]
    out = np.full((layout.n_profiles, b), -np.inf, dtype=np.float32)
    for profs, mat in layout.buckets:
        n_eff = np.minimum((mat < layout.n_works).sum(axis=1), top_works)
        fold = _fold_bucket_network if mat.shape[1] <= _NETWORK_MAX_WIDTH else _fold_bucket_partition
        out[profs] = fold(s_ext, mat, n_eff, top_works)
    return out


def fold_profiles(s: np.ndarray, layout: WorkLayout, top_works: int) -> np.ndarray:
    """Profile scores (B x n_profiles): mean of each profile's ``top_works`` best works."""
    return fold_profiles_t(np.ascontiguousarray(np.asarray(s, dtype=np.float32).T), layout, top_works).T


def top_k_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best k columns per row, best first, ties broken by lower column index; -1/NaN pad."""
    b, n = scores.shape
    k_eff = min(k, n)
    idx = np.full((b, k), -1, dtype=np.int64)
    val = np.full((b, k), np.nan, dtype=np.float32)
    if k_eff == 0 or b == 0:
        return idx, val
    if k_eff < n:
        cand = np.sort(np.argpartition(-scores, k_eff - 1, axis=1)[:, :k_eff], axis=1)
    else:
        cand = np.tile(np.arange(n), (b, 1))
    cand_scores = np.take_along_axis(scores, cand, axis=1)
    order = np.argsort(-cand_scores, axis=1, kind="stable")
    c = np.take_along_axis(cand, order, axis=1)
    v = np.take_along_axis(cand_scores, order, axis=1)
    keep = np.isfinite(v)
    idx[:, :k_eff] = np.where(keep, c, -1)
    val[:, :k_eff] = np.where(keep, v, np.nan)
    return idx, val


def score_block(q_dense: np.ndarray, q_lex: sp.csr_matrix | None, w_dense: np.ndarray,
                w_lex: sp.csr_matrix | None, work_penalty: np.ndarray, layout: WorkLayout,
                lexical_weight: float, top_works: int, top_k: int,
                scripts=None) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (profile index, score) for one block of queries.

    ``work_penalty`` (one per work, e.g. for age) is subtracted from every similarity;
    ``scripts`` bridges lexical similarity across writing systems (see above).
    """
    s_ext = _similarities_with_sentinel(q_dense, w_dense, lexical_weight, q_lex, w_lex, scripts)
    s_ext[:-1] -= work_penalty.astype(np.float32)[:, None]
    return top_k_rows(np.ascontiguousarray(_fold_ext(s_ext, layout, top_works).T), top_k)


def block_bounds(n: int, block_size: int) -> list[tuple[int, int]]:
    return [(i, min(i + block_size, n)) for i in range(0, n, block_size)]
