"""Affiliation matching against publisher-asserted ROR ids (Crossref, Springer Nature).

Real data: ``ror_affiliation_matching/`` in the shared data folder. The ROR records available
offline are partial (about 51,000 of the registry's organisations), so a row whose gold
ROR id is not among them cannot be matched: such rows do not count toward recall, and a
match made on them is counted separately (it is necessarily a different organisation).

    precision = correct matches / matches made      (rows whose gold id is available)
    recall    = correct matches / rows              (rows whose gold id is available)

Rows are split deterministically into two halves by a hash of the affiliation string
(the same string always falls in the same half): the matcher's rules were developed
looking at the errors of the ``dev`` half only; the ``heldout`` half shows whether they
generalise. Both are printed, with the totals.

A naive baseline, measured in the same run, accepts the organisation whose normalised
name appears exactly as one comma-separated part of the string.

    .venv/bin/python -m bench.affiliation            # all 23,512 rows
    .venv/bin/python -m bench.affiliation --quick    # 2,000 rows
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

from dure.core.affiliation import AffiliationMatcher, tokens
from dure.core.datadir import data_dir
from dure.core.importers.ror import iter_ror_records, normalise_ror_id

DATA = data_dir()
ROR_FILES = ("ror/ror_v2_latest_from_ror-records.jsonl.gz", "ror/ror_v1schema_only_from_ror-records.jsonl.gz")
GOLD_FILES = (
    "ror_affiliation_matching/crossref_publisher_asserted_affiliation_ror_20230628.csv",
    "ror_affiliation_matching/springer_nature_affiliation_ror_20231031.csv",
)


def gold_rows(data: Path) -> Iterator[tuple[str, str, str]]:
    for rel in GOLD_FILES:
        with open(data / rel, newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                yield rel.split("/")[-1].split("_")[0], row["affiliation"], normalise_ror_id(row["ror_id"])


def half(affiliation: str) -> str:
    """``dev`` or ``heldout``, fixed by the string's hash."""
    return ("dev", "heldout")[int(hashlib.sha1(affiliation.encode("utf-8")).hexdigest(), 16) % 2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every 12th row only")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--threshold", type=float, default=0.8)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    orgs = [o for rel in ROR_FILES for o in iter_ror_records(args.data / rel)]
    matcher = AffiliationMatcher(threshold=args.threshold).fit(orgs)
    fit_s = time.perf_counter() - t0
    available = set(matcher.orgs_)
    rows = list(gold_rows(args.data))
    if args.quick:
        rows = rows[::12]

    exact_names: dict[str, set[str]] = {}
    for ror_id, _, toks in matcher.names_:
        exact_names.setdefault(" ".join(toks), set()).add(ror_id)

    stats = {k: 0 for k in ("rows", "in_index", "made", "correct", "made_unavailable",
                            "base_made", "base_correct")}
    per_source: dict[str, list[int]] = {}
    per_half: dict[str, list[int]] = {"dev": [0, 0, 0], "heldout": [0, 0, 0]}
    t0 = time.perf_counter()
    for source, text, gold in rows:
        stats["rows"] += 1
        result = matcher.match(text)
        baseline: set[str] = set()
        for part in text.split(","):
            baseline |= exact_names.get(" ".join(tokens(part)), set())
        base = next(iter(baseline)) if len(baseline) == 1 else ""
        if gold not in available:
            stats["made_unavailable"] += result.matched
            continue
        stats["in_index"] += 1
        stats["made"] += result.matched
        stats["correct"] += result.ror_id == gold
        stats["base_made"] += bool(base)
        stats["base_correct"] += base == gold
        for counts in (per_source.setdefault(source, [0, 0, 0]), per_half[half(text)]):
            counts[0] += 1
            counts[1] += result.matched
            counts[2] += result.ror_id == gold
    match_s = time.perf_counter() - t0

    def ratio(a: int, b: int) -> float:
        return a / b if b else 0.0

    precision = ratio(stats["correct"], stats["made"])
    recall = ratio(stats["correct"], stats["in_index"])
    base_p = ratio(stats["base_correct"], stats["base_made"])
    base_r = ratio(stats["base_correct"], stats["in_index"])
    print("data=real (Crossref + Springer Nature publisher-asserted ROR ids)")
    print(f"ror_organisations={len(available)}")
    print(f"rows={stats['rows']}")
    print(f"rows_gold_in_available_ror={stats['in_index']}")
    print(f"rows_gold_not_available={stats['rows'] - stats['in_index']}")
    print(f"matches_made_on_unavailable_gold={stats['made_unavailable']}")
    print(f"threshold={args.threshold}")
    print(f"precision={precision:.4f}")
    print(f"recall={recall:.4f}")
    for source, (n, made, correct) in sorted(per_source.items()):
        print(f"{source}_precision={ratio(correct, made):.4f}")
        print(f"{source}_recall={ratio(correct, n):.4f}")
    for name, (n, made, correct) in per_half.items():
        print(f"{name}_rows={n}")
        print(f"{name}_precision={ratio(correct, made):.4f}")
        print(f"{name}_recall={ratio(correct, n):.4f}")
    print(f"baseline_exact_part_precision={base_p:.4f}")
    print(f"baseline_exact_part_recall={base_r:.4f}")
    print(f"recall_vs_baseline={ratio(stats['correct'], stats['base_correct']):.2f}")
    print(f"fit_s={fit_s:.1f}")
    print(f"ms_per_affiliation={1000 * match_s / max(1, stats['rows']):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
