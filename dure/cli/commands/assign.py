"""``dure assign``: assign reviewers to proposals from CSV files."""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections.abc import Iterator
from pathlib import Path

from dure.cli import CommandError
from dure.core.assignment import (
    MODES,
    REVIEWER_KINDS,
    AssignmentProblem,
    InfeasibleAssignment,
    PinError,
    ProposalSpec,
    ReviewerAssigner,
    ReviewerSpec,
)

NAME = "assign"
HELP = "Assign reviewers to proposals under conflict, load and panel rules (CSV in, CSV out)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--proposals", required=True, type=Path,
                        help="CSV: proposal_id,organisation_id,required_reviewers[,min_industry]")
    parser.add_argument("--reviewers", required=True, type=Path,
                        help="CSV: reviewer_id,organisation_id,kind,max_load (kind: academic, institute, industry)")
    parser.add_argument("--scores", required=True, type=Path,
                        help="CSV: proposal_id,reviewer_id,score (absent pairs are not candidates)")
    parser.add_argument("--conflicts", type=Path, help="CSV: proposal_id,reviewer_id,reason")
    parser.add_argument("--out", required=True, type=Path, help="output CSV: proposal_id,reviewer_id")
    parser.add_argument("--mode", choices=MODES, default="optimal")
    parser.add_argument("--max-probability", type=float, default=0.5,
                        help="randomized mode: cap on any pair's probability (default 0.5)")
    parser.add_argument("--seed", type=int, default=None,
                        help="random seed (required for --mode randomized)")
    parser.add_argument("--min-industry", type=int, default=0,
                        help="at least this many industry reviewers per proposal (a min_industry "
                             "column in proposals.csv overrides it per proposal)")


def _rows(path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> Iterator[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise CommandError(f"{path}: file not found")
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise CommandError(f"{path}: cannot read ({exc.strerror})") from exc
    with handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in required if c not in header]
        if missing:
            raise CommandError(f"{path}, line 1: missing column(s) {', '.join(missing)}; "
                               f"expected header {','.join(required)}"
                               + (f" (optional: {','.join(optional)})" if optional else "")
                               + f", found {','.join(header) or 'nothing'}")
        reader.fieldnames = header
        try:
            for row in reader:
                if not any((v or "").strip() for k, v in row.items() if k is not None):
                    continue
                yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None}
        except csv.Error as exc:
            raise CommandError(f"{path}, line {reader.line_num}: {exc}") from exc


def _text(path: Path, line: int, row: dict[str, str], column: str) -> str:
    value = row.get(column, "")
    if not value:
        raise CommandError(f"{path}, line {line}, column {column}: empty value")
    return value


def _int(path: Path, line: int, row: dict[str, str], column: str, default: int | None = None) -> int:
    raw = row.get(column, "")
    if raw == "" and default is not None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise CommandError(f"{path}, line {line}, column {column}: expected a whole number >= 0, "
                           f"got {raw!r}") from None
    if value < 0:
        raise CommandError(f"{path}, line {line}, column {column}: must be >= 0, got {value}")
    return value


def read_inputs(args: argparse.Namespace) -> AssignmentProblem:
    proposals: list[ProposalSpec] = []
    p_line: dict[str, int] = {}
    for line, row in _rows(args.proposals, ("proposal_id", "organisation_id", "required_reviewers"),
                           ("min_industry",)):
        pid = _text(args.proposals, line, row, "proposal_id")
        if pid in p_line:
            raise CommandError(f"{args.proposals}, line {line}, column proposal_id: {pid!r} "
                               f"already given on line {p_line[pid]}")
        p_line[pid] = line
        required = _int(args.proposals, line, row, "required_reviewers")
        min_industry = _int(args.proposals, line, row, "min_industry", args.min_industry)
        if min_industry > required:
            raise CommandError(f"{args.proposals}, line {line}, column min_industry: {min_industry} "
                               f"exceeds required_reviewers {required}")
        proposals.append(ProposalSpec(pid, row.get("organisation_id") or None, required,
                                      {"industry": min_industry} if min_industry else {}))
    reviewers: list[ReviewerSpec] = []
    r_line: dict[str, int] = {}
    for line, row in _rows(args.reviewers, ("reviewer_id", "organisation_id", "kind", "max_load")):
        rid = _text(args.reviewers, line, row, "reviewer_id")
        if rid in r_line:
            raise CommandError(f"{args.reviewers}, line {line}, column reviewer_id: {rid!r} "
                               f"already given on line {r_line[rid]}")
        r_line[rid] = line
        kind = row["kind"].lower()
        if kind not in REVIEWER_KINDS:
            raise CommandError(f"{args.reviewers}, line {line}, column kind: expected one of "
                               f"{', '.join(REVIEWER_KINDS)}, got {row['kind']!r}")
        reviewers.append(ReviewerSpec(rid, _text(args.reviewers, line, row, "organisation_id"),
                                      kind, _int(args.reviewers, line, row, "max_load")))

    def known(path: Path, line: int, row: dict[str, str]) -> tuple[str, str]:
        pid, rid = row["proposal_id"], row["reviewer_id"]
        if pid not in p_line:
            raise CommandError(f"{path}, line {line}, column proposal_id: {pid!r} is not in {args.proposals}")
        if rid not in r_line:
            raise CommandError(f"{path}, line {line}, column reviewer_id: {rid!r} is not in {args.reviewers}")
        return pid, rid

    scores: list[tuple[str, str, float]] = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in _rows(args.scores, ("proposal_id", "reviewer_id", "score")):
        pair = known(args.scores, line, row)
        if pair in seen:
            raise CommandError(f"{args.scores}, line {line}: pair {pair[0]},{pair[1]} already "
                               f"scored on line {seen[pair]}")
        seen[pair] = line
        try:
            score = float(row["score"])
        except ValueError:
            score = math.nan
        if not math.isfinite(score):
            raise CommandError(f"{args.scores}, line {line}, column score: expected a number, got {row['score']!r}")
        scores.append((*pair, score))
    conflicts: list[tuple[str, str]] = []
    if args.conflicts is not None:
        for line, row in _rows(args.conflicts, ("proposal_id", "reviewer_id", "reason")):
            conflicts.append(known(args.conflicts, line, row))
    try:
        return AssignmentProblem.from_records(proposals, reviewers, scores, conflicts)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def run(args: argparse.Namespace) -> int:
    if args.mode == "randomized" and args.seed is None:
        raise CommandError("--mode randomized needs --seed N so the draw can be repeated")
    if not 0 < args.max_probability <= 1:
        raise CommandError(f"--max-probability must be in (0, 1], got {args.max_probability}")
    problem = read_inputs(args)
    solver = ReviewerAssigner(args.mode, max_probability=args.max_probability, seed=args.seed)
    try:
        result = solver.solve(problem)
    except InfeasibleAssignment as exc:
        raise CommandError(f"no assignment possible.\n{exc.diagnosis_}") from None
    except (PinError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    try:
        with args.out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["proposal_id", "reviewer_id"])
            writer.writerows(result.as_ids(problem))
    except OSError as exc:
        raise CommandError(f"{args.out}: cannot write ({exc.strerror})") from exc
    print(f"assigned={len(result.pairs)} proposals={problem.n_proposals} mode={result.mode} "
          f"total_affinity={result.total_affinity:.4f} per_proposal_min={result.per_proposal_min:.4f} "
          f"seed={result.seed} out={args.out}", file=sys.stderr)
    return 0
