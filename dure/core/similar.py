"""Similar-project search (중복성 검토): nearest projects by embedding, with shared terms.

Vectors come from the embedding model (``dure.core.matching``); this module only indexes
and searches them. The score is the cosine similarity of the two vectors; the reason
shown to a reviewer is the list of distinctive terms the two texts share, Korean or
English.

Two search methods:

* ``"exact"`` compares the query with every project (one float32 matrix-vector product,
  processed in blocks to bound temporary memory). At 100,000 x 384 this takes about
  17 ms on two idle cores but 80-120 ms when the machine is busy, so it is the default
  only up to ``exact_limit`` (20,000) projects.
* ``"ivf"`` (inverted file) clusters the vectors with seeded k-means into ``n_lists``
  lists and, at query time, scans only the ``n_probe`` lists whose centres are closest
  to the query. ``bench/similar.py`` measures its recall against exact search.

Where k-means fits the data, a query's neighbours sit in the lists of the centres most
like it. Where it does not (topics so diffuse that some never got a centre of their
own, or projects unlike anything the index was trained on), a vector's best centre is
no more like it than the best of that many unrelated directions would be, and its
neighbours are scattered over all lists. The index measures this "stand-out" of the
best centre, in standard deviations of the vector's scores against all centres (both
centred on the projects' mean, since sentence embeddings share one large common
direction), and
compares it with ``sqrt(2 ln n_lists)``, the expected maximum of ``n_lists`` unrelated
scores. Projects that do not stand out are also kept in one *residual* list; a query
that does not stand out scans the residual list as well as its nearest lists, or
everything when most projects are residual (data without cluster structure). Recall
then stays high on data where a fixed number of probes loses neighbours, at the cost
of scanning more only for the queries that need it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

Tokenizer = Callable[[str], list[str]]

_WORD = re.compile(r"[0-9A-Za-z][0-9A-Za-z\-+#]*[0-9A-Za-z+#]|[A-Za-z]|[가-힣]+")
# Common Korean particles and endings, longest first, stripped from the end of a word.
_KO_SUFFIXES = tuple(sorted((
    "으로부터", "에서부터", "로부터", "에서의", "으로서", "으로써", "에게서", "이라는", "에서는",
    "에서도", "으로는", "에서", "에게", "으로", "로서", "로써", "까지", "부터", "이나", "이며",
    "하는", "하고", "하여", "했다", "한다", "된다", "되는", "의", "을", "를", "은", "는", "에",
), key=len, reverse=True))
_EN_STOP = frozenset(
    "a an and are as at be by for from has have in into is it its of on or our that the "
    "their these this to was we were which with using use based via new study research "
    "development project system systems method methods technology technologies".split()
)
_KO_STOP = frozenset("연구 개발 기술 과제 사업 기반 위한 통한 대한 관한 및 등".split())


class SimilarIndexError(ValueError):
    """The index was given inconsistent input or used before it was built."""


def default_tokenizer(text: str) -> list[str]:
    """Lower-cased English words and Korean words with common particles stripped."""
    out: list[str] = []
    for raw in _WORD.findall(text):
        if "가" <= raw[0] <= "힣":
            word = raw
            for suffix in _KO_SUFFIXES:
                if len(word) > len(suffix) + 1 and word.endswith(suffix):
                    word = word[: -len(suffix)]
                    break
            if len(word) >= 2 and word not in _KO_STOP:
                out.append(word)
        else:
            word = raw.lower()
            if len(word) >= 2 and word not in _EN_STOP:
                out.append(word)
    return out


@dataclass(frozen=True)
class SimilarHit:
    """One similar project: its id, cosine similarity and the terms both texts use."""

    id: str
    score: float
    shared_terms: tuple[str, ...]


def _normalise(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (vectors / norms).astype(np.float32, copy=False)


def _top_k(scores: NDArray[np.float32], k: int) -> NDArray[np.intp]:
    if k >= scores.shape[0]:
        return np.argsort(-scores, kind="stable")
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]


def _top_k_by_position(scores: NDArray[np.float32], rows: NDArray[np.intp],
                       order: NDArray[np.intp], k: int) -> NDArray[np.intp]:
    """Indices of the ``k`` best ``scores``; equal scores in build order, as exact search does."""
    if k < scores.shape[0]:
        keep = np.argpartition(-scores, k - 1)[:k]
        # argpartition breaks ties arbitrarily; take every candidate tied with the k-th too
        keep = np.flatnonzero(scores >= scores[keep].min())
    else:
        keep = np.arange(scores.shape[0])
    ranked = keep[np.lexsort((order[rows[keep]], -scores[keep]))]
    return ranked[:k]


def _standout(scores: NDArray[np.float32]) -> NDArray[np.float32]:
    """Per row: how many standard deviations the best score lies above the row's mean."""
    mean = scores.mean(axis=-1)
    std = scores.std(axis=-1)
    top = scores.max(axis=-1)
    return ((top - mean) / np.maximum(std, 1e-12)).astype(np.float32)


