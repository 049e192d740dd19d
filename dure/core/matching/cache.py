"""A content-addressed embedding cache: nothing is embedded twice.

The key is sha256(backend name, kind, text); vectors live in one SQLite file in the
cache directory, so several processes can share it.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import numpy as np

from dure.core.matching.backends import EmbeddingBackend
from dure.core.matching.types import MatchingInputError


def embedding_key(backend_name: str, kind: str, text: str) -> str:
    h = hashlib.sha256()
    for part in (backend_name, kind, text):
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


class CachedBackend:
    """Wraps a backend; texts already embedded (by content) come from the cache."""

    def __init__(self, backend: EmbeddingBackend, cache_dir: str | Path) -> None:
        d = Path(cache_dir)
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MatchingInputError(f"cannot create embedding cache directory {d}: {exc}") from None
        self.backend = backend
        self.name = backend.name
        # a backend whose vectors depend on more than its name (its input length, say) says so here
        self.cache_name = getattr(backend, "cache_name", backend.name)
        self.dim = backend.dim
        self.path = d / "embeddings.sqlite3"
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, vec BLOB)")
        self._conn.commit()
        self.hits = 0
        self.misses = 0

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for key, dim, blob in self._conn.execute(
                    f"SELECT key, dim, vec FROM vectors WHERE key IN ({marks})", chunk):
                if dim == self.dim:
                    found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def embed(self, texts: list[str], kind: str = "passage") -> np.ndarray:
        keys = [embedding_key(self.cache_name, kind, t) for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            found = self._lookup(sorted(set(keys)))
        todo: dict[str, int] = {}
        for i, k in enumerate(keys):
            if k in found:
                out[i] = found[k]
            elif k not in todo:
                todo[k] = i
        self.hits += len(texts) - sum(1 for k in keys if k in todo)
        if todo:
            new = self.backend.embed([texts[i] for i in todo.values()], kind=kind)
            self.misses += len(todo)
            fresh = dict(zip(todo, new, strict=True))
            for i, k in enumerate(keys):
                if k in fresh:
                    out[i] = fresh[k]
            with self._lock:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO vectors (key, dim, vec) VALUES (?, ?, ?)",
                    [(k, self.dim, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v in fresh.items()])
                self._conn.commit()
        return out

    def close(self) -> None:
        self._conn.close()
