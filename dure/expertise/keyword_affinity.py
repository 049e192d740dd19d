"""Keyword (TF-IDF) affinity, used when the expertise-matching engine is not available.

Plain Python, no model to load: words of two or more letters (Latin lower-cased, Hangul
runs plus their two-syllable pieces), TF-IDF weights fitted over the works of the pool,
cosine between a proposal and each work, and a person's score is the mean of their three
best-matching works. Pages label these scores as the keyword fallback.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[a-z0-9]{2,}|[가-힣]+")
_STOP = frozenset(
    "the and for with from this that are was were has have into our their its using use based new via "
    "study method methods results result paper approach of in on to by an as at or be is we it".split()
)
TOP_WORKS = 3


def tokens(text: str) -> list[str]:
    out: list[str] = []
    for w in _WORD.findall((text or "").lower()):
        if w in _STOP:
            continue
        if "가" <= w[0] <= "힣":
            out.append(w)
            if len(w) > 2:
                out.extend(w[i:i + 2] for i in range(len(w) - 1))
        else:
            out.append(w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith("ss") else w)
    return out


@dataclass(frozen=True)
class KeywordWork:
    work_id: str
    owner_id: str
    title: str
    year: int | None
    text: str


class KeywordAffinity:
    """TF-IDF cosine between query texts and works; profile score = mean of top works."""

    def fit(self, works: Sequence[KeywordWork]) -> KeywordAffinity:
        self.works_ = tuple(works)
        counts = [Counter(tokens(w.text)) for w in self.works_]
        df: Counter[str] = Counter()
        for c in counts:
            df.update(c.keys())
        n = max(len(self.works_), 1)
        self.idf_ = {t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in df.items()}
        self.vectors_ = [self._weigh(c) for c in counts]
        return self

    def _weigh(self, counts: Counter[str]) -> dict[str, float]:
        vec = {t: (1 + math.log(k)) * self.idf_.get(t, 1.0) for t, k in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def work_similarities(self, text: str) -> list[tuple[KeywordWork, float, list[str]]]:
        """Every work's cosine with ``text`` and the shared terms that carry it, best terms first."""
        q = self._weigh(Counter(tokens(text)))
        out = []
        for work, vec in zip(self.works_, self.vectors_, strict=True):
            shared = {t: q[t] * vec[t] for t in q.keys() & vec.keys()}
            terms = sorted(shared, key=lambda t: (-shared[t], t))
            out.append((work, sum(shared.values()), terms))
        return out

    def profile_scores(self, text: str) -> dict[str, tuple[float, list[tuple[KeywordWork, float]], list[str]]]:
        """Per owner: (score, its best works with similarity, shared terms)."""
        by_owner: dict[str, list[tuple[KeywordWork, float, list[str]]]] = {}
        for work, sim, terms in self.work_similarities(text):
            by_owner.setdefault(work.owner_id, []).append((work, sim, terms))
        out = {}
        for owner, rows in by_owner.items():
            rows.sort(key=lambda r: (-r[1], r[0].work_id))
            best = rows[:TOP_WORKS]
            score = sum(r[1] for r in best) / len(best)
            terms = list(dict.fromkeys(t for r in best for t in r[2]))[:8]
            out[owner] = (score, [(r[0], r[1]) for r in best], terms)
        return out
