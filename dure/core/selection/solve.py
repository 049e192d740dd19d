"""Choosing the portfolio: the exact optimum, the funding-by-rank baseline, and a comparison."""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

import numpy as np

from dure.core.money import format_krw
from dure.core.selection.errors import InfeasibleRulesError, RuleShortfall
from dure.core.selection.mip import Row, SelectionModel
from dure.core.selection.types import (
    Budget,
    Candidate,
    Portfolio,
    PortfolioComparison,
    PortfolioRules,
)
from dure.core.selection.validation import check_portfolio, validate_inputs

__all__ = [
    "budgets_from_mapping",
    "compare_with_rank",
    "fund_by_rank",
    "make_portfolio",
    "select_portfolio",
    "solve_model",
]


def make_portfolio(
    candidates: Sequence[Candidate],
    chosen: Sequence[bool] | np.ndarray,
    *,
    status: str,
    solve_seconds: float,
    gap: float,
) -> Portfolio:
    """A :class:`Portfolio` for the candidates flagged in ``chosen`` (ids in input order)."""
    picked = [c for c, keep in zip(candidates, chosen, strict=True) if keep]
    spent: dict[tuple[str, int], float] = defaultdict(float)
    for c in picked:
        for year, cost in c.costs.items():
            spent[(c.track, year)] += float(cost)
    total = sum(c.total_cost for c in picked)
    intl = sum(c.total_cost for c in picked if c.international)
    return Portfolio(
        selected=tuple(c.proposal_id for c in picked),
        objective=float(sum(c.quality for c in picked)),
        spent=dict(sorted(spent.items())),
        international_share=intl / total if total > 0 else 0.0,
        status=status,
        solve_seconds=solve_seconds,
        gap=gap,
    )


def _describe(row: Row, amount: float, model: SelectionModel) -> RuleShortfall:
    if row.kind == "budget":
        track, year = row.key
        msg = (f"the {track} budget for {year} ({format_krw(row.upper)}) is short by "
               f"{format_krw(amount)}")
        return RuleShortfall("budget", row.key, amount, "KRW", msg)
    if row.kind == "international_share":
        share = model.rules.min_international_share or 0.0
        more = amount / (1.0 - share) if share < 1 else amount
        msg = (f"the {share:.0%} international share cannot be reached within the other rules: "
               f"the closest portfolio needs about {format_krw(more)} more international funding")
        return RuleShortfall("international_share", (), more, "KRW", msg)
    if row.kind == "sector_minimum":
        msg = (f"sector {row.key[0]!r} needs {int(row.lower)} projects but only "
               f"{int(row.lower - round(amount))} can be funded (short by {round(amount)})")
        return RuleShortfall("sector_minimum", row.key, float(round(amount)), "projects", msg)
    if row.kind == "sector_money_minimum":
        msg = (f"sector {row.key[0]!r} needs {format_krw(row.lower)} but is short by "
               f"{format_krw(amount)}")
        return RuleShortfall("sector_money_minimum", row.key, amount, "KRW", msg)
    msg = (f"organisation {row.key[0]!r} must lead more than the cap of {int(row.upper)} "
           f"projects (by {round(amount)})")
    return RuleShortfall("organisation_cap", row.key, float(round(amount)), "projects", msg)


def _diagnose(model: SelectionModel) -> list[RuleShortfall]:
    """Say which rules cannot be met together, and by how much."""
    rules, candidates = model.rules, model.candidates
    clash = sorted(rules.must_include & rules.must_exclude)
    if clash:
        return [RuleShortfall("committee", tuple(clash), float(len(clash)), "projects",
                              f"the committee both includes and excludes {clash[:10]}")]
    found: list[RuleShortfall] = []
    forced = [c for c in candidates if c.proposal_id in rules.must_include]
    need: dict[tuple[str, int], float] = defaultdict(float)
    for c in forced:
        for year, cost in c.costs.items():
            need[(c.track, year)] += cost
    for key, amount in sorted(need.items()):
        limit = model.budgets.get(key, 0.0)
        if amount > limit:
            found.append(RuleShortfall(
                "budget", key, amount - limit, "KRW",
                f"proposals the committee must include need {format_krw(amount)} from the "
                f"{key[0]} budget for {key[1]}, which holds {format_krw(limit)} "
                f"(over by {format_krw(amount - limit)})"))
    if rules.organisation_cap is not None:
        for org, n in sorted(Counter(c.organisation_id for c in forced).items()):
            if n > rules.organisation_cap:
                found.append(RuleShortfall(
                    "organisation_cap", (org,), float(n - rules.organisation_cap), "projects",
                    f"the committee includes {n} projects led by {org!r}, above the cap of "
                    f"{rules.organisation_cap}"))
    if found:
        return found
    return [_describe(row, amount, model) for row, amount in model.elastic()]


