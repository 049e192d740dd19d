"""Choosing a portfolio for a call or a programme, saving the run, and applying it.

A run is saved as an audit event (``portfolio.run``) holding its inputs (candidates,
budgets, rules) and outputs (optimal portfolio, funding by rank, explanations), so it can
be shown and applied later exactly as the committee saw it. Applying records one funding
decision per candidate through :func:`check_record_funding_decision`, all or nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.db import transaction

from dure.accounts.errors import ActionError
from dure.accounts.models import User
from dure.audit.actions import record
from dure.audit.models import AuditEvent
from dure.core.selection import (
    Budget,
    Candidate,
    InfeasibleRulesError,
    Portfolio,
    PortfolioRules,
    SelectionInputError,
    WhatIfChange,
    WhatIfResult,
    compare_with_rank,
    explain_portfolio,
    what_if,
)
from dure.selection import portfolio_inputs as inputs
from dure.selection.actions import check_record_funding_decision
from dure.selection.models import Decision


@dataclass(frozen=True)
class RulesInput:
    """What the committee sets on the page."""

    min_international_share: float | None
    organisation_cap: int | None = None
    sector_minimums: dict[str, int] = field(default_factory=dict)
    must_include: frozenset[str] = frozenset()
    must_exclude: frozenset[str] = frozenset()

    def to_rules(self) -> PortfolioRules:
        return PortfolioRules(
            min_international_share=self.min_international_share or None,
            sector_minimums={k: v for k, v in self.sector_minimums.items() if v},
            organisation_cap=self.organisation_cap, must_include=self.must_include,
            must_exclude=self.must_exclude,
        )


def _portfolio_dict(p: Portfolio) -> dict:
    return {"selected": list(p.selected), "objective": round(p.objective, 4),
            "spent": [[t, y, a] for (t, y), a in sorted(p.spent.items())],
            "international_share": round(p.international_share, 6), "status": p.status,
            "solve_seconds": round(p.solve_seconds, 4), "total_cost": p.total_cost}


def rules_from_payload(data: dict) -> PortfolioRules:
    return PortfolioRules(
        min_international_share=data["min_international_share"], sector_minimums=data["sector_minimums"],
        organisation_cap=data["organisation_cap"], must_include=frozenset(data["must_include"]),
        must_exclude=frozenset(data["must_exclude"]),
    )


def candidates_from_payload(rows: list[dict]) -> list[Candidate]:
    return [Candidate(**{**r, "costs": {int(y): a for y, a in r["costs"].items()}}) for r in rows]


def budgets_from_payload(rows: list[list]) -> list[Budget]:
    return [Budget(t, int(y), float(a)) for t, y, a in rows]


def _problems(exc: InfeasibleRulesError) -> ActionError:
    return ActionError({"__all__": ["No portfolio keeps all the rules: " + s.message for s in exc.shortfalls]})


def check_run_portfolio(manager: User, scope: inputs.PortfolioScope, rules_input: RulesInput) -> AuditEvent:
    """Solve the portfolio and funding by rank for the scope's candidates, explain, and save the run."""
    candidates = inputs.load_candidates(scope)
    budgets = inputs.load_budgets(scope)
    if not candidates:
        raise ActionError("No proposal awaiting a funding decision has a score yet: rank the call first.")
    known = set(scope.proposals)
    unknown = (rules_input.must_include | rules_input.must_exclude) - known
    if unknown:
        raise ActionError({"must_include": [f"Not a candidate here: {', '.join(sorted(unknown))}."]})
    both = rules_input.must_include & rules_input.must_exclude
    if both:
        titles = ", ".join(scope.proposals[p].title for p in sorted(both))
        raise ActionError({"must_exclude": [f"A proposal cannot be both included and excluded: {titles}."]})
    rules = rules_input.to_rules()
    try:
        comparison = compare_with_rank(candidates, budgets, rules, time_limit=20.0)
        explanations = explain_portfolio(candidates, budgets, rules, comparison.optimal, exact_top_k=10,
                                         time_limit=20.0)
    except InfeasibleRulesError as exc:
        raise _problems(exc) from None
    except SelectionInputError as exc:
        raise ActionError(str(exc)) from None
    payload = {
        "scope": scope.key,
        "candidates": [{**asdict(c), "costs": {str(y): a for y, a in c.costs.items()}} for c in candidates],
        "budgets": [[b.track, b.year, b.amount] for b in budgets],
        "rules": {"min_international_share": rules.min_international_share,
                  "sector_minimums": dict(rules.sector_minimums), "organisation_cap": rules.organisation_cap,
                  "must_include": sorted(rules.must_include), "must_exclude": sorted(rules.must_exclude)},
        "quality_source": dict(scope.quality_source),
        "optimal": _portfolio_dict(comparison.optimal),
        "rank": _portfolio_dict(comparison.baseline),
        "quality_ratio": comparison.quality_ratio if comparison.baseline.objective else None,
        "rank_violations": list(comparison.baseline_violations),
        "explanations": [asdict(e) for e in explanations],
    }
    target = scope.call or scope.programme
    with transaction.atomic():
        event = record(manager, inputs.RUN_ACTION, target, **payload)
    return event


