from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dure.accounts.errors import ActionError
from dure.accounts.models import Role, User
from dure.accounts.permissions import NotFoundOrForbidden, role_required
from dure.proposals.models import Proposal
from dure.review import actions, selectors
from dure.review.forms import (
    AssignForm,
    ConflictDecisionForm,
    ConsensusForm,
    DeclareConflictForm,
    PanelCommentForm,
    RebuttalForm,
    ReviewForm,
    StageDecisionForm,
    UnsealRequestForm,
)
from dure.review.models import Conflict
from dure.review.visibility import visibility_for


def _error(request, exc: ActionError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


# ------------------------------------------------------------------ manager


@role_required(Role.MANAGER)
def stage_manage(request, stage_id: int):
    stage = selectors.access_stage_for_manager(request.user, stage_id)
    context = {
        "stage": stage,
        "call": stage.call,
        "scored": selectors.is_scored(stage),
        "board": selectors.stage_board(stage),
        "reviewers": selectors.reviewers_with_load(stage.call_id) if selectors.is_scored(stage) else [],
        "decision_form": StageDecisionForm(),
        "is_open": selectors.stage_is_open(stage),
        "visibility": visibility_for(stage),
        "stages": list(stage.call.stages.order_by("order")),
    }
    return render(request, "review/stage_manage.html", context)


@require_POST
@role_required(Role.MANAGER)
def stage_decide(request, stage_id: int):
    stage = selectors.access_stage_for_manager(request.user, stage_id)
    form = StageDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision and give its reason."))
        return redirect("stage-manage", stage_id=stage.pk)
    proposal = selectors.proposal_at_stage(stage, form.cleaned_data["proposal"])
    try:
        actions.check_decide_stage(request.user, stage, proposal, form.cleaned_data["outcome"], form.cleaned_data["reason"])
    except ActionError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Decision recorded for “%(title)s”.") % {"title": proposal.title})
    return redirect("stage-manage", stage_id=stage.pk)


@require_POST
@role_required(Role.MANAGER)
def stage_assign(request, stage_id: int):
    stage = selectors.access_stage_for_manager(request.user, stage_id)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reviewer."))
        return redirect("stage-manage", stage_id=stage.pk)
    proposal = selectors.proposal_at_stage(stage, form.cleaned_data["proposal"])
    reviewer = User.objects.filter(pk=form.cleaned_data["reviewer"], role=Role.REVIEWER).first()
    if reviewer is None:
        messages.error(request, _("Choose one of the listed reviewers."))
        return redirect("stage-manage", stage_id=stage.pk)
    try:
        actions.check_assign_reviewer(request.user, stage, proposal, reviewer)
    except ActionError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("%(name)s will review “%(title)s”.") % {"name": reviewer.name, "title": proposal.title})
    return redirect("stage-manage", stage_id=stage.pk)


@require_POST
@role_required(Role.MANAGER)
def stage_detect_conflicts(request, stage_id: int):
    stage = selectors.access_stage_for_manager(request.user, stage_id)
    n = actions.do_detect_conflicts(stage, request.user)
    messages.success(request, _("Conflict check done: %(n)s new conflicts found.") % {"n": n})
    return redirect("stage-manage", stage_id=stage.pk)


@require_POST
@role_required(Role.MANAGER)
def conflict_decide(request, stage_id: int, conflict_id: int):
    stage = selectors.access_stage_for_manager(request.user, stage_id)
    conflict = Conflict.objects.filter(pk=conflict_id, proposal__call_id=stage.call_id).first()
    if conflict is None:
        raise NotFoundOrForbidden("conflict")
    form = ConflictDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the conflict is confirmed or dismissed."))
        return redirect("stage-manage", stage_id=stage.pk)
    try:
        actions.check_decide_conflict(request.user, conflict, form.cleaned_data["decision"] == "confirm",
                                      form.cleaned_data["reason"])
    except ActionError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Conflict decision recorded."))
    return redirect("stage-manage", stage_id=stage.pk)


