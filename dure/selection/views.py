from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dure.accounts.errors import ActionError
from dure.accounts.models import Role
from dure.accounts.permissions import NotFoundOrForbidden, role_required
from dure.proposals.models import Proposal
from dure.selection import actions, selectors
from dure.selection.forms import FundingDecisionForm, PublishSeedForm, RankForm


def _interval_bar(row: dict, n: int) -> dict:
    """Positions (percent of the width) for the rank interval bar, drawn as SVG (no inline styles)."""
    n = max(n, 1)
    low, high = row.get("rank_low", 1), row.get("rank_high", 1)
    return {"x": round((low - 1) / n * 100, 2), "width": round(max(high - low + 1, 0.3) / n * 100, 2),
            "mark": round((float(row.get("expected_rank", low)) - 0.5) / n * 100, 2)}


@role_required(Role.MANAGER)
def ranking(request, call_id: int):
    from dure.review.selectors import feedback_released

    call = selectors.access_call_for_selection(request.user, call_id)
    run = selectors.latest_run(call)
    proposals = {p.pk: p for p in selectors.candidates(call)}
    decisions = selectors.decisions_for(call)
    rows = []
    if run is not None:
        n = len(run.results)
        for r in run.results:
            p = proposals.get(r["proposal_id"])
            if p is not None:
                rows.append({**r, "proposal": p, "decision": decisions.get(p.pk), "bar": _interval_bar(r, n),
                             "line": round((run.fundable or 0) / max(n, 1) * 100, 2),
                             "in_band": r.get("suggestion", "").startswith("lottery")})
    unranked = [p for pid, p in proposals.items() if pid not in {r["proposal_id"] for r in rows}]
    committee = selectors.decision_stage(call)
    context = {
        "call": call, "run": run, "rows": rows, "unranked": unranked,
        "budgets": selectors.track_budgets(call), "rank_form": RankForm(), "seed_form": PublishSeedForm(),
        "decision_form": FundingDecisionForm(), "seeds": selectors.seeds_of(call),
        "next_seed": selectors.latest_unused_seed(call), "committee": committee,
        "committee_open": committee is not None and committee.is_open and not committee.is_closed,
        "released": feedback_released(call.pk),
    }
    return render(request, "selection/ranking.html", context)


@require_POST
@role_required(Role.MANAGER)
def seed_publish(request, call_id: int):
    call = selectors.access_call_for_selection(request.user, call_id)
    form = PublishSeedForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the public seed value."))
        return redirect("ranking", call_id=call.pk)
    try:
        actions.check_publish_seed(request.user, call, form.cleaned_data["seed"])
    except ActionError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("Seed published and recorded in the audit log; the next draw uses it."))
    return redirect("ranking", call_id=call.pk)


@require_POST
@role_required(Role.MANAGER)
def ranking_run(request, call_id: int):
    call = selectors.access_call_for_selection(request.user, call_id)
    form = RankForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The number of places must be a whole number, 0 or more."))
        return redirect("ranking", call_id=call.pk)
    try:
        run = actions.do_rank_call(request.user, call, None, form.cleaned_data["places"])
    except ActionError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("Ranking done (%(method)s); %(n)s proposals fit the budget.")
                         % {"method": run.method, "n": run.fundable})
    return redirect("ranking", call_id=call.pk)


@role_required(Role.MANAGER)
def ranking_verify(request, call_id: int):
    """Re-run the latest recorded lottery from its inputs and show whether it matches (read-only)."""
    call = selectors.access_call_for_selection(request.user, call_id)
    run = selectors.latest_run(call)
    result = actions.verify_lottery(run) if run is not None else {"ok": False, "problem": _("Nothing ranked yet.")}
    return render(request, "selection/verify.html", {"call": call, "run": run, "result": result})


@require_POST
@role_required(Role.MANAGER)
def feedback_release(request, call_id: int):
    from dure.review.actions import do_release_feedback

    call = selectors.access_call_for_selection(request.user, call_id)
    try:
        do_release_feedback(request.user, call)
    except ActionError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("Feedback released: every applicant of the call can read theirs now."))
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
