"""Reads for ranking and selection."""

from __future__ import annotations

from collections import defaultdict

from dure.accounts.models import Role
from dure.accounts.permissions import NotFoundOrForbidden
from dure.programmes.models import Call, Stage, TrackBudget
from dure.programmes.workflow import SCORED_STAGES, StageKind
from dure.proposals.models import Proposal, ProposalBudgetYear
from dure.proposals.workflow import ProposalStatus
from dure.review.models import Review
from dure.selection.models import Decision, Outcome, RankingRun


def access_call_for_selection(user, call_id) -> Call:
    if not user.has_role(Role.MANAGER):
        raise NotFoundOrForbidden("call")
    try:
        return Call.objects.select_related("track").get(pk=call_id)
    except (Call.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("call") from None


def decision_stage(call: Call) -> Stage:
    """Where funding decisions are recorded: the selection committee, else the last stage."""
    stages = Stage.objects.filter(call=call).order_by("order")
    return stages.filter(kind=StageKind.COMMITTEE).first() or stages.last()


def candidates(call: Call):
    """Proposals still in the running (or already decided at selection) in this call."""
    stopped = Decision.objects.filter(
        stage__call=call, outcome=Outcome.FAIL
    ).values("proposal_id")
    return (
        Proposal.objects.filter(
            call=call, status__in=(ProposalStatus.IN_REVIEW, ProposalStatus.SELECTED, ProposalStatus.NOT_SELECTED)
        )
        .exclude(pk__in=stopped)
        .select_related("consortium", "technology")
    )


def review_rows(call: Call, proposal_ids) -> list[tuple[int, str, float, int | None, int]]:
    """(proposal, reviewer key, overall score 0..10, confidence, stage) per submitted review."""
    return [
        (r.proposal_id, f"{r.stage_id}:{r.pseudonym}", float(r.overall), r.confidence, r.stage_id)
        for r in Review.objects.filter(
            stage__call=call, stage__kind__in=SCORED_STAGES, proposal_id__in=list(proposal_ids),
            is_submitted=True, overall__isnull=False,
        ).order_by("proposal_id", "stage_id", "pseudonym")
    ]


def budgets_by_proposal(proposal_ids) -> dict[int, dict[int, int]]:
    out: dict[int, dict[int, int]] = defaultdict(dict)
    for b in ProposalBudgetYear.objects.filter(proposal_id__in=list(proposal_ids)):
        out[b.proposal_id][b.year] = b.amount_krw
    return dict(out)


def track_budgets(call: Call) -> list[TrackBudget]:
    return list(TrackBudget.objects.filter(track_id=call.track_id).order_by("year"))


def latest_run(call: Call) -> RankingRun | None:
    return RankingRun.objects.filter(call=call).order_by("-created_at", "-pk").first()


def decisions_for(call: Call) -> dict[int, Decision]:
    stage = decision_stage(call)
    return {d.proposal_id: d for d in Decision.objects.filter(stage=stage)}
