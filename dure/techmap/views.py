from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from dure.accounts.errors import ActionError
from dure.accounts.models import Role
from dure.accounts.permissions import NotFoundOrForbidden, role_required
from dure.programmes.models import Technology
from dure.techmap import actions, selectors
from dure.techmap.forms import OverrideForm, SimilarForm

MAP_ROLES = (Role.MANAGER, Role.COMPANY, Role.RESEARCH, Role.REVIEWER, Role.AUDITOR)
OVERRIDE_ROLES = (Role.MANAGER, Role.REVIEWER)
DEMAND_ROLES = (Role.MANAGER, Role.COMPANY, Role.RESEARCH)


def _technology(code: str) -> Technology:
    tech = Technology.objects.select_related("track", "sector").filter(code=code).first()
    if tech is None:
        raise NotFoundOrForbidden("technology")
    return tech


@role_required(*MAP_ROLES)
def index(request):
    return render(request, "techmap/index.html", {"rows": selectors.technologies_overview(),
                                                  "summary": selectors.evidence_summary()})


def _map_context(request, tech: Technology, form: OverrideForm | None = None) -> dict:
    prof = selectors.profile_for(tech)
    ctx = {"technology": tech, "profile": prof, "need": selectors.cooperation_need_for(tech),
           "summary": selectors.evidence_summary(),
           "overrides": tech.cooperation_overrides.select_related("decided_by")[:10]}
    if prof is not None:
        ctx["frontier"] = selectors.indicator_rows(prof.frontier)
        ctx["domestic"] = selectors.indicator_rows(prof.best_domestic)
        ctx["countries"] = prof.countries[:8]
    if request.user.role in OVERRIDE_ROLES:
        ctx["form"] = form or OverrideForm(initial={"technology": tech.code})
    return ctx


@role_required(*MAP_ROLES)
def technology(request):
    tech = _technology(request.GET.get("t", ""))
    return render(request, "techmap/technology.html", _map_context(request, tech))


@require_POST
@role_required(*OVERRIDE_ROLES)
def override(request):
    form = OverrideForm(request.POST)
    tech = _technology(request.POST.get("technology", ""))
    if form.is_valid():
        need = selectors.cooperation_need_for(tech)
        try:
            actions.check_override_cooperation(request.user, tech, level=form.cleaned_data["level"],
                                               reason=form.cleaned_data["reason"],
                                               computed_level=need["computed_level"] if need else "")
        except ActionError as exc:
            for field, errors in exc.problems.items():
                for e in errors:
                    form.add_error(field if field in form.fields else None, e)
        else:
            messages.success(request, _("Your decision is recorded and now counts for this technology."))
            return redirect(f"/techmap/technology/?t={tech.code}")
    return render(request, "techmap/technology.html", _map_context(request, tech, form), status=400)


@role_required(*DEMAND_ROLES)
def partners(request, demand_id: int):
    demand = selectors.access_demand_for_matching(request.user, demand_id)
    techs = selectors.demand_technologies(demand)
    return render(request, "techmap/partners.html", {
        "demand": demand, "technologies": techs, "suggestions": selectors.partner_suggestions(demand),
        "need": selectors.demand_need(demand)})


@role_required(*DEMAND_ROLES)
def consortia(request, demand_id: int):
    demand = selectors.access_demand_for_matching(request.user, demand_id)
    suggestions, problem, need = selectors.consortium_suggestions(demand)
    can_accept = {i for i, s in enumerate(suggestions)
                  if (request.user.role == Role.COMPANY and request.user.organisation_id == demand.company_id)
                  or (request.user.role == Role.RESEARCH and request.user.organisation_id in {o.pk for o in s.organisations})}
    return render(request, "techmap/consortia.html", {
        "demand": demand, "suggestions": suggestions, "problem": problem, "need": need, "can_accept": can_accept,
        "technologies": selectors.demand_technologies(demand)})


@require_POST
@role_required(Role.COMPANY, Role.RESEARCH)
def accept(request, demand_id: int):
    demand = selectors.access_demand_for_matching(request.user, demand_id)
    suggestions, _problem, _need = selectors.consortium_suggestions(demand)
    try:
        chosen = suggestions[int(request.POST.get("index", ""))]
    except (ValueError, IndexError):
        messages.error(request, _("Choose one of the suggested consortia."))
        return redirect("techmap-consortia", demand_id=demand.pk)
    try:
        consortium = actions.check_accept_consortium(
            request.user, demand, chosen.organisations, name=demand.title, reasons=chosen.reasons)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("techmap-consortia", demand_id=demand.pk)
    messages.success(request, _("Consortium formed. Add or remove members here, then write a proposal."))
    return redirect("consortium-detail", consortium_id=consortium.pk)


@role_required(Role.MANAGER, Role.RESEARCH, Role.AUDITOR)
def overlap(request):
    gri_only = request.GET.get("gri") == "1"
    return render(request, "techmap/overlap.html", {"overlap": selectors.overlap_view(gri_only=gri_only),
                                                    "gri_only": gri_only})


@ratelimit(key="user_or_ip", rate=lambda g, r: settings.DURE_RATE_SEARCH, block=True)
@role_required(Role.MANAGER, Role.COMPANY, Role.RESEARCH)
def similar(request):
    form = SimilarForm(request.GET or None)
    results, source = [], None
    if form.is_valid():
        text = form.cleaned_data["text"] or ""
        pid = form.cleaned_data["proposal"]
        if pid:
            source = selectors.access_proposal_for_similar(request.user, pid)
            text = f"{source.title}\n{source.abstract}"
        results = selectors.similar_search(request.user, text, exclude_proposal=pid)
    return render(request, "techmap/similar.html", {"form": form, "results": results, "source": source})
