"""The portfolio as a mixed-integer programme, solved with HiGHS.

One binary variable per candidate, maximising total quality, with rows for

- each ``(track, year)`` budget: sum of the year's costs of the track's chosen projects;
- the international share: ``sum cost_i * (international_i - share) * x_i >= 0``;
- each sector minimum (count) and sector money minimum;
- each organisation with more candidates than the cap.

Money is expressed in a unit chosen so the largest coefficient stays near 10^4, and every
solution is re-checked in won; a row that rounding let slip is tightened and re-solved.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

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
        threads: int | None = None,
    ):
        self.candidates = tuple(candidates)
        self.budgets = dict(budgets)
        self.rules = rules
        self.time_limit = float(time_limit)
        self.mip_rel_gap = float(mip_rel_gap)
        self.threads = threads
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
            cols, vals = zip(*by_track_year[key], strict=True)
            rows.append(Row("budget", key, np.array(cols), np.array(vals), -np.inf,
                            self.budgets.get(key, 0.0), True))
        share = self.rules.min_international_share
        if share:
            coef = self.total_cost * (self.international.astype(float) - share)
            nz = np.flatnonzero(coef)
            rows.append(Row("international_share", (), nz, coef[nz], 0.0, np.inf, True))
        sectors = np.array([c.sector for c in self.candidates], dtype=object)
        for sector, minimum in sorted(self.rules.sector_minimums.items()):
            if minimum > 0:
                cols = np.flatnonzero(sectors == sector)
                rows.append(Row("sector_minimum", (sector,), cols, np.ones(len(cols)),
                                float(minimum), np.inf, False))
        for sector, money in sorted(self.rules.sector_money_minimums.items()):
            if money > 0:
                cols = np.flatnonzero(sectors == sector)
                rows.append(Row("sector_money_minimum", (sector,), cols, self.total_cost[cols],
                                float(money), np.inf, True))
        cap = self.rules.organisation_cap
        if cap is not None:
            orgs: dict[str, list[int]] = defaultdict(list)
            for i, c in enumerate(self.candidates):
                orgs[c.organisation_id].append(i)
            for org in sorted(orgs):
                if len(orgs[org]) > cap:
                    cols = np.array(orgs[org])
                    rows.append(Row("organisation_cap", (org,), cols, np.ones(len(cols)),
                                    -np.inf, float(cap), False))
        return rows

    # ------------------------------------------------------------- solving
    def _highs(self, rows: list[Row], integer: bool, lower: np.ndarray, upper: np.ndarray,
               elastic: bool = False) -> tuple[highspy.Highs, int]:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("time_limit", self.time_limit)
        h.setOptionValue("mip_rel_gap", self.mip_rel_gap)
        h.setOptionValue("mip_feasibility_tolerance", 1e-9)
        h.setOptionValue("primal_feasibility_tolerance", 1e-9)
        if self.threads:
            h.setOptionValue("threads", int(self.threads))
        n = len(self.candidates)
        cost = np.zeros(n) if elastic else -self.quality  # HiGHS minimises
        h.addCols(n, cost, lower, upper, 0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
        if integer and n:
            h.changeColsIntegrality(n, np.arange(n, dtype=np.int32),
                                    np.full(n, highspy.HighsVarType.kInteger, dtype=np.uint8))
        for r in rows:
            scale = self.unit if r.money else 1.0
            lo = r.lower / scale if np.isfinite(r.lower) else -highspy.kHighsInf
            hi = r.upper / scale if np.isfinite(r.upper) else highspy.kHighsInf
            h.addRow(lo, hi, len(r.columns), r.columns.astype(np.int32), r.values / scale)
        return h, n

    def _status(self, h: highspy.Highs) -> str:
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            return "optimal"
        if status in (highspy.HighsModelStatus.kInfeasible,
                      highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return "infeasible"
        if h.getInfo().primal_solution_status == 2:  # feasible point found before a limit
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
            h, n = self._highs(rows, True, lower, upper)
            h.run()
            status = self._status(h)
            if status in ("infeasible", "failed"):
                return Solution(np.zeros(n, bool), -np.inf, status, np.inf,
                                time.perf_counter() - start)
            x = np.asarray(h.getSolution().col_value, dtype=float) > 0.5 if n else np.zeros(0, bool)
            slipped = [(k, r) for k, r in enumerate(rows) if r.money and self.violation(r, x) > 0]
            if not slipped:
                gap = float(h.getInfo().mip_gap) if status == "time_limit" else 0.0
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
        h, _ = self._highs(self.rows, False, self.lower, self.upper)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return np.full(n, np.nan)
        # reduced cost of a minimisation column is c_j - y^T a_j, with c_j = -quality_j
        col_dual = np.asarray(h.getSolution().col_dual, dtype=float)
        return self.quality + col_dual

    def elastic(self) -> list[tuple[Row, float]]:
        """Least (normalised) relaxation of the rules that makes them feasible.

        Adds a non-negative slack to every row and minimises the slacks, each divided by
        the size of its row, so a budget short by 10% weighs like a sector short by 10%.
        Returns the rows that needed slack, with the slack in won or projects.
        """
        n = len(self.candidates)
        h, _ = self._highs(self.rows, True, self.lower, self.upper, elastic=True)
        slack_rows = []
        for k, r in enumerate(self.rows):
            scale = self.unit if r.money else 1.0
            size = max(abs(r.upper) if np.isfinite(r.upper) else 0.0,
                       abs(r.lower) if np.isfinite(r.lower) else 0.0,
                       float(np.abs(r.values).sum()) / max(1, len(r.values)), 1.0) / scale
            sign = -1.0 if np.isfinite(r.upper) else 1.0  # <= rows get -s, >= rows get +s
            h.addCol(1.0 / size, 0.0, highspy.kHighsInf, 1, np.array([k], np.int32), np.array([sign]))
            slack_rows.append((r, scale))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return []
        values = np.asarray(h.getSolution().col_value, dtype=float)[n:]
        return [(r, float(v) * scale) for (r, scale), v in zip(slack_rows, values, strict=True)
                if v * scale > 1e-6 * max(1.0, scale)]
