"""Reads for ranking and selection."""

from __future__ import annotations

from collections import defaultdict

from dure.accounts.models import Role
from dure.accounts.permissions import NotFoundOrForbidden
from dure.programmes.models import Call, Stage, TrackBudget
from dure.programmes.workflow import StageKind
from dure.proposals.models import Proposal, ProposalBudgetYear
from dure.proposals.workflow import ProposalStatus
from dure.review.models import Review
from dure.selection.models import Decision, PublishedSeed, RankingRun


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
    """Proposals that reached the selection committee by passing every earlier stage."""
    from dure.review.selectors import proposals_at_stage

    stage = decision_stage(call)
    if stage is None:
        return Proposal.objects.none()
    return (
        proposals_at_stage(stage)
        .filter(status__in=(ProposalStatus.IN_REVIEW, ProposalStatus.SELECTED, ProposalStatus.NOT_SELECTED))
        .select_related("consortium", "technology")
    )


# The layers whose scores measure a proposal's merit and go into the ranking; the
# cooperation check is a pass/fail gate of its own and does not.
RANKED_STAGES = (StageKind.WRITTEN, StageKind.PANEL)


def review_rows(call: Call, proposal_ids) -> list[tuple[int, str, float, int | None, int, str]]:
    """(proposal, reviewer key, overall 0..10, confidence, stage id, stage kind) per submitted review."""
    return [
        (r.proposal_id, f"{r.stage_id}:{r.pseudonym}", float(r.overall), r.confidence, r.stage_id, r.stage.kind)
        for r in Review.objects.filter(
            stage__call=call, stage__kind__in=RANKED_STAGES, proposal_id__in=list(proposal_ids),
            is_submitted=True, overall__isnull=False,
        ).select_related("stage").order_by("proposal_id", "stage_id", "pseudonym")
    ]


def latest_unused_seed(call: Call) -> PublishedSeed | None:
    return PublishedSeed.objects.filter(call=call, used_by__isnull=True).order_by("-published_at", "-pk").first()


def seeds_of(call: Call) -> list[PublishedSeed]:
    return list(PublishedSeed.objects.filter(call=call).select_related("used_by").order_by("-published_at", "-pk"))


def run_of(call: Call, run_id) -> RankingRun:
    try:
        return RankingRun.objects.get(call=call, pk=run_id)
    except (RankingRun.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("run") from None


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