def check_what_if(run: AuditEvent, budgets: dict[tuple[str, int], float],
                  min_international_share: float | None) -> WhatIfResult:
    """What moves if some budgets or the share target of a saved run change (nothing is saved)."""
    data = run.payload
    candidates = candidates_from_payload(data["candidates"])
    rules = rules_from_payload(data["rules"])
    new_rules = None
    if min_international_share is not None:
        new_rules = PortfolioRules(**{**asdict(rules), "min_international_share": min_international_share or None})
    known = {(t, int(y)) for t, y, _a in data["budgets"]}
    for key, amount in budgets.items():
        if key not in known:
            raise ActionError({"budget": [f"There is no budget for {key[0]} in {key[1]}."]})
        if amount < 0:
            raise ActionError({"amount": ["A budget cannot be negative."]})
    try:
        return what_if(candidates, budgets_from_payload(data["budgets"]), rules,
                       WhatIfChange(budgets=budgets, rules=new_rules), time_limit=20.0)
    except InfeasibleRulesError as exc:
        raise _problems(exc) from None


def check_apply_portfolio(manager: User, scope: inputs.PortfolioScope, run: AuditEvent) -> list[Decision]:
    """Fund the run's optimal portfolio and decline the other candidates, all or nothing.

    Refused when the candidates, their scores or their yearly costs changed since the run,
    or when the money left no longer covers the portfolio (the funding action re-checks
    every year of every budget).
    """
    data = run.payload
    if run.pk in inputs.applied_run_ids(scope):
        raise ActionError("This portfolio has already been applied.")
    current = {c.proposal_id: c for c in inputs.load_candidates(scope)}
    saved = {c["proposal_id"]: c for c in data["candidates"]}
    gone = sorted(set(saved) - set(current))
    if gone:
        raise ActionError("Some proposals were decided or withdrawn since this run "
                          f"({', '.join(gone)}); run the portfolio again.")
    new = sorted(set(current) - set(saved))
    changed = sorted(p for p in saved if abs(current[p].quality - saved[p]["quality"]) > 1e-9
                     or {str(y): a for y, a in current[p].costs.items()} != saved[p]["costs"])
    if new or changed:
        raise ActionError("The candidates, their scores or their budgets changed since this run "
                          f"({', '.join(new + changed)}); run the portfolio again.")
    chosen = set(data["optimal"]["selected"])
    reasons = {e["proposal_id"]: e["message"] for e in data["explanations"]}
    decisions = []
    with transaction.atomic():
        for pid in sorted(saved, key=lambda p: (p not in chosen, p)):
            proposal = scope.proposals[pid]
            reason = (f"Portfolio selection (run {run.pk}): " + reasons.get(pid, "")).strip()
            decisions.append(check_record_funding_decision(manager, proposal, pid in chosen, reason))
        record(manager, inputs.APPLY_ACTION, run, scope=scope.key, run=run.pk, funded=sorted(chosen),
               total=sum(a for _t, _y, a in data["optimal"]["spent"]))
    return decisions

