"""Rank proposals by posterior expected rank, with rank intervals.

Each posterior draw of the proposals' calibrated quality gives a full ranking (rank 1 is
best). Across draws every proposal gets an expected rank, an interval of plausible ranks
and the probability of being among the top ``top_n``. Two proposals whose intervals
overlap cannot honestly be told apart; :mod:`dure.core.lottery` draws the funding line
through such proposals by a recorded lottery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import rankdata

from dure.core.calibration import CalibrationInputError, ScoreCalibrator

__all__ = ["RankedProposal", "Ranking", "RankingInputError", "rank_samples", "rank_with_intervals"]


class RankingInputError(ValueError):
    """The ranking request is malformed; the message says what to fix."""


@dataclass(frozen=True)
class RankedProposal:
    """One proposal's place in the ranking."""

    proposal_id: Any
    calibrated_score: float
    score_sd: float
    expected_rank: float
    rank_low: int
    rank_high: int
    prob_top_n: float
    n_reviews: int


@dataclass(frozen=True)
class Ranking:
    """Proposals ordered by expected rank (best first).

    ``rank_low``/``rank_high`` bound the central ``level`` posterior interval of the rank
    (``rank_low`` is the better, smaller number). ``prob_top_n`` is ``nan`` when no
    ``top_n`` was asked for.
    """

    rows: tuple[RankedProposal, ...]
    level: float
    top_n: int | None
    n_samples: int

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def proposal_ids(self) -> list[Any]:
        return [row.proposal_id for row in self.rows]

    def by_id(self) -> dict[Any, RankedProposal]:
        return {row.proposal_id: row for row in self.rows}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _rank_bounds(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best and worst rank (1 = highest quality) of every proposal in every draw.

    Without ties both are the plain rank; tied proposals span the ranks they share.
    """
    order = np.argsort(-samples, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(samples.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, samples.shape[1] + 1)
    sorted_vals = np.take_along_axis(samples, order, axis=1)
    if not (np.diff(sorted_vals, axis=1) == 0).any():
        return ranks, ranks
    return (rankdata(-samples, axis=1, method="min").astype(np.int64),
            rankdata(-samples, axis=1, method="max").astype(np.int64))


def rank_samples(
    quality_samples: np.ndarray,
    proposal_ids: Sequence[Any] | np.ndarray,
    *,
    top_n: int | None = None,
    level: float = 0.9,
    n_reviews: Sequence[int] | np.ndarray | None = None,
) -> Ranking:
    """Rank from posterior draws: ``quality_samples`` has shape ``(n_draws, n_proposals)``.

    Higher quality is better. Proposals tied inside a draw share the ranks they span:
    the expected rank counts the middle of the span, the interval covers all of it.
    """
    samples = np.asarray(quality_samples, dtype=float)
    if samples.ndim != 2:
        raise RankingInputError(f"quality_samples must be 2-D (draws x proposals), got shape {samples.shape}")
    n_draws, n_prop = samples.shape
    ids = list(proposal_ids)
    if len(ids) != n_prop:
        raise RankingInputError(f"{len(ids)} proposal ids for {n_prop} proposals in quality_samples")
    if n_prop == 0 or n_draws == 0:
        raise RankingInputError("nothing to rank: quality_samples is empty")
    if not np.isfinite(samples).all():
        raise RankingInputError("quality_samples contains NaN or infinite values")
    if not 0.0 < level < 1.0:
        raise RankingInputError(f"level must lie strictly between 0 and 1, got {level}")
    if top_n is not None and not 0 < top_n:
        raise RankingInputError(f"top_n must be a positive number of proposals, got {top_n}")
    counts = np.zeros(n_prop, dtype=int) if n_reviews is None else np.asarray(n_reviews, dtype=int)

    best, worst = _rank_bounds(samples)
    expected = (best + worst).mean(axis=0) / 2.0
    tail = (1.0 - level) / 2.0
    low = np.quantile(best, tail, axis=0, method="lower").astype(int)
    high = np.quantile(worst, 1.0 - tail, axis=0, method="higher").astype(int)
    if top_n is None:
        prob = np.full(n_prop, np.nan)
    else:
        # a tie spanning ranks best..worst shares the places inside the top n evenly
        inside = np.clip(top_n - best + 1, 0, worst - best + 1) / (worst - best + 1)
        prob = inside.mean(axis=0)
    mean = samples.mean(axis=0)
    sd = samples.std(axis=0)

    # Best first: expected rank, then calibrated score, then id so the order is total.
    order = sorted(range(n_prop), key=lambda i: (expected[i], -mean[i], str(ids[i])))
    rows = tuple(
        RankedProposal(
            proposal_id=_plain(ids[i]),
            calibrated_score=float(mean[i]),
            score_sd=float(sd[i]),
            expected_rank=float(expected[i]),
            rank_low=int(low[i]),
            rank_high=int(high[i]),
            prob_top_n=float(prob[i]),
            n_reviews=int(counts[i]),
        )
        for i in order
    )
    return Ranking(rows=rows, level=float(level), top_n=top_n, n_samples=n_draws)


def rank_with_intervals(
    calibrator: ScoreCalibrator, *, top_n: int | None = None, level: float = 0.9
) -> Ranking:
    """Rank the proposals of a fitted :class:`ScoreCalibrator` by posterior expected rank."""
    if not hasattr(calibrator, "quality_samples_"):
        raise CalibrationInputError("the calibrator is not fitted yet; call fit(...) first")
    return rank_samples(
        calibrator.quality_samples_,
        calibrator.proposal_ids_,
        top_n=top_n,
        level=level,
        n_reviews=calibrator.n_reviews_per_proposal_,
    )
