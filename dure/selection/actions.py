"""Ranking a call and recording funding decisions within the track budget.

Lock: ``budget:<track id>`` (see :mod:`dure.audit.locks`) is held while a funding decision
reads and commits a track's yearly budgets; the ``TrackBudget.committed_krw`` counters are
raised with ``F()`` updates, and the database constraint ``budget_never_overcommitted``
backs the check.
"""

from __future__ import annotations

import hashlib
import statistics

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import get_language

from dure.accounts.errors import ActionError
from dure.accounts.models import User
from dure.audit.actions import record
from dure.audit.locks import lock
from dure.core.money import format_krw
from dure.programmes.models import Call, TrackBudget
from dure.programmes.workflow import StageKind
from dure.proposals.models import Proposal
from dure.proposals.workflow import (
    InvalidProposalTransition,
    ProposalStatus,
    check_proposal_transition,
)
from dure.selection import selectors
from dure.selection.models import Decision, Outcome, PublishedSeed, RankingRun


def _lang() -> str:
    return "ko" if (get_language() or "ko").startswith("ko") else "en"


def seed_to_int(seed: str) -> int:
    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:4], "big")


def _fundable(order: list[int], budgets: dict[int, dict[int, int]], available: dict[int, int]) -> int:
    """How many proposals, taken best first, fit the money available (greedy)."""
    left = dict(available)
    n = 0
    for pid in order:
        need = budgets.get(pid, {})
        if all(left.get(year, 0) >= amount for year, amount in need.items()):
            for year, amount in need.items():
                left[year] -= amount
            n += 1
    return n


def check_publish_seed(manager: User, call: Call, value: str) -> PublishedSeed:
    """Announce the lottery seed before the draw; it is in the audit log before any draw uses it."""
    value = (value or "").strip()
    if not value:
        raise ActionError({"seed": ["Give the public value the seed comes from (for example, a date and "
                                    "that week's lottery numbers)."]})
    if len(value) > 200:
        raise ActionError({"seed": ["Keep the seed under 200 characters."]})
    with transaction.atomic():
        seed = PublishedSeed.objects.create(call=call, value=value, published_by=manager)
        record(manager, "lottery.seed_published", seed, call=call.pk, seed=value)
    return seed


def do_rank_call(manager: User, call: Call, seed: str | None = None, places: int | None = None) -> RankingRun:
    """Rank the call's proposals, draw the funding line with the published seed, and save the run.

    The seed is the latest one published for the call (:func:`check_publish_seed`) and not
    yet used; a ``seed`` given here must be that value. The number of places is how many
    proposals, best first, fit the track's money left; ``places`` can only lower it.
    """
    if places is not None and places < 0:
        raise ActionError({"places": ["The number of places cannot be negative."]})
    with transaction.atomic():
        published = PublishedSeed.objects.select_for_update().filter(
            call=call, used_by__isnull=True).order_by("-published_at", "-pk").first()
        if published is None:
            raise ActionError({"seed": ["Publish the lottery seed first: it must be on record before the draw."]})
        if seed is not None and seed.strip() != published.value:
            raise ActionError({"seed": [f"The published seed is “{published.value}”; the draw uses it."]})
        run = _rank(manager, call, published.value, places)
        published.used_by = run
        published.save(update_fields=["used_by"])
    return run


def _rank(manager: User, call: Call, seed: str, places: int | None) -> RankingRun:
    proposals = {p.pk: p for p in selectors.candidates(call)}
    rows = selectors.review_rows(call, proposals)
    if not rows:
        raise ActionError("No submitted review of a proposal at the selection committee: the call cannot be ranked.")
    by_proposal: dict[int, list[float]] = {}
    for pid, _r, score, _c, _s, _k in rows:
        by_proposal.setdefault(pid, []).append(score)
    means = {pid: statistics.fmean(v) for pid, v in by_proposal.items()}
    mean_order = sorted(means, key=lambda pid: (-means[pid], pid))
    budgets = selectors.budgets_by_proposal(means)
    available = {b.year: b.remaining_krw for b in selectors.track_budgets(call)}
    for pid, p in proposals.items():
        if p.status == ProposalStatus.SELECTED:
            for year, amount in budgets.get(pid, {}).items():
                available[year] = available.get(year, 0) + amount
    fundable = _fundable(mean_order, budgets, available)
    if places is not None:
        fundable = min(fundable, places)

    results, lottery, method = _calibrated(rows, fundable, seed)
    if results is None:
        method = "weighted-mean"
        results = [
            {"proposal_id": pid, "calibrated_score": None, "expected_rank": float(i), "rank_low": i, "rank_high": i,
             "prob_fundable": 1.0 if i <= fundable else 0.0,
             "suggestion": "funded" if i <= fundable else "not_funded"}
            for i, pid in enumerate(mean_order, start=1)
        ]
    for row in results:
        pid = row["proposal_id"]
        row["mean_score"] = round(means[pid], 3)
        row["n_reviews"] = len(by_proposal[pid])
        row["budget_krw"] = sum(budgets.get(pid, {}).values())
    run = RankingRun.objects.create(
        call=call, method=method, fundable=fundable, seed=seed, results=results,
        lottery_record=lottery, created_by=manager,
    )
    record(manager, "ranking.run", run, call=call.pk, method=method, fundable=fundable, seed=seed,
           order=[r["proposal_id"] for r in results])
    if lottery is not None:
        record(manager, "lottery.drawn", run, call=call.pk, **lottery)
    return run


