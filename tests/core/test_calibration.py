"""ScoreCalibrator on seeded simulations with known quality, leniency and noise."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from dure.core.calibration import CalibrationInputError, ScoreCalibrator


def simulate(seed, n_prop=300, n_rev=100, per_prop=4, quality_sd=1.0, leniency_sd=1.0, noise_sd=0.8):
    rng = np.random.default_rng(seed)
    quality = rng.normal(5.0, quality_sd, n_prop)
    leniency = rng.normal(0.0, leniency_sd, n_rev)
    pid = np.repeat(np.arange(n_prop), per_prop)
    rid = np.concatenate([rng.choice(n_rev, per_prop, replace=False) for _ in range(n_prop)])
    scores = quality[pid] + leniency[rid] + rng.normal(0.0, noise_sd, pid.size)
    return pid, rid, scores, quality, leniency


def fast(**kw):
    return ScoreCalibrator(n_samples=300, burn_in=150, **kw)


def raw_means(pid, scores):
    return np.bincount(pid, weights=scores) / np.bincount(pid)


def test_recovers_known_leniency():
    pid, rid, scores, _, leniency = simulate(1, n_prop=400, n_rev=80, per_prop=5)
    cal = fast(seed=0).fit(pid, rid, scores)
    assert list(cal.reviewer_ids_) == list(range(80))
    assert np.corrcoef(cal.leniency_, leniency)[0, 1] > 0.9
    # the harshest and the most lenient reviewer are told apart with the right sign
    assert cal.leniency_[np.argmax(leniency)] > 1.0 > -1.0 > cal.leniency_[np.argmin(leniency)]
    assert cal.summary_.leniency_sd == pytest.approx(leniency.std(), rel=0.3)


@pytest.mark.parametrize("seed", [3, 4])
def test_calibrated_beats_raw_mean(seed):
    pid, rid, scores, quality, _ = simulate(seed, n_prop=400, n_rev=100, per_prop=4)
    cal = fast(seed=seed).fit(pid, rid, scores)
    rho_cal = spearmanr(cal.quality_mean_, quality)[0]
    rho_raw = spearmanr(raw_means(pid, scores), quality)[0]
    assert rho_cal > rho_raw + 0.05, (rho_cal, rho_raw)
    top = 40
    truth = set(np.argsort(-quality)[:top])
    prec_cal = len(truth & set(np.argsort(-cal.quality_mean_)[:top])) / top
    prec_raw = len(truth & set(np.argsort(-raw_means(pid, scores))[:top])) / top
    assert prec_cal >= prec_raw + 0.05, (prec_cal, prec_raw)


def test_uncertainty_is_larger_with_fewer_reviews():
    rng = np.random.default_rng(7)
    n_rev = 60
    counts = np.where(np.arange(200) < 100, 1, 6)  # first half: one review, second half: six
    pid = np.repeat(np.arange(200), counts)
    rid = np.concatenate([rng.choice(n_rev, c, replace=False) for c in counts])
    quality = rng.normal(5, 1, 200)
    scores = quality[pid] + rng.normal(0, 0.5, n_rev)[rid] + rng.normal(0, 0.8, pid.size)
    cal = fast(seed=1).fit(pid, rid, scores)
    assert list(cal.n_reviews_per_proposal_[:3]) == [1, 1, 1]
    one, six = cal.quality_sd_[:100], cal.quality_sd_[100:]
    assert np.all(np.isfinite(cal.quality_mean_))
    assert one.mean() > 1.5 * six.mean()


@pytest.mark.parametrize("noise_by_level", [{1.0: 2.0, 5.0: 0.4}, {1.0: 0.4, 5.0: 2.0}])
def test_reviews_from_agreeing_confidence_levels_weigh_more(noise_by_level):
    rng = np.random.default_rng(11)
    n_prop, n_rev = 150, 50
    pid = np.repeat(np.arange(n_prop), 4)
    rid = np.concatenate([rng.choice(n_rev, 4, replace=False) for _ in range(n_prop)])
    conf = rng.choice([1.0, 5.0], size=pid.size)
    quality = rng.normal(5, 1, n_prop)
    noise_sd = np.array([noise_by_level[c] for c in conf])
    scores = quality[pid] + rng.normal(0, 1.0, pid.size) * noise_sd
    levels = fast(seed=2).fit(pid, rid, scores, confidences=conf)
    ignored = fast(seed=2).fit(pid, rid, scores)
    assert levels.confidence_model_ == "levels" and ignored.confidence_model_ == "none"
    assert list(levels.confidence_levels_) == [1.0, 5.0]
    assert levels.noise_sd_by_level_ == pytest.approx([noise_by_level[1.0], noise_by_level[5.0]], rel=0.25)
    err_levels = np.mean((levels.quality_mean_ - quality) ** 2)
    err_ignored = np.mean((ignored.quality_mean_ - quality) ** 2)
    assert err_levels < 0.8 * err_ignored


def test_power_model_trusts_confident_reviews_more():
    rng = np.random.default_rng(12)
    pid = np.repeat(np.arange(120), 4)
    rid = np.concatenate([rng.choice(40, 4, replace=False) for _ in range(120)])
    conf = rng.uniform(0.5, 5.0, pid.size)  # continuous: the power model
    quality = rng.normal(5, 1, 120)
    scores = quality[pid] + rng.normal(0, 1.0, pid.size) / np.sqrt(conf / 2.0)
    power = fast(seed=3).fit(pid, rid, scores, confidences=conf)
    flat = fast(seed=3, confidence_power=0.0).fit(pid, rid, scores, confidences=conf)
    assert power.confidence_model_ == "power"
    assert np.mean((power.quality_mean_ - quality) ** 2) < 0.85 * np.mean((flat.quality_mean_ - quality) ** 2)


def test_panel_effects_recovered_when_panels_cross():
    rng = np.random.default_rng(5)
    pid, rid, scores, quality, _ = simulate(5, n_prop=300, n_rev=90, per_prop=4, leniency_sd=0.3)
    panels = rng.integers(0, 3, pid.size)  # each review happens in one of three panels
    offsets = np.array([-1.0, 0.0, 1.0])
    cal = fast(seed=3).fit(pid, rid, scores + offsets[panels], panel_ids=[f"panel-{k}" for k in panels])
    assert list(cal.panel_ids_) == ["panel-0", "panel-1", "panel-2"]
    assert np.argsort(cal.panel_effect_).tolist() == [0, 1, 2]
    assert cal.panel_effect_[2] - cal.panel_effect_[0] == pytest.approx(2.0, abs=0.3)
    assert spearmanr(cal.quality_mean_, quality)[0] > 0.8


def test_same_seed_same_result_and_inputs_untouched():
    pid, rid, scores, _, _ = simulate(9, n_prop=50, n_rev=20, per_prop=3)
    before = scores.copy()
    a = fast(seed=42).fit(pid, rid, scores)
    b = fast(seed=42).fit(pid, rid, scores)
    c = fast(seed=43).fit(pid, rid, scores)
    np.testing.assert_array_equal(a.quality_samples_, b.quality_samples_)
    assert not np.array_equal(a.quality_samples_, c.quality_samples_)
    np.testing.assert_array_equal(scores, before)


def test_single_reviews_and_single_review_reviewers():
    pid = ["a", "b", "c", "d"]
    rid = ["r1", "r2", "r3", "r4"]
    cal = fast(seed=0).fit(pid, rid, [3.0, 5.0, 7.0, 9.0])
    assert np.all(np.isfinite(cal.quality_mean_)) and np.all(cal.quality_sd_ > 0)
    assert list(np.argsort(cal.quality_mean_)) == [0, 1, 2, 3]
    assert cal.calibrated_scores()["d"] == pytest.approx(cal.quality_mean_[3])


def test_constant_scores_give_equal_calibrated_scores():
    pid, rid, _, _, _ = simulate(2, n_prop=30, n_rev=10, per_prop=3)
    cal = fast(seed=0).fit(pid, rid, np.full(pid.size, 6.0))
    assert np.allclose(cal.quality_mean_, 6.0, atol=0.05)
    assert np.allclose(cal.leniency_, 0.0, atol=0.05)


@pytest.mark.parametrize(
    "scores, kwargs, message",
    [
        ([1.0, float("nan"), 3.0], {}, "finite"),
        ([1.0, 2.0, float("inf")], {}, "finite"),
        ([1.0, 12.0, 3.0], {"score_range": (1, 10)}, "outside the score range"),
        ([1.0, "x", 3.0], {}, "numbers"),
        ([1.0, 2.0], {}, "one number per review"),
    ],
)
def test_bad_scores_are_refused_clearly(scores, kwargs, message):
    with pytest.raises(CalibrationInputError, match=message):
        fast(**kwargs).fit(["p1", "p2", "p3"], ["r1", "r2", "r3"], scores)


def test_bad_confidences_duplicates_and_lengths():
    with pytest.raises(CalibrationInputError, match="confidence of review 1"):
        fast().fit(["p1", "p2"], ["r1", "r2"], [1, 2], confidences=[3, 0])
    with pytest.raises(CalibrationInputError, match="more than once"):
        fast().fit(["p1", "p1"], ["r1", "r1"], [1, 2])
    with pytest.raises(CalibrationInputError, match="reviewer_ids has 1 entries"):
        fast().fit(["p1", "p2"], ["r1"], [1, 2])
    with pytest.raises(CalibrationInputError, match="no reviews"):
        fast().fit([], [], [])
    with pytest.raises(CalibrationInputError, match="not fitted"):
        fast().calibrated_scores()
