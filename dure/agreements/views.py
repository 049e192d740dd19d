from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dure.accounts.errors import ActionError
from dure.accounts.models import Role
from dure.accounts.permissions import role_required
from dure.agreements import actions, selectors
from dure.agreements.forms import DispatchForm, IPTermsForm, MilestoneForm
from dure.agreements.models import IPTerms
from dure.organisations.models import Organisation

READERS = (Role.MANAGER, Role.COMPANY, Role.RESEARCH)


def _add_errors(form, exc: ActionError) -> None:
    for field, errors in exc.problems.items():
        for e in errors:
            form.add_error(field if field in form.fields else None, e)


def _host_choices(agreement):
    proposal = agreement.proposal
    ids = set(proposal.members.exclude(organisation__country_code="KR").values_list("organisation_id", flat=True))
    if proposal.foreign_partner_id:
        ids.add(proposal.foreign_partner_id)
    return Organisation.objects.filter(pk__in=ids).order_by("name_en")


def _forms(agreement, data=None, which=None):
    members = actions.member_organisations(agreement)
    terms = IPTerms.objects.filter(agreement=agreement).first()
    initial = {}
    if terms:
        initial = dict(ownership=terms.ownership, licensee=terms.licensee_id, licence_scope=terms.licence_scope,
                       exclusive=terms.exclusive, royalty_terms=terms.royalty_terms)
    return {
        "ip_form": IPTermsForm(data if which == "ip" else None, initial=initial, members=members, prefix="ip"),
        "milestone_form": MilestoneForm(data if which == "milestone" else None, prefix="ms"),
        "dispatch_form": DispatchForm(data if which == "dispatch" else None, prefix="dp",
                                      home=members.filter(country_code="KR"), hosts=_host_choices(agreement)),
    }


def _detail(request, agreement, forms=None, status=200):
    editable = selectors.can_edit_agreement(request.user)
    context = {
        "agreement": agreement,
        "proposal": agreement.proposal,
        "years": agreement.years.all(),
        "milestones": agreement.milestones.all(),
        "dispatches": agreement.dispatches.select_related("home_organisation", "host_organisation"),
        "terms": IPTerms.objects.filter(agreement=agreement).select_related("licensee").first(),
        "members": agreement.proposal.members.select_related("organisation"),
        "editable": editable,
        "signing_problems": actions.signing_problems(agreement) if editable else [],
    }
    if editable:
        context.update(forms or _forms(agreement))
    return render(request, "agreements/agreement_detail.html", context, status=status)


@role_required(*READERS)
def agreement_list(request):
    return render(request, "agreements/agreements.html", {
        "agreements": selectors.agreements_visible_to(request.user),
        "awaiting": selectors.proposals_awaiting_agreement(request.user),
    })


@require_POST
@role_required(Role.MANAGER)
def agreement_draft(request, proposal_id: int):
    proposal = selectors.access_proposal_for_agreement(request.user, proposal_id)
    try:
        agreement = actions.do_draft_agreement(request.user, proposal)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("agreements")
    messages.success(request, _("Agreement drafted. Add the IP terms, then sign it."))
    return redirect("agreement-detail", agreement_id=agreement.pk)


@role_required(*READERS)
def agreement_detail(request, agreement_id: int):
    return _detail(request, selectors.access_agreement_by_id(request.user, agreement_id))


@require_POST
@role_required(Role.MANAGER)
def agreement_ip_terms(request, agreement_id: int):
    agreement = selectors.access_agreement_by_id(request.user, agreement_id)
    forms = _forms(agreement, request.POST, "ip")
    form = forms["ip_form"]
    if form.is_valid():
        try:
            actions.check_save_ip_terms(request.user, agreement, actions.IPTermsInput(**form.cleaned_data))
        except ActionError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("IP terms saved."))
            return redirect("agreement-detail", agreement_id=agreement.pk)
    return _detail(request, agreement, forms, status=400)


@require_POST
@role_required(Role.MANAGER)
def agreement_milestone(request, agreement_id: int):
    agreement = selectors.access_agreement_by_id(request.user, agreement_id)
    forms = _forms(agreement, request.POST, "milestone")
    form = forms["milestone_form"]
    if form.is_valid():
        try:
            actions.check_add_milestone(request.user, agreement, **form.cleaned_data)
        except ActionError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Milestone added."))
            return redirect("agreement-detail", agreement_id=agreement.pk)
    return _detail(request, agreement, forms, status=400)


@require_POST
@role_required(Role.MANAGER)
def agreement_dispatch(request, agreement_id: int):
    agreement = selectors.access_agreement_by_id(request.user, agreement_id)
    forms = _forms(agreement, request.POST, "dispatch")
    form = forms["dispatch_form"]
    if form.is_valid():
        try:
            actions.check_add_dispatch(request.user, agreement, actions.DispatchInput(**form.cleaned_data))
        except ActionError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Dispatched researcher recorded."))
            return redirect("agreement-detail", agreement_id=agreement.pk)
    return _detail(request, agreement, forms, status=400)


@require_POST
@role_required(Role.MANAGER)
def agreement_sign(request, agreement_id: int):
    agreement = selectors.access_agreement_by_id(request.user, agreement_id)
    try:
        actions.check_sign_agreement(request.user, agreement)
    except ActionError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Agreement signed. The consortium lead has been told by e-mail."))
    return redirect("agreement-detail", agreement_id=agreement.pk)


@role_required(*READERS)
def cooperation_centres(request):
    return render(request, "agreements/cooperation_centres.html",
                  {"centres": selectors.cooperation_centres(request.user)})
