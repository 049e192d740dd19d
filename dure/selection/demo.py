"""Demo: rank each evaluated call, then fund within the track budget with recorded reasons.

Reads from ``ctx``: "users" ("manager"), "evaluated_calls" (written by dure.review.demo).
Writes to ``ctx``: "selected" (list of funded Proposals), "ranking_runs" (list of RankingRun).

The lottery seed is a fixed string, published (in the audit log) before each draw, so
anyone can re-run the draw. Feedback is released to applicants after the last decision.
"""

from __future__ import annotations

from dure.accounts.errors import ActionError
from dure.proposals.models import Proposal
from dure.review.actions import do_release_feedback
from dure.selection.actions import check_publish_seed, check_record_funding_decision, do_rank_call
from dure.selection.selectors import candidates

SEED = "Dure demo lottery seed, published 2026-03-01 (sample)"


def load(ctx: dict) -> None:
    manager = ctx["users"]["manager"]
    selected: list[Proposal] = []
    runs = []
    for call in ctx.get("evaluated_calls", []):
        try:
            # The committee funds all but the weakest proposal (one place at least).
            n = candidates(call).count()
            check_publish_seed(manager, call, SEED)
            run = do_rank_call(manager, call, SEED, places=max(1, n - 1))
        except ActionError:
            continue
        runs.append(run)
        for rank, row in enumerate(run.results, start=1):
            proposal = Proposal.objects.get(pk=row["proposal_id"])
            above = row["suggestion"] in ("funded", "lottery_funded")
            if above:
                how = "drawn in the recorded lottery" if row["suggestion"] == "lottery_funded" else "clearly above the funding line"
                try:
                    check_record_funding_decision(
                        manager, proposal, True,
                        f"(sample) Ranked {rank} with mean score {row['mean_score']:.2f}; {how}.")
                    selected.append(proposal)
                    continue
                except ActionError as exc:
                    reason = f"(sample) Ranked {rank}, but: {' '.join(exc.messages)}"
            elif row["suggestion"] == "lottery_not_funded":
                reason = (f"(sample) Ranked {rank} (mean score {row['mean_score']:.2f}); could not be told apart "
                          "from the proposals at the funding line and was not drawn in the recorded lottery.")
            else:
                reason = f"(sample) Ranked {rank} (mean score {row['mean_score']:.2f}); below the funding line."
            check_record_funding_decision(manager, proposal, False, reason)
        try:
            do_release_feedback(manager, call)
        except ActionError:
            pass
    ctx["selected"] = selected
    ctx["ranking_runs"] = runs
