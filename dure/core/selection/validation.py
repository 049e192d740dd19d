"""Checking inputs before solving, and checking any portfolio against the rules afterwards.

:func:`check_portfolio` is deliberately independent of the solver: plain loops over the
candidates, so it can audit both the optimiser and the funding-by-rank baseline.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from dure.core.money import format_krw
from dure.core.selection.errors import SelectionInputError
from dure.core.selection.types import Budget, Candidate, PortfolioRules

__all__ = ["budget_table", "check_portfolio", "share_tolerance", "validate_inputs"]


def share_tolerance(total: float) -> float:
    """Money (KRW) by which an international share may miss its target through rounding."""
    return 1e-9 * max(1.0, total)


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def budget_table(budgets: Iterable[Budget]) -> dict[tuple[str, int], float]:
    """``{(track, year): amount}``; a repeated ``(track, year)`` is an error."""
    table: dict[tuple[str, int], float] = {}
    for b in budgets:
        key = (b.track, b.year)
        if key in table:
            raise SelectionInputError(
                f"budget for track {b.track!r} in {b.year} is given twice; give each (track, year) once"
            )
        if not isinstance(b.year, int) or isinstance(b.year, bool):
            raise SelectionInputError(f"budget year must be an integer, got {b.year!r}")
        if not _finite(b.amount) or b.amount < 0:
            raise SelectionInputError(
                f"budget for track {b.track!r} in {b.year} must be a non-negative amount of KRW, got {b.amount!r}"
            )
        table[key] = float(b.amount)
    return table


def validate_inputs(
    candidates: Sequence[Candidate], budgets: Iterable[Budget], rules: PortfolioRules
) -> dict[tuple[str, int], float]:
    """Raise :class:`SelectionInputError` for malformed input; return the budget table."""
    table = budget_table(budgets)
    tracks = {t for t, _ in table}
    seen: set[str] = set()
    for c in candidates:
        if c.proposal_id in seen:
            raise SelectionInputError(f"proposal {c.proposal_id!r} appears twice among the candidates")
        seen.add(c.proposal_id)
        if not _finite(c.quality):
            raise SelectionInputError(f"proposal {c.proposal_id!r}: quality must be a finite number, got {c.quality!r}")
        if c.track not in tracks:
            raise SelectionInputError(
                f"proposal {c.proposal_id!r} is in track {c.track!r}, which has no budget; "
                f"budgets exist for {sorted(tracks)}"
            )
        if not c.costs:
            raise SelectionInputError(f"proposal {c.proposal_id!r} has no costs; give its KRW per year")
        for year, cost in c.costs.items():
            if not isinstance(year, int) or isinstance(year, bool):
                raise SelectionInputError(f"proposal {c.proposal_id!r}: cost year must be an integer, got {year!r}")
            if not _finite(cost) or cost < 0:
                raise SelectionInputError(
                    f"proposal {c.proposal_id!r}: cost in {year} must be a non-negative amount of KRW, got {cost!r}"
                )
    share = rules.min_international_share
    if share is not None and (not _finite(share) or not 0 <= share <= 1):
        raise SelectionInputError(f"min_international_share must lie between 0 and 1, got {share!r}")
    cap = rules.organisation_cap
    if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or cap < 0):
        raise SelectionInputError(f"organisation_cap must be a non-negative integer, got {cap!r}")
    for sector, minimum in rules.sector_minimums.items():
        if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < 0:
            raise SelectionInputError(f"sector minimum for {sector!r} must be a non-negative integer, got {minimum!r}")
    for sector, money in rules.sector_money_minimums.items():
        if not _finite(money) or money < 0:
            raise SelectionInputError(f"money minimum for sector {sector!r} must be non-negative KRW, got {money!r}")
    for name, ids in (("must_include", rules.must_include), ("must_exclude", rules.must_exclude)):
        unknown = sorted(set(ids) - seen)
        if unknown:
            raise SelectionInputError(f"{name} names proposals that are not candidates: {unknown[:10]}")
    return table


def check_portfolio(
    selected: Iterable[str],
    candidates: Sequence[Candidate],
    budgets: Iterable[Budget],
    rules: PortfolioRules,
) -> tuple[str, ...]:
    """Every rule the portfolio ``selected`` breaks, in words; empty when it keeps them all."""
    table = budget_table(budgets)
    chosen = set(selected)
    by_id = {c.proposal_id: c for c in candidates}
    problems: list[str] = []
    unknown = sorted(chosen - set(by_id))
    if unknown:
        problems.append(f"selected proposals that are not candidates: {unknown[:10]}")
    picked = [by_id[p] for p in sorted(chosen & set(by_id))]

    spent: dict[tuple[str, int], float] = defaultdict(float)
    for c in picked:
        for year, cost in c.costs.items():
            spent[(c.track, year)] += cost
    for key, amount in sorted(spent.items()):
        limit = table.get(key, 0.0)
        if amount > limit:
            problems.append(
                f"track {key[0]!r} in {key[1]} spends {format_krw(amount)} of {format_krw(limit)}"
            )

    share = rules.min_international_share
    if share:
        total = sum(c.total_cost for c in picked)
        intl = sum(c.total_cost for c in picked if c.international)
        if intl < share * total - share_tolerance(total):
            problems.append(f"international share {intl / total:.2%} is below the {share:.0%} target")

    counts = Counter(c.sector for c in picked)
    for sector, minimum in rules.sector_minimums.items():
        if counts[sector] < minimum:
            problems.append(f"sector {sector!r} has {counts[sector]} projects, fewer than {minimum}")
    funded: dict[str, float] = defaultdict(float)
    for c in picked:
        funded[c.sector] += c.total_cost
    for sector, floor in rules.sector_money_minimums.items():
        if funded[sector] < floor:
            problems.append(f"sector {sector!r} gets {format_krw(funded[sector])}, less than {format_krw(floor)}")

    if rules.organisation_cap is not None:
        per_org = Counter(c.organisation_id for c in picked)
        for org, n in sorted(per_org.items()):
            if n > rules.organisation_cap:
                problems.append(f"organisation {org!r} leads {n} projects, above the cap of {rules.organisation_cap}")

    missing = sorted(set(rules.must_include) - chosen)
    if missing:
        problems.append(f"proposals the committee must include are missing: {missing[:10]}")
    banned = sorted(set(rules.must_exclude) & chosen)
    if banned:
        problems.append(f"proposals the committee excluded are selected: {banned[:10]}")
    return tuple(problems)
