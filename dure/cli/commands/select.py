"""``dure select``: choose the funded portfolio from CSV files and explain every decision."""

from __future__ import annotations

import argparse
import contextlib
import csv
import math
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

from dure.cli import CommandError
from dure.core.money import format_krw
from dure.core.selection import (
    Budget,
    Candidate,
    InfeasibleRulesError,
    PortfolioRules,
    SelectionInputError,
    compare_with_rank,
    explain_portfolio,
    select_portfolio,
)

NAME = "select"
HELP = "Choose the portfolio of greatest quality under yearly track budgets and programme targets (CSV in, CSV out)."

CANDIDATE_COLUMNS = ("proposal_id", "track", "sector", "organisation_id", "international", "quality")
BUDGET_COLUMNS = ("track", "year", "amount")
_COST = re.compile(r"^cost_(\d{4})$")
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f", ""}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--candidates", required=True, type=Path,
                        help="CSV: proposal_id,track,sector,organisation_id,international,quality,"
                             "cost_<year>... (KRW per year; empty means nothing that year)")
    parser.add_argument("--budgets", required=True, type=Path, help="CSV: track,year,amount (KRW)")
    parser.add_argument("--out", required=True, type=Path,
                        help="output CSV: proposal_id,selected,reason,kind,quality,quality_needed,total_cost")
    parser.add_argument("--min-international-share", type=float, default=0.15,
                        help="least share of committed money for international projects (default 0.15; 0 switches it off)")
    parser.add_argument("--organisation-cap", type=int, default=None,
                        help="most projects one lead organisation may hold")
    parser.add_argument("--sector-minimum", action="append", default=[], metavar="SECTOR=N",
                        help="at least N projects in SECTOR (repeatable)")
    parser.add_argument("--must-include", default="", metavar="ID,ID",
                        help="proposal ids the committee must fund")
    parser.add_argument("--must-exclude", default="", metavar="ID,ID",
                        help="proposal ids the committee excluded")
    parser.add_argument("--compare-rank", action="store_true",
                        help="also fund by rank until the money runs out and compare")
    parser.add_argument("--exact-top-k", type=int, default=20,
                        help="re-solve for this many near-miss proposals on each side of the line (default 20)")
    parser.add_argument("--time-limit", type=float, default=60.0,
                        help="seconds the solver may use for one solve (default 60)")


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, list[str], dict[str, str]]]:
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
            raise CommandError(f"{path}, line 1: missing column(s) {', '.join(missing)}; expected "
                               f"header {','.join(required)}, found {','.join(header) or 'nothing'}")
        reader.fieldnames = header
        try:
            for row in reader:
                if None in row:
                    raise CommandError(f"{path}, line {reader.line_num}: more values than columns")
                if not any((v or "").strip() for v in row.values()):
                    continue
                yield reader.line_num, header, {k: (v or "").strip() for k, v in row.items()}
        except csv.Error as exc:
            raise CommandError(f"{path}, line {reader.line_num}: {exc}") from exc


