"""Portfolio selection: the best set of proposals the money and the programme's rules allow.

Public API (Django-free)::

    select_portfolio(candidates, budgets, rules) -> Portfolio      # exact MIP (HiGHS)
    fund_by_rank(candidates, budgets, rules) -> Portfolio          # baseline
    compare_with_rank(candidates, budgets, rules) -> PortfolioComparison
    explain_portfolio(candidates, budgets, rules, portfolio) -> tuple[Explanation, ...]
    what_if(candidates, budgets, rules, WhatIfChange(...)) -> WhatIfResult
    check_portfolio(selected_ids, candidates, budgets, rules) -> tuple[str, ...]
"""

from dure.core.selection.errors import InfeasibleRulesError, RuleShortfall, SelectionInputError
from dure.core.selection.explain import explain_portfolio
from dure.core.selection.solve import compare_with_rank, fund_by_rank, select_portfolio
from dure.core.selection.types import (
    Budget,
    Candidate,
    Explanation,
    Portfolio,
    PortfolioComparison,
    PortfolioRules,
    WhatIfChange,
    WhatIfResult,
)
from dure.core.selection.validation import check_portfolio
from dure.core.selection.whatif import what_if

__all__ = [
    "Budget",
    "Candidate",
    "Explanation",
    "InfeasibleRulesError",
    "Portfolio",
    "PortfolioComparison",
    "PortfolioRules",
    "RuleShortfall",
    "SelectionInputError",
    "WhatIfChange",
    "WhatIfResult",
    "check_portfolio",
    "compare_with_rank",
    "explain_portfolio",
    "fund_by_rank",
    "select_portfolio",
    "what_if",
]
