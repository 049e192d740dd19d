"""Public aggregates: money and projects, never people or scores."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from ninja import Router

from dure.api.schemas import PublicSummaryOut
from dure.programmes.models import Programme, Track, TrackBudget
from dure.proposals.models import Proposal
from dure.proposals.workflow import ProposalStatus

router = Router(tags=["public"], auth=None)


@router.get("/summary", response={200: PublicSummaryOut, 404: dict})
def public_summary(request):
    programme = Programme.objects.order_by("pk").first()
    if programme is None:
        return 404, {"detail": "No programme has been loaded."}
    funded = Proposal.objects.filter(call__programme=programme, status=ProposalStatus.SELECTED)
    tracks = []
    for t in Track.objects.filter(programme=programme).annotate(
        projects=Count("calls__proposals", filter=Q(calls__proposals__status=ProposalStatus.SELECTED), distinct=True)
    ):
        committed = TrackBudget.objects.filter(track=t).aggregate(s=Sum("committed_krw"))["s"] or 0
        tracks.append({"track": t.code, "name_en": t.name_en, "name_ko": t.name_ko, "projects": t.projects, "committed_krw": committed})
    total = sum(x["committed_krw"] for x in tracks)
    intl = funded.filter(foreign_partner__isnull=False).aggregate(s=Sum("budget_years__amount_krw"))["s"] or 0
    all_funded = funded.aggregate(s=Sum("budget_years__amount_krw"))["s"] or 0
    return {
        "programme": programme.name_en,
        "funded_projects": funded.count(),
        "committed_krw": total,
        "international_share": (intl / all_funded) if all_funded else 0.0,
        "international_share_target": programme.international_share_target,
        "tracks": tracks,
    }
