"""The records the matcher reads and the results it returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class MatchingInputError(ValueError):
    """Input the matcher cannot use; the message says what to fix."""


@dataclass(frozen=True)
class Work:
    """One publication, patent or past project of an expert or organisation."""

    id: str
    title: str
    abstract: str = ""
    year: int | None = None
    keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise MatchingInputError(f"work id must be a non-empty string, got {self.id!r}")
        if not isinstance(self.title, str) or not isinstance(self.abstract, str):
            raise MatchingInputError(f"work {self.id!r}: title and abstract must be strings")
        if self.year is not None and not isinstance(self.year, int):
            raise MatchingInputError(f"work {self.id!r}: year must be an int or None, got {self.year!r}")
        object.__setattr__(self, "keywords", tuple(self.keywords))

    @property
    def text(self) -> str:
        """Title, keywords and abstract as one text (empty parts left out)."""
        parts = [self.title.strip(), "; ".join(k.strip() for k in self.keywords if k.strip()),
                 self.abstract.strip()]
        return ". ".join(p for p in parts if p)


@dataclass(frozen=True)
class Profile:
    """An expert or organisation, known by their works."""

    id: str
    works: tuple[Work, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise MatchingInputError(f"profile id must be a non-empty string, got {self.id!r}")
        object.__setattr__(self, "works", tuple(self.works))


@dataclass(frozen=True)
class Query:
    """What needs an expert: a proposal, submission or technology demand."""

    id: str
    title: str
    abstract: str = ""
    keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise MatchingInputError(f"query id must be a non-empty string, got {self.id!r}")
        if not isinstance(self.title, str) or not isinstance(self.abstract, str):
            raise MatchingInputError(f"query {self.id!r}: title and abstract must be strings")
        object.__setattr__(self, "keywords", tuple(self.keywords))

    @property
    def text(self) -> str:
        parts = [self.title.strip(), "; ".join(k.strip() for k in self.keywords if k.strip()),
                 self.abstract.strip()]
        return ". ".join(p for p in parts if p)


@dataclass(frozen=True)
class AffinityResult:
    """Top-k profiles per query, best first.

    ``profile_index[i, j]`` is the index (into ``profile_ids``) of the j-th best profile
    for query i and ``scores[i, j]`` its affinity; -1 / NaN where fewer than k profiles
    could be scored.
    """

    query_ids: tuple[str, ...]
    profile_ids: tuple[str, ...]
    profile_index: np.ndarray
    scores: np.ndarray

    def top(self, query_id: str) -> list[tuple[str, float]]:
        """The ranked (profile_id, score) pairs for one query."""
        try:
            i = self.query_ids.index(query_id)
        except ValueError:
            raise MatchingInputError(f"unknown query id {query_id!r}") from None
        return [(self.profile_ids[j], float(s))
                for j, s in zip(self.profile_index[i], self.scores[i], strict=True) if j >= 0]

    def rows(self):
        """Yield (query_id, profile_id, score) for every scored pair, best first per query."""
        for i, qid in enumerate(self.query_ids):
            for j, s in zip(self.profile_index[i], self.scores[i], strict=True):
                if j >= 0:
                    yield qid, self.profile_ids[j], float(s)


@dataclass(frozen=True)
class WorkEvidence:
    """How one work of a profile matched a query (``similarity`` is after the recency penalty)."""

    work_id: str
    title: str
    year: int | None
    similarity: float
    dense_similarity: float
    lexical_similarity: float
    recency_penalty: float
    used_in_score: bool


@dataclass(frozen=True)
class Explanation:
    """Why a profile matched a query: its works and the shared terms, strongest first."""

    query_id: str
    profile_id: str
    score: float
    works: tuple[WorkEvidence, ...]
    terms: tuple[tuple[str, float], ...] = field(default=())