@require_POST
@role_required(Role.MANAGER)
def stage_open(request, stage_id: int):
    stage = selectors.access_stage_for_manager(request.user, stage_id)
    closing = request.POST.get("action") == "close"
    try:
        if closing:
            actions.check_close_stage(request.user, stage)
        else:
            actions.check_open_stage(request.user, stage)
    except ActionError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Stage closed.") if closing else _("Stage opened."))
    return redirect("stage-manage", stage_id=stage.pk)


@require_POST
@role_required(Role.MANAGER)
def panel_chair(request, stage_id: int):
    stage = selectors.access_stage_for_manager(request.user, stage_id)
    from dure.review.models import Assignment

    raw = request.POST.get("assignment", "")
    assignment = Assignment.objects.filter(stage=stage, pk=int(raw)).first() if raw.isdigit() else None
    if assignment is None:
        messages.error(request, _("Choose one of the panel members."))
        return redirect("stage-manage", stage_id=stage.pk)
    try:
        actions.check_designate_chair(request.user, assignment)
    except ActionError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Panel chair designated."))
    return redirect("stage-proposal", stage_id=stage.pk, proposal_id=assignment.proposal_id)


@role_required(Role.MANAGER)
def stage_proposal(request, stage_id: int, proposal_id: int):
    """The manager's view of one proposal at one stage: reviews, answer, discussion and consensus."""
    stage = selectors.access_stage_for_manager(request.user, stage_id)
    proposal = selectors.proposal_at_stage(stage, proposal_id)
    rule = visibility_for(stage)
    rebuttal = selectors.rebuttal_of(proposal)
    if request.method == "POST":
        try:
            if "body" in request.POST:
                form = PanelCommentForm(request.POST)
                if not form.is_valid():
                    raise ActionError({"body": [_("Write your comment.")]})
                actions.check_post_panel_comment(request.user, stage, proposal, form.cleaned_data["body"])
                messages.success(request, _("Comment posted as Chair."))
            else:
                form = ConsensusForm(request.POST)
                if not form.is_valid():
                    raise ActionError(_("Give the consensus score (0–10) and the summary for the applicant."))
                actions.check_record_consensus(request.user, stage, proposal, form.cleaned_data["consensus_score"],
                                               form.cleaned_data["summary_for_applicant"])
                messages.success(request, _("Consensus recorded."))
        except ActionError as exc:
            _error(request, exc)
        return redirect("stage-proposal", stage_id=stage.pk, proposal_id=proposal.pk)
    from dure.review.models import Assignment, Review

    summary = selectors.panel_summary(stage, proposal)
    context = {
        "stage": stage, "call": stage.call, "proposal": proposal, "visibility": rule,
        "reviews": list(Review.objects.filter(stage=stage, proposal=proposal, is_submitted=True)
                        .order_by("pseudonym").prefetch_related("scores__criterion")),
        "written_reviews": selectors.written_reviews(proposal) if stage.kind != "written" else [],
        "rebuttal": rebuttal if rule.rebuttal else None,
        "evidence": selectors.cooperation_evidence(proposal) if rule.cooperation_evidence else None,
        "thread": selectors.panel_thread(stage, proposal) if rule.discussion else [],
        "summary": summary,
        "members": list(Assignment.objects.filter(stage=stage, proposal=proposal).select_related("reviewer")),
        "comment_form": PanelCommentForm(),
        "consensus_form": ConsensusForm(initial={"consensus_score": summary.consensus_score,
                                                 "summary_for_applicant": summary.summary_for_applicant}
                                        if summary else None),
        "is_open": selectors.stage_is_open(stage),
    }
    return render(request, "review/stage_proposal.html", context)


# ------------------------------------------------------------------ reviewers


@role_required(Role.REVIEWER)
def my_reviews(request):
    rows = []
    for a in selectors.assignments_of(request.user):
        rows.append({"assignment": a, "review": selectors.own_review(a)})
    return render(request, "review/my_reviews.html", {"rows": rows})


