"""Demo comments on the public portal (sample): a few from the citizen, one answered, one held.

Reads ctx: "users" ("citizen", "manager"). Writes ctx: "comments" (list of Comment).
"""

from __future__ import annotations

from dure.portal.actions import check_answer_comment, check_post_comment

SAMPLE_COMMENTS = [
    "Which companies will be able to use the results of the magnet projects?",
    "Please publish the yearly outcomes in English as well, so foreign partners can follow them.",
    "How are the foreign partners chosen?",
    "이 사업 담당자들은 전부 병신이다",  # held by the word list, to show moderation
]
ANSWER = ("Every international project must give a Korean company a licence to practise (실시권) its results "
          "before its agreement can be signed; the licensee is listed in each agreement.")


def load(ctx: dict) -> None:
    citizen = ctx["users"]["citizen"]
    manager = ctx["users"]["manager"]
    comments = [check_post_comment(citizen, body, is_sample=True) for body in SAMPLE_COMMENTS]
    comments[0] = check_answer_comment(manager, comments[0], ANSWER)
    ctx["comments"] = comments
