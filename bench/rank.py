"""Calibrated ranking against the raw mean, on simulations shaped by real review scores.

The score scale, the spread between and within papers, the number of reviews per paper
and the confidence distribution are measured from the real per-review ratings (1-10) and
confidences (1-5) of ICLR 2023 in ``review_scores/iclr2023_scores.csv`` of the shared data folder
(withdrawn papers left out). That file has no reviewer ids, so how the within-paper
spread splits into reviewer leniency and review noise is a setting (``--leniency-share``,
default 0.4 of the within-paper variance).

Each simulated proposal has a true quality; each reviewer a leniency; each review a
noise whose variance depends on the reviewer's confidence (as measured on the real
reviews by default: there, the most and the least confident reviews stray furthest from
the other reviews of the same paper; ``--confidence-noise inverse`` uses the model's own
assumption, variance inversely proportional to confidence); scores are snapped to the
real rating scale. The calibrated ranking (posterior expected rank) and the raw mean of
scores, measured in the same run, are compared with the truth:

    spearman       rank correlation with the true quality
    precision      share of the true top ``fundable`` among the top ``fundable``
    line_precision share of the true top ``fundable`` among the proposals funded by the
                   funding line (clear + lottery winners), with 90% and 50% rank intervals

    .venv/bin/python -m bench.rank            # 5,000 proposals x 4 reviews, 5 seeds
    .venv/bin/python -m bench.rank --quick    # 500 proposals, 3 seeds
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from dure.core.calibration import ScoreCalibrator
from dure.core.datadir import data_file
from dure.core.lottery import draw_funding_line
from dure.core.ranking import rank_with_intervals

DATA = data_file("review_scores", "iclr2023_scores.csv")


def load_real_scores(path: Path) -> tuple[list[np.ndarray], list[np.ndarray]]:
    ratings, confidences = [], []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["withdrawn"].strip() == "1":
                continue
            r = np.array(json.loads(row["ratings"]), dtype=float)
            c = np.array(json.loads(row["confidences"]), dtype=float)
            if r.size >= 2 and r.size == c.size:
                ratings.append(r)
                confidences.append(c)
    return ratings, confidences


def describe_real(ratings: list[np.ndarray], confidences: list[np.ndarray]) -> dict:
    means = np.array([r.mean() for r in ratings])
    counts = np.array([r.size for r in ratings])
    within_var = float(np.mean([r.var(ddof=1) for r in ratings]))
    between_var = float(means.var(ddof=1))
    true_var = max(between_var - within_var * float(np.mean(1.0 / counts)), 1e-6)
    all_r = np.concatenate(ratings)
    all_c = np.concatenate(confidences)
    levels, freq = np.unique(all_c, return_counts=True)
    # squared deviation of a review from the mean of the paper's other reviews, by confidence
    dev_by_conf = {}
    for level in levels:
        devs = []
        for r, c in zip(ratings, confidences, strict=True):
            for i in np.flatnonzero(c == level):
                others = np.delete(r, i)
                devs.append((r[i] - others.mean()) ** 2)
        dev_by_conf[int(level)] = float(np.mean(devs))
    return {
        "papers": len(ratings),
        "reviews": int(all_r.size),
        "scale": sorted({float(v) for v in all_r}),
        "mean": float(all_r.mean()),
        "between_paper_sd": float(np.sqrt(between_var)),
        "within_paper_sd": float(np.sqrt(within_var)),
        "true_quality_sd": float(np.sqrt(true_var)),
        "confidence_levels": levels.astype(int).tolist(),
        "confidence_freq": (freq / freq.sum()).tolist(),
        "dev_by_confidence": dev_by_conf,
    }


def simulate(real: dict, n_prop: int, per_prop: int, load: int, leniency_share: float, seed: int,
             confidence_noise: str = "real"):
    rng = np.random.default_rng(seed)
    n_rev = max(per_prop, n_prop * per_prop // load)
    within_var = real["within_paper_sd"] ** 2
    quality = rng.normal(real["mean"], real["true_quality_sd"], n_prop)
    leniency = rng.normal(0.0, np.sqrt(leniency_share * within_var), n_rev)
    pid = np.repeat(np.arange(n_prop), per_prop)
    # each proposal gets distinct reviewers; loads stay balanced by drawing from a shuffled deck
    deck = np.concatenate([rng.permutation(n_rev) for _ in range(per_prop * n_prop // n_rev + 2)])
    rid = np.empty(pid.size, dtype=int)
    pos = 0
    for p in range(n_prop):
        chosen: list[int] = []
        while len(chosen) < per_prop:
            r = int(deck[pos])
            pos += 1
            if r not in chosen:
                chosen.append(r)
        rid[p * per_prop:(p + 1) * per_prop] = chosen
    levels = np.array(real["confidence_levels"], dtype=float)
    conf = rng.choice(levels, size=pid.size, p=real["confidence_freq"])
    freq = np.array(real["confidence_freq"])
    if confidence_noise == "real":
        # noise variance by confidence level in the proportions measured on the real reviews
        dev = np.array([real["dev_by_confidence"][int(lv)] for lv in levels])
        relative = dict(zip(levels, dev / float(dev @ freq), strict=True))
        factor = np.array([relative[c] for c in conf])
    else:
        factor = float(levels @ freq) / conf  # the model's assumption: variance ~ 1 / confidence
    noise_var = (1.0 - leniency_share) * within_var * factor
    raw = quality[pid] + leniency[rid] + rng.normal(0.0, 1.0, pid.size) * np.sqrt(noise_var)
    scale = np.array(real["scale"])
    snapped = scale[np.abs(raw[:, None] - scale[None, :]).argmin(axis=1)]
    return pid, rid, snapped, conf, quality, leniency


def precision(order: np.ndarray, truth_top: set, n: int) -> float:
    return len(truth_top & {int(i) for i in order[:n]}) / n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 proposals, 3 seeds")
    parser.add_argument("--proposals", type=int, default=None)
    parser.add_argument("--reviews-per-proposal", type=int, default=4)
    parser.add_argument("--reviewer-load", type=int, default=8, help="reviews per reviewer")
    parser.add_argument("--fundable-share", type=float, default=0.1)
    parser.add_argument("--leniency-share", type=float, default=0.4)
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--confidence-noise", choices=("real", "inverse"), default="real",
                        help="noise variance by confidence: as measured on the real reviews (default) "
                             "or inversely proportional to confidence")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args(argv)
    n_prop = args.proposals or (500 if args.quick else 5000)
    n_seeds = args.seeds or (3 if args.quick else 5)
    fundable = max(1, int(round(args.fundable_share * n_prop)))

    real = describe_real(*load_real_scores(args.data))
    print(f"real_papers={real['papers']} real_reviews={real['reviews']}")
    print(f"real_scale={','.join(f'{v:g}' for v in real['scale'])} real_mean={real['mean']:.3f}")
    print(f"real_between_paper_sd={real['between_paper_sd']:.3f} real_within_paper_sd={real['within_paper_sd']:.3f} "
          f"implied_true_quality_sd={real['true_quality_sd']:.3f}")
    print("real_confidence_freq=" + ",".join(
        f"{lv}:{f:.3f}" for lv, f in zip(real["confidence_levels"], real["confidence_freq"], strict=True)))
    print("real_sq_dev_from_others_by_confidence=" + ",".join(
        f"{lv}:{v:.2f}" for lv, v in real["dev_by_confidence"].items()))
    print(f"sim_proposals={n_prop} sim_reviews_per_proposal={args.reviews_per_proposal} "
          f"sim_reviewer_load={args.reviewer_load} fundable={fundable} leniency_share={args.leniency_share} "
          f"confidence_noise={args.confidence_noise} seeds={n_seeds}")

    results = {k: [] for k in ("rho_cal", "rho_raw", "prec_cal", "prec_raw", "line_cal", "band", "places",
                               "t_fit", "t_rank", "t_line", "t_raw", "rho_noconf", "prec_noconf", "noise_sd_by_level", "line50", "band50")}
    for seed in range(n_seeds):
        pid, rid, scores, conf, quality, _ = simulate(
            real, n_prop, args.reviews_per_proposal, args.reviewer_load, args.leniency_share, seed,
            args.confidence_noise)
        truth_top = {int(i) for i in np.argsort(-quality)[:fundable]}

        t0 = time.perf_counter()
        raw_mean = np.bincount(pid, weights=scores) / np.bincount(pid)
        tie_break = np.random.default_rng(1000 + seed).random(n_prop)
        raw_order = np.lexsort((tie_break, -raw_mean))
        t1 = time.perf_counter()
        cal = ScoreCalibrator(seed=seed, score_range=(1, 10)).fit(pid, rid, scores, confidences=conf)
        t2 = time.perf_counter()
        results["noise_sd_by_level"].append(cal.noise_sd_by_level_)
        ranking = rank_with_intervals(cal, top_n=fundable)
        t3 = time.perf_counter()
        line = draw_funding_line(ranking, fundable, f"bench seed {seed}")
        t4 = time.perf_counter()
        narrow = draw_funding_line(rank_with_intervals(cal, top_n=fundable, level=0.5), fundable, f"bench seed {seed}")
        funded50 = {d.proposal_id for d in narrow.decisions if d.decision in ("funded", "lottery_funded")}
        results["line50"].append(len(truth_top & funded50) / fundable)
        results["band50"].append(len(narrow.band))
        no_conf = ScoreCalibrator(seed=seed, score_range=(1, 10)).fit(pid, rid, scores)
        results["rho_noconf"].append(spearmanr(no_conf.quality_mean_, quality)[0])
        results["prec_noconf"].append(precision(np.argsort(-no_conf.quality_mean_), truth_top, fundable))

        cal_order = np.array(ranking.proposal_ids)
        cal_rank = np.empty(n_prop)
        cal_rank[cal_order] = np.arange(n_prop)
        funded = [d.proposal_id for d in line.decisions if d.decision in ("funded", "lottery_funded")]
        results["rho_cal"].append(spearmanr(-cal_rank, quality)[0])
        results["rho_raw"].append(spearmanr(raw_mean, quality)[0])
        results["prec_cal"].append(precision(cal_order, truth_top, fundable))
        results["prec_raw"].append(precision(raw_order, truth_top, fundable))
        results["line_cal"].append(len(truth_top & set(funded)) / fundable)
        results["band"].append(len(line.band))
        results["places"].append(line.record.places)
        results["t_raw"].append(t1 - t0)
        results["t_fit"].append(t2 - t1)
        results["t_rank"].append(t3 - t2)
        results["t_line"].append(t4 - t3)
        print(f"seed={seed} spearman_calibrated={results['rho_cal'][-1]:.4f} spearman_raw_mean={results['rho_raw'][-1]:.4f} "
              f"precision_calibrated={results['prec_cal'][-1]:.3f} precision_raw_mean={results['prec_raw'][-1]:.3f} "
              f"line_precision={results['line_cal'][-1]:.3f} lottery_band={results['band'][-1]} "
              f"lottery_places={results['places'][-1]} fit_s={t2 - t1:.2f} rank_s={t3 - t2:.2f}")

    by_level = np.mean(results.pop("noise_sd_by_level"), axis=0)
    print("fitted_noise_sd_by_confidence=" + ",".join(
        f"{lv}:{sd:.2f}" for lv, sd in zip(real["confidence_levels"], by_level, strict=True)))
    m = {k: float(np.mean(v)) for k, v in results.items()}
    total = m["t_fit"] + m["t_rank"] + m["t_line"]
    print(f"mean_spearman_calibrated={m['rho_cal']:.4f} mean_spearman_raw_mean={m['rho_raw']:.4f} "
          f"spearman_ratio={m['rho_cal'] / m['rho_raw']:.3f}")
    print(f"mean_precision_calibrated={m['prec_cal']:.3f} mean_precision_raw_mean={m['prec_raw']:.3f} "
          f"precision_ratio={m['prec_cal'] / m['prec_raw']:.3f}")
    print(f"mean_spearman_calibrated_ignoring_confidence={m['rho_noconf']:.4f} "
          f"mean_precision_calibrated_ignoring_confidence={m['prec_noconf']:.3f}")
    print(f"mean_line_precision={m['line_cal']:.3f} mean_lottery_band={m['band']:.1f} mean_lottery_places={m['places']:.1f} "
          f"(90% rank intervals)")
    print(f"mean_line_precision_level50={m['line50']:.3f} mean_lottery_band_level50={m['band50']:.1f} (50% rank intervals)")
    wins = sum(c > r for c, r in zip(results["rho_cal"], results["rho_raw"], strict=True))
    print(f"seeds_calibrated_beats_raw_spearman={wins}/{n_seeds}")
    print(f"time_fit_s={m['t_fit']:.2f} time_rank_s={m['t_rank']:.2f} time_line_s={m['t_line']:.3f} "
          f"time_total_s={total:.2f} time_raw_mean_s={m['t_raw']:.4f} target_s=30 "
          f"total_over_target={total / 30:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
