"""Demo: real OpenAlex works attached to the sample reviewers as their publication record.

Reads from ``ctx``: "users" ("reviewer1".."reviewer8"; their ``expertise`` keywords).
Writes to ``ctx``: "expert_works" (dict username -> list of ExpertWork).
Run it after organisations/people and before review, so the review stage's assignment
pipeline has works to match.

The works are real records from the OpenAlex sample in the shared data folder (CC0); the
link between an invented reviewer and these works is sample data: every row is marked
``is_sample=True`` and the profile page says so. Works are chosen by topic: the first
works of the sample whose title shares a word with the reviewer's expertise keywords
(or, when it has none, a topic from ``FALLBACK_TOPICS``), in file order, so the demo is
the same every time. Co-authors are left out: they are real people whose ties to
invented reviewers would be made up.
"""

from __future__ import annotations

import os
import re

from dure.core.datadir import data_file
from dure.expertise.actions import check_add_work, openalex_short_id

WORKS_FILE = str(data_file("openalex_works_sample", "openalex_works_sample_2022.jsonl.gz"))
WORKS_PER_REVIEWER = 3
FALLBACK_TOPICS = ["magnetic", "polymer", "graphene", "catalyst", "sensor", "learning", "network", "semiconductor"]
_WORD = re.compile(r"[a-z]{5,}")


def _topics(user, index: int) -> list[str]:
    words = [w for w in _WORD.findall((user.expertise or "").lower())]
    return list(dict.fromkeys(words)) or [FALLBACK_TOPICS[index % len(FALLBACK_TOPICS)]]


def load(ctx: dict) -> None:
    from dure.core.importers.openalex import iter_openalex_works

    users = ctx["users"]
    reviewers = [users[f"reviewer{i}"] for i in range(1, 9) if f"reviewer{i}" in users]
    ctx.setdefault("expert_works", {})
    if not reviewers or not os.path.exists(WORKS_FILE):
        return
    keys = [f"reviewer{i}" for i in range(1, 9) if f"reviewer{i}" in users]
    wanted = {k: [re.compile(rf"\b{re.escape(t)}s?\b") for t in _topics(users[k], i)] for i, k in enumerate(keys)}
    picked: dict[str, list] = {k: [] for k in keys}
    used: set[str] = set()
    for work in iter_openalex_works(WORKS_FILE):
        if not work.title or not work.abstract or work.id in used:
            continue
        title = work.title.lower()
        for username, topics in wanted.items():
            if len(picked[username]) < WORKS_PER_REVIEWER and any(t.search(title) for t in topics):
                picked[username].append(work)
                used.add(work.id)
                break
        if all(len(v) >= WORKS_PER_REVIEWER for v in picked.values()):
            break
    for k in keys:
        ctx["expert_works"][k] = [
            check_add_work(None, users[k], title=w.title, abstract=w.abstract, year=w.year, external_id=openalex_short_id(w.id),
                           keywords=[t.name for t in w.topics[:3]], source="openalex (sample link)",
                           is_sample=True)
            for w in picked[k]
        ]