@role_required(Role.REVIEWER)
def review_edit(request, assignment_id: int):
    assignment = selectors.access_assignment_for_reviewer(request.user, assignment_id)
    stage = assignment.stage
    criteria = list(stage.criteria.order_by("order"))
    review = selectors.own_review(assignment)
    initial = {}
    if review is not None:
        initial = {f"criterion_{s.criterion_id}": s.score for s in review.scores.all()}
        initial.update(confidence=review.confidence, comment_to_applicant=review.comment_to_applicant,
                       question_to_applicant=review.question_to_applicant)
    form = ReviewForm(request.POST or None, criteria=criteria, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = actions.ReviewInput(
            scores=form.scores(), confidence=form.cleaned_data["confidence"],
            comment_to_applicant=form.cleaned_data["comment_to_applicant"],
            question_to_applicant=form.cleaned_data["question_to_applicant"],
            submit=request.POST.get("draft") is None,
        )
        try:
            actions.check_save_review(request.user, assignment, data)
        except ActionError as exc:
            for field, errors in exc.problems.items():
                for e in errors:
                    form.add_error(field if field in form.fields else None, e)
        else:
            messages.success(request, _("Your review is saved."))
            return redirect("review-edit", assignment_id=assignment.pk)
    proposal = assignment.proposal
    context = {
        "assignment": assignment,
        "stage": stage,
        "proposal": proposal,
        "form": form,
        "review": review,
        "pseudonym": selectors.pseudonym_of(request.user, stage),
        "declare_form": DeclareConflictForm(),
        "comment_form": PanelCommentForm(),
        "consensus_form": ConsensusForm(),
        **selectors.review_page_context(assignment),
    }
    return render(request, "review/review_form.html", context, status=400 if form.errors else 200)


@require_POST
@role_required(Role.REVIEWER)
def panel_comment(request, assignment_id: int):
    assignment = selectors.access_assignment_for_reviewer(request.user, assignment_id)
    form = PanelCommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write your comment."))
    else:
        try:
            actions.check_post_panel_comment(request.user, assignment.stage, assignment.proposal,
                                             form.cleaned_data["body"])
        except ActionError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Comment posted under your pseudonym."))
    return redirect("review-edit", assignment_id=assignment.pk)


@require_POST
@role_required(Role.REVIEWER)
def panel_consensus(request, assignment_id: int):
    assignment = selectors.access_assignment_for_reviewer(request.user, assignment_id)
    form = ConsensusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the consensus score (0–10) and the summary for the applicant."))
    else:
        try:
            actions.check_record_consensus(request.user, assignment.stage, assignment.proposal,
                                           form.cleaned_data["consensus_score"],
                                           form.cleaned_data["summary_for_applicant"])
        except ActionError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("Consensus recorded."))
    return redirect("review-edit", assignment_id=assignment.pk)


@require_POST
@role_required(Role.REVIEWER)
def declare_conflict(request, assignment_id: int):
    assignment = selectors.access_assignment_for_reviewer(request.user, assignment_id)
    form = DeclareConflictForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Describe the conflict."))
        return redirect("review-edit", assignment_id=assignment.pk)
    try:
        actions.check_declare_conflict(request.user, assignment, form.cleaned_data["reason"])
    except ActionError as exc:
        _error(request, exc)
        return redirect("review-edit", assignment_id=assignment.pk)
    messages.success(request, _("Conflict declared; the programme manager will assign someone else."))
    return redirect("my-reviews")


# ------------------------------------------------------------------ applicants


@role_required(Role.COMPANY, Role.RESEARCH)
def proposal_feedback(request, proposal_id: int):
    proposal = selectors.access_feedback_proposal(request.user, proposal_id)
    return render(request, "review/feedback.html", {"proposal": proposal, **selectors.applicant_feedback(proposal)})


@role_required(Role.COMPANY, Role.RESEARCH)
def proposal_rebuttal(request, proposal_id: int):
    """The applicant answers the written-stage reviewers' questions, once."""
    proposal = selectors.access_rebuttal_proposal(request.user, proposal_id)
    form = RebuttalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_submit_rebuttal(request.user, proposal, form.cleaned_data["answer"])
        except ActionError as exc:
            for field, errors in exc.problems.items():
                for e in errors:
                    form.add_error(field if field in form.fields else None, e)
        else:
            messages.success(request, _("Your answer is recorded; the next layers of evaluation will read it."))
            return redirect("proposal-rebuttal", proposal_id=proposal.pk)
    context = {"proposal": proposal, "form": form, **selectors.rebuttal_state(proposal)}
    return render(request, "review/rebuttal.html", context, status=400 if form.errors else 200)


