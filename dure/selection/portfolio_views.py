"""Portfolio selection pages for managers: rules, optimal portfolio against funding by rank,
explanations, what-if, and applying the portfolio as funding decisions."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dure.accounts.errors import ActionError
from dure.accounts.models import Role
from dure.accounts.permissions import role_required
from dure.core.money import format_krw
from dure.programmes.models import Sector, Track
from dure.selection import portfolio_actions as actions
from dure.selection import portfolio_inputs as inputs
from dure.selection.portfolio_forms import PortfolioForm, WhatIfForm


def _lang() -> str:
    return "ko" if (get_language() or "ko").startswith("ko") else "en"


def _money(amount: float) -> str:
    return format_krw(int(round(amount)), lang=_lang())


def _urls(scope: inputs.PortfolioScope) -> tuple[str, str]:
    if scope.call is not None:
        return (reverse("portfolio-call", args=[scope.call.pk]), reverse("portfolio-call-apply", args=[scope.call.pk]))
    return (reverse("portfolio-programme", args=[scope.programme.pk]),
            reverse("portfolio-programme-apply", args=[scope.programme.pk]))


def _track_names(scope) -> dict[str, str]:
    return {t.code: t.name for t in Track.objects.filter(pk__in={c.track_id for c in scope.calls})}


def _side(data: dict, name: str, budgets: dict, target: float | None) -> dict:
    p = data[name]
    spent = {(t, y): a for t, y, a in p["spent"]}
    return {"p": p, "spent": spent, "total": _money(p["total_cost"]),
            "share_ok": not target or p["international_share"] + 1e-9 >= target,
            "quality": p["objective"]}


def _result_context(scope, run) -> dict:
    data = run.payload
    tracks = _track_names(scope)
    sectors = {s.code: s.name for s in Sector.objects.filter(code__in={c["sector"] for c in data["candidates"]})}
    target = data["rules"]["min_international_share"]
    budgets = {(t, y): a for t, y, a in data["budgets"]}
    optimal, rank = _side(data, "optimal", budgets, target), _side(data, "rank", budgets, target)
    money = [{"track": tracks.get(t, t), "year": y, "left": _money(a),
              "optimal": _money(optimal["spent"].get((t, y), 0)), "rank": _money(rank["spent"].get((t, y), 0))}
             for (t, y), a in sorted(budgets.items())]
    explanations = {e["proposal_id"]: e for e in data["explanations"]}
    proposals = {str(p.pk): p for p in scope.proposals.values()}
    chosen, ranked = set(data["optimal"]["selected"]), set(data["rank"]["selected"])
    rows = []
    for c in sorted(data["candidates"], key=lambda c: -c["quality"]):
        pid = c["proposal_id"]
        e = explanations.get(pid, {})
        rows.append({
            "id": pid, "title": proposals[pid].title if pid in proposals else f"#{pid}",
            "track": tracks.get(c["track"], c["track"]), "sector": sectors.get(c["sector"], c["sector"]), "international": c["international"],
            "quality": c["quality"], "source": data["quality_source"].get(pid, ""),
            "cost": _money(sum(c["costs"].values())), "in_optimal": pid in chosen, "in_rank": pid in ranked,
            "message": e.get("message", ""), "needed": e.get("quality_needed"), "exact": e.get("exact"),
            "kind": e.get("kind", ""),
        })
    return {"run": run, "data": data, "optimal": optimal, "rank": rank, "money": money, "rows": rows,
            "target": target, "applied": run.pk in inputs.applied_run_ids(scope),
            "titles": {r["id"]: r["title"] for r in rows}}


def _what_if(request, scope, run, context) -> WhatIfForm:
    tracks = _track_names(scope)
    choices = [(f"{t}|{y}", f"{tracks.get(t, t)} {y} ({_money(a)})") for t, y, a in run.payload["budgets"]]
    if "wi_go" not in request.GET:
        return WhatIfForm(budgets=choices)
    form = WhatIfForm(request.GET, budgets=choices)
    if form.is_valid():
        d = form.cleaned_data
        change = {}
        if d["wi_budget"]:
            t, y = d["wi_budget"].split("|")
            change[(t, int(y))] = float(d["wi_amount"])
        share = float(d["wi_share"]) / 100 if d["wi_share"] is not None else None
        try:
            result = actions.check_what_if(run, change, share)
        except ActionError as exc:
            for m in exc.messages:
                form.add_error(None, m)
        else:
            titles = context["titles"]
            context["what_if"] = {
                "entered": [titles.get(p, p) for p in result.entered], "left": [titles.get(p, p) for p in result.left],
                "quality_change": round(result.objective_change, 3),
                "share": result.after.international_share, "total": _money(result.after.total_cost),
                "spent_change": [(tracks.get(t, t), y, _money(v)) for (t, y), v in result.spent_change.items() if v],
            }
    return form


def _page(request, scope: inputs.PortfolioScope):
    page_url, apply_url = _urls(scope)
    inputs.load_candidates(scope)
    sectors = Sector.objects.filter(code__in={p.technology.sector.code for p in scope.proposals.values()})
    choices = [(pid, p.title) for pid, p in sorted(scope.proposals.items(), key=lambda kv: kv[1].title)]
    target = Decimal(str(round(scope.programme.international_share_target * 100, 1)))
    form = PortfolioForm(request.POST or None, proposals=choices, sectors=[(s.code, s.name) for s in sectors],
                         initial={"min_international_share": target})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        rules = actions.RulesInput(
            min_international_share=float(d["min_international_share"]) / 100, organisation_cap=d["organisation_cap"],
            sector_minimums=form.sector_minimums(), must_include=frozenset(d["must_include"]),
            must_exclude=frozenset(d["must_exclude"]))
        try:
            run = actions.check_run_portfolio(request.user, scope, rules)
        except ActionError as exc:
            for field, errors in exc.problems.items():
                for e in errors:
                    form.add_error(field if field in form.fields else None, e)
        else:
            messages.success(request, _("Portfolio chosen and saved as run %(id)s.") % {"id": run.pk})
            return redirect(f"{page_url}?run={run.pk}")
    runs = list(inputs.saved_runs(scope)[:20])
    context = {"scope": scope, "form": form, "runs": runs, "page_url": page_url, "apply_url": apply_url,
               "unscored": scope.unscored, "n_candidates": len(scope.proposals)}
    run = None
    if request.GET.get("run"):
        run = inputs.access_saved_run(scope, request.GET["run"])
    elif runs and request.method == "GET":
        run = runs[0]
    if run is not None:
        context.update(_result_context(scope, run))
        context["what_if_form"] = _what_if(request, scope, run, context)
    return render(request, "selection/portfolio.html", context, status=400 if form.errors else 200)


def _apply(request, scope: inputs.PortfolioScope):
    page_url, _apply_url = _urls(scope)
    run = inputs.access_saved_run(scope, request.POST.get("run"))
    try:
        decisions = actions.check_apply_portfolio(request.user, scope, run)
    except ActionError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        funded = sum(1 for d in decisions if d.outcome == "funded")
        messages.success(request, _("Decisions recorded: %(funded)s funded, %(declined)s not funded.")
                         % {"funded": funded, "declined": len(decisions) - funded})
    return redirect(f"{page_url}?run={run.pk}")


@role_required(Role.MANAGER)
def portfolio_call(request, call_id: int):
    return _page(request, inputs.access_call_scope(request.user, call_id))


@role_required(Role.MANAGER)
def portfolio_programme(request, programme_id: int):
    return _page(request, inputs.access_programme_scope(request.user, programme_id))


@require_POST
@role_required(Role.MANAGER)
def portfolio_call_apply(request, call_id: int):
    return _apply(request, inputs.access_call_scope(request.user, call_id))


@require_POST
@role_required(Role.MANAGER)
def portfolio_programme_apply(request, programme_id: int):
    return _apply(request, inputs.access_programme_scope(request.user, programme_id))