def _calibrated(rows, fundable: int, seed: str):
    """Calibrated ranking with intervals and the lottery, from the core; ``None`` if unavailable.

    Reviewer confidence weighs each score; panel ids (one per scored stage) are given when
    the panel stage has scores, so a panel's collective harshness is told apart.
    """
    try:
        from dure.core.calibration import ScoreCalibrator
        from dure.core.lottery import draw_funding_line
        from dure.core.ranking import rank_with_intervals
    except ImportError:
        return None, None, ""
    pids = [r[0] for r in rows]
    has_panel = any(r[5] == StageKind.PANEL for r in rows)
    try:
        calibrator = ScoreCalibrator(n_samples=400, burn_in=200, score_range=(0.0, 10.0), seed=seed_to_int(seed))
        calibrator.fit(pids, [r[1] for r in rows], [r[2] for r in rows],
                       confidences=[r[3] or 3 for r in rows],
                       panel_ids=[f"{r[5]}:{r[4]}" for r in rows] if has_panel else None)
        ranking = rank_with_intervals(calibrator, top_n=max(fundable, 1))
        line = draw_funding_line(ranking, fundable, seed)
    except ValueError:
        return None, None, ""
    suggestion = line.by_id()
    results = [
        {"proposal_id": int(r.proposal_id), "calibrated_score": round(float(r.calibrated_score), 3),
         "expected_rank": round(float(r.expected_rank), 2), "rank_low": int(r.rank_low),
         "rank_high": int(r.rank_high), "prob_fundable": round(float(r.prob_top_n), 3),
         "suggestion": suggestion[r.proposal_id]}
        for r in ranking.rows
    ]
    return results, line.record.to_dict(), "bayesian-calibrated"


def verify_lottery(run: RankingRun) -> dict:
    """Re-run the recorded draw from its inputs; read-only. Says whether winners and digest match."""
    from dure.core.lottery import LotteryInputError, LotteryRecord, rerun_lottery

    if not run.lottery_record:
        return {"ok": False, "problem": "This ranking has no lottery record."}
    try:
        recorded = LotteryRecord.from_dict(run.lottery_record)
        again = rerun_lottery(recorded)
    except (LotteryInputError, ValueError) as exc:
        return {"ok": False, "problem": str(exc)}
    same_digest = again.input_digest == recorded.input_digest
    same_winners = tuple(again.winners) == tuple(recorded.winners)
    return {"ok": same_digest and same_winners, "problem": "", "recorded": recorded, "again": again,
            "same_digest": same_digest, "same_winners": same_winners}


def check_record_funding_decision(manager: User, proposal: Proposal, funded: bool, reason: str) -> Decision:
    """Fund (committing the yearly budget) or decline a proposal, with the reason.

    Refused, with nothing written, when any year of the proposal's budget would exceed
    what is left of the track's budget for that year.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ActionError({"reason": ["Give the reason for the decision; the applicant will read it."]})
    call = proposal.call
    stage = selectors.decision_stage(call)
    if not (stage.is_open and not stage.is_closed):
        raise ActionError("Open the selection committee stage before recording funding decisions.")
    track = call.track
    with transaction.atomic():
        lock(f"budget:{track.pk}")
        proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if not selectors.candidates(call).filter(pk=proposal.pk).exists():
            raise ActionError("This proposal is not among the call's candidates for funding.")
        if Decision.objects.filter(proposal=proposal, stage=stage).exists():
            raise ActionError("A funding decision on this proposal is already recorded.")
        target = ProposalStatus.SELECTED if funded else ProposalStatus.NOT_SELECTED
        try:
            check_proposal_transition(proposal.status, target)
        except InvalidProposalTransition as exc:
            raise ActionError(str(exc)) from None
        need = {b.year: b.amount_krw for b in proposal.budget_years.all()}
        if funded:
            if not need:
                raise ActionError("The proposal has no yearly budget to commit.")
            budgets = {b.year: b for b in TrackBudget.objects.select_for_update().filter(track=track, year__in=need)}
            problems = []
            for year, amount in sorted(need.items()):
                budget = budgets.get(year)
                if budget is None:
                    problems.append(f"{track.name} has no budget for {year}.")
                elif amount > budget.remaining_krw:
                    over = amount - budget.remaining_krw
                    problems.append(f"{year} would exceed the {track.name} budget by {format_krw(over, lang=_lang())}.")
            if problems:
                raise ActionError({"__all__": problems})
            try:
                with transaction.atomic():
                    for year, amount in need.items():
                        TrackBudget.objects.filter(pk=budgets[year].pk).update(committed_krw=F("committed_krw") + amount)
            except IntegrityError:
                raise ActionError("The track budget would be overcommitted; nothing was changed.") from None
        proposal.status = target
        proposal.save(update_fields=["status"])
        decision = Decision.objects.create(
            proposal=proposal, stage=stage, outcome=Outcome.FUNDED if funded else Outcome.NOT_FUNDED,
            reason=reason, decided_by=manager,
        )
        record(manager, "selection.decision", decision, proposal=proposal.pk, funded=funded, reason=reason,
               committed={str(y): a for y, a in need.items()} if funded else {})
        lead_email, title = proposal.lead_user.email, proposal.title
        if lead_email:
            subject = ("Your proposal is selected for funding" if funded else "Decision on your proposal")
            body = (f"The decision on “{title}”: {'funded' if funded else 'not funded'}.\n\nReason: {reason}\n\n"
                    "Your scores and the reviewers' comments are on your feedback page in Dure.")
            transaction.on_commit(lambda: send_mail(subject, body, None, [lead_email]))
    return decision