# ------------------------------------------------------------------ unsealing


@role_required(Role.AUDITOR, Role.MANAGER)
def unseal_requests(request):
    form = UnsealRequestForm(request.POST or None)
    if request.method == "POST":
        if request.user.role != Role.AUDITOR:
            raise NotFoundOrForbidden()
        if form.is_valid():
            proposal = Proposal.objects.filter(pk=form.cleaned_data["proposal"]).first()
            if proposal is None:
                form.add_error("proposal", _("There is no proposal with this number."))
            else:
                try:
                    req = actions.check_request_unseal(request.user, proposal, form.cleaned_data["reason"])
                except ActionError as exc:
                    for field, errors in exc.problems.items():
                        for e in errors:
                            form.add_error(field if field in form.fields else None, e)
                else:
                    messages.success(request, _("Request recorded; a second person must witness it."))
                    return redirect("unseal-detail", request_id=req.pk)
    context = {"requests": selectors.unseal_requests_for(request.user), "form": form}
    return render(request, "review/unseal_requests.html", context, status=400 if form.errors else 200)


@role_required(Role.AUDITOR, Role.MANAGER)
def unseal_detail(request, request_id: int):
    req = selectors.access_unseal_request(request.user, request_id)
    identities = selectors.unsealed_identities(request.user, req)
    if identities:
        actions.do_record_unseal_viewed(request.user, req)
    return render(request, "review/unseal_detail.html", {"req": req, "identities": identities})


@require_POST
@role_required(Role.AUDITOR, Role.MANAGER)
def unseal_witness(request, request_id: int):
    req = selectors.access_unseal_request(request.user, request_id)
    try:
        actions.check_witness_unseal(request.user, req, approve=request.POST.get("decision") != "refuse")
    except ActionError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Your decision as witness is recorded."))
    return redirect("unseal-detail", request_id=req.pk)


@role_required(Role.MANAGER)
def stage_auto_assign(request, stage_id: int):
    """GET: preview the solver's plan. POST with ``apply``: apply the previewed pairs."""
    from dure.review.autoassign import propose_assignment

    stage = selectors.access_stage_for_manager(request.user, stage_id)
    mode = request.POST.get("mode") or request.GET.get("mode") or "optimal"
    if mode not in ("optimal", "fair", "randomized"):
        mode = "optimal"
    try:
        seed = int(request.POST.get("seed") or request.GET.get("seed") or stage.pk)
    except ValueError:
        seed = stage.pk
    if request.method == "POST" and "apply" in request.POST:
        pairs = []
        for raw in request.POST.getlist("pair"):
            try:
                pid, rid, aff = raw.split(":")
                proposal = selectors.proposal_at_stage(stage, int(pid))
                reviewer = User.objects.get(pk=int(rid), role=Role.REVIEWER)
                pairs.append((proposal, reviewer, float(aff)))
            except (ValueError, User.DoesNotExist, NotFoundOrForbidden):
                messages.error(request, _("The plan was changed or is out of date; preview it again."))
                return redirect("stage-auto-assign", stage_id=stage.pk)
        try:
            created = actions.check_apply_assignment(request.user, stage, pairs, mode=mode, seed=seed)
        except ActionError as exc:
            _error(request, exc)
            return redirect("stage-auto-assign", stage_id=stage.pk)
        messages.success(request, _("%(n)s assignments applied.") % {"n": len(created)})
        return redirect("stage-manage", stage_id=stage.pk)
    plan = propose_assignment(stage, mode, seed if mode == "randomized" else None)
    return render(request, "review/auto_assign.html", {"stage": stage, "call": stage.call, "plan": plan,
                                                        "mode": mode, "seed": seed})
