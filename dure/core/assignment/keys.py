"""Set operations on integer keys (pair and group codes), by sorting.

numpy's ``unique``/``isin`` pick a hash-table path for large integer arrays that is
several times slower than sorting at the sizes met here (millions of candidate pairs).
"""

from __future__ import annotations

import numpy as np


def group_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted distinct keys, the index of each input key among them, and their counts."""
    keys = np.asarray(keys, np.int64)
    if len(keys) == 0:
        return keys.copy(), np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.empty(len(ordered), bool)
    starts[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    inverse = np.empty(len(keys), np.int64)
    inverse[order] = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    counts = np.diff(np.append(first, len(ordered)))
    return ordered[first], inverse, counts


def distinct(keys: np.ndarray) -> np.ndarray:
    """Sorted distinct keys."""
    ordered = np.sort(np.asarray(keys, np.int64))
    if len(ordered) == 0:
        return ordered
    keep = np.empty(len(ordered), bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def member(keys: np.ndarray, of: np.ndarray) -> np.ndarray:
    """Boolean mask: which ``keys`` occur in ``of``."""
    keys = np.asarray(keys, np.int64)
    table = distinct(of)
    if len(table) == 0:
        return np.zeros(len(keys), bool)
    pos = np.minimum(np.searchsorted(table, keys), len(table) - 1)
    return table[pos] == keys