def _number(path: Path, line: int, column: str, text: str, *, allow_empty: bool = False) -> float:
    if text == "" and allow_empty:
        return 0.0
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise CommandError(f"{path}, line {line}, column {column}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise CommandError(f"{path}, line {line}, column {column}: {text!r} is not a finite number")
    return value


def _money(path: Path, line: int, column: str, text: str, *, allow_empty: bool = False) -> float:
    value = _number(path, line, column, text, allow_empty=allow_empty)
    if value < 0:
        raise CommandError(f"{path}, line {line}, column {column}: money cannot be negative ({text})")
    return int(value) if value == int(value) else value


def read_candidates(path: Path) -> list[Candidate]:
    out: list[Candidate] = []
    seen: dict[str, int] = {}
    for line, header, row in _rows(path, CANDIDATE_COLUMNS):
        cost_columns = [(h, int(m.group(1))) for h in header if (m := _COST.match(h))]
        if not cost_columns:
            raise CommandError(f"{path}, line 1: no cost_<year> columns (e.g. cost_2026, cost_2027)")
        for column in ("proposal_id", "track", "sector", "organisation_id", "quality"):
            if not row[column]:
                raise CommandError(f"{path}, line {line}, column {column}: empty value")
        pid = row["proposal_id"]
        if pid in seen:
            raise CommandError(f"{path}, line {line}, column proposal_id: {pid!r} already given on line {seen[pid]}")
        seen[pid] = line
        flag = row["international"].lower()
        if flag not in _TRUE | _FALSE:
            raise CommandError(f"{path}, line {line}, column international: {row['international']!r} "
                               "is not yes/no (use true/false, yes/no or 1/0)")
        costs = {}
        for column, year in cost_columns:
            amount = _money(path, line, column, row[column], allow_empty=True)
            if amount > 0:
                costs[year] = amount
        if not costs:
            raise CommandError(f"{path}, line {line}: every cost_<year> is empty or zero; give the KRW it needs")
        out.append(Candidate(pid, row["track"], row["sector"], row["organisation_id"], flag in _TRUE,
                             _number(path, line, "quality", row["quality"]), costs))
    if not out:
        raise CommandError(f"{path}: no candidates")
    return out


def read_budgets(path: Path) -> list[Budget]:
    out: list[Budget] = []
    seen: dict[tuple[str, int], int] = {}
    for line, _, row in _rows(path, BUDGET_COLUMNS):
        if not row["track"]:
            raise CommandError(f"{path}, line {line}, column track: empty value")
        try:
            year = int(row["year"])
        except ValueError:
            raise CommandError(f"{path}, line {line}, column year: {row['year']!r} is not a year") from None
        key = (row["track"], year)
        if key in seen:
            raise CommandError(f"{path}, line {line}: budget for {key[0]} in {year} already given on line {seen[key]}")
        seen[key] = line
        out.append(Budget(row["track"], year, _money(path, line, "amount", row["amount"])))
    if not out:
        raise CommandError(f"{path}: no budgets")
    return out


def _rules(args: argparse.Namespace) -> PortfolioRules:
    minimums = {}
    for item in args.sector_minimum:
        sector, _, count = item.partition("=")
        if not sector or not count.isdigit():
            raise CommandError(f"--sector-minimum {item!r}: write SECTOR=N, e.g. semiconductors=3")
        minimums[sector] = int(count)
    share = args.min_international_share
    if not 0 <= share <= 1:
        raise CommandError(f"--min-international-share {share}: give a share between 0 and 1, e.g. 0.15")
    if args.organisation_cap is not None and args.organisation_cap < 0:
        raise CommandError("--organisation-cap must be 0 or more")
    ids = lambda text: frozenset(p.strip() for p in text.split(",") if p.strip())  # noqa: E731
    return PortfolioRules(min_international_share=share or None, sector_minimums=minimums,
                          organisation_cap=args.organisation_cap,
                          must_include=ids(args.must_include), must_exclude=ids(args.must_exclude))


@contextlib.contextmanager
def _quiet_solver() -> Iterator[None]:
    """Keep the solver library's own diagnostic lines off standard output."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real file descriptor (e.g. captured output): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as sink:
            os.dup2(sink.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def run(args: argparse.Namespace) -> int:
    candidates = read_candidates(args.candidates)
    budgets = read_budgets(args.budgets)
    rules = _rules(args)
    try:
        with _quiet_solver():
            portfolio = select_portfolio(candidates, budgets, rules, time_limit=args.time_limit)
            explanations = explain_portfolio(candidates, budgets, rules, portfolio,
                                             exact_top_k=max(0, args.exact_top_k),
                                             time_limit=args.time_limit)
            comparison = (compare_with_rank(candidates, budgets, rules, optimal=portfolio)
                          if args.compare_rank else None)
    except InfeasibleRulesError as exc:
        raise CommandError("the rules cannot all be met:\n  - "
                           + "\n  - ".join(s.message for s in exc.shortfalls)) from None
    except SelectionInputError as exc:
        raise CommandError(str(exc)) from None

    try:
        with args.out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["proposal_id", "selected", "reason", "kind", "quality",
                             "quality_needed", "total_cost"])
            for c, e in zip(candidates, explanations, strict=True):
                needed = "" if e.quality_needed is None else f"{e.quality_needed:.4f}"
                writer.writerow([c.proposal_id, "yes" if e.selected else "no", e.message, e.kind,
                                 f"{c.quality:g}", needed, f"{c.total_cost:.0f}"])
    except OSError as exc:
        raise CommandError(f"{args.out}: cannot write ({exc.strerror})") from None

    table = {(b.track, b.year): b.amount for b in budgets}
    print(f"status={portfolio.status} gap={portfolio.gap:.2e} solve_seconds={portfolio.solve_seconds:.2f}")
    print(f"selected={len(portfolio.selected)} of {len(candidates)} objective={portfolio.objective:.4f}")
    print(f"committed={format_krw(portfolio.total_cost)} international_share={portfolio.international_share:.2%}"
          + (f" (target {rules.min_international_share:.0%})" if rules.min_international_share else ""))
    for key in sorted(table):
        spent = portfolio.spent.get(key, 0.0)
        print(f"  {key[0]} {key[1]}: {format_krw(spent)} of {format_krw(table[key])}")
    if comparison is not None:
        cmp = comparison
        print(f"fund_by_rank objective={cmp.baseline.objective:.4f} selected={len(cmp.baseline.selected)} "
              f"international_share={cmp.baseline.international_share:.2%}")
        print(f"quality_ratio_vs_rank={cmp.quality_ratio:.3f} only_in_optimal={len(cmp.only_in_optimal)} "
              f"only_in_rank={len(cmp.only_in_baseline)}")
        for problem in cmp.baseline_violations:
            print(f"  fund_by_rank breaks a rule: {problem}")
    print(f"wrote {args.out}")
    return 0
