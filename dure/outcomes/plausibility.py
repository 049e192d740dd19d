"""Plausibility of a yearly outcome report: hard limits refuse, soft limits warn.

Refused: negative counts or amounts, a year outside the agreement's years and the five
years that follow, a year that has not started. Warned (saved, flagged for the manager):
values that are possible but rarely true, so that a typo (an extra zero) is seen.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

FOLLOW_UP_YEARS = 5
REVENUE_BUDGET_RATIO = 100
TRANSFER_FEE_BUDGET_RATIO = 10
MAX_PATENTS = 50
MAX_PAPERS = 200
MAX_JOBS = 500
LICENCE_SLACK = 20


@dataclass(frozen=True)
class OutcomeInput:
    year: int
    papers: int = 0
    patents: int = 0
    licences: int = 0
    transfer_fee_krw: int = 0
    revenue_krw: int = 0
    jobs: int = 0
    note: str = ""
    is_sample: bool = False


COUNTS = ("papers", "patents", "licences", "transfer_fee_krw", "revenue_krw", "jobs")


def refusals(data: OutcomeInput, *, first_year: int, last_year: int, current_year: int) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for name in COUNTS:
        value = getattr(data, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            problems[name] = [_("Enter a whole number of zero or more.")]
    latest = last_year + FOLLOW_UP_YEARS
    if not first_year <= data.year <= latest:
        problems["year"] = [_("Report a year from %(first)s to %(last)s: the project's years and the %(n)s years after.")
                            % {"first": first_year, "last": latest, "n": FOLLOW_UP_YEARS}]
    elif data.year > current_year:
        problems["year"] = [_("%(year)s has not started yet; report it once the year is under way.") % {"year": data.year}]
    return problems


def warnings(data: OutcomeInput, *, total_budget_krw: int) -> list[str]:
    found: list[str] = []
    if total_budget_krw > 0 and data.revenue_krw > REVENUE_BUDGET_RATIO * total_budget_krw:
        found.append(_("Revenue is more than %(n)s times the project's whole budget; check for an extra zero.")
                     % {"n": REVENUE_BUDGET_RATIO})
    if total_budget_krw > 0 and data.transfer_fee_krw > TRANSFER_FEE_BUDGET_RATIO * total_budget_krw:
        found.append(_("The technology transfer fee is more than %(n)s times the project's whole budget.")
                     % {"n": TRANSFER_FEE_BUDGET_RATIO})
    if data.patents > MAX_PATENTS:
        found.append(_("More than %(n)s patents in one year is unusual for one project.") % {"n": MAX_PATENTS})
    if data.papers > MAX_PAPERS:
        found.append(_("More than %(n)s papers in one year is unusual for one project.") % {"n": MAX_PAPERS})
    if data.licences > data.patents + LICENCE_SLACK:
        found.append(_("Licences exceed patents by more than %(n)s; licences usually rest on the project's patents.")
                     % {"n": LICENCE_SLACK})
    if data.jobs > MAX_JOBS:
        found.append(_("More than %(n)s jobs created in one year is unusual for one project.") % {"n": MAX_JOBS})
    if data.transfer_fee_krw > 0 and data.licences == 0:
        found.append(_("A technology transfer fee was reported with no licence."))
    return found
