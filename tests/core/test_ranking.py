"""Ranking by posterior expected rank, with rank intervals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dure.core.calibration import CalibrationInputError, ScoreCalibrator
from dure.core.ranking import RankingInputError, rank_samples, rank_with_intervals


@settings(max_examples=40, deadline=None)
@given(
    samples=arrays(np.float64, st.tuples(st.integers(5, 40), st.integers(1, 12)),
                   elements=st.floats(-5, 5, allow_nan=False)),
    top_n=st.integers(1, 12),
    level=st.floats(0.5, 0.99),
)
def test_ranking_invariants(samples, top_n, level):
    n_prop = samples.shape[1]
    top_n = min(top_n, n_prop)
    ranking = rank_samples(samples, [f"p{i}" for i in range(n_prop)], top_n=top_n, level=level)
    rows = ranking.rows
    assert sorted(ranking.proposal_ids) == sorted(f"p{i}" for i in range(n_prop))
    assert sum(r.expected_rank for r in rows) == pytest.approx(n_prop * (n_prop + 1) / 2)
    # exactly top_n places in every draw, ties sharing theirs
    assert sum(r.prob_top_n for r in rows) == pytest.approx(top_n)
    for r in rows:
        assert 1 <= r.rank_low <= r.rank_high <= n_prop
        assert 0.0 <= r.prob_top_n <= 1.0
    assert [r.expected_rank for r in rows] == sorted(r.expected_rank for r in rows)


def test_indistinguishable_proposals_share_ranks():
    ranking = rank_samples(np.ones((10, 4)), ["a", "b", "c", "d"], top_n=2)
    assert all(r.expected_rank == 2.5 and (r.rank_low, r.rank_high) == (1, 4) for r in ranking.rows)
    assert all(r.prob_top_n == 0.5 for r in ranking.rows)


def test_clear_order_gives_tight_intervals():
    rng = np.random.default_rng(0)
    means = np.array([10.0, 5.0, 0.0, -5.0])
    samples = means + rng.normal(0, 0.1, (200, 4))
    ranking = rank_samples(samples, ["a", "b", "c", "d"], top_n=2)
    assert ranking.proposal_ids == ["a", "b", "c", "d"]
    assert [(r.rank_low, r.rank_high) for r in ranking.rows] == [(1, 1), (2, 2), (3, 3), (4, 4)]
    assert [r.prob_top_n for r in ranking.rows] == [1.0, 1.0, 0.0, 0.0]


def test_rank_intervals_wider_with_fewer_reviews():
    rng = np.random.default_rng(3)
    counts = np.where(np.arange(120) % 2 == 0, 1, 5)
    pid = np.repeat(np.arange(120), counts)
    rid = np.concatenate([rng.choice(40, c, replace=False) for c in counts])
    quality = rng.normal(5, 1, 120)
    scores = quality[pid] + rng.normal(0, 0.5, 40)[rid] + rng.normal(0, 0.8, pid.size)
    cal = ScoreCalibrator(n_samples=300, burn_in=150, seed=0).fit(pid, rid, scores)
    ranking = rank_with_intervals(cal, top_n=12)
    width = {r.proposal_id: r.rank_high - r.rank_low for r in ranking.rows}
    reviews = {r.proposal_id: r.n_reviews for r in ranking.rows}
    one = np.mean([w for p, w in width.items() if reviews[p] == 1])
    five = np.mean([w for p, w in width.items() if reviews[p] == 5])
    assert one > 1.3 * five


def test_bad_requests():
    with pytest.raises(RankingInputError, match="2-D"):
        rank_samples(np.zeros(3), ["a", "b", "c"])
    with pytest.raises(RankingInputError, match="2 proposal ids for 3"):
        rank_samples(np.zeros((4, 3)), ["a", "b"])
    with pytest.raises(RankingInputError, match="level"):
        rank_samples(np.zeros((4, 3)), ["a", "b", "c"], level=1.5)
    with pytest.raises(RankingInputError, match="NaN"):
        rank_samples(np.full((4, 3), np.nan), ["a", "b", "c"])
    with pytest.raises(CalibrationInputError, match="not fitted"):
        rank_with_intervals(ScoreCalibrator())