def kmeans(x: NDArray[np.float32], n_clusters: int, *, n_iter: int, seed: int) -> NDArray[np.float32]:
    """Spherical k-means (cosine) on unit vectors; returns unit-length centres."""
    rng = np.random.default_rng(seed)
    centres = x[rng.choice(x.shape[0], size=n_clusters, replace=False)].copy()
    for _ in range(n_iter):
        assign = np.argmax(x @ centres.T, axis=1)
        sums = np.zeros_like(centres)
        np.add.at(sums, assign, x)
        counts = np.bincount(assign, minlength=n_clusters)
        empty = counts == 0
        if empty.any():  # re-seed empty lists from random points
            sums[empty] = x[rng.choice(x.shape[0], size=int(empty.sum()), replace=False)]
        centres = _normalise(sums)
    return centres


class SimilarIndex:
    """Nearest-neighbour index over project vectors with a lexical explanation.

    Parameters
    ----------
    method : "auto", "exact" or "ivf". "auto" is exact up to ``exact_limit`` projects.
    n_lists : number of IVF lists; default ``4 * sqrt(n)``.
    n_probe : lists scanned per query (more = better recall, slower).
    standout_margin : a vector whose best centre stands out by less than
        ``sqrt(2 ln n_lists) + standout_margin`` standard deviations is "not described" by
        the lists (see the module docstring); larger = more residual scanning.
    max_residual_share : when more than this share of projects are residual, a query
        that does not stand out compares with every project instead.
    seed : seed of the k-means initialisation and training sample.
    """

    def __init__(self, *, method: str = "auto", exact_limit: int = 20_000,
                 n_lists: int | None = None, n_probe: int = 24, kmeans_iter: int = 8,
                 train_size: int = 30_000, block_size: int = 65_536, max_shared_terms: int = 6,
                 standout_margin: float = 1.2, max_residual_share: float = 0.3,
                 tokenizer: Tokenizer | None = None, seed: int = 0) -> None:
        if method not in ("auto", "exact", "ivf"):
            raise SimilarIndexError(f"method must be 'auto', 'exact' or 'ivf', not {method!r}")
        if n_probe < 1:
            raise SimilarIndexError("n_probe must be at least 1")
        self.method = method
        self.exact_limit = exact_limit
        self.n_lists = n_lists
        self.n_probe = n_probe
        self.standout_margin = standout_margin
        self.max_residual_share = max_residual_share
        self.kmeans_iter = kmeans_iter
        self.train_size = train_size
        self.block_size = block_size
        self.max_shared_terms = max_shared_terms
        self.tokenizer = tokenizer or default_tokenizer
        self.seed = seed

    # -- building -----------------------------------------------------------------------
    def build(self, ids: Sequence[str], vectors: ArrayLike,
              texts: Sequence[str] | None = None) -> SimilarIndex:
        x = np.asarray(vectors, dtype=np.float32)
        if x.ndim != 2:
            raise SimilarIndexError(f"vectors must be a 2-d array (projects x dimensions), got shape {x.shape}")
        if len(ids) != x.shape[0]:
            raise SimilarIndexError(f"{len(ids)} ids but {x.shape[0]} vectors; give one id per vector")
        if len(set(ids)) != len(ids):
            raise SimilarIndexError("ids must be unique")
        if texts is not None and len(texts) != len(ids):
            raise SimilarIndexError(f"{len(texts)} texts but {len(ids)} ids; give one text per project")
        if not np.isfinite(x).all():
            raise SimilarIndexError("vectors contain NaN or infinity")
        self.ids_ = list(ids)
        self.position_ = {pid: i for i, pid in enumerate(self.ids_)}
        x = _normalise(x.copy())
        n = x.shape[0]
        self.method_ = self.method if self.method != "auto" else ("exact" if n <= self.exact_limit else "ivf")
        if self.method_ == "ivf" and n >= 2:
            n_lists = self.n_lists or max(1, int(4 * math.sqrt(n)))
            n_lists = min(n_lists, n)
            rng = np.random.default_rng(self.seed)
            sample = x[rng.choice(n, size=min(n, max(self.train_size, n_lists)), replace=False)]
            self.centres_ = kmeans(sample, n_lists, n_iter=self.kmeans_iter, seed=self.seed)
            n_lists = self.centres_.shape[0]
            self.standout_threshold_ = math.sqrt(2.0 * math.log(max(n_lists, 2))) + self.standout_margin
            assign = np.empty(n, dtype=np.intp)
            standout = np.empty(n, dtype=np.float32)
            # stand-out is measured on centred vectors: sentence embeddings share one large
            # common direction that makes every centre look alike. (c - m).(v - m) differs
            # from c.v - c.m only by a per-vector constant, which stand-out ignores.
            self.centre_offsets_ = self.centres_ @ x.mean(axis=0)
            step = max(1, self.block_size // 16)  # bounds the (block x lists) score matrix
            for s in range(0, n, step):
                sc = x[s:s + step] @ self.centres_.T
                assign[s:s + step] = np.argmax(sc, axis=1)
                standout[s:s + step] = _standout(sc - self.centre_offsets_)
            order = np.argsort(assign, kind="stable")
            self.order_ = order
            self.vectors_ = np.ascontiguousarray(x[order])
            counts = np.bincount(assign, minlength=n_lists)
            self.list_starts_ = np.concatenate([[0], np.cumsum(counts)])
            # rows (in list order) of projects no centre describes, with their own list
            residual = np.flatnonzero(standout[order] < self.standout_threshold_)
            self.residual_rows_ = residual
            self.residual_lists_ = assign[order][residual]
            self.residual_vectors_ = np.ascontiguousarray(self.vectors_[residual])
            self.residual_share_ = residual.shape[0] / n
        else:
            self.method_ = "exact"
            self.order_ = np.arange(n)
            self.vectors_ = x
        self._build_terms(texts)
        return self

    def _build_terms(self, texts: Sequence[str] | None) -> None:
        self.terms_: list[frozenset[str]] | None = None
        self.idf_: dict[str, float] = {}
        if texts is None:
            return
        df: Counter[str] = Counter()
        terms = []
        for text in texts:
            t = frozenset(self.tokenizer(text or ""))
            terms.append(t)
            df.update(t)
        n = max(1, len(terms))
        self.terms_ = terms
        self.idf_ = {term: math.log((1 + n) / (1 + c)) + 1.0 for term, c in df.items()}

    # -- searching ----------------------------------------------------------------------
    def _check_built(self) -> None:
        if not hasattr(self, "vectors_"):
            raise SimilarIndexError("call build(ids, vectors, texts) before query")

    def _query_vector(self, vector: ArrayLike) -> NDArray[np.float32]:
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        if q.shape[0] != self.vectors_.shape[1]:
            raise SimilarIndexError(
                f"query has {q.shape[0]} dimensions, the index {self.vectors_.shape[1]}; "
                "use the same embedding model for both")
        norm = float(np.linalg.norm(q))
        return q / norm if norm > 0 else q

    def _scan_all(self, q: NDArray[np.float32], k: int) -> tuple[NDArray[np.intp], NDArray[np.float32]]:
        """Exact top-``k`` over every project, in blocks to bound temporary memory."""
        n = self.vectors_.shape[0]
        best_rows: list[NDArray[np.intp]] = []
        best_sc: list[NDArray[np.float32]] = []
        for s in range(0, n, self.block_size):
            sc = self.vectors_[s:s + self.block_size] @ q
            rows = np.arange(s, s + sc.shape[0])
            top = _top_k_by_position(sc, rows, self.order_, k)
            best_rows.append(rows[top])
            best_sc.append(sc[top])
        rows = np.concatenate(best_rows)
        sc = np.concatenate(best_sc)
        top = _top_k_by_position(sc, rows, self.order_, k)
        return self.order_[rows[top]], sc[top]

    def search_positions(self, vector: ArrayLike, k: int) -> tuple[NDArray[np.intp], NDArray[np.float32]]:
        """Top-``k`` (positions in build order, cosine scores), best first."""
        self._check_built()
        q = self._query_vector(vector)
        if self.method_ == "exact":
            return self._scan_all(q, k)
        # small products: einsum's own loop, not multi-threaded BLAS, whose threads stall
        # badly when the machine is busy (measured: p50 0.3 ms vs 26 ms at load 10 on 2 cores)
        centre_scores = np.einsum("ij,j->i", self.centres_, q)
        n_lists = self.centres_.shape[0]
        described = float(_standout(centre_scores - self.centre_offsets_)) >= self.standout_threshold_
        if not described and self.residual_share_ > self.max_residual_share:
            # most projects are residual: no partition to trust, compare with all of them
            return self._scan_all(q, k)
        lists = _top_k(centre_scores, min(self.n_probe, n_lists))
        sizes = self.list_starts_[lists + 1] - self.list_starts_[lists]
        if int(sizes.sum()) < k and lists.shape[0] < n_lists:
            # too few projects in the probed lists: widen until k are available
            ranked = np.argsort(-centre_scores, kind="stable")
            all_sizes = self.list_starts_[ranked + 1] - self.list_starts_[ranked]
            enough = int(np.searchsorted(np.cumsum(all_sizes), k)) + 1
            lists = ranked[: max(enough, lists.shape[0])]
        starts = self.list_starts_[lists]
        ends = self.list_starts_[lists + 1]
        rows = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])
        scores = np.einsum("ij,j->i", self.vectors_[rows], q)
        if not described and self.residual_rows_.shape[0]:
            # the query's neighbours may be anywhere: add residual projects not yet scanned
            extra = ~np.isin(self.residual_lists_, lists)
            residual_scores = np.einsum("ij,j->i", self.residual_vectors_, q)  # contiguous: no copy
            rows = np.concatenate([rows, self.residual_rows_[extra]])
            scores = np.concatenate([scores, residual_scores[extra]])
        top = _top_k_by_position(scores, rows, self.order_, k)
        return self.order_[rows[top]], scores[top]

    def shared_terms(self, text: str, position: int) -> tuple[str, ...]:
        """Terms of ``text`` also in the project at ``position``, most distinctive first."""
        if self.terms_ is None or not text:
            return ()
        mine = set(self.tokenizer(text))
        common = mine & self.terms_[position]
        ranked = sorted(common, key=lambda t: (-self.idf_.get(t, 0.0), t))
        return tuple(ranked[: self.max_shared_terms])

    def query(self, vector: ArrayLike, text: str = "", k: int = 10, *,
              exclude_ids: Sequence[str] = ()) -> list[SimilarHit]:
        """The ``k`` most similar projects, best first, each with the terms shared with ``text``."""
        if k < 1:
            raise SimilarIndexError("k must be at least 1")
        excluded = {self.position_[i] for i in exclude_ids if i in getattr(self, "position_", {})}
        positions, scores = self.search_positions(vector, k + len(excluded))
        hits = []
        for pos, score in zip(positions.tolist(), scores.tolist(), strict=True):
            if pos in excluded:
                continue
            hits.append(SimilarHit(id=self.ids_[pos], score=float(score),
                                   shared_terms=self.shared_terms(text, pos)))
            if len(hits) == k:
                break
        return hits


class KiwiTokenizer:
    """Korean morphological tokenizer (kiwipiepy): nouns and foreign words only.

    Splits compounds the regular-expression tokenizer keeps whole (양자컴퓨팅을 -> 양자 컴퓨팅)
    at the cost of about two seconds to load its model; create one and reuse it.
    """

    _KEEP = ("NNG", "NNP", "SL", "SH", "SN")

    def __init__(self) -> None:
        from kiwipiepy import Kiwi

        self._kiwi = Kiwi()

    def __call__(self, text: str) -> list[str]:
        out: list[str] = []
        for token in self._kiwi.tokenize(text):
            if token.tag not in self._KEEP:
                continue
            for part in token.form.lower().split():
                if len(part) >= 2 and part not in _EN_STOP and part not in _KO_STOP:
                    out.append(part)
        return out
