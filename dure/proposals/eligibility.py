"""Eligibility of a proposal for a call: a pure function of the proposal's data and the call's rules.

``check_eligibility`` reads no database and no clock: the caller passes the facts and the
server's time. Each problem names the form field it belongs to and says what to fix.
Field names: ``members``, ``technology``, ``budget_<year>``, ``foreign_partner``,
``cooperation_need``, ``ip_licence_plan`` and ``__all__`` (deadline, call not open).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from dure.core.money import format_krw

COMPANY_KINDS = frozenset({"sme", "large"})


@dataclass(frozen=True)
class MemberFacts:
    organisation_id: int
    name: str
    role: str
    kind: str
    country_code: str
    budget_share_pct: Decimal


@dataclass(frozen=True)
class ProposalFacts:
    members: tuple[MemberFacts, ...]
    budget_by_year: Mapping[int, int]
    technology_track_id: int | None
    ip_licence_plan: str = ""
    foreign_partner_id: int | None = None
    cooperation_need: str = ""


@dataclass(frozen=True)
class CallRules:
    track_id: int
    is_open: bool
    opens_at: datetime
    deadline: datetime
    grace_seconds: int
    years: tuple[int, ...]
    max_budget_per_year_krw: int
    min_members: int
    max_members: int
    requires_company: bool
    requires_sme: bool
    requires_foreign_partner: bool
    requires_ip_plan: bool


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


@dataclass
class _Problems:
    items: list[Problem] = field(default_factory=list)

    def add(self, field_name: str, message: str) -> None:
        self.items.append(Problem(field_name, message))


def check_eligibility(facts: ProposalFacts, rules: CallRules, now: datetime, *, lang: str = "en") -> list[Problem]:
    """Every reason the proposal cannot be submitted now; an empty list means eligible."""
    p = _Problems()
    _check_timing(p, rules, now)
    _check_members(p, facts, rules)
    _check_budget(p, facts, rules, lang)
    if facts.technology_track_id is None:
        p.add("technology", _("Choose the technology the proposal addresses."))
    elif facts.technology_track_id != rules.track_id:
        p.add("technology", _("Choose a technology of this call's track."))
    if rules.requires_ip_plan and not facts.ip_licence_plan.strip():
        p.add("ip_licence_plan", _("Describe how Korean companies will obtain a licence to the results (IP licence plan)."))
    _check_foreign_partner(p, facts, rules)
    return p.items


def _check_timing(p: _Problems, rules: CallRules, now: datetime) -> None:
    if not rules.is_open:
        p.add("__all__", _("This call is not open for submissions."))
        return
    if now < rules.opens_at:
        p.add("__all__", _("The call opens at %(t)s; submit after that.") % {"t": rules.opens_at.isoformat(timespec="minutes")})
    elif now > rules.deadline + timedelta(seconds=rules.grace_seconds):
        p.add("__all__", _("The deadline (%(t)s) has passed; submissions are no longer accepted.") % {
            "t": rules.deadline.isoformat(timespec="minutes")})


def _check_members(p: _Problems, facts: ProposalFacts, rules: CallRules) -> None:
    n = len(facts.members)
    if n < rules.min_members:
        p.add("members", _("The consortium has %(n)d members; this call needs at least %(min)d. Add members to the consortium.")
              % {"n": n, "min": rules.min_members})
    if n > rules.max_members:
        p.add("members", _("The consortium has %(n)d members; this call allows at most %(max)d. Remove members.")
              % {"n": n, "max": rules.max_members})
    if sum(1 for m in facts.members if m.role == "lead") != 1:
        p.add("members", _("Exactly one member must have the lead role."))
    for m in facts.members:
        if m.role == "foreign" and m.country_code == "KR":
            p.add("members", _("%(org)s is a Korean organisation and cannot have the foreign partner role.") % {"org": m.name})
    if rules.requires_company and not any(m.kind in COMPANY_KINDS for m in facts.members):
        p.add("members", _("This call requires a company (SME or large company) in the consortium."))
    if rules.requires_sme and not any(m.kind == "sme" for m in facts.members):
        p.add("members", _("This call requires an SME in the consortium."))
    if any(m.budget_share_pct < 0 for m in facts.members):
        p.add("members", _("Budget shares cannot be negative."))
    total = sum((m.budget_share_pct for m in facts.members), Decimal(0))
    if total != Decimal(100):
        p.add("members", _("The budget shares add up to %(total)s%%; they must add up to exactly 100%%.") % {"total": total})


def _check_budget(p: _Problems, facts: ProposalFacts, rules: CallRules, lang: str) -> None:
    cap = rules.max_budget_per_year_krw
    for year in rules.years:
        amount = facts.budget_by_year.get(year)
        if amount is None or amount <= 0:
            p.add(f"budget_{year}", _("Enter the budget requested for %(year)d.") % {"year": year})
        elif amount > cap:
            p.add(f"budget_{year}", _("The budget for %(year)d (%(amount)s) is above the call's cap of %(cap)s per year; lower it.")
                  % {"year": year, "amount": format_krw(amount, lang=lang), "cap": format_krw(cap, lang=lang)})
    extra = sorted(set(facts.budget_by_year) - set(rules.years))
    if extra:
        p.add("__all__", _("The call funds the years %(years)s only; remove the budget for %(extra)s.")
              % {"years": ", ".join(map(str, rules.years)), "extra": ", ".join(map(str, extra))})


def _check_foreign_partner(p: _Problems, facts: ProposalFacts, rules: CallRules) -> None:
    if facts.foreign_partner_id is None:
        if rules.requires_foreign_partner:
            p.add("foreign_partner", _("This call requires a foreign partner: add one to the consortium with the foreign partner role and choose it here."))
    else:
        member = next((m for m in facts.members if m.organisation_id == facts.foreign_partner_id), None)
        if member is None:
            p.add("foreign_partner", _("The foreign partner must be a member of the consortium."))
        elif member.country_code == "KR":
            p.add("foreign_partner", _("The foreign partner must be an organisation outside Korea."))
        elif member.role != "foreign":
            p.add("foreign_partner", _("Give the foreign partner the foreign partner role in the consortium."))
    if (rules.requires_foreign_partner or facts.foreign_partner_id is not None) and not facts.cooperation_need.strip():
        p.add("cooperation_need", _("Explain why international cooperation is needed for this technology."))
