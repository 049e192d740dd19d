"""Reads for the programme, its tracks, technologies and calls."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, Sum

from dure.accounts.permissions import NotFoundOrForbidden
from dure.programmes.models import Call, Programme, Stage, Technology, Track, TrackBudget
from dure.programmes.workflow import CallStatus


def programme_overview() -> Programme | None:
    return (
        Programme.objects.prefetch_related(
            Prefetch("tracks", queryset=Track.objects.prefetch_related(
                Prefetch("technologies", queryset=Technology.objects.select_related("sector")),
                Prefetch("budgets", queryset=TrackBudget.objects.order_by("year")),
            ))
        )
        .order_by("pk")
        .first()
    )


def calls_visible_to(user):
    """Managers see every call; others see open and past calls, never drafts."""
    qs = Call.objects.select_related("track", "programme")
    if user.is_authenticated and user.role == "manager":
        return qs
    return qs.exclude(status=CallStatus.DRAFT)


def access_call_by_id(user, call_id: int) -> Call:
    try:
        return calls_visible_to(user).get(pk=call_id)
    except (Call.DoesNotExist, ValueError, TypeError):
        raise NotFoundOrForbidden("call") from None


def call_progress(call: Call) -> dict:
    from dure.proposals.models import Proposal
    from dure.proposals.workflow import ProposalStatus

    counts = dict(
        Proposal.objects.filter(call=call).values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    stages = []
    for stage in Stage.objects.filter(call=call).annotate(
        n_assign=Count("assignments", distinct=True),
        n_reviews=Count("reviews", filter=Q(reviews__is_submitted=True), distinct=True),
        n_decisions=Count("decisions", distinct=True),
    ):
        stages.append(stage)
    requested = (
        Proposal.objects.filter(call=call)
        .exclude(status__in=[ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN])
        .aggregate(total=Sum("budget_years__amount_krw"))["total"]
        or 0
    )
    return {
        "by_status": [(label, counts.get(value, 0)) for value, label in ProposalStatus.choices],
        "stages": stages,
        "requested_krw": requested,
    }
