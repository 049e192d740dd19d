"""Demo: eligibility, conflict-aware reviewer assignment and sample reviews, through the actions.

Reads from ``ctx``: "users" ("manager", "reviewer1".."reviewer8"), "proposals" (list of
Proposal; only submitted ones are evaluated).
Writes to ``ctx``: "evaluated_calls" (list of Call whose proposals were reviewed) and
"assignments" (list of Assignment).

Each call with submitted proposals is closed, its proposals pass (or fail) eligibility
with a reason, conflicts are detected, three reviewers are assigned per proposal (at
least one from industry, no two from one organisation, none with a conflict), and every
reviewer submits a review. Scores come from a seeded random generator and every comment
is labelled as sample text.
"""

from __future__ import annotations

import random
from decimal import Decimal

from dure.accounts.errors import ActionError
from dure.accounts.models import ExpertKind
from dure.programmes.actions import check_transition_call
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


def load(ctx: dict) -> None:
    users = ctx["users"]
    manager = users["manager"]
    reviewers = [users[f"reviewer{i}"] for i in range(1, 9) if f"reviewer{i}" in users]
    rng = random.Random(SEED)
    submitted = [p for p in ctx.get("proposals", []) if p.status == ProposalStatus.SUBMITTED]
    calls = {p.call_id: p.call for p in submitted}
    assignments = []
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
        actions.do_detect_conflicts(written, manager)
        criteria = list(written.criteria.order_by("order"))
        leniency = {r.pk: rng.uniform(-1.0, 1.0) for r in reviewers}
        for p in selectors.proposals_at_stage(written).order_by("pk"):
            quality = rng.uniform(5.0, 9.0)
            for reviewer in _pick_reviewers(written, p, reviewers, rng):
                a = actions.check_assign_reviewer(manager, written, p, reviewer)
                assignments.append(a)
                scores = {
                    c.pk: Decimal(str(round(min(max(quality + leniency[reviewer.pk] + rng.gauss(0, 0.7), 0), 10)
                                            * c.max_score / 10, 1)))
                    for c in criteria
                }
                actions.check_save_review(reviewer, a, actions.ReviewInput(
                    scores=scores, confidence=rng.randint(2, 5), comment_to_applicant=rng.choice(COMMENTS),
                    question_to_applicant=rng.choice(QUESTIONS),
                ))
    ctx["evaluated_calls"] = list(calls.values())
    ctx["assignments"] = assignments
