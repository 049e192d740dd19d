"""The lexical side of matching: tokenisation that handles Korean, and TF-IDF over works.

Hangul runs go through Kiwi's morphological analyser and keep nouns, roots and verb /
adjective stems (particles and endings are dropped, so 신경망을 and 신경망이 meet);
Latin-script words are lower-cased, stripped of a plural ending and filtered against a
short stop list; Chinese and Japanese runs are indexed as overlapping character pairs.
Mixed-script texts get both.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_LATIN_WORD = re.compile(r"[^\W\d_](?:[\w\-]*\w)?", re.UNICODE)
_KIWI_KEEP = {"NNG", "NNP", "XR", "VV", "VA", "SH"}
_STOP = frozenset("""
a an the and or of in on for to with by from at as is are was were be been being this that these those
it its we our us they their them he she his her which who whom whose what when where why how than then
there here into onto over under about above below between through during before after not no nor but
also can could may might must shall should will would do does did done has have had having such so very
more most less least other some any each all both few many much own same only just via using use used
based study results result method methods paper approach new show shows shown however while thus
""".split())

_kiwi = None
_kiwi_lock = threading.Lock()


def _get_kiwi():
    global _kiwi
    with _kiwi_lock:
        if _kiwi is None:
            from kiwipiepy import Kiwi

            _kiwi = Kiwi()
        return _kiwi


_HAN_KANA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
SCRIPT_OTHER, SCRIPT_HANGUL, SCRIPT_HAN = 0, 1, 2


def script_of(text: str) -> int:
    """The writing system that carries a text's words: Hangul, Han/Kana, or other (Latin etc.).

    A Korean text with English technical terms is Hangul; an English abstract with one Korean
    word is not. Texts in different scripts share almost no index terms, so their lexical
    similarity says nothing (see ``LexicalBridge``).
    """
    hangul = len(_HANGUL.findall(text))
    han = len(_HAN_KANA.findall(text))
    latin = len(_LATIN_LETTER.findall(text)) / 4.0  # letters per word, roughly
    best = max(hangul, han, latin)
    if best == 0 or best == latin:
        return SCRIPT_OTHER
    return SCRIPT_HANGUL if hangul >= han else SCRIPT_HAN


class LexicalBridge:
    """Stands in for the lexical similarity of texts in different scripts.

    Two texts in different scripts share no index terms, so their TF-IDF cosine is zero
    whatever they say; mixed with the embedding cosine, that zero would favour profiles that
    write in the query's language. The bridge maps an embedding cosine to the lexical cosine
    at the same quantile among pairs of works in one script (quantile mapping fitted on the
    pool), so a cross-script pair that is as close in meaning as a typical related pair gets
    the lexical score such a pair has. Real shared terms (English terms in Korean text) still
    count: the larger of the two is used.
    """

    def __init__(self, dense_q: np.ndarray, lexical_q: np.ndarray) -> None:
        self.dense_q = np.asarray(dense_q, dtype=np.float32)
        self.lexical_q = np.asarray(lexical_q, dtype=np.float32)

    @classmethod
    def fit(cls, dense: np.ndarray, lexical: sp.csr_matrix, scripts: np.ndarray,
            max_pairs: int = 200_000, seed: int = 0) -> LexicalBridge | None:
        """Fit on random pairs of works that share a script; None if there are too few."""
        rng = np.random.default_rng(seed)
        left, right = [], []
        for script in np.unique(scripts):
            idx = np.flatnonzero(scripts == script)
            if len(idx) < 2:
                continue
            n_pairs = min(max_pairs, len(idx) * (len(idx) - 1) // 2)
            a = rng.integers(0, len(idx), size=n_pairs)
            b = rng.integers(0, len(idx) - 1, size=n_pairs)
            b = np.where(b >= a, b + 1, b)
            left.append(idx[a])
            right.append(idx[b])
        if not left:
            return None
        i, j = np.concatenate(left), np.concatenate(right)
        if len(i) < 50:
            return None
        d = np.einsum("ij,ij->i", dense[i], dense[j])
        lex = np.asarray(lexical[i].multiply(lexical[j]).sum(axis=1)).ravel()
        probs = np.concatenate([np.linspace(0.0, 0.99, 100), 1.0 - np.logspace(-2.05, -6, 40)])
        return cls(np.quantile(d, probs), np.quantile(lex, probs))

    def __call__(self, dense: np.ndarray) -> np.ndarray:
        return np.interp(dense, self.dense_q, self.lexical_q).astype(np.float32)


def _han_bigrams(run: str) -> list[str]:
    """Chinese/Japanese runs have no spaces between words: index overlapping character pairs.

    Latin letters inside the run (``量子computing``) are split off as their own word.
    """
    out: list[str] = []
    for part in re.split(r"([\u3040-\u30ff\u4e00-\u9fff]+)", run):
        if not part:
            continue
        if _HAN_KANA.match(part):
            out += [part] if len(part) == 1 else [part[i:i + 2] for i in range(len(part) - 1)]
        elif len(part) >= 2 and part not in _STOP and not part.isdigit():
            out.append(_latin_stem(part))
    return out


def _latin_stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str, max_tokens: int = 2000) -> list[str]:
    """Index terms of ``text``: Kiwi morphemes for Hangul, lower-cased words for the rest.

    Only the head of a huge text is read (16 characters per kept token is ample for
    either script): the morphological analyser's time grows faster than the text.
    """
    text = text[:max_tokens * 16]
    tokens: list[str] = []
    for m in _LATIN_WORD.finditer(text):
        w = m.group(0).lower()
        if _HANGUL.search(w):
            continue
        if _HAN_KANA.search(w):
            tokens.extend(_han_bigrams(w))
            continue
        if len(w) < 2 or w in _STOP or w.isdigit():
            continue
        tokens.append(_latin_stem(w))
    if _HANGUL.search(text):
        for tok in _get_kiwi().tokenize(text):
            if tok.tag in _KIWI_KEEP and _HANGUL.search(tok.form):
                form = tok.form + "다" if tok.tag in ("VV", "VA") else tok.form
                if len(form) >= 2 or tok.tag in ("NNP", "XR"):
                    tokens.append(form)
    return tokens[:max_tokens]


class TfidfIndex:
    """Sublinear TF-IDF vectors (L2-normalised) for documents, with idf fitted on them."""

    def __init__(self, max_tokens: int = 2000, min_df: int = 1) -> None:
        self.max_tokens = max_tokens
        self.min_df = min_df

    def fit(self, texts: Sequence[str]) -> TfidfIndex:
        docs = [tokenize(t, self.max_tokens) for t in texts]
        df: dict[str, int] = {}
        for d in docs:
            for term in set(d):
                df[term] = df.get(term, 0) + 1
        terms = sorted(t for t, c in df.items() if c >= self.min_df)
        self.vocabulary_ = {t: i for i, t in enumerate(terms)}
        self.terms_ = np.array(terms, dtype=object)
        n = max(len(docs), 1)
        self.idf_ = np.array([np.log((1 + n) / (1 + df[t])) + 1.0 for t in terms], dtype=np.float32)
        self.matrix_ = self._vectorise(docs)
        return self

    def _vectorise(self, docs: list[list[str]]) -> sp.csr_matrix:
        rows, cols, vals = [], [], []
        for r, d in enumerate(docs):
            counts: dict[int, int] = {}
            for term in d:
                j = self.vocabulary_.get(term)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            for j, c in counts.items():
                rows.append(r)
                cols.append(j)
                vals.append((1.0 + np.log(c)) * self.idf_[j])
        m = sp.csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)),
                          shape=(len(docs), len(self.vocabulary_)), dtype=np.float32)
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sp.csr_matrix(sp.diags(1.0 / norms).astype(np.float32) @ m)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self._vectorise([tokenize(t, self.max_tokens) for t in texts])
