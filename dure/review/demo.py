"""Demo: eligibility, conflict-aware reviewer assignment and sample reviews, through the actions.

Reads from ``ctx``: "users" ("manager", "reviewer1".."reviewer8"), "proposals" (list of
Proposal; only submitted ones are evaluated).
Writes to ``ctx``: "evaluated_calls" (list of Call whose proposals were reviewed) and
"assignments" (list of Assignment).

Each call with submitted proposals is closed, its proposals pass (or fail) eligibility
with a reason, conflicts are detected, three reviewers are assigned per proposal (at
least one from industry, no two from one organisation, none with a conflict), and every
reviewer submits a review; a recorded decision moves each proposal on.

The choke-point call runs through every layer: written review with questions, the
applicants' one answer (rebuttal), a panel with pseudonymous discussion, a chair's
consensus and summary, and the international-cooperation check by its own reviewers
(one proposal stops there, with the reason). The original-track call is simpler: its
panel and cooperation layers pass each proposal by a recorded decision alone.
Scores come from a seeded random generator and every text is labelled as sample.
"""

from __future__ import annotations

import random
from decimal import Decimal

from dure.accounts.errors import ActionError
from dure.accounts.models import ExpertKind
from dure.programmes.actions import check_transition_call
from dure.programmes.models import Call
from dure.programmes.workflow import CallStatus, StageKind
from dure.proposals.workflow import ProposalStatus
from dure.review import actions, selectors

SEED = 20260301
COMMENTS = [
    "(sample) The technical approach is convincing and the milestones are measurable.",
    "(sample) Strong team; the commercialisation path needs a clearer first customer.",
    "(sample) The partner's role is essential, but the budget for year 2 looks high.",
    "(sample) Good fit with the technology map; risks are identified but not mitigated.",
    "(sample) Ambitious targets; the pilot-scale validation plan is thin.",
]
QUESTIONS = ["(sample) Which results will the Korean company license first?", ""]


def _pick_reviewers(stage, proposal, reviewers, rng: random.Random, n: int = 3):
    loads = {r.pk: selectors.reviewer_load(r, stage.call_id) for r in reviewers}
    eligible = [r for r in reviewers
                if not actions.assignment_problems(stage, proposal, r) and loads[r.pk] < r.max_reviews]
    rng.shuffle(eligible)
    eligible.sort(key=lambda r: loads[r.pk])
    chosen = []
    industry = [r for r in eligible if r.expert_kind == ExpertKind.INDUSTRY]
    if industry:
        chosen.append(industry[0])
    for r in eligible:
        if len(chosen) == n:
            break
        if r not in chosen and r.organisation_id not in {c.organisation_id for c in chosen}:
            chosen.append(r)
    return chosen


REBUTTAL = ("(sample) Our Korean SME partner will license the magnet process first; the pilot line "
            "is already budgeted in year 2.")
DISCUSSION = [
    "(sample) The written reviews agree on the technical merit; the open point is the year-2 budget.",
    "(sample) The applicant's answer settles the licensing question for me.",
    "(sample) I would score it slightly lower: the pilot validation plan is still thin.",
]
PANEL_SUMMARY = ("(sample) The panel found the approach convincing and the partner essential. It asks for a "
                 "clearer pilot-scale validation plan and a firmer first licensee.")
COOPERATION_FAIL = ("(sample) The cooperation check found the foreign partner's role replaceable by domestic "
                    "capability; international cooperation is not shown to be necessary.")


def _review_all(stage, proposals, reviewers, manager, rng, quality, leniency, n, assignments, *, questions=True):
    criteria = list(stage.criteria.order_by("order"))
    for p in proposals:
        chosen = _pick_reviewers(stage, p, reviewers, rng, n)
        for reviewer in chosen:
            a = actions.check_assign_reviewer(manager, stage, p, reviewer)
            assignments.append(a)
            scores = {
                c.pk: Decimal(str(round(min(max(quality[p.pk] + leniency[reviewer.pk] + rng.gauss(0, 0.7), 0), 10)
                                        * c.max_score / 10, 1)))
                for c in criteria
            }
            actions.check_save_review(reviewer, a, actions.ReviewInput(
                scores=scores, confidence=rng.randint(2, 5), comment_to_applicant=rng.choice(COMMENTS),
                question_to_applicant=rng.choice(QUESTIONS) if questions else "",
            ))


def _decide_all(manager, stage, reason: str, fail: dict | None = None) -> None:
    stage.refresh_from_db()
    for p in selectors.proposals_at_stage(stage).order_by("pk"):
        if stage.decisions.filter(proposal=p).exists():
            continue
        if fail and p.pk in fail:
            actions.check_decide_stage(manager, stage, p, "fail", fail[p.pk])
        else:
            actions.check_decide_stage(manager, stage, p, "pass", reason)


