"""Errors portfolio selection raises, each saying what to fix."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["InfeasibleRulesError", "RuleShortfall", "SelectionInputError"]


class SelectionInputError(ValueError):
    """Candidates, budgets or rules are malformed (duplicate ids, negative money, ...)."""


@dataclass(frozen=True)
class RuleShortfall:
    """One constraint that cannot be met, and by how much.

    ``constraint`` names it (``"budget"``, ``"international_share"``, ``"sector_minimum"``,
    ``"sector_money_minimum"``, ``"organisation_cap"``, ``"committee"``); ``key`` says
    which one (e.g. ``("choke-point", 2027)`` or a sector); ``amount`` is the shortfall in
    ``unit`` (``"KRW"``, ``"projects"`` or ``"share"``).
    """

    constraint: str
    key: tuple
    amount: float
    unit: str
    message: str


class InfeasibleRulesError(ValueError):
    """No portfolio satisfies the rules; ``shortfalls`` lists what cannot be met."""

    def __init__(self, shortfalls: list[RuleShortfall] | tuple[RuleShortfall, ...]):
        self.shortfalls = tuple(shortfalls)
        lines = "; ".join(s.message for s in self.shortfalls)
        super().__init__(f"no portfolio satisfies the rules: {lines}")
