from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dure.accounts.errors import ActionError
from dure.accounts.models import Role
from dure.accounts.permissions import NotFoundOrForbidden, role_required
from dure.proposals.models import Proposal
from dure.selection import actions, selectors
from dure.selection.forms import FundingDecisionForm, RankForm


@role_required(Role.MANAGER)
def ranking(request, call_id: int):
    call = selectors.access_call_for_selection(request.user, call_id)
    run = selectors.latest_run(call)
    proposals = {p.pk: p for p in selectors.candidates(call)}
    decisions = selectors.decisions_for(call)
    rows = []
    if run is not None:
        for r in run.results:
            p = proposals.get(r["proposal_id"])
            if p is not None:
                rows.append({**r, "proposal": p, "decision": decisions.get(p.pk),
                             "in_band": r.get("suggestion", "").startswith("lottery")})
    unranked = [p for pid, p in proposals.items() if pid not in {r["proposal_id"] for r in rows}]
    context = {
        "call": call, "run": run, "rows": rows, "unranked": unranked,
        "budgets": selectors.track_budgets(call), "rank_form": RankForm(initial={"seed": ""}),
        "decision_form": FundingDecisionForm(),
    }
    return render(request, "selection/ranking.html", context)


@require_POST
@role_required(Role.MANAGER)
def ranking_run(request, call_id: int):
    call = selectors.access_call_for_selection(request.user, call_id)
    form = RankForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the published lottery seed."))
        return redirect("ranking", call_id=call.pk)
    try:
        run = actions.do_rank_call(request.user, call, form.cleaned_data["seed"], form.cleaned_data["places"])
    except ActionError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("Ranking done (%(method)s); %(n)s proposals fit the budget.")
                         % {"method": run.method, "n": run.fundable})
    return redirect("ranking", call_id=call.pk)


@require_POST
@role_required(Role.MANAGER)
def funding_decision(request, proposal_id: int):
    proposal = Proposal.objects.select_related("call").filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFoundOrForbidden("proposal")
    call = selectors.access_call_for_selection(request.user, proposal.call_id)
    form = FundingDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose fund or do not fund, and give the reason."))
        return redirect("ranking", call_id=call.pk)
    try:
        actions.check_record_funding_decision(request.user, proposal, form.cleaned_data["funded"],
                                              form.cleaned_data["reason"])
    except ActionError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("Decision recorded for “%(title)s”.") % {"title": proposal.title})
    return redirect("ranking", call_id=call.pk)
