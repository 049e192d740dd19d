from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dure.accounts.errors import ActionError
from dure.accounts.models import Role
from dure.accounts.permissions import role_required
from dure.programmes import actions, selectors
from dure.programmes.forms import CallForm
from dure.programmes.workflow import CALL_TRANSITIONS, CallStatus

SIGNED_IN = (Role.MANAGER, Role.COMPANY, Role.RESEARCH, Role.REVIEWER, Role.AUDITOR)


@role_required(*SIGNED_IN)
def programme(request):
    return render(request, "programmes/programme.html", {"programme": selectors.programme_overview()})


@role_required(Role.MANAGER, Role.COMPANY, Role.RESEARCH)
def calls(request):
    return render(request, "programmes/calls.html", {"calls": selectors.calls_visible_to(request.user)})


@role_required(Role.MANAGER)
def call_create(request):
    form = CallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call = actions.check_create_call(request.user, actions.CallInput(**form.cleaned_data))
        except ActionError as exc:
            for field, errors in exc.problems.items():
                for e in errors:
                    form.add_error(None if field == "__all__" or field not in form.fields else field, e)
        else:
            messages.success(request, _("Call created as a draft. Open it when it is ready."))
            return redirect("call-detail", call_id=call.pk)
    return render(request, "programmes/call_form.html", {"form": form}, status=400 if form.errors else 200)


@role_required(Role.MANAGER, Role.COMPANY, Role.RESEARCH)
def call_detail(request, call_id: int):
    call = selectors.access_call_by_id(request.user, call_id)
    context = {"call": call, "stages": call.stages.prefetch_related("criteria")}
    if request.user.role == Role.MANAGER:
        context["progress"] = selectors.call_progress(call)
        context["next_statuses"] = [(s, CallStatus(s).label) for s in CALL_TRANSITIONS[call.status]]
    return render(request, "programmes/call_detail.html", context)


@require_POST
@role_required(Role.MANAGER)
def call_transition(request, call_id: int):
    call = selectors.access_call_by_id(request.user, call_id)
    target = request.POST.get("status", "")
    if target not in CallStatus.values:
        messages.error(request, _("Choose one of the listed next steps."))
        return redirect("call-detail", call_id=call.pk)
    try:
        actions.check_transition_call(request.user, call, target)
    except ActionError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The call is now: %(status)s") % {"status": CallStatus(target).label})
    return redirect("call-detail", call_id=call.pk)
