"""Blocked top-k affinity: query blocks against all works, aggregated per profile.

No query x profile matrix is ever held whole: each block of queries is scored against
the works, works are folded into profile scores (mean of the profile's best
``top_works`` works, after each work's recency penalty) and only the best ``top_k``
profiles per query are kept.

Speed (20,000 queries x 20,000 profiles with ~200,000 works: ~45 CPU-seconds, half of
the previous fold's, see ``bench.affinity``) comes from three things:

* the works are stored in *layout order* (``build_layout``): each profile's works are
  consecutive rows and profiles with the same number of works sit side by side, so the
  similarities of a group of P profiles with c works each are a (P, c, B) view of the
  block's (n_works x B) similarity matrix, folded with a few elementwise passes and no
  gather or sort;
* the recency penalty rides in the matrix product as one extra column, so it costs no
  pass of its own, and everything stays float32;
* the fold runs in a thread pool over profile chunks sized for the cache (numpy releases
  the GIL), while the matrix product uses BLAS's own threads.

The lexical (sparse) similarity is exact as well: each query's terms walk their posting
lists (the pool's TF-IDF matrix kept column-wise) and add into a dense row of work
scores, so the cost follows the query's terms' document frequencies instead of a
general sparse x sparse product that builds a mostly non-zero sparse result (the
whole hybrid score at 20k x 20k runs in about half the time, same top-k).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

# about 64 KiB per (profiles x queries) array, so a fold's working set stays in L2
_CHUNK_ELEMENTS = 16_384


@dataclass(frozen=True)
class WorkLayout:
    """Which works belong to which profile, in the row order the scorer uses.

    ``order[r]`` is the work at layout row r. Profiles are sorted by their number of works
    (then by index); ``groups`` holds (works per profile c, first layout row, profile
    indices), and the group's rows reshape to (profiles, c, ...). ``start``/``count`` give
    each profile's first layout row and number of works (0 for a profile without works).
    """

    n_profiles: int
    n_works: int
    order: np.ndarray
    groups: tuple[tuple[int, int, np.ndarray], ...]
    start: np.ndarray
    count: np.ndarray


def build_layout(work_profile: np.ndarray, n_profiles: int) -> WorkLayout:
    """Group work indices by profile; profiles with equal work counts share a group."""
    work_profile = np.asarray(work_profile, dtype=np.int64)
    n_works = len(work_profile)
    counts = np.bincount(work_profile, minlength=n_profiles).astype(np.int64)
    by_profile = np.argsort(work_profile, kind="stable")
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    prof_order = np.lexsort((np.arange(n_profiles), counts))
    prof_order = prof_order[counts[prof_order] > 0]
    c_sorted = counts[prof_order]
    ends = np.cumsum(c_sorted)
    within = np.arange(n_works, dtype=np.int64) - np.repeat(ends - c_sorted, c_sorted)
    order = by_profile[np.repeat(first[prof_order], c_sorted) + within]
    start = np.zeros(n_profiles, dtype=np.int64)
    start[prof_order] = ends - c_sorted
    groups = []
    for c in np.unique(c_sorted):
        profs = prof_order[c_sorted == c]
        groups.append((int(c), int(start[profs[0]]), profs))
    return WorkLayout(n_profiles=n_profiles, n_works=n_works, order=order, groups=tuple(groups),
                      start=start, count=counts)


@dataclass(frozen=True)
class ScoringPool:
    """The works prepared once for scoring many query blocks (see ``prepare_pool``).

    ``dense`` holds the work embeddings in layout order with ``-penalty`` as a last column;
    ``lex`` the lexical vectors in layout order, column-wise (a posting list per term);
    ``penalty`` the penalties in layout order.
    """

    layout: WorkLayout
    dense: np.ndarray
    lex: sp.csc_matrix | None
    penalty: np.ndarray


def prepare_pool(w_dense: np.ndarray, w_lex: sp.csr_matrix | None, work_penalty: np.ndarray,
                 layout: WorkLayout) -> ScoringPool:
    order = layout.order
    w = np.asarray(w_dense, dtype=np.float32)
    penalty = np.asarray(work_penalty, dtype=np.float32)[order]
    dense = np.empty((len(order), w.shape[1] + 1), dtype=np.float32)
    np.take(w, order, axis=0, out=dense[:, :-1])
    np.negative(penalty, out=dense[:, -1])
    lex = None
    if w_lex is not None:
        lex = sp.csc_matrix(sp.csr_matrix(w_lex, dtype=np.float32)[order])
        lex.sort_indices()
    return ScoringPool(layout=layout, dense=dense, lex=lex, penalty=penalty)


# -- exact similarities (explanations, small pools) --------------------------------------
def work_similarities(q_dense: np.ndarray, w_dense: np.ndarray, lexical_weight: float,
                      q_lex: sp.csr_matrix | None, w_lex: sp.csr_matrix | None, scripts=None) -> np.ndarray:
    """Combined similarity (B x n_works) of a block of queries with every work."""
    return work_similarities_t(q_dense, w_dense, lexical_weight, q_lex, w_lex, scripts).T


def work_similarities_t(q_dense: np.ndarray, w_dense: np.ndarray, lexical_weight: float,
                        q_lex: sp.csr_matrix | None, w_lex: sp.csr_matrix | None, scripts=None) -> np.ndarray:
    """Combined similarity, works as rows (n_works x B).

    ``scripts`` = (query scripts, work scripts, bridge): where a query and a work are
    written in different scripts, the lexical cosine is replaced by the larger of itself
    and the bridge's stand-in computed from the embedding cosine (see LexicalBridge).
    """
    n, b = w_dense.shape[0], q_dense.shape[0]
    s = np.empty((n, b), dtype=np.float32)
    np.matmul(np.asarray(w_dense, dtype=np.float32), np.asarray(q_dense, dtype=np.float32).T, out=s)
    if lexical_weight > 0 and q_lex is not None and w_lex is not None:
        lex = (w_lex @ q_lex.T).toarray().astype(np.float32, copy=False)
        _bridge_dense(lex, s, scripts)
        s *= np.float32(1.0 - lexical_weight)
        s += np.float32(lexical_weight) * lex
    return s


def _bridge_dense(lex: np.ndarray, dense_cos: np.ndarray, scripts) -> None:
    if scripts is None or scripts[2] is None:
        return
    q_script, w_script, bridge = scripts
    cross = np.asarray(w_script)[:, None] != np.asarray(q_script)[None, :]
    if cross.any():
        np.maximum(lex, bridge(dense_cos), out=lex, where=cross)


# -- folding works into profiles ----------------------------------------------------------
def _fold_view(g: np.ndarray, m: int) -> np.ndarray:
    """Mean of the best min(c, m) of the c works of each profile; g is (P, c, B), not modified."""
    p, c, b = g.shape
    if c <= m:
        out = g.sum(axis=1, dtype=np.float32)
        if c > 1:
            out /= np.float32(c)
        return out
    # running top-m, kept sorted (top[0] largest), updated by insertion with max/min passes
    top = [g[:, 0].copy()] + [np.full((p, b), -np.inf, dtype=np.float32) for _ in range(m - 1)]
    tmp = np.empty((p, b), dtype=np.float32)
    low = np.empty((p, b), dtype=np.float32)
    for j in range(1, c):
        src = g[:, j]
        depth = min(j + 1, m)
        for t in range(depth - 1):
            np.maximum(top[t], src, out=tmp)
            np.minimum(top[t], src, out=low)
            top[t], tmp = tmp, top[t]
            src = low
        np.maximum(top[depth - 1], src, out=top[depth - 1])
    total = top[0]
    for t in range(1, m):
        total += top[t]
    total /= np.float32(m)
    return total


def _fold_tasks(layout: WorkLayout, b: int) -> list[tuple[int, int, np.ndarray]]:
    """(c, first layout row, profiles) chunks of at most ~_CHUNK_ELEMENTS per fold array."""
    tasks = []
    per = max(1, _CHUNK_ELEMENTS // max(b, 1))
    for c, row0, profs in layout.groups:
        for a in range(0, len(profs), per):
            tasks.append((c, row0 + a * c, profs[a:a + per]))
    return tasks


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def default_threads() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _run(fns: Sequence[Callable[[], None]], threads: int) -> None:
    if threads <= 1 or len(fns) <= 1:
        for f in fns:
            f()
        return
    with _pools_lock:
        pool = _pools.get(threads)
        if pool is None:
            pool = _pools[threads] = ThreadPoolExecutor(threads, thread_name_prefix="dure-topk")
    for fut in [pool.submit(f) for f in fns]:
        fut.result()


def _fold_layout(s_lay: np.ndarray, layout: WorkLayout, top_works: int, threads: int) -> np.ndarray:
    """Profile scores (n_profiles x B) from similarities in layout order (n_works x B)."""
    b = s_lay.shape[1]
    out = np.full((layout.n_profiles, b), -np.inf, dtype=np.float32)
    tasks = _fold_tasks(layout, b)

    def work(part):
        def go():
            for c, row0, profs in part:
                g = s_lay[row0:row0 + len(profs) * c].reshape(len(profs), c, b)
                out[profs] = _fold_view(g, top_works)
        return go

    n = max(1, min(threads, len(tasks)))
    _run([work(tasks[i::n]) for i in range(n)], n)
    return out


def fold_profiles_t(s_t: np.ndarray, layout: WorkLayout, top_works: int, threads: int = 1) -> np.ndarray:
    """Profile scores (n_profiles x B) from work similarities (n_works x B, work order)."""
    s_lay = np.asarray(s_t, dtype=np.float32)[layout.order]
    return _fold_layout(s_lay, layout, top_works, threads)


def fold_profiles(s: np.ndarray, layout: WorkLayout, top_works: int) -> np.ndarray:
    """Profile scores (B x n_profiles): mean of each profile's ``top_works`` best works."""
    return fold_profiles_t(np.asarray(s, dtype=np.float32).T, layout, top_works).T


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