def _full_track(call, manager, reviewers, rng, quality, leniency, assignments) -> None:
    """Rebuttal, panel with discussion and consensus, and the cooperation check."""
    written = call.stages.get(kind=StageKind.WRITTEN)
    actions.check_close_stage(manager, written)
    for p in selectors.proposals_at_stage(call.stages.get(kind=StageKind.PANEL)).order_by("pk"):
        if selectors.rebuttal_state(p)["can_answer"]:
            actions.check_submit_rebuttal(p.lead_user, p, REBUTTAL)
    panel = call.stages.get(kind=StageKind.PANEL)
    at_panel = list(selectors.proposals_at_stage(panel).order_by("pk"))
    _review_all(panel, at_panel, reviewers, manager, rng, quality, leniency, 3, assignments, questions=False)
    for p in at_panel:
        members = list(panel.assignments.filter(proposal=p).order_by("pk"))
        if not members:
            continue
        chair = actions.check_designate_chair(manager, members[0])
        for a, text in zip(members, DISCUSSION, strict=False):
            actions.check_post_panel_comment(a.reviewer, panel, p, text)
        actions.check_record_consensus(chair.reviewer, panel, p, Decimal(str(round(quality[p.pk], 1))),
                                       PANEL_SUMMARY)
    _decide_all(manager, panel, "(sample) The panel's consensus supports moving on.")
    actions.check_close_stage(manager, panel)
    coop = call.stages.filter(kind=StageKind.COOPERATION).first()
    if coop is None:
        return
    at_coop = list(selectors.proposals_at_stage(coop).order_by("pk"))
    _review_all(coop, at_coop, reviewers, manager, rng, quality, leniency, 2, assignments, questions=False)
    # The weakest cooperation case stops here, with the reason the applicant reads.
    weakest = min(at_coop, key=lambda p: quality[p.pk]) if len(at_coop) > 2 else None
    fail = {weakest.pk: COOPERATION_FAIL} if weakest else None
    _decide_all(manager, coop, "(sample) The foreign partner brings capability not available in Korea.", fail)
    actions.check_close_stage(manager, coop)


def load(ctx: dict) -> None:
    users = ctx["users"]
    manager = users["manager"]
    reviewers = [users[f"reviewer{i}"] for i in range(1, 9) if f"reviewer{i}" in users]
    rng = random.Random(SEED)
    submitted = [p for p in ctx.get("proposals", []) if p.status == ProposalStatus.SUBMITTED]
    calls = {p.call_id: p.call for p in submitted}
    full = ctx.get("calls", {}).get("chokepoint")
    if full is not None and full.pk in calls and not full.allows_rebuttal:
        # The demo's choke-point call lets applicants answer the reviewers once.
        Call.objects.filter(pk=full.pk).update(allows_rebuttal=True)
        calls[full.pk] = Call.objects.get(pk=full.pk)
    assignments: list = []
    leniency = {r.pk: rng.uniform(-1.0, 1.0) for r in reviewers}
    for call in calls.values():
        if call.status == CallStatus.OPEN:
            call = check_transition_call(manager, call, CallStatus.CLOSED)
        eligibility = call.stages.get(kind=StageKind.ELIGIBILITY)
        written = call.stages.get(kind=StageKind.WRITTEN)
        for p in (p for p in submitted if p.call_id == call.pk):
            try:
                actions.check_decide_stage(manager, eligibility, p, "pass",
                                           "(sample) Meets every eligibility rule of the call.")
            except ActionError as exc:
                actions.check_decide_stage(manager, eligibility, p, "fail", " ".join(exc.messages))
        written.refresh_from_db()
        actions.do_detect_conflicts(written, manager)
        at_written = list(selectors.proposals_at_stage(written).order_by("pk"))
        quality = {p.pk: rng.uniform(5.0, 9.0) for p in at_written}
        _review_all(written, at_written, reviewers, manager, rng, quality, leniency, 3, assignments)
        _decide_all(manager, written, "(sample) The written reviews support moving on to the panel.")
        if full is not None and call.pk == full.pk:
            _full_track(call, manager, reviewers, rng, quality, leniency, assignments)
        else:
            for stage in call.stages.filter(order__gt=written.order).exclude(kind=StageKind.COMMITTEE).order_by("order"):
                _decide_all(manager, stage, f"(sample) {stage.get_kind_display()}: confirmed by a recorded decision.")
    ctx["evaluated_calls"] = list(calls.values())
    ctx["assignments"] = assignments
