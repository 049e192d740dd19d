"""The portfolio as a mixed-integer programme, solved exactly with HiGHS (through SciPy).

One binary variable per candidate, maximising total quality, with rows for

- each ``(track, year)`` budget: sum of the year's costs of the track's chosen projects;
- the international share: ``sum cost_i * (international_i - share) * x_i >= 0``;
- each sector minimum (count) and sector money minimum;
- each organisation with more candidates than the cap.

HiGHS is reached through ``scipy.optimize.milp``: the ``highspy`` wheel and OR-Tools
ship clashing copies of the HiGHS library and cannot be loaded in one process.

Money is expressed in a unit chosen so the largest coefficient stays near 10^4, and every
solution is re-checked in won; a row that rounding let slip is tightened and re-solved.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from dure.core.selection.types import Candidate, PortfolioRules

__all__ = ["Row", "SelectionModel", "Solution"]


@dataclass(frozen=True)
class Row:
    """One constraint: ``kind`` and ``key`` name it; ``lower <= a @ x <= upper`` in won."""

    kind: str
    key: tuple
    columns: np.ndarray
    values: np.ndarray
    lower: float
    upper: float
    money: bool


@dataclass(frozen=True)
class Solution:
    x: np.ndarray  # bool, one per candidate
    objective: float
    status: str  # optimal | time_limit | infeasible
    gap: float
    seconds: float


class SelectionModel:
    """The MIP for one set of candidates, budgets and rules; re-solvable with columns fixed."""

    def __init__(
        self,
        candidates: Sequence[Candidate],
        budgets: Mapping[tuple[str, int], float],
        rules: PortfolioRules,
        *,
        time_limit: float = 60.0,
        mip_rel_gap: float = 1e-6,
    ):
        self.candidates = tuple(candidates)
        self.budgets = dict(budgets)
        self.rules = rules
        self.time_limit = float(time_limit)
        self.mip_rel_gap = float(mip_rel_gap)
        n = len(self.candidates)
        self.quality = np.array([c.quality for c in self.candidates], dtype=float)
        self.total_cost = np.array([c.total_cost for c in self.candidates], dtype=float)
        self.international = np.array([bool(c.international) for c in self.candidates])
        self.lower = np.zeros(n)
        self.upper = np.ones(n)
        index = {c.proposal_id: i for i, c in enumerate(self.candidates)}
        for pid in rules.must_include:
            self.lower[index[pid]] = 1.0
        for pid in rules.must_exclude:
            self.upper[index[pid]] = 0.0
        self.rows = self._build_rows()
        biggest = max([float(np.max(np.abs(r.values))) for r in self.rows if r.money and len(r.values)] + [1.0])
        self.unit = 10.0 ** max(0, math.floor(math.log10(biggest)) - 4)

    # ---------------------------------------------------------------- rows
    def _build_rows(self) -> list[Row]:
        rows: list[Row] = []
        by_track_year: dict[tuple[str, int], list[tuple[int, float]]] = defaultdict(list)
        for i, c in enumerate(self.candidates):
            for year, cost in c.costs.items():
                if cost > 0:
                    by_track_year[(c.track, year)].append((i, float(cost)))
        for key in sorted(by_track_year):
            pairs = by_track_year[key]
            rows.append(Row("budget", key, np.array([p[0] for p in pairs]),
                            np.array([p[1] for p in pairs]), -np.inf,
                            self.budgets.get(key, 0.0), True))
        share = self.rules.min_international_share
        if share:
            coef = self.total_cost * (self.international.astype(float) - share)
            nz = np.flatnonzero(coef)
            rows.append(Row("international_share", (), nz, coef[nz], 0.0, np.inf, True))
        sectors = np.array([c.sector for c in self.candidates], dtype=object)
        for sector, minimum in sorted(self.rules.sector_minimums.items()):
            if minimum > 0:
                members = np.flatnonzero(sectors == sector)
                rows.append(Row("sector_minimum", (sector,), members, np.ones(len(members)),
                                float(minimum), np.inf, False))
        for sector, money in sorted(self.rules.sector_money_minimums.items()):
            if money > 0:
                members = np.flatnonzero(sectors == sector)
                rows.append(Row("sector_money_minimum", (sector,), members, self.total_cost[members],
                                float(money), np.inf, True))
        cap = self.rules.organisation_cap
        if cap is not None:
            orgs: dict[str, list[int]] = defaultdict(list)
            for i, c in enumerate(self.candidates):
                orgs[c.organisation_id].append(i)
            for org in sorted(orgs):
                if len(orgs[org]) > cap:
                    led = np.array(orgs[org])
                    rows.append(Row("organisation_cap", (org,), led, np.ones(len(led)),
                                    -np.inf, float(cap), False))
        return rows

    # ------------------------------------------------------------- solving
    def _matrix(self, rows: list[Row]) -> tuple[sparse.csr_array, np.ndarray, np.ndarray]:
        n = len(self.candidates)
        starts = [0]
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        lower, upper = [], []
        for r in rows:
            scale = self.unit if r.money else 1.0
            cols.append(r.columns.astype(np.int64))
            vals.append(r.values / scale)
            starts.append(starts[-1] + len(r.columns))
            lower.append(r.lower / scale if np.isfinite(r.lower) else -np.inf)
            upper.append(r.upper / scale if np.isfinite(r.upper) else np.inf)
        matrix = sparse.csr_array(
            (np.concatenate(vals) if vals else np.zeros(0),
             np.concatenate(cols) if cols else np.zeros(0, np.int64), np.array(starts)),
            shape=(len(rows), n))
        return matrix, np.array(lower, float), np.array(upper, float)

    def _options(self) -> dict:
        return {"time_limit": self.time_limit, "mip_rel_gap": self.mip_rel_gap,
                "presolve": True, "disp": False}

    def _milp(self, rows: list[Row], lower: np.ndarray, upper: np.ndarray):
        n = len(self.candidates)
        matrix, lo, hi = self._matrix(rows)
        constraints = [LinearConstraint(matrix, lo, hi)] if rows else []
        return milp(-self.quality, integrality=np.ones(n), bounds=Bounds(lower, upper),
                    constraints=constraints, options=self._options())

    @staticmethod
    def _status(result) -> str:
        if result.status == 0:
            return "optimal"
        if result.status == 2:
            return "infeasible"
        if result.x is not None:  # stopped at a limit with a feasible portfolio
            return "time_limit"
        return "failed"

    def violation(self, row: Row, x: np.ndarray) -> float:
        """How far (won or projects) ``x`` misses ``row``; 0 when it holds."""
        activity = float(row.values[x[row.columns]].sum())
        if row.kind == "international_share":
            total = float(self.total_cost[x].sum())
            return max(0.0, -activity - 1e-9 * max(1.0, total))
        return max(0.0, row.lower - activity, activity - row.upper)

    def solve(self, fixed: Mapping[int, bool] | None = None) -> Solution:
        """Solve, with some candidates optionally forced in (True) or out (False)."""
        start = time.perf_counter()
        lower, upper = self.lower.copy(), self.upper.copy()
        for i, value in (fixed or {}).items():
            lower[i] = upper[i] = 1.0 if value else 0.0
        if np.any(lower > upper):
            return Solution(np.zeros(len(lower), bool), -np.inf, "infeasible", np.inf,
                            time.perf_counter() - start)
        rows = list(self.rows)
        for _ in range(6):
            n = len(self.candidates)
            if n == 0:
                return Solution(np.zeros(0, bool), 0.0, "optimal", 0.0, time.perf_counter() - start)
            result = self._milp(rows, lower, upper)
            status = self._status(result)
            if status in ("infeasible", "failed"):
                return Solution(np.zeros(n, bool), -np.inf, status, np.inf,
                                time.perf_counter() - start)
            x = np.asarray(result.x, dtype=float) > 0.5
            slipped = [(k, r) for k, r in enumerate(rows) if r.money and self.violation(r, x) > 0]
            if not slipped:
                gap = float(getattr(result, "mip_gap", 0.0) or 0.0) if status == "time_limit" else 0.0
                return Solution(x, float(self.quality[x].sum()), status, gap,
                                time.perf_counter() - start)
            for k, r in slipped:  # rounding let a money row slip: tighten it in won and retry
                miss = self.violation(r, x) + 1.0
                if np.isfinite(r.upper):
                    rows[k] = Row(r.kind, r.key, r.columns, r.values, r.lower, r.upper - miss, True)
                else:
                    rows[k] = Row(r.kind, r.key, r.columns, r.values, r.lower + miss, r.upper, True)
        raise RuntimeError("the solver kept returning portfolios that break a money row")

    def shadow_prices(self) -> np.ndarray:
        """Quality each candidate's resources are worth in the LP relaxation (one per candidate)."""
        n = len(self.candidates)
        if n == 0 or not self.rows:
            return np.zeros(n)
        matrix, lo, hi = self._matrix(self.rows)
        upper_rows, lower_rows = np.isfinite(hi), np.isfinite(lo)
        a_ub = sparse.vstack([matrix[upper_rows], -matrix[lower_rows]]).tocsr()
        b_ub = np.concatenate([hi[upper_rows], -lo[lower_rows]])
        result = linprog(-self.quality, A_ub=a_ub, b_ub=b_ub,
                         bounds=list(zip(self.lower, self.upper, strict=True)), method="highs",
                         options={"time_limit": self.time_limit})
        if result.status != 0:
            return np.full(n, np.nan)
        # reduced cost of a minimisation column: c_j - y^T a_j with c_j = -quality_j
        reduced = np.asarray(result.lower.marginals) + np.asarray(result.upper.marginals)
        return self.quality + reduced

    def elastic(self) -> list[tuple[Row, float]]:
        """Least (normalised) relaxation of the rules that makes them feasible.

        Adds a non-negative slack to every row and minimises the slacks, each divided by
        the size of its row, so a budget short by 10% weighs like a sector short by 10%.
        Returns the rows that needed slack, with the slack in won or projects.
        """
        n, m = len(self.candidates), len(self.rows)
        matrix, lo, hi = self._matrix(self.rows)
        sizes, signs, scales = [], [], []
        for r in self.rows:
            scale = self.unit if r.money else 1.0
            size = max(abs(r.upper) if np.isfinite(r.upper) else 0.0,
                       abs(r.lower) if np.isfinite(r.lower) else 0.0,
                       float(np.abs(r.values).sum()) / max(1, len(r.values)), 1.0) / scale
            sizes.append(size)
            signs.append(-1.0 if np.isfinite(r.upper) else 1.0)  # <= rows get -s, >= rows get +s
            scales.append(scale)
        full = sparse.hstack([matrix, sparse.diags_array(np.array(signs))]).tocsr()
        cost = np.concatenate([np.zeros(n), 1.0 / np.array(sizes)])
        result = milp(cost, integrality=np.concatenate([np.ones(n), np.zeros(m)]),
                      bounds=Bounds(np.concatenate([self.lower, np.zeros(m)]),
                                    np.concatenate([self.upper, np.full(m, np.inf)])),
                      constraints=[LinearConstraint(full, lo, hi)], options=self._options())
        if result.x is None:
            return []
        slack = np.asarray(result.x)[n:]
        return [(r, float(v) * sc) for r, v, sc in zip(self.rows, slack, scales, strict=True)
                if v > 1e-6]
