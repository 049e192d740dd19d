"""What moves when a budget or a target changes."""

from __future__ import annotations

from collections.abc import Sequence

from dure.core.selection.solve import select_portfolio
from dure.core.selection.types import (
    Budget,
    Candidate,
    Portfolio,
    PortfolioRules,
    WhatIfChange,
    WhatIfResult,
)
from dure.core.selection.validation import budget_table

__all__ = ["what_if"]


def what_if(
    candidates: Sequence[Candidate],
    budgets: Sequence[Budget],
    rules: PortfolioRules | None,
    changes: WhatIfChange,
    *,
    before: Portfolio | None = None,
    **solve_options: object,
) -> WhatIfResult:
    """Solve before and after ``changes``; list the proposals that enter and leave.

    ``changes.budgets`` sets new amounts for some ``(track, year)`` (new keys add a
    budget); ``changes.rules`` replaces the rules. Pass ``before`` to reuse a solved
    portfolio. Raises :class:`InfeasibleRulesError` when the changed rules cannot be met.
    """
    rules = rules if rules is not None else PortfolioRules()
    if before is None:
        before = select_portfolio(candidates, budgets, rules, **solve_options)  # type: ignore[arg-type]
    table = budget_table(budgets)
    table.update({(t, int(y)): a for (t, y), a in changes.budgets.items()})
    new_budgets = [Budget(t, y, a) for (t, y), a in sorted(table.items())]
    after = select_portfolio(candidates, new_budgets, changes.rules or rules, **solve_options)  # type: ignore[arg-type]
    was, now = set(before.selected), set(after.selected)
    keys = sorted(set(before.spent) | set(after.spent))
    return WhatIfResult(
        before=before,
        after=after,
        entered=tuple(p for p in after.selected if p not in was),
        left=tuple(p for p in before.selected if p not in now),
        objective_change=after.objective - before.objective,
        spent_change={k: after.spent.get(k, 0.0) - before.spent.get(k, 0.0) for k in keys},
    )
