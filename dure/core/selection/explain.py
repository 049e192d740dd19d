"""Why each proposal is in or out of the portfolio, and what it would take to change that.

Exact answers come from re-solving: a rejected proposal forced in costs the portfolio
``loss`` quality, so it enters once its quality rises above ``quality + loss``; a selected
proposal forced out costs ``loss``, so it stays while its quality stays above
``quality - loss``. Re-solving is done only for the proposals nearest the line
(``exact_top_k`` on each side); the others get a cheap reason and an estimate from the
budgets' shadow prices in the linear relaxation.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from dure.core.money import format_krw
from dure.core.selection.mip import SelectionModel
from dure.core.selection.solve import solve_model
from dure.core.selection.types import Budget, Candidate, Explanation, Portfolio, PortfolioRules
from dure.core.selection.validation import share_tolerance, validate_inputs

__all__ = ["explain_portfolio"]


def _up(value: float) -> float:
    """``value`` rounded up to two decimals, strictly above it (the quality to aim for)."""
    return math.floor(value * 100 + 1e-9) / 100 + 0.01


def _ceil(value: float) -> float:
    """``value`` rounded up to two decimals (a quality above it keeps a proposal in)."""
    return math.ceil(value * 100 - 1e-9) / 100


def _pivot_reason(c: Candidate, chosen: Sequence[Candidate], rules: PortfolioRules) -> str | None:
    """The rule that would break if ``c`` alone left the portfolio, if any."""
    counts = Counter(x.sector for x in chosen)
    if counts[c.sector] - 1 < rules.sector_minimums.get(c.sector, 0):
        return f"without it sector {c.sector!r} falls below its minimum of {rules.sector_minimums[c.sector]} projects"
    money = sum(x.total_cost for x in chosen if x.sector == c.sector)
    floor = rules.sector_money_minimums.get(c.sector, 0)
    if money - c.total_cost < floor:
        return f"without it sector {c.sector!r} falls below its minimum of {format_krw(floor)}"
    share = rules.min_international_share
    if share and c.international:
        total = sum(x.total_cost for x in chosen) - c.total_cost
        intl = sum(x.total_cost for x in chosen if x.international) - c.total_cost
        if intl < share * total - share_tolerance(total):
            return f"without it the international share falls below {share:.0%}"
    return None


def explain_portfolio(
    candidates: Sequence[Candidate],
    budgets: Sequence[Budget],
    rules: PortfolioRules | None = None,
    portfolio: Portfolio | None = None,
    *,
    exact_top_k: int = 20,
    time_limit: float = 60.0,
    mip_rel_gap: float = 1e-6,
) -> tuple[Explanation, ...]:
    """One :class:`Explanation` per candidate, in the candidates' order.

    ``portfolio`` is the optimal portfolio for these inputs (solved here when omitted).
    ``exact_top_k``: how many rejected proposals (best quality first) and how many
    selected proposals (lowest quality first) get an exact threshold by re-solving.
    """
    rules = rules if rules is not None else PortfolioRules()
    table = validate_inputs(candidates, budgets, rules)
    model = SelectionModel(candidates, table, rules, time_limit=time_limit, mip_rel_gap=mip_rel_gap)
    if portfolio is None:
        portfolio = solve_model(model)
    chosen_ids = set(portfolio.selected)
    chosen = [c for c in candidates if c.proposal_id in chosen_ids]
    remaining = {key: amount - portfolio.spent.get(key, 0.0) for key, amount in table.items()}
    per_org = Counter(c.organisation_id for c in chosen)
    prices = model.shadow_prices()

    # Exact thresholds for the proposals nearest the line.
    free = [i for i, c in enumerate(candidates)
            if c.proposal_id not in rules.must_include and c.proposal_id not in rules.must_exclude]
    rejected = sorted((i for i in free if candidates[i].proposal_id not in chosen_ids),
                      key=lambda i: (-candidates[i].quality, candidates[i].proposal_id))
    selected = sorted((i for i in free if candidates[i].proposal_id in chosen_ids),
                      key=lambda i: (candidates[i].quality, candidates[i].proposal_id))
    exact: dict[int, float | None] = {}
    # Thresholds are exact only between proven optima; otherwise the estimates stand.
    near = [*rejected[:exact_top_k], *selected[:exact_top_k]] if portfolio.status == "optimal" else []
    for i in near:
        if _never_fundable(candidates[i], table):
            continue
        forced = model.solve({i: candidates[i].proposal_id not in chosen_ids})
        # An empty portfolio meets a share target only vacuously, so it is no alternative.
        vacuous = bool(rules.min_international_share) and not forced.x.any()
        if forced.status == "infeasible" or (forced.status == "optimal" and vacuous):
            exact[i] = None
        elif forced.status == "optimal":
            exact[i] = portfolio.objective - forced.objective

    out = []
    for i, c in enumerate(candidates):
        out.append(_explain_one(i, c, chosen_ids, chosen, rules, table, remaining, per_org,
                                exact, float(prices[i])))
    return tuple(out)


def _never_fundable(c: Candidate, table: dict[tuple[str, int], float]) -> tuple[int, float, float] | None:
    for year, cost in sorted(c.costs.items()):
        limit = table.get((c.track, year), 0.0)
        if cost > limit:
            return year, cost, limit
    return None


def _explain_one(i, c, chosen_ids, chosen, rules, table, remaining, per_org, exact, price) -> Explanation:
    q = c.quality
    base = dict(proposal_id=c.proposal_id, quality=q)
    if c.proposal_id in rules.must_exclude:
        return Explanation(**base, selected=False, kind="excluded_by_committee",
                           message="excluded by the committee")
    if c.proposal_id in chosen_ids:
        if c.proposal_id in rules.must_include:
            return Explanation(**base, selected=True, kind="must_include",
                               message="selected: included by the committee", pivotal=True)
        pivot = _pivot_reason(c, chosen, rules)
        msg = "selected"
        needed = None
        if i in exact:
            loss = exact[i]
            if loss is None:
                pivot = pivot or "without it the rules cannot be met"
            else:
                needed = q - loss
                msg += f"; it would stay selected while its quality stays above {_ceil(needed):.2f}"
        if pivot:
            msg += f"; pivotal: {pivot}"
        return Explanation(**base, selected=True, kind="selected", message=msg,
                           pivotal=pivot is not None, quality_needed=needed, exact=i in exact)

    never = _never_fundable(c, table)
    if never:
        year, cost, limit = never
        return Explanation(
            **base, selected=False, kind="never_fundable",
            message=(f"cost in {year} ({format_krw(cost)}) exceeds the whole {c.track} budget "
                     f"for {year} ({format_krw(limit)}) by {format_krw(cost - limit)}"),
            shortfall=(c.track, year, cost - limit))

    parts: list[str] = []
    kind = "outranked"
    shortfall = None
    cap = rules.organisation_cap
    if cap is not None and per_org[c.organisation_id] >= cap:
        kind = "organisation_cap"
        parts.append(f"organisation cap: {c.organisation_id} already leads "
                     f"{per_org[c.organisation_id]} selected projects (cap {cap})")
    over = [(cost - remaining.get((c.track, y), 0.0), y) for y, cost in c.costs.items()
            if cost > remaining.get((c.track, y), 0.0)]
    if over:
        excess, year = max(over)
        shortfall = (c.track, year, excess)
        if kind == "outranked":
            kind = "over_remaining_budget"
        parts.append(f"cost in {year} exceeds the remaining {c.track} budget by {format_krw(excess)}")
    if not parts:
        parts.append("outranked: the money it needs does more for the portfolio elsewhere")
    needed = None
    if i in exact:
        loss = exact[i]
        if loss is None:
            parts.append("it cannot enter under the rules whatever its quality")
        else:
            needed = q + loss
            parts.append(f"quality would need to rise from {q:.2f} to {_up(needed):.2f}")
    elif np.isfinite(price) and price > q:
        needed = price
        parts.append(f"quality would need to rise from {q:.2f} to about {_up(price):.2f} (estimate)")
    return Explanation(**base, selected=False, kind=kind, message="rejected: " + "; ".join(parts),
                       quality_needed=needed, exact=i in exact, shortfall=shortfall)

