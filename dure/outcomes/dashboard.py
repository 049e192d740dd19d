"""The manager dashboard's figures: money per track and year, international share, outcomes, overdue reports.

Every figure is a sum over the database, computed here once so that the page, the Excel
export and the charts show the same numbers.

- budget: ``TrackBudget.amount_krw``; reserved at selection: ``TrackBudget.committed_krw``.
- committed: ``AgreementYear.amount_krw`` of every agreement (draft or signed) in the track;
  signed: the same for signed agreements only; spent: ``AgreementYear.spent_krw``.
- international share: committed money of agreements whose proposal has a foreign partner,
  over all committed money.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils import timezone

from dure.agreements.models import Agreement, AgreementStatus, AgreementYear
from dure.outcomes.models import OutcomeReport
from dure.programmes.models import Programme, TrackBudget

EOK = 100_000_000
OUTCOME_FIELDS = ("papers", "patents", "licences", "transfer_fee_krw", "revenue_krw", "jobs")


@dataclass(frozen=True)
class MoneyRow:
    track_code: str
    track: str
    year: int
    budget_krw: int
    reserved_krw: int
    committed_krw: int
    signed_krw: int
    spent_krw: int


@dataclass(frozen=True)
class OutcomeRow:
    track: str
    committed_krw: int
    totals: dict[str, int]
    per_eok: dict[str, float | None]


@dataclass(frozen=True)
class OverdueRow:
    agreement: Agreement
    year: int


@dataclass
class Dashboard:
    programme: Programme | None
    money: list[MoneyRow] = field(default_factory=list)
    committed_krw: int = 0
    international_krw: int = 0
    target: float = 0.15
    outcomes_by_track: list[OutcomeRow] = field(default_factory=list)
    outcomes_by_year: list[tuple[int, dict[str, int]]] = field(default_factory=list)
    overdue: list[OverdueRow] = field(default_factory=list)
    flagged: list[OutcomeReport] = field(default_factory=list)

    @property
    def international_share(self) -> float | None:
        return self.international_krw / self.committed_krw if self.committed_krw else None

    @property
    def meets_target(self) -> bool:
        share = self.international_share
        return share is not None and share >= self.target

    @property
    def totals(self) -> dict[str, int]:
        out = {"budget_krw": 0, "reserved_krw": 0, "committed_krw": 0, "signed_krw": 0, "spent_krw": 0}
        for row in self.money:
            for key in out:
                out[key] += getattr(row, key)
        return out


def _per_eok(totals: dict[str, int], money: int) -> dict[str, float | None]:
    return {k: (v / (money / EOK) if money else None) for k, v in totals.items()}


def last_finished_year(agreement: Agreement, current_year: int) -> int | None:
    """The latest project year that has ended, or None if the first year is still running."""
    year = min(current_year - 1, agreement.end_date.year)
    return year if year >= agreement.start_date.year else None


def build_dashboard(programme: Programme | None = None, *, current_year: int | None = None) -> Dashboard:
    programme = programme or Programme.objects.order_by("pk").first()
    dash = Dashboard(programme=programme)
    if programme is None:
        return dash
    dash.target = programme.international_share_target
    current_year = current_year or timezone.now().year

    years = AgreementYear.objects.filter(agreement__proposal__call__programme=programme)
    committed = defaultdict(int)
    signed = defaultdict(int)
    spent = defaultdict(int)
    for track_id, year, status, amount, spent_krw in years.values_list(
        "agreement__proposal__call__track_id", "year", "agreement__status", "amount_krw", "spent_krw"
    ):
        committed[track_id, year] += amount
        spent[track_id, year] += spent_krw
        if status == AgreementStatus.SIGNED:
            signed[track_id, year] += amount
    budgets = TrackBudget.objects.filter(track__programme=programme).select_related("track").order_by("track__order", "year")
    for b in budgets:
        dash.money.append(MoneyRow(b.track.code, b.track.name, b.year, b.amount_krw, b.committed_krw,
                                   committed[b.track_id, b.year], signed[b.track_id, b.year], spent[b.track_id, b.year]))
    dash.committed_krw = years.aggregate(s=Sum("amount_krw"))["s"] or 0
    dash.international_krw = (
        years.filter(agreement__proposal__foreign_partner__isnull=False).aggregate(s=Sum("amount_krw"))["s"] or 0
    )

    reports = OutcomeReport.objects.filter(agreement__proposal__call__programme=programme)
    by_year: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOME_FIELDS, 0))
    by_track: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOME_FIELDS, 0))
    for row in reports.values("year", "agreement__proposal__call__track_id", *OUTCOME_FIELDS):
        for name in OUTCOME_FIELDS:
            by_year[row["year"]][name] += row[name]
            by_track[row["agreement__proposal__call__track_id"]][name] += row[name]
    dash.outcomes_by_year = sorted(by_year.items())
    money_by_track: dict[int, int] = defaultdict(int)
    for (track_id, _year), amount in committed.items():
        money_by_track[track_id] += amount
    for track in programme.tracks.order_by("order"):
        totals = by_track.get(track.pk, dict.fromkeys(OUTCOME_FIELDS, 0))
        dash.outcomes_by_track.append(OutcomeRow(track.name, money_by_track[track.pk], totals,
                                                 _per_eok(totals, money_by_track[track.pk])))
    all_totals = {k: sum(r.totals[k] for r in dash.outcomes_by_track) for k in OUTCOME_FIELDS}
    dash.outcomes_by_track.append(OutcomeRow("", dash.committed_krw, all_totals, _per_eok(all_totals, dash.committed_krw)))

    reported = set(reports.values_list("agreement_id", "year"))
    for agreement in Agreement.objects.filter(
        proposal__call__programme=programme, status=AgreementStatus.SIGNED
    ).select_related("proposal").order_by("proposal__title"):
        year = last_finished_year(agreement, current_year)
        if year is not None and (agreement.pk, year) not in reported:
            dash.overdue.append(OverdueRow(agreement, year))
    dash.flagged = [r for r in reports.select_related("agreement__proposal").order_by("-year") if r.plausibility_flags]
    return dash
