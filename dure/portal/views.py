from pathlib import Path

import plotly
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dure.accounts.errors import ActionError
from dure.accounts.models import Role
from dure.accounts.permissions import role_required
from dure.outcomes import charts
from dure.portal import actions, selectors
from dure.portal.forms import AnswerForm, CommentForm, HideForm

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def _portal(request, comment_form=None, status=200):
    figs = selectors.public_figures()
    figures = []
    if figs.programme is not None:
        figures = [
            charts.chart("fig-tracks", _("Budget and committed money per track"),
                         charts.money_per_track([(t["name"], t["budget_krw"], t["committed_krw"]) for t in figs.tracks])),
            charts.chart("fig-map", _("Partner organisations by country"),
                         charts.partners_map([(r["iso3"], r["name"], r["organisations"], r["projects"])
                                              for r in figs.partners_by_country if r["iso3"]])),
            charts.chart("fig-outcomes", _("Outcomes reported per year"), charts.outcomes_over_time(figs.outcomes_by_year)),
        ]
    can_comment = request.user.is_authenticated and request.user.has_role(Role.PUBLIC)
    if comment_form is None and can_comment:
        comment_form = CommentForm()
    return render(request, "portal/portal.html", {
        "figs": figs, "figures": figures, "comments": selectors.public_comments(),
        "form": comment_form, "can_comment": can_comment,
    }, status=status)


def portal(request):
    return _portal(request)


@require_POST
@role_required(Role.PUBLIC)
def portal_comment(request):
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = actions.check_post_comment(request.user, form.cleaned_data["body"])
        except ActionError as exc:
            for field, errors in exc.problems.items():
                for e in errors:
                    form.add_error(field if field in form.fields else None, e)
        else:
            if comment.status == "held":
                messages.warning(request, _("Thank you. Your comment will appear once a moderator has read it."))
            else:
                messages.success(request, _("Thank you. Your comment is published."))
            return redirect("portal")
    return _portal(request, form, status=400)


@role_required(Role.MANAGER)
def moderation(request):
    return render(request, "portal/moderation.html", {
        "comments": selectors.comments_for_moderation(), "answer_form": AnswerForm(), "hide_form": HideForm(),
    })


def _moderate(request, comment_id, do):
    comment = selectors.access_comment_for_moderation(request.user, comment_id)
    try:
        do(comment)
    except ActionError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Done."))
    return redirect("portal-moderation")


@require_POST
@role_required(Role.MANAGER)
def comment_answer(request, comment_id: int):
    return _moderate(request, comment_id,
                     lambda c: actions.check_answer_comment(request.user, c, request.POST.get("answer", "")))


@require_POST
@role_required(Role.MANAGER)
def comment_hide(request, comment_id: int):
    return _moderate(request, comment_id,
                     lambda c: actions.check_hide_comment(request.user, c, request.POST.get("reason", "")))


@require_POST
@role_required(Role.MANAGER)
def comment_publish(request, comment_id: int):
    return _moderate(request, comment_id, lambda c: actions.check_publish_comment(request.user, c))


def plotly_js(request, version: str):
    """plotly.js as shipped with the installed plotly package (versioned URL, cached for a year)."""
    if version != plotly.__version__ or not PLOTLY_JS.exists():
        raise Http404("No such file.")
    response = FileResponse(PLOTLY_JS.open("rb"), content_type="text/javascript")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
