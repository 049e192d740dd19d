from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dure.accounts.errors import ActionError
from dure.accounts.models import Role
from dure.accounts.permissions import NotFoundOrForbidden, role_required
from dure.partners import actions, selectors
from dure.partners.forms import (
    AddMemberForm,
    ConsortiumForm,
    DemandForm,
    OfferForm,
    OrganisationSearchForm,
)
from dure.partners.models import OfferStatus


def show_problems(form, exc: ActionError) -> None:
    """Put each problem next to its field (or above the form when no field fits)."""
    for field, errors in exc.problems.items():
        for e in errors:
            form.add_error(field if field in form.fields else None, e)


@role_required(Role.COMPANY, Role.RESEARCH, Role.MANAGER)
def demands(request):
    form = None
    if request.user.role == Role.COMPANY:
        form = DemandForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                demand = actions.check_create_demand(request.user, actions.DemandInput(**form.cleaned_data))
            except ActionError as exc:
                show_problems(form, exc)
            else:
                messages.success(request, _("Your demand is posted; research organisations can now see it."))
                return redirect("demand-detail", demand_id=demand.pk)
    elif request.method == "POST":
        raise NotFoundOrForbidden()
    context = {"demands": selectors.demands_visible_to(request.user), "form": form}
    return render(request, "partners/demands.html", context, status=400 if form is not None and form.errors else 200)


@role_required(Role.COMPANY, Role.RESEARCH, Role.MANAGER)
def demand_detail(request, demand_id: int):
    demand = selectors.access_demand_by_id(request.user, demand_id)
    context = {"demand": demand, "consortia": demand.consortia.all()}
    if request.user.role == Role.RESEARCH:
        context["form"] = OfferForm()
        context["form"].fields.pop("company")
    return render(request, "partners/demand_detail.html", context)


@role_required(Role.COMPANY, Role.RESEARCH)
def offers(request):
    """Offers my organisation made or received; research users send new ones here."""
    form = None
    demand = None
    if request.user.role == Role.RESEARCH:
        demand_id = request.POST.get("demand") or request.GET.get("demand")
        if demand_id:
            demand = selectors.access_demand_by_id(request.user, demand_id)
        form = OfferForm(request.POST or None)
        if demand is not None:
            form.fields.pop("company")
        if request.method == "POST" and form.is_valid():
            try:
                actions.check_send_offer(request.user, actions.OfferInput(
                    message=form.cleaned_data["message"],
                    commercialisation_goal=form.cleaned_data["commercialisation_goal"],
                    demand=demand, company=form.cleaned_data.get("company"),
                ))
            except ActionError as exc:
                show_problems(form, exc)
            else:
                messages.success(request, _("Your offer has been sent to the company."))
                return redirect("offers")
    elif request.method == "POST":
        raise NotFoundOrForbidden()
    offer_list = list(selectors.offers_visible_to(request.user))
    for offer in offer_list:
        offer.can_decide = selectors.can_decide_offer(request.user, offer)
    context = {"offers": offer_list, "form": form, "demand": demand}
    return render(request, "partners/offers.html", context, status=400 if form is not None and form.errors else 200)


@require_POST
@role_required(Role.COMPANY)
def offer_decide(request, offer_id: int):
    offer = selectors.access_offer_by_id(request.user, offer_id)
    decision = request.POST.get("decision")
    if decision not in ("accept", "decline"):
        messages.error(request, _("Choose accept or decline."))
        return redirect("offers")
    try:
        offer = actions.check_decide_offer(request.user, offer, accept=decision == "accept")
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("offers")
    if offer.status == OfferStatus.ACCEPTED:
        messages.success(request, _("Offer accepted: a consortium has been formed."))
        return redirect("consortium-detail", consortium_id=offer.consortium_id)
    messages.success(request, _("Offer declined."))
    return redirect("offers")


@role_required(Role.COMPANY, Role.RESEARCH, Role.MANAGER)
def consortia(request):
    form = ConsortiumForm(request.POST or None) if request.user.role != Role.MANAGER else None
    if request.method == "POST":
        if form is None:
            raise NotFoundOrForbidden()
        if form.is_valid():
            try:
                consortium = actions.check_create_consortium(request.user, form.cleaned_data["name"])
            except ActionError as exc:
                show_problems(form, exc)
            else:
                messages.success(request, _("Consortium formed; your organisation leads it."))
                return redirect("consortium-detail", consortium_id=consortium.pk)
    context = {"consortia": selectors.consortia_of(request.user), "form": form}
    return render(request, "partners/consortia.html", context, status=400 if form is not None and form.errors else 200)


@role_required(Role.COMPANY, Role.RESEARCH, Role.MANAGER)
def consortium_detail(request, consortium_id: int):
    consortium = selectors.access_consortium_by_id(request.user, consortium_id)
    is_lead = selectors.is_consortium_lead(request.user, consortium)
    context = {"consortium": consortium, "is_lead": is_lead, "members": consortium.members.select_related("organisation")}
    status = 200
    if is_lead:
        search = OrganisationSearchForm(request.GET or None)
        context["search"] = search
        if search.is_valid() and search.cleaned_data["q"]:
            results = list(selectors.search_organisations(search.cleaned_data["q"], exclude_ids=consortium.organisation_ids()))
            context["results"] = [(org, AddMemberForm(initial={"organisation": org.pk}, prefix=f"o{org.pk}")) for org in results]
            context["searched"] = True
        if request.method == "POST":
            form = AddMemberForm(request.POST)
            if form.is_valid():
                try:
                    actions.check_add_member(request.user, consortium, form.cleaned_data["organisation"], form.cleaned_data["role"])
                except ActionError as exc:
                    show_problems(form, exc)
                else:
                    messages.success(request, _("%(org)s joined the consortium.") % {"org": form.cleaned_data["organisation"]})
                    return redirect("consortium-detail", consortium_id=consortium.pk)
            context["add_form"] = form
            context["add_org"] = form.cleaned_data.get("organisation") if hasattr(form, "cleaned_data") else None
            status = 400
    elif request.method == "POST":
        raise NotFoundOrForbidden()
    return render(request, "partners/consortium_detail.html", context, status=status)