def _top_k_profiles(prof: np.ndarray, k: int, threads: int) -> tuple[np.ndarray, np.ndarray]:
    """top_k_rows of the transposed (n_profiles x B) scores, query rows split over threads."""
    scores = np.ascontiguousarray(prof.T)
    b = scores.shape[0]
    n = max(1, min(threads, b // 32))
    bounds = block_bounds(b, -(-b // n)) if b else []
    parts: list = [None] * len(bounds)

    def work(i, lo, hi):
        def go():
            parts[i] = top_k_rows(scores[lo:hi], k)
        return go

    _run([work(i, lo, hi) for i, (lo, hi) in enumerate(bounds)], n)
    if not parts:
        return top_k_rows(scores, k)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


# -- scoring -------------------------------------------------------------------------------
def _add_lexical(s: np.ndarray, pool: ScoringPool, q_lex: sp.csr_matrix, weight: float, threads: int,
                 scripts, a: np.float32) -> None:
    """s (layout order, n_works x B) += weight * lexical cosine of every work with each query."""
    assert pool.lex is not None
    n, b = s.shape
    q_lex = sp.csr_matrix(q_lex, dtype=np.float32)
    lex_t = np.zeros((b, n), dtype=np.float32)
    n_terms = pool.lex.shape[1]

    def work(part):
        def go():
            for i in part:
                lo, hi = q_lex.indptr[i], q_lex.indptr[i + 1]
                terms, weights = q_lex.indices[lo:hi], q_lex.data[lo:hi]
                keep = terms < n_terms
                if keep.any():  # the query's terms' posting lists, weighted and summed
                    lex_t[i] = pool.lex[:, terms[keep]] @ weights[keep]
        return go

    n_thr = max(1, min(threads, b))
    _run([work(range(k, b, n_thr)) for k in range(n_thr)], n_thr)
    w = np.float32(weight)
    step = 1024
    w_script = np.asarray(scripts[1])[pool.layout.order] if scripts is not None and scripts[2] is not None else None
    for r in range(0, n, step):
        lex = np.ascontiguousarray(lex_t[:, r:r + step].T)
        if w_script is not None:
            cos = (s[r:r + step] + pool.penalty[r:r + step, None]) / a
            _bridge_dense(lex, cos, (scripts[0], w_script[r:r + step], scripts[2]))
        lex *= w
        s[r:r + step] += lex


def score_pool_block(q_dense: np.ndarray, q_lex: sp.csr_matrix | None, pool: ScoringPool,
                     lexical_weight: float, top_works: int, top_k: int, scripts=None,
                     threads: int | None = None, buffer: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (profile index, score) for one block of queries against a prepared pool.

    ``buffer``: float32 scratch of at least n_works x block size, reused between blocks
    (allocating and faulting in a fresh one per block costs as much as a third of the
    matrix product).
    """
    threads = default_threads() if threads is None else max(1, threads)
    layout = pool.layout
    q = np.asarray(q_dense, dtype=np.float32)
    b = q.shape[0]
    hybrid = lexical_weight > 0 and q_lex is not None and pool.lex is not None
    a = np.float32(1.0 - lexical_weight) if hybrid else np.float32(1.0)
    q_ext = np.empty((b, q.shape[1] + 1), dtype=np.float32)
    np.multiply(q, a, out=q_ext[:, :-1])
    q_ext[:, -1] = 1.0
    if buffer is not None and buffer.dtype == np.float32 and buffer.size >= layout.n_works * b:
        s = buffer.reshape(-1)[:layout.n_works * b].reshape(layout.n_works, b)
    else:
        s = np.empty((layout.n_works, b), dtype=np.float32)
    np.matmul(pool.dense, q_ext.T, out=s)  # (1 - w) * cosine - penalty, in layout order
    if hybrid:
        assert q_lex is not None
        _add_lexical(s, pool, q_lex, lexical_weight, threads, scripts, a)
    return _top_k_profiles(_fold_layout(s, layout, top_works, threads), top_k, threads)


def score_block(q_dense: np.ndarray, q_lex: sp.csr_matrix | None, w_dense: np.ndarray,
                w_lex: sp.csr_matrix | None, work_penalty: np.ndarray, layout: WorkLayout,
                lexical_weight: float, top_works: int, top_k: int,
                scripts=None) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (profile index, score) for one block of queries, every query meeting every work.

    ``work_penalty`` (one per work, e.g. for age) is subtracted from every similarity;
    ``scripts`` bridges lexical similarity across writing systems (see
    ``work_similarities_t``). For many blocks, ``prepare_pool`` once and call
    ``score_pool_block``.
    """
    pool = prepare_pool(w_dense, w_lex, work_penalty, layout)
    return score_pool_block(q_dense, q_lex, pool, lexical_weight, top_works, top_k, scripts)


def block_bounds(n: int, block_size: int) -> list[tuple[int, int]]:
    return [(i, min(i + block_size, n)) for i in range(0, n, block_size)]
