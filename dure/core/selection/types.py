"""What portfolio selection works on and what it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = [
    "Budget",
    "Candidate",
    "Explanation",
    "Portfolio",
    "PortfolioComparison",
    "PortfolioRules",
    "WhatIfChange",
    "WhatIfResult",
]


@dataclass(frozen=True)
class Candidate:
    """A proposal that may be funded.

    ``quality`` is the calibrated score the portfolio maximises (higher is better);
    ``costs`` maps a year to the KRW the project needs in that year, so a multi-year
    project uses money in several years of its track's budget.
    """

    proposal_id: str
    track: str
    sector: str
    organisation_id: str
    international: bool
    quality: float
    costs: Mapping[int, float]

    @property
    def total_cost(self) -> float:
        return float(sum(self.costs.values()))


@dataclass(frozen=True)
class Budget:
    """Money available to one track in one year (KRW)."""

    track: str
    year: int
    amount: float


@dataclass(frozen=True)
class PortfolioRules:
    """Programme targets and committee decisions that every portfolio must respect.

    ``min_international_share``: least share of all committed money (all years together)
    that goes to international projects; ``None`` or 0 switches it off.
    ``sector_minimums``: least number of funded projects per sector.
    ``sector_money_minimums``: least KRW (all years) committed per sector.
    ``organisation_cap``: most projects one lead organisation may hold.
    ``must_include`` / ``must_exclude``: proposal ids the committee decided on.
    """

    min_international_share: float | None = 0.15
    sector_minimums: Mapping[str, int] = field(default_factory=dict)
    sector_money_minimums: Mapping[str, float] = field(default_factory=dict)
    organisation_cap: int | None = None
    must_include: frozenset[str] = frozenset()
    must_exclude: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "must_include", frozenset(self.must_include))
        object.__setattr__(self, "must_exclude", frozenset(self.must_exclude))


@dataclass(frozen=True)
class Portfolio:
    """A chosen set of proposals.

    ``status`` is ``"optimal"`` when the solver proved optimality, ``"time_limit"`` when it
    stopped with a feasible portfolio (``gap`` then says how far from proven optimal), and
    ``"heuristic"`` for portfolios built by a rule such as :func:`fund_by_rank`.
    ``spent`` maps ``(track, year)`` to the KRW committed there.
    """

    selected: tuple[str, ...]
    objective: float
    spent: Mapping[tuple[str, int], float]
    international_share: float
    status: str
    solve_seconds: float
    gap: float

    @property
    def total_cost(self) -> float:
        return float(sum(self.spent.values()))

    def __contains__(self, proposal_id: object) -> bool:
        return proposal_id in set(self.selected)


@dataclass(frozen=True)
class PortfolioComparison:
    """An optimal portfolio against a baseline (usually funding by rank)."""

    optimal: Portfolio
    baseline: Portfolio
    quality_ratio: float
    only_in_optimal: tuple[str, ...]
    only_in_baseline: tuple[str, ...]
    baseline_violations: tuple[str, ...]


@dataclass(frozen=True)
class Explanation:
    """Why one proposal is in or out, for people and for programs.

    ``kind`` is one of ``selected``, ``must_include``, ``excluded_by_committee``,
    ``never_fundable``, ``organisation_cap``, ``over_remaining_budget``, ``outranked``.
    ``quality_needed``: the quality above which a rejected proposal would enter (``exact``
    says whether it came from re-solving or is an estimate from the budgets' shadow prices);
    for a selected proposal, the quality below which it would leave.
    ``shortfall``: for budget reasons, ``(track, year, KRW missing)``.
    """

    proposal_id: str
    selected: bool
    kind: str
    message: str
    pivotal: bool = False
    quality: float = 0.0
    quality_needed: float | None = None
    exact: bool = False
    shortfall: tuple[str, int, float] | None = None


@dataclass(frozen=True)
class WhatIfChange:
    """A change to try: new amounts for some ``(track, year)`` budgets and/or new rules."""

    budgets: Mapping[tuple[str, int], float] = field(default_factory=dict)
    rules: PortfolioRules | None = None


@dataclass(frozen=True)
class WhatIfResult:
    """What moves when budgets or rules change."""

    before: Portfolio
    after: Portfolio
    entered: tuple[str, ...]
    left: tuple[str, ...]
    objective_change: float
    spent_change: Mapping[tuple[str, int], float]
