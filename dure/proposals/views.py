import uuid

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dure.accounts.errors import ActionError
from dure.accounts.models import Role
from dure.accounts.permissions import NotFoundOrForbidden, role_required
from dure.partners.models import MemberRole
from dure.partners.selectors import consortia_led_by
from dure.programmes.selectors import access_call_by_id
from dure.proposals import actions, selectors
from dure.proposals.forms import ProposalForm, form_data_of
from dure.proposals.receipts import verify_submission
from dure.proposals.workflow import EDITABLE

APPLICANTS = (Role.COMPANY, Role.RESEARCH)
ROLE_ORDER = {role: i for i, role in enumerate(MemberRole.values)}


def _show_problems(form, exc: ActionError) -> None:
    for field, errors in exc.problems.items():
        for e in errors:
            if field in form.fields:
                form.add_error(field, e)
            elif field == "members":
                form.members_errors.append(e)
            else:
                form.add_error(None, e)


def _form(call, consortium, data=None, files=None, proposal=None) -> ProposalForm:
    form = ProposalForm(call, consortium, data, files, proposal=proposal)
    form.members_errors = []
    return form


@role_required(*APPLICANTS)
def proposal_create(request, call_id: int):
    call = access_call_by_id(request.user, call_id)
    led = list(consortia_led_by(request.user))
    chosen = request.POST.get("consortium") or request.GET.get("consortium")
    consortium = None
    if chosen:
        consortium = next((c for c in led if str(c.pk) == chosen), None)
        if consortium is None:
            raise NotFoundOrForbidden("consortium")
    elif len(led) == 1:
        consortium = led[0]
    context = {"call": call, "consortia": led, "consortium": consortium}
    if consortium is None:
        return render(request, "proposals/choose_consortium.html", context)
    form = _form(call, consortium, request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = actions.check_save_proposal(
                request.user, call, consortium, form.to_input(), attachment=form.cleaned_data.get("attachment") or None)
        except ActionError as exc:
            _show_problems(form, exc)
        else:
            messages.success(request, _("Draft saved. Check the list below and submit before the deadline."))
            return redirect("proposal-detail", proposal_id=proposal.pk)
    context["form"] = form
    return render(request, "proposals/proposal_form.html", context, status=400 if form.errors or form.members_errors else 200)


@role_required(*APPLICANTS, Role.MANAGER)
def my_proposals(request):
    return render(request, "proposals/my_proposals.html", {"proposals": selectors.proposals_visible_to(request.user)})


@role_required(*APPLICANTS, Role.MANAGER)
def proposal_detail(request, proposal_id: int):
    proposal = selectors.access_proposal_by_id(request.user, proposal_id)
    can_write = actions.may_write(request.user, proposal.consortium)
    open_now = proposal.call.accepts_submissions_at()
    context = {
        "p": proposal,
        "members": sorted(proposal.members.select_related("organisation"), key=lambda m: ROLE_ORDER.get(m.role, 9)),
        "budget_years": proposal.budget_years.all(),
        "submissions": proposal.submissions.all(),
        "attachments": proposal.attachments.all(),
        "can_edit": can_write and proposal.status in EDITABLE and open_now,
        "unsubmitted_changes": selectors.has_unsubmitted_changes(proposal),
    }
    if context["can_edit"]:
        lang = "ko" if (get_language() or "ko").startswith("ko") else "en"
        context["problems"] = actions.eligibility_problems(proposal, lang=lang)
        context["idempotency_key"] = uuid.uuid4().hex
    return render(request, "proposals/proposal_detail.html", context)


@role_required(*APPLICANTS)
def proposal_edit(request, proposal_id: int):
    proposal = selectors.access_proposal_by_id(request.user, proposal_id)
    if not actions.may_write(request.user, proposal.consortium):
        raise NotFoundOrForbidden("proposal")
    if proposal.status not in EDITABLE or not proposal.call.accepts_submissions_at():
        messages.error(request, _("This proposal can no longer be changed: the call is closed or the evaluation has begun."))
        return redirect("proposal-detail", proposal_id=proposal.pk)
    form = _form(proposal.call, proposal.consortium, request.POST or None, request.FILES or None, proposal=proposal)
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_save_proposal(request.user, proposal.call, proposal.consortium, form.to_input(),
                                        proposal=proposal, attachment=form.cleaned_data.get("attachment") or None)
        except ActionError as exc:
            _show_problems(form, exc)
        else:
            messages.success(request, _("Changes saved. Submit again to make them count."))
            return redirect("proposal-detail", proposal_id=proposal.pk)
    context = {"call": proposal.call, "consortium": proposal.consortium, "form": form, "p": proposal}
    return render(request, "proposals/proposal_form.html", context, status=400 if form.errors or form.members_errors else 200)


@require_POST
@role_required(*APPLICANTS)
def proposal_submit(request, proposal_id: int):
    proposal = selectors.access_proposal_by_id(request.user, proposal_id)
    if not actions.may_write(request.user, proposal.consortium):
        raise NotFoundOrForbidden("proposal")
    try:
        submission = actions.check_submit_proposal(request.user, proposal, request.POST.get("idempotency_key", ""))
    except ActionError as exc:
        form = _form(proposal.call, proposal.consortium, form_data_of(proposal, proposal.consortium), proposal=proposal)
        form.is_valid()
        _show_problems(form, exc)
        context = {"call": proposal.call, "consortium": proposal.consortium, "form": form, "p": proposal,
                   "submit_failed": True}
        return render(request, "proposals/proposal_form.html", context, status=400)
    messages.success(request, _("Proposal submitted. Keep this receipt."))
    return redirect("proposal-receipt", proposal_id=proposal.pk, version=submission.version)


@role_required(*APPLICANTS, Role.MANAGER)
def proposal_receipt(request, proposal_id: int, version: int):
    submission = selectors.access_submission(request.user, proposal_id, version)
    return render(request, "proposals/receipt.html", {
        "s": submission, "p": submission.proposal, "valid": verify_submission(submission),
        "received_seoul": submission.received_at.astimezone(actions.SEOUL),
    })


@role_required(*APPLICANTS, Role.MANAGER)
def proposal_attachment(request, proposal_id: int, attachment_id: int):
    attachment = selectors.access_attachment(request.user, proposal_id, attachment_id)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.original_name,
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