def select_portfolio(
    candidates: Sequence[Candidate],
    budgets: Sequence[Budget],
    rules: PortfolioRules | None = None,
    *,
    time_limit: float = 60.0,
    mip_rel_gap: float = 1e-6,
) -> Portfolio:
    """The portfolio of greatest total quality that keeps every budget and rule.

    Raises :class:`InfeasibleRulesError` (naming the rule and the shortfall) when no
    portfolio can keep the rules, :class:`SelectionInputError` for malformed input.
    """
    rules = rules if rules is not None else PortfolioRules()
    table = validate_inputs(candidates, budgets, rules)
    model = SelectionModel(candidates, table, rules, time_limit=time_limit,
                           mip_rel_gap=mip_rel_gap)
    return solve_model(model)


def solve_model(model: SelectionModel) -> Portfolio:
    """Solve a built model; raise :class:`InfeasibleRulesError` with a diagnosis when it has no solution."""
    candidates, rules = model.candidates, model.rules
    if rules.must_include & rules.must_exclude:
        raise InfeasibleRulesError(_diagnose(model))
    solution = model.solve()
    if solution.status == "infeasible":
        raise InfeasibleRulesError(_diagnose(model))
    if solution.status == "failed":
        raise RuntimeError(f"the solver found no portfolio within {model.time_limit:g} s; "
                           "raise time_limit")
    share = rules.min_international_share
    if share and not solution.x.any():
        # The empty portfolio meets a share target only vacuously: say so when money could fund something.
        fits_alone = any(
            c.proposal_id not in rules.must_exclude
            and all(cost <= model.budgets.get((c.track, y), 0.0) for y, cost in c.costs.items())
            for c in candidates
        )
        if fits_alone:
            raise InfeasibleRulesError([RuleShortfall(
                "international_share", (), share, "share",
                f"no fundable portfolio reaches the {share:.0%} international share: no "
                "international proposal fits the budgets alongside the other rules")])
    return make_portfolio(candidates, solution.x, status=solution.status,
                          solve_seconds=solution.seconds, gap=solution.gap)


def fund_by_rank(
    candidates: Sequence[Candidate],
    budgets: Sequence[Budget],
    rules: PortfolioRules | None = None,
) -> Portfolio:
    """Fund by quality, best first, skipping what no longer fits the money.

    The committee's inclusions are funded first and its exclusions never; the
    organisation cap is respected. The share target and sector minimums are not pursued,
    so the result may break them (see :func:`check_portfolio`).
    """
    start = time.perf_counter()
    rules = rules if rules is not None else PortfolioRules()
    table = validate_inputs(candidates, budgets, rules)
    remaining = dict(table)
    per_org: Counter[str] = Counter()
    cap = rules.organisation_cap if rules.organisation_cap is not None else math.inf
    chosen = [False] * len(candidates)
    order = sorted(range(len(candidates)),
                   key=lambda i: (candidates[i].proposal_id not in rules.must_include,
                                  -candidates[i].quality, candidates[i].proposal_id))
    for i in order:
        c = candidates[i]
        if c.proposal_id in rules.must_exclude:
            continue
        forced = c.proposal_id in rules.must_include
        fits = all(cost <= remaining.get((c.track, y), 0.0) for y, cost in c.costs.items())
        if forced or (fits and per_org[c.organisation_id] < cap):
            chosen[i] = True
            per_org[c.organisation_id] += 1
            for y, cost in c.costs.items():
                remaining[(c.track, y)] = remaining.get((c.track, y), 0.0) - cost
    return make_portfolio(candidates, chosen, status="heuristic",
                          solve_seconds=time.perf_counter() - start, gap=math.nan)


def compare_with_rank(
    candidates: Sequence[Candidate],
    budgets: Sequence[Budget],
    rules: PortfolioRules | None = None,
    optimal: Portfolio | None = None,
    **solve_options: object,
) -> PortfolioComparison:
    """The optimal portfolio next to funding by rank: quality ratio and who differs."""
    rules = rules if rules is not None else PortfolioRules()
    if optimal is None:
        optimal = select_portfolio(candidates, budgets, rules, **solve_options)  # type: ignore[arg-type]
    baseline = fund_by_rank(candidates, budgets, rules)
    best, base = set(optimal.selected), set(baseline.selected)
    ratio = optimal.objective / baseline.objective if baseline.objective else math.inf
    return PortfolioComparison(
        optimal=optimal,
        baseline=baseline,
        quality_ratio=ratio,
        only_in_optimal=tuple(p for p in optimal.selected if p not in base),
        only_in_baseline=tuple(p for p in baseline.selected if p not in best),
        baseline_violations=check_portfolio(baseline.selected, candidates, budgets, rules),
    )


def budgets_from_mapping(amounts: Mapping[tuple[str, int], float]) -> list[Budget]:
    """``[Budget, ...]`` from ``{(track, year): amount}``."""
    return [Budget(track, year, amount) for (track, year), amount in sorted(amounts.items())]
