"""Portfolio selection at programme scale, against funding by rank in the same run.

    .venv/bin/python -m bench.select              # 2,000 candidates, 3 tracks x 5 years, seeds 0-4
    .venv/bin/python -m bench.select --quick      # 300 candidates, seeds 0-1

SYNTHETIC candidates (seeded), scaled to the programme's announced money (DESIGN.md):
choke-point track 148.7 billion KRW in 2026 and 1.2 trillion KRW to 2030 (the rest spread
evenly over 2027-2030); industrial original technologies 66.5 billion KRW in 2026 and
687 billion KRW to 2028 (the 2028 level is assumed to continue to 2030); game-changer
about 1 trillion KRW, feasibility studies first (assumed 10 and 50 billion KRW in 2026-27,
the rest evenly over 2028-2030). Candidates: 10 sectors, 400 lead organisations of very
unequal size, 12% international, projects of 1-5 years starting 2026-2028 with yearly
costs on a 5억 KRW grid, calibrated quality ~ N(70, 10) on a 0-100 scale.
What-if: the 2026 choke-point budget cut by 10%.
Rules: international share >= 15%, at least 3 projects per sector, at most 5 projects
per lead organisation, 3 proposals the committee must include and 3 it excludes.

Every figure is key=value. Times are wall-clock (``*_seconds``) and, for the solve, CPU
time of this process (``solve_cpu_seconds``) next to the machine's load average, so a run
on a busy machine can be read fairly. ``constraints_hold`` comes from ``check_portfolio``, a
checker written without the solver; ``quality_ratio`` is optimal / funding-by-rank.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from dure.core.money import format_krw
from dure.core.selection import (
    Budget,
    Candidate,
    PortfolioRules,
    WhatIfChange,
    check_portfolio,
    explain_portfolio,
    fund_by_rank,
    select_portfolio,
    what_if,
)

YEARS = (2026, 2027, 2028, 2029, 2030)
BILLION = 1_000_000_000
EOK = 100_000_000
TRACKS = {
    # track: (yearly budgets, share of candidates, yearly cost grid in 억, durations)
    "choke-point": ([148.7 * BILLION] + [(1200 - 148.7) / 4 * BILLION] * 4, 0.45, (5, 40), (3, 5)),
    "original": ([66.5 * BILLION] + [(687 - 66.5) / 2 * BILLION] * 4, 0.45, (5, 30), (3, 5)),
    "game-changer": ([10 * BILLION, 50 * BILLION] + [(1000 - 60) / 3 * BILLION] * 3, 0.10, (10, 80), (1, 4)),
}


def make_instance(n: int, seed: int) -> tuple[list[Candidate], list[Budget], PortfolioRules]:
    rng = np.random.default_rng(seed)
    names = list(TRACKS)
    track_of = rng.choice(len(names), n, p=[TRACKS[t][1] for t in names])
    org_weights = 1.0 / np.arange(1, 401) ** 0.8
    org_of = rng.choice(400, n, p=org_weights / org_weights.sum())
    candidates = []
    for i in range(n):
        track = names[track_of[i]]
        _, _, (lo, hi), (dmin, dmax) = TRACKS[track]
        start = int(rng.choice([2026, 2027, 2028], p=[0.6, 0.25, 0.15]))
        years = range(start, min(YEARS[-1], start + int(rng.integers(dmin, dmax + 1)) - 1) + 1)
        yearly = int(rng.integers(lo // 5, hi // 5 + 1)) * 5 * EOK
        quality = round(float(np.clip(rng.normal(70, 10), 0, 100)), 1)
        candidates.append(Candidate(
            proposal_id=f"S{seed}-{i:05d}", track=track, sector=f"sector-{rng.integers(10)}",
            organisation_id=f"org-{org_of[i]:03d}", international=bool(rng.random() < 0.12),
            quality=quality, costs={y: yearly for y in years}))
    budgets = [Budget(t, y, round(a)) for t in names for y, a in zip(YEARS, TRACKS[t][0], strict=True)]
    ids = [c.proposal_id for c in candidates]
    picks = rng.choice(n, 6, replace=False)
    rules = PortfolioRules(
        min_international_share=0.15,
        sector_minimums={f"sector-{k}": 3 for k in range(10)},
        organisation_cap=5,
        must_include=frozenset(ids[k] for k in picks[:3]),
        must_exclude=frozenset(ids[k] for k in picks[3:]),
    )
    return candidates, budgets, rules


def run_seed(n: int, seed: int, time_limit: float, explain_top_k: int) -> dict[str, float]:
    candidates, budgets, rules = make_instance(n, seed)
    start, cpu = time.perf_counter(), time.process_time()
    best = select_portfolio(candidates, budgets, rules, time_limit=time_limit)
    solve_s, solve_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    rank = fund_by_rank(candidates, budgets, rules)
    rank_s = time.perf_counter() - start
    problems = check_portfolio(best.selected, candidates, budgets, rules)
    rank_problems = check_portfolio(rank.selected, candidates, budgets, rules)
    start = time.perf_counter()
    explanations = explain_portfolio(candidates, budgets, rules, best, exact_top_k=explain_top_k,
                                     time_limit=time_limit)
    explain_s = time.perf_counter() - start
    cut = {("choke-point", 2026): round(0.9 * next(b.amount for b in budgets
                                                    if (b.track, b.year) == ("choke-point", 2026)))}
    start = time.perf_counter()
    moved = what_if(candidates, budgets, rules, WhatIfChange(budgets=cut), before=best,
                    time_limit=time_limit)
    what_if_s = time.perf_counter() - start
    demand = sum(c.total_cost for c in candidates)
    money = sum(b.amount for b in budgets)
    figures = {
        "seed": seed,
        "candidates": n,
        "oversubscription": demand / money,
        "status_optimal": float(best.status == "optimal"),
        "gap": best.gap,
        "solve_seconds": solve_s,
        "solve_cpu_seconds": solve_cpu,
        "load_average_1min": os.getloadavg()[0],
        "rank_seconds": rank_s,
        "selected": len(best.selected),
        "rank_selected": len(rank.selected),
        "objective": best.objective,
        "rank_objective": rank.objective,
        "quality_ratio": best.objective / rank.objective,
        "quality_never_below_rank": float(best.objective >= rank.objective - 1e-9),
        "constraints_hold": float(not problems),
        "rank_rules_broken": len(rank_problems),
        "international_share": best.international_share,
        "rank_international_share": rank.international_share,
        "budget_used": best.total_cost / money,
        "rank_budget_used": rank.total_cost / money,
        "explain_seconds": explain_s,
        "explained": len(explanations),
        "what_if_seconds": what_if_s,
        "what_if_entered": len(moved.entered),
        "what_if_left": len(moved.left),
    }
    for problem in problems:
        print(f"# seed {seed}: optimal portfolio breaks a rule: {problem}")
    for problem in rank_problems:
        print(f"# seed {seed}: funding by rank breaks a rule: {problem}")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="300 candidates, 2 seeds")
    parser.add_argument("--candidates", type=int, default=None)
    parser.add_argument("--seeds", type=int, default=None, help="number of seeds (from 0)")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--explain-top-k", type=int, default=5,
                        help="exact re-solves per side of the line when explaining (default 5)")
    args = parser.parse_args(argv)
    n = args.candidates or (300 if args.quick else 2000)
    seeds = range(args.seeds if args.seeds is not None else (2 if args.quick else 5))
    print("data=synthetic (seeded; money scaled to the announced track budgets)")
    money = sum(b.amount for b in make_instance(10, 0)[1])
    print(f"budget_total_krw={money:.0f} budget_total={format_krw(money).replace(' ', '_')}")
    rows = []
    for seed in seeds:
        figures = run_seed(n, seed, args.time_limit, args.explain_top_k)
        rows.append(figures)
        print(" ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()),
              flush=True)
    solve = [r["solve_seconds"] for r in rows]
    print(f"summary_seeds={len(rows)}")
    print(f"summary_max_solve_seconds={max(solve):.3f}")
    print(f"summary_mean_solve_seconds={np.mean(solve):.3f}")
    print(f"summary_max_solve_cpu_seconds={max(r['solve_cpu_seconds'] for r in rows):.3f}")
    print(f"summary_all_optimal={all(r['status_optimal'] for r in rows)}")
    print(f"summary_under_10s={max(solve) < 10}")
    print(f"summary_constraints_always_hold={all(r['constraints_hold'] for r in rows)}")
    print(f"summary_quality_never_below_rank={all(r['quality_never_below_rank'] for r in rows)}")
    print(f"summary_min_quality_ratio={min(r['quality_ratio'] for r in rows):.4f}")
    print(f"summary_mean_quality_ratio={np.mean([r['quality_ratio'] for r in rows]):.4f}")
    print(f"summary_max_explain_seconds={max(r['explain_seconds'] for r in rows):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
