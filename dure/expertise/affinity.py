"""Reviewer x proposal affinities for a stage, from each reviewer's works.

The expertise-matching engine (:mod:`dure.core.matching`, backend named by the setting
``DURE_EXPERTISE_ENGINE``, default ``"auto"``: the English model when proposals and works are
all English, the multilingual one otherwise) scores each proposal's title and abstract
against the works of every reviewer and explains each match by its driving works. When
the engine or its model cannot be loaded (or the setting is ``"keyword"``), a keyword
TF-IDF affinity is used instead and every page says so.

The matrix is cached per stage under a digest of the texts it came from, so the
assignment page is fast the second time and recomputed only when a work or a proposal
changes. Reviewers without works score 0 (still candidates, listed as having no record).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from dure.accounts.models import Role, User
from dure.expertise.keyword_affinity import KeywordAffinity, KeywordWork
from dure.expertise.models import AffinityMatrix, ExpertWork
from dure.programmes.models import Stage
from dure.proposals.models import Proposal

logger = logging.getLogger(__name__)

KEYWORD_ENGINE = "keyword"
KEYWORD_NOTE = ("Keyword fallback: TF-IDF word overlap between the proposal and the reviewer's works "
                "(the multilingual matching engine was not used: {why}).")


@dataclass(frozen=True)
class StageAffinities:
    engine: str
    note: str
    scores: dict[str, float]
    explanations: dict[str, dict]
    cached: bool
    seconds: float

    def score(self, proposal_id: int, reviewer_id: int) -> float:
        return self.scores.get(f"{proposal_id}:{reviewer_id}", 0.0)

    def explanation(self, proposal_id: int, reviewer_id: int) -> dict:
        return self.explanations.get(f"{proposal_id}:{reviewer_id}", {"works": [], "terms": []})


def engine_name() -> str:
    return str(getattr(settings, "DURE_EXPERTISE_ENGINE", "auto"))


def active_reviewers():
    return User.objects.filter(role=Role.REVIEWER, is_active=True).select_related("organisation").order_by("pk")


def _digest(engine: str, proposals: list[Proposal], works: list[ExpertWork]) -> str:
    h = hashlib.sha256(engine.encode())
    for p in proposals:
        h.update(json.dumps([p.pk, p.title, p.abstract], ensure_ascii=False).encode())
    for w in works:
        h.update(json.dumps([w.pk, w.person_id, w.title, w.abstract, w.year, w.keywords], ensure_ascii=False).encode())
    return h.hexdigest()


def _proposal_text(p: Proposal) -> tuple[str, str]:
    return p.title, p.abstract or ""


def _with_engine(backend: str, proposals: list[Proposal], works: list[ExpertWork], reviewer_ids: list[int]):
    from dure.core.matching import AffinityModel, Profile, Query, Work

    by_person: dict[int, list[ExpertWork]] = {}
    for w in works:
        by_person.setdefault(w.person_id, []).append(w)
    profiles = [
        Profile(id=str(rid), works=tuple(Work(id=str(w.pk), title=w.title, abstract=w.abstract, year=w.year,
                                              keywords=tuple(map(str, w.keywords or ()))) for w in by_person[rid]))
        for rid in reviewer_ids if rid in by_person
    ]
    cache_dir = getattr(settings, "DURE_EMBEDDING_CACHE_DIR", None)
    queries = [Query(id=str(p.pk), title=p.title, abstract=p.abstract or "") for p in proposals]
    model = AffinityModel(backend=backend, cache_dir=cache_dir, min_works=1).fit(profiles, queries=queries)
    result = model.score(queries, top_k=len(profiles))
    scores, explanations = {}, {}
    for qid, rid, score in result.rows():
        scores[f"{qid}:{rid}"] = round(float(score), 4)
    for q in queries:
        for rid, _score in result.top(q.id):
            why = model.explain(q, rid, n_terms=8)
            explanations[f"{q.id}:{rid}"] = {
                "works": [[int(e.work_id), e.title, e.year, round(e.similarity, 3)] for e in why.works[:3]],
                "terms": [t for t, _ in why.terms[:8]],
            }
    return scores, explanations, model.backend_name_


def _with_keywords(proposals: list[Proposal], works: list[ExpertWork]):
    kw = KeywordAffinity().fit([
        KeywordWork(str(w.pk), str(w.person_id), w.title, w.year,
                    " ".join([w.title, " ".join(map(str, w.keywords or ())), w.abstract]))
        for w in works
    ])
    scores, explanations = {}, {}
    for p in proposals:
        for owner, (score, best, terms) in kw.profile_scores(" ".join(_proposal_text(p))).items():
            key = f"{p.pk}:{owner}"
            scores[key] = round(score, 4)
            explanations[key] = {"works": [[int(w.work_id), w.title, w.year, round(s, 3)] for w, s in best],
                                 "terms": terms}
    return scores, explanations


def stage_affinities(stage: Stage, proposals: list[Proposal], reviewers: list[User] | None = None) -> StageAffinities:
    """Affinities of every active reviewer for ``proposals``, from the cache when nothing changed."""
    reviewers = list(active_reviewers()) if reviewers is None else reviewers
    reviewer_ids = [r.pk for r in reviewers]
    works = list(ExpertWork.objects.filter(person_id__in=reviewer_ids).order_by("pk"))
    wanted = engine_name()
    digest = _digest(wanted, proposals, works)
    hit = AffinityMatrix.objects.filter(stage=stage, digest=digest).first()
    if hit is not None:
        return StageAffinities(hit.engine, hit.engine_note, hit.scores, hit.explanations, True, hit.seconds)
    started = time.perf_counter()
    engine, note = wanted, ""
    scores: dict[str, float] = {}
    explanations: dict[str, dict] = {}
    if works and proposals:
        if wanted != KEYWORD_ENGINE:
            try:
                from dure.core.matching.backends import ENGLISH_BACKEND

                scores, explanations, used = _with_engine(wanted, proposals, works, reviewer_ids)
                note = (f"Expertise matching ({used}): embedding and Korean-aware TF-IDF"
                        + (", the English model as every text is English." if used == ENGLISH_BACKEND else ", multilingual."))
            except Exception as exc:  # the engine is optional: any failure falls back, and says why
                logger.warning("matching engine %s unavailable, using keyword affinity: %s", wanted, exc)
                engine, note = KEYWORD_ENGINE, KEYWORD_NOTE.format(why=f"{type(exc).__name__}: {exc}")
                scores, explanations = _with_keywords(proposals, works)
        else:
            note = KEYWORD_NOTE.format(why="set to keyword")
            scores, explanations = _with_keywords(proposals, works)
    else:
        note = "No works on record for the reviewers, or no proposals: every affinity is 0."
    seconds = round(time.perf_counter() - started, 3)
    try:
        with transaction.atomic():
            AffinityMatrix.objects.create(stage=stage, digest=digest, engine=engine, engine_note=note,
                                          scores=scores, explanations=explanations, seconds=seconds)
    except IntegrityError:
        pass  # computed concurrently by another request: the same inputs give the same matrix
    return StageAffinities(engine, note, scores, explanations, False, seconds)
