"""``dure rank``: calibrate review scores, rank with intervals, draw the funding line.

    dure rank --reviews reviews.csv --fundable 10 --seed "KOSPI close 2026-11-20: 2,501.33" --out ranking.csv
    dure rank --verify-lottery ranking.lottery.json

The reviews file has a header with ``proposal_id,reviewer_id,score`` and optionally
``confidence`` and ``panel_id``. The ranking is written to ``--out`` and the lottery
record next to it (``ranking.csv`` -> ``ranking.lottery.json``).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

from dure.cli import CommandError

NAME = "rank"
HELP = "Calibrate review scores, rank proposals with intervals and draw the funding-line lottery."

REQUIRED = ("proposal_id", "reviewer_id", "score")
OPTIONAL = ("confidence", "panel_id")
OUTPUT = ("proposal_id", "calibrated_score", "expected_rank", "rank_low", "rank_high", "decision")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reviews", type=Path, help="CSV: proposal_id,reviewer_id,score[,confidence][,panel_id]")
    parser.add_argument("--fundable", type=int, help="number of proposals that can be funded")
    parser.add_argument("--seed", help="lottery seed: a value published before the draw (any text)")
    parser.add_argument("--out", type=Path, help="ranking CSV to write; the lottery record goes beside it")
    parser.add_argument("--level", type=float, default=0.9, help="rank interval level (default 0.9)")
    parser.add_argument("--score-range", type=float, nargs=2, metavar=("LOW", "HIGH"),
                        help="reject scores outside [LOW, HIGH]")
    parser.add_argument("--samples", type=int, default=1000, help="posterior draws (default 1000)")
    parser.add_argument("--burn-in", type=int, default=300, help="sampler sweeps discarded (default 300)")
    parser.add_argument("--mcmc-seed", type=int, default=0,
                        help="seed of the calibration sampler (default 0); recorded in the output summary")
    parser.add_argument("--verify-lottery", type=Path, metavar="FILE",
                        help="re-run the draw recorded in FILE and say whether it matches")


def read_reviews(path: Path) -> dict[str, list]:
    """Read and validate the reviews CSV; errors name the file, line and column."""
    if not path.is_file():
        raise CommandError(f"{path}: no such file; give the reviews CSV with --reviews")
    columns: dict[str, list] = {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            try:
                header = [h.strip() for h in next(reader)]
            except StopIteration:
                raise CommandError(f"{path}: the file is empty; it needs a header line "
                                   f"{','.join(REQUIRED)}[,confidence][,panel_id]") from None
            missing = [c for c in REQUIRED if c not in header]
            if missing:
                raise CommandError(f"{path}, line 1: missing column(s) {', '.join(missing)}; "
                                   f"the header has {', '.join(header) or 'nothing'}")
            unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
            if unknown:
                raise CommandError(f"{path}, line 1: unknown column(s) {', '.join(unknown)}; "
                                   f"allowed: {', '.join(REQUIRED + OPTIONAL)}")
            if len(set(header)) != len(header):
                raise CommandError(f"{path}, line 1: a column name appears twice")
            pos = {name: header.index(name) for name in header}
            columns = {name: [] for name in header}
            seen: dict[tuple[str, str], int] = {}
            for row in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    raise CommandError(f"{path}, line {line}: {len(row)} fields where the header has {len(header)}")
                for name in header:
                    cell = row[pos[name]].strip()
                    if not cell:
                        raise CommandError(f"{path}, line {line}, column {name}: empty; every row needs a value")
                    if name in ("score", "confidence"):
                        try:
                            value = float(cell)
                        except ValueError:
                            raise CommandError(f"{path}, line {line}, column {name}: {cell!r} is not a number") from None
                        if not math.isfinite(value):
                            raise CommandError(f"{path}, line {line}, column {name}: {cell!r} is not a finite number")
                        if name == "confidence" and value <= 0:
                            raise CommandError(f"{path}, line {line}, column confidence: {cell} must be positive")
                        columns[name].append(value)
                    else:
                        columns[name].append(cell)
                key = (row[pos["proposal_id"]].strip(), row[pos["reviewer_id"]].strip())
                if key in seen:
                    raise CommandError(f"{path}, line {line}: reviewer {key[1]!r} already scored proposal "
                                       f"{key[0]!r} on line {seen[key]}; keep one score per pair")
                seen[key] = line
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path}: not UTF-8 text ({exc}); save the CSV as UTF-8") from None
    except csv.Error as exc:
        raise CommandError(f"{path}: malformed CSV ({exc})") from None
    if not columns.get("score"):
        raise CommandError(f"{path}: no reviews after the header")
    return columns


def _lottery_path(out: Path) -> Path:
    return out.with_name(out.stem + ".lottery.json")


def verify_lottery(path: Path) -> int:
    from dure.core.lottery import LotteryInputError, LotteryRecord, rerun_lottery

    if not path.is_file():
        raise CommandError(f"{path}: no such file; give a lottery record written by `dure rank`")
    try:
        record = LotteryRecord.from_json(path.read_text(encoding="utf-8"))
        again = rerun_lottery(record)
    except LotteryInputError as exc:
        raise CommandError(f"{path}: {exc}") from None
    problems = []
    if again.input_digest != record.input_digest:
        problems.append(f"input digest differs (recorded {record.input_digest}, recomputed {again.input_digest})")
    if again.winners != record.winners:
        problems.append(f"winners differ (recorded {', '.join(record.winners) or 'none'}; "
                        f"re-run gives {', '.join(again.winners) or 'none'})")
    if problems:
        print(f"lottery record {path} does NOT match: " + "; ".join(problems))
        return 1
    print(f"lottery record {path} matches: {len(record.winners)} winner(s) of {len(record.candidates)} "
          f"candidate(s) for {record.places} place(s), seed {record.seed!r}, {record.algorithm}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.verify_lottery is not None:
        return verify_lottery(args.verify_lottery)
    missing = [flag for flag, value in (("--reviews", args.reviews), ("--fundable", args.fundable),
                                        ("--seed", args.seed), ("--out", args.out)) if value is None]
    if missing:
        raise CommandError(f"missing {', '.join(missing)} (or use --verify-lottery FILE)")
    if args.fundable < 0:
        raise CommandError(f"--fundable must be zero or more, got {args.fundable}")
    if not args.seed.strip():
        raise CommandError("--seed must not be empty: use the value published before the draw")
    if not 0 < args.level < 1:
        raise CommandError(f"--level must lie between 0 and 1, got {args.level}")
    if not args.out.parent.is_dir():
        raise CommandError(f"{args.out.parent}: the output folder does not exist")

    from dure.core.calibration import CalibrationInputError, ScoreCalibrator
    from dure.core.lottery import draw_funding_line
    from dure.core.ranking import rank_with_intervals

    reviews = read_reviews(args.reviews)
    try:
        calibrator = ScoreCalibrator(
            n_samples=args.samples, burn_in=args.burn_in, seed=args.mcmc_seed,
            score_range=tuple(args.score_range) if args.score_range else None,
        ).fit(
            reviews["proposal_id"], reviews["reviewer_id"], reviews["score"],
            confidences=reviews.get("confidence"), panel_ids=reviews.get("panel_id"),
        )
    except CalibrationInputError as exc:
        raise CommandError(f"{args.reviews}: {exc}") from None
    ranking = rank_with_intervals(calibrator, top_n=max(args.fundable, 1), level=args.level)
    line = draw_funding_line(ranking, args.fundable, args.seed)
    decision = line.by_id()

    with args.out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(OUTPUT)
        for row in ranking.rows:
            writer.writerow([row.proposal_id, f"{row.calibrated_score:.4f}", f"{row.expected_rank:.2f}",
                             row.rank_low, row.rank_high, decision[row.proposal_id]])
    record_path = _lottery_path(args.out)
    record_path.write_text(line.record.to_json(), encoding="utf-8")

    s = calibrator.summary_
    print(f"{s.n_reviews} reviews of {s.n_proposals} proposals by {s.n_reviewers} reviewers"
          + (f" in {s.n_panels} panels" if s.n_panels else ""))
    print(f"spread: quality sd {s.quality_sd:.3f}, reviewer leniency sd {s.leniency_sd:.3f}, "
          f"noise sd {s.noise_sd:.3f} (sampler seed {args.mcmc_seed}, {args.samples} draws)")
    counts = ", ".join(f"{d} {line.count(d)}" for d in ("funded", "lottery_funded", "lottery_not_funded", "not_funded"))
    print(f"fundable {line.fundable}: {counts}")
    print(f"wrote {args.out} and {record_path}")
    print(f"re-run the lottery: dure rank --verify-lottery {record_path}")
    sys.stdout.flush()
    return 0
