"""What a portfolio run works on, read from the database: candidates, budgets, saved runs.

Candidates are the proposals of the chosen calls still awaiting a funding decision. Their
quality is the calibrated score of the call's latest ranking run, else its mean review
score, else the mean of the submitted reviews' overall scores; proposals with no score at
all are listed apart and cannot be chosen. Budgets are what is left of each track's yearly
money (amount minus committed).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from dure.accounts.models import Role
from dure.accounts.permissions import NotFoundOrForbidden
from dure.audit.models import AuditEvent
from dure.core.selection import Budget, Candidate
from dure.programmes.models import Call, Programme, TrackBudget
from dure.proposals.models import Proposal
from dure.proposals.workflow import ProposalStatus
from dure.selection import selectors

RUN_ACTION = "portfolio.run"
APPLY_ACTION = "portfolio.applied"


@dataclass
class PortfolioScope:
    """The calls a portfolio is chosen for: one call, or every call of a programme."""

    programme: Programme
    calls: list[Call]
    call: Call | None = None
    proposals: dict[str, Proposal] = field(default_factory=dict)
    unscored: list[Proposal] = field(default_factory=list)
    quality_source: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"call:{self.call.pk}" if self.call is not None else f"programme:{self.programme.pk}"


def access_call_scope(user, call_id) -> PortfolioScope:
    call = selectors.access_call_for_selection(user, call_id)
    return PortfolioScope(programme=call.programme, calls=[call], call=call)


def access_programme_scope(user, programme_id) -> PortfolioScope:
    if not user.has_role(Role.MANAGER):
        raise NotFoundOrForbidden("programme")
    try:
        programme = Programme.objects.get(pk=programme_id)
    except (Programme.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("programme") from None
    calls = list(Call.objects.filter(programme=programme).select_related("track").order_by("pk"))
    return PortfolioScope(programme=programme, calls=calls)


def _qualities(call: Call, proposal_ids: list[int]) -> dict[int, tuple[float, str]]:
    out: dict[int, tuple[float, str]] = {}
    run = selectors.latest_run(call)
    if run is not None:
        for row in run.results:
            pid = row.get("proposal_id")
            if row.get("calibrated_score") is not None:
                out[pid] = (float(row["calibrated_score"]), "calibrated")
            elif row.get("mean_score") is not None:
                out[pid] = (float(row["mean_score"]), "mean")
    scores: dict[int, list[float]] = {}
    for row in selectors.review_rows(call, proposal_ids):  # (proposal, reviewer, overall, ...)
        scores.setdefault(row[0], []).append(row[2])
    for pid, values in scores.items():
        out.setdefault(pid, (statistics.fmean(values), "mean"))
    return out


def load_candidates(scope: PortfolioScope) -> list[Candidate]:
    """The undecided proposals of the scope's calls, as the core's candidates (ids are pks as text)."""
    candidates: list[Candidate] = []
    scope.proposals.clear()
    scope.unscored.clear()
    for call in scope.calls:
        decided = set(selectors.decisions_for(call))
        proposals = [p for p in selectors.candidates(call).select_related("technology__sector", "call__track")
                     if p.status == ProposalStatus.IN_REVIEW and p.pk not in decided]
        costs = selectors.budgets_by_proposal([p.pk for p in proposals])
        quality = _qualities(call, [p.pk for p in proposals])
        for p in proposals:
            if p.pk not in quality or not costs.get(p.pk):
                scope.unscored.append(p)
                continue
            key = str(p.pk)
            scope.proposals[key] = p
            scope.quality_source[key] = quality[p.pk][1]
            candidates.append(Candidate(
                proposal_id=key, track=call.track.code, sector=p.technology.sector.code,
                organisation_id=str(p.consortium.lead_id), international=p.is_international,
                quality=round(quality[p.pk][0], 4), costs=dict(sorted(costs[p.pk].items())),
            ))
    return candidates


def load_budgets(scope: PortfolioScope) -> list[Budget]:
    """What is left of each (track, year) budget the scope's calls draw on."""
    track_ids = {c.track_id for c in scope.calls}
    return [
        Budget(b.track.code, b.year, float(max(b.remaining_krw, 0)))
        for b in TrackBudget.objects.filter(track_id__in=track_ids).select_related("track").order_by("track__order", "year")
    ]


def saved_runs(scope: PortfolioScope):
    return AuditEvent.objects.filter(action=RUN_ACTION, payload__scope=scope.key).order_by("-seq")


def access_saved_run(scope: PortfolioScope, run_id) -> AuditEvent:
    try:
        return saved_runs(scope).get(pk=run_id)
    except (AuditEvent.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("portfolio run") from None


def applied_run_ids(scope: PortfolioScope) -> set[int]:
    return {e.payload.get("run") for e in AuditEvent.objects.filter(action=APPLY_ACTION, payload__scope=scope.key)}
