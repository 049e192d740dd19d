"""Similar-project search: IVF index against exact search on the same data.

Synthetic data (labelled so in the output): clustered unit vectors of dimension 384,
like sentence embeddings of projects grouped by topic. Prints build time, per-query
latency percentiles for the IVF index and for exact search (measured in this run), and
recall@10 of the IVF index against exact search.

    .venv/bin/python -m bench.similar            # 100,000 projects
    .venv/bin/python -m bench.similar --quick    # 10,000 projects
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from dure.core.similar import SimilarIndex


def clustered_vectors(n: int, dim: int, n_topics: int, rng: np.random.Generator,
                      spread: float = 0.9) -> np.ndarray:
    """Unit vectors around ``n_topics`` random topic directions; ``spread`` is the noise scale."""
    topics = rng.standard_normal((n_topics, dim)).astype(np.float32)
    topics /= np.linalg.norm(topics, axis=1, keepdims=True)
    labels = rng.integers(0, n_topics, size=n)
    noise = rng.standard_normal((n, dim)).astype(np.float32) * (spread / np.sqrt(dim))
    x = topics[labels] + noise
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def percentile_ms(times: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(times) * 1000.0, q))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 projects instead of 100,000")
    parser.add_argument("--n", type=int, default=None, help="number of projects")
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--n-probe", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--spread", type=float, default=0.9,
                        help="noise around each topic direction; larger = topics overlap more")
    args = parser.parse_args(argv)
    n = args.n or (10_000 if args.quick else 100_000)
    rng = np.random.default_rng(args.seed)
    n_topics = max(10, n // 100)
    data = clustered_vectors(n + args.queries, args.dim, n_topics, rng, spread=args.spread)
    base, queries = data[:n], data[n:]
    ids = [f"P{i:06d}" for i in range(n)]

    t0 = time.perf_counter()
    exact = SimilarIndex(method="exact").build(ids, base)
    exact_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    ivf = SimilarIndex(method="ivf", n_probe=args.n_probe, seed=args.seed).build(ids, base)
    ivf_build = time.perf_counter() - t0

    for q in queries[:5]:  # warm-up
        exact.search_positions(q, 10)
        ivf.search_positions(q, 10)
    exact_times, ivf_times, recalls = [], [], []
    for q in queries:
        t = time.perf_counter()
        truth, _ = exact.search_positions(q, 10)
        exact_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        found, _ = ivf.search_positions(q, 10)
        ivf_times.append(time.perf_counter() - t)
        recalls.append(len(set(truth.tolist()) & set(found.tolist())) / 10.0)

    p95 = percentile_ms(ivf_times, 95)
    exact_p95 = percentile_ms(exact_times, 95)
    print("data=synthetic clustered unit vectors")
    print(f"n_projects={n}")
    print(f"dim={args.dim}")
    print(f"n_topics={n_topics}")
    print(f"spread={args.spread}")
    print(f"queries={args.queries}")
    print(f"ivf_lists={ivf.centres_.shape[0]}")
    print(f"n_probe={args.n_probe}")
    print(f"build_s={ivf_build:.2f}")
    print(f"exact_build_s={exact_build:.2f}")
    print(f"p50_ms={percentile_ms(ivf_times, 50):.2f}")
    print(f"p95_ms={p95:.2f}")
    print(f"exact_p50_ms={percentile_ms(exact_times, 50):.2f}")
    print(f"exact_p95_ms={exact_p95:.2f}")
    print(f"speedup_p95={exact_p95 / p95:.1f}")
    print(f"recall@10={float(np.mean(recalls)):.4f}")
    print(f"target_met={p95 < 50.0 and float(np.mean(recalls)) >= 0.95}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
