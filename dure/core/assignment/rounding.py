"""Dependent rounding of a fractional flow into an integral one with the same marginals.

The fractional flow lives in ``unit`` steps (flow ``x`` means ``x / unit``). Every node's
net flow is an integral number of units, so each node touches either no fractional arc
or at least two; the fractional arcs therefore always contain a cycle (directions
ignored). Pushing flow around that cycle keeps every node balanced; pushing ``+a`` or
``-b`` with probabilities ``b/(a+b)`` and ``a/(a+b)`` keeps each arc's expected flow
unchanged while at least one arc becomes integral. Repeating until no fractional arc is
left gives an integral flow whose arcs are the floor or ceiling of the fractional ones,
so every capacity still holds and each pair is chosen with probability exactly
``x / unit`` (Jecmen et al. 2020, after Gandhi et al. 2006).
"""

from __future__ import annotations

import numpy as np


def round_flow(tail: np.ndarray, head: np.ndarray, flow: np.ndarray, unit: int,
               rng: np.random.Generator) -> np.ndarray:
    """Integral flow (in units of ``unit``, i.e. multiples of it) from a fractional one."""
    x = np.asarray(flow, np.int64).copy()
    frac_ids = np.flatnonzero(x % unit != 0)
    if len(frac_ids) == 0:
        return x
    tails = tail.tolist()
    heads = head.tolist()
    xs = x.tolist()
    adjacency: dict[int, dict[int, None]] = {}
    for a in frac_ids.tolist():
        adjacency.setdefault(tails[a], {})[a] = None
        adjacency.setdefault(heads[a], {})[a] = None
    draws = iter(rng.random(len(frac_ids) + 1).tolist())

    def drop(a: int) -> None:
        for node in (tails[a], heads[a]):
            arcs = adjacency[node]
            del arcs[a]
            if not arcs:
                del adjacency[node]

    path_nodes: list[int] = []
    path_arcs: list[int] = []
    position: dict[int, int] = {}
    while adjacency:
        if not path_nodes:
            start = next(iter(adjacency))
            path_nodes, path_arcs, position = [start], [], {start: 0}
        u = path_nodes[-1]
        last = path_arcs[-1] if path_arcs else -1
        arc = -1
        for candidate in adjacency[u]:
            if candidate != last:
                arc = candidate
                break
        if arc < 0:  # pragma: no cover - impossible when every node is balanced
            raise RuntimeError("fractional flow is not balanced; cannot round it")
        v = heads[arc] if tails[arc] == u else tails[arc]
        if v not in position:
            position[v] = len(path_nodes)
            path_nodes.append(v)
            path_arcs.append(arc)
            continue
        # cycle: path_nodes[position[v]:] followed by arc back to v
        start_at = position[v]
        cycle = path_arcs[start_at:] + [arc]
        walk = path_nodes[start_at:] + [v]
        up = down = None
        signs = []
        for i, a in enumerate(cycle):
            forward = tails[a] == walk[i]
            signs.append(forward)
            low = xs[a] - xs[a] % unit
            room_up = (low + unit - xs[a]) if forward else (xs[a] - low)
            room_down = (xs[a] - low) if forward else (low + unit - xs[a])
            up = room_up if up is None or room_up < up else up
            down = room_down if down is None or room_down < down else down
        assert up is not None and down is not None
        try:
            draw = next(draws)
        except StopIteration:
            draws = iter(rng.random(1024).tolist())
            draw = next(draws)
        step = up if draw * (up + down) < down else -down
        for a, forward in zip(cycle, signs, strict=True):
            xs[a] += step if forward else -step
            if xs[a] % unit == 0:
                drop(a)
        for node in path_nodes[start_at + 1:]:
            del position[node]
        del path_nodes[start_at + 1:]
        del path_arcs[start_at:]
        # walk back while the end of the path has no fractional arc left to leave by
        while path_nodes and path_nodes[-1] not in adjacency:
            del position[path_nodes.pop()]
            if path_arcs:
                path_arcs.pop()
        if path_arcs and path_arcs[-1] not in adjacency.get(path_nodes[-1], {}):
            # the arc we arrived by became integral: restart the walk from here
            keep = path_nodes[-1]
            path_nodes, path_arcs, position = [keep], [], {keep: 0}
    return np.asarray(xs, np.int64)
