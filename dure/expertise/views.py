"""Manager pages: expertise profiles, deep conflict checks, the assignment pipeline."""

import re

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dure.accounts.errors import ActionError
from dure.accounts.models import Role
from dure.accounts.permissions import role_required
from dure.core.datadir import data_file
from dure.expertise import actions, selectors
from dure.expertise.forms import DetectForm, OpenAlexForm, PairForm, RunForm

OPENALEX_SAMPLE = str(data_file("openalex_works_sample", "openalex_works_sample_2022.jsonl.gz"))


def _error(request, exc: ActionError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


@role_required(Role.MANAGER)
def people(request):
    return render(request, "expertise/people.html", {"people": selectors.reviewers_with_records()})


@role_required(Role.MANAGER)
def person_profile(request, person_id: int):
    person = selectors.access_person(request.user, person_id)
    return render(request, "expertise/profile.html", {**selectors.profile(person), "openalex_form": OpenAlexForm()})


@require_POST
@role_required(Role.MANAGER)
def person_attach_openalex(request, person_id: int):
    person = selectors.access_person(request.user, person_id)
    form = OpenAlexForm(request.POST)
    if form.is_valid():
        ids = [w for w in re.split(r"[\s,;]+", form.cleaned_data["work_ids"]) if w]
        path = getattr(settings, "DURE_OPENALEX_WORKS", OPENALEX_SAMPLE)
        try:
            created = actions.check_attach_openalex_works(request.user, person, path, work_ids=ids)
        except ActionError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("%(n)d works added.") % {"n": len(created)})
    else:
        messages.error(request, _("Give one or more OpenAlex work ids."))
    return redirect("expertise-profile", person_id=person.pk)


@role_required(Role.MANAGER)
def stage_conflicts(request, stage_id: int):
    stage = selectors.access_stage(request.user, stage_id)
    return render(request, "expertise/conflicts.html", {
        "stage": stage, "call": stage.call, "conflicts": selectors.stage_conflicts(stage), "form": DetectForm(),
    })


@require_POST
@role_required(Role.MANAGER)
def stage_detect(request, stage_id: int):
    stage = selectors.access_stage(request.user, stage_id)
    form = DetectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The co-authorship window is 0 to 50 years."))
        return redirect("expertise-conflicts", stage_id=stage.pk)
    try:
        created = actions.do_detect_conflicts_deep(request.user, stage,
                                                   coauthor_window_years=form.cleaned_data["window"])
    except ActionError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("%(n)d new conflicts of interest found.") % {"n": len(created)})
    return redirect("expertise-conflicts", stage_id=stage.pk)


@role_required(Role.MANAGER)
def stage_assign(request, stage_id: int):
    stage = selectors.access_stage(request.user, stage_id)
    return render(request, "expertise/assign.html", {
        "stage": stage, "call": stage.call, "form": RunForm(), "runs": selectors.runs_of(stage)[:20],
        "matrix": selectors.cached_matrix(stage),
    })


def _propose(request, stage, **kw):
    try:
        run = actions.check_propose_assignment(request.user, stage, **kw)
    except ActionError as exc:
        _error(request, exc)
        return redirect("expertise-assign", stage_id=stage.pk)
    return redirect("expertise-run", run_id=run.pk)


@require_POST
@role_required(Role.MANAGER)
def stage_run(request, stage_id: int):
    stage = selectors.access_stage(request.user, stage_id)
    form = RunForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("expertise-assign", stage_id=stage.pk)
    d = form.cleaned_data
    return _propose(request, stage, mode=d["mode"], seed=d["seed"], max_probability=d["max_probability"],
                    balance=d["balance"])


@role_required(Role.MANAGER)
def run_detail(request, run_id: int):
    run = selectors.access_run(request.user, run_id)
    return render(request, "expertise/run.html", {"run": run, "stage": run.stage, "call": run.stage.call,
                                                  **selectors.preview(run)})


def _same_settings(run) -> dict:
    return {"mode": run.mode, "seed": run.seed, "max_probability": run.max_probability, "balance": run.balance,
            "pinned": [tuple(x) for x in run.pinned], "forbidden": [tuple(x) for x in run.forbidden]}


@require_POST
@role_required(Role.MANAGER)
def run_adjust(request, run_id: int):
    """Pin, forbid or release one pair and solve again for the rest."""
    run = selectors.access_run(request.user, run_id)
    form = PairForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a proposal, a reviewer and what to do."))
        return redirect("expertise-run", run_id=run.pk)
    pair = (form.cleaned_data["proposal"], form.cleaned_data["reviewer"])
    kw = _same_settings(run)
    pinned, forbidden = set(kw["pinned"]), set(kw["forbidden"])
    pinned.discard(pair)
    forbidden.discard(pair)
    if form.cleaned_data["op"] == "pin":
        pinned.add(pair)
    elif form.cleaned_data["op"] == "forbid":
        forbidden.add(pair)
    kw.update(pinned=sorted(pinned), forbidden=sorted(forbidden))
    return _propose(request, run.stage, **kw)


@require_POST
@role_required(Role.MANAGER)
def run_repeat(request, run_id: int):
    """Run again with the same settings; the page says whether the result is the same."""
    run = selectors.access_run(request.user, run_id)
    return _propose(request, run.stage, **_same_settings(run))


@require_POST
@role_required(Role.MANAGER)
def run_apply(request, run_id: int):
    run = selectors.access_run(request.user, run_id)
    try:
        created = actions.check_apply_run(request.user, run)
    except ActionError as exc:
        _error(request, exc)
        return redirect("expertise-run", run_id=run.pk)
    messages.success(request, _("%(n)d assignments applied.") % {"n": len(created)})
    return redirect("stage-manage", stage_id=run.stage_id)
