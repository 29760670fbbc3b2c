"""Ranking criteria: how well one scoring of a set of architectures orders it like the ground truth.

Every criterion is a pure function with one argument order, **true scores first, predicted scores second**:
``criterion(true, predicted[, k])``. Both are 1-D sequences of finite numbers of the same length n (NaN or ±∞
raise :class:`ValueError`). The evaluators stage (:mod:`cellprobe.analysis.evaluators`) and the predictor study
(:mod:`cellprobe.predictors.evaluate`) share them.

Correlations (scipy): :func:`pearson`, :func:`spearman` (average ranks for ties), :func:`kendall` (τ-b, which
corrects for ties). They are NaN when n < 2 or either side is constant.

Top-K criteria take ``k``, a fraction of the set in (0, 1]: the top-K holds ``m = ⌈k·n⌉`` architectures (at
least 1; ``k = 1`` is the whole set). A ``k`` outside (0, 1] — a K larger than the set — raises
:class:`ValueError`. Ranks are 1 for the best architecture; architectures with equal true scores share their
average rank.

* :func:`precision_at_k` — P@K, the share of the true top-K among the predicted top-K;
* :func:`best_ranking_at_k` / :func:`worst_ranking_at_k` — BR@K / WR@K, the best / worst true rank among the
  predicted top-K, divided by n (so 1/n is ideal for BR@K and m/n for WR@K; lower is better). BR@K is not
  symmetric: ``best_ranking_at_k(true, predicted, k)`` ranks by *predicted* and reads ranks from *true*;
* :func:`kendall_top_k` / :func:`kendall_bottom_k` — Kendall τ-b within the predicted top-K / bottom-K;
* :func:`criteria` — every criterion as rows ``criterion, k, value, n``.

Ties in the scores that decide a top-K set: P@K, BR@K and WR@K are the **exact expected values under uniformly
random tie-breaking** (independently for the true and the predicted order), so a constant evaluator scores
P@K = m/n rather than whatever the input order favours. The τ within the top-/bottom-K takes **every**
architecture tied with the m-th one (the set may exceed m).

>>> precision_at_k([4, 3, 2, 1], [1, 2, 3, 4], 0.5), precision_at_k([4, 3, 2, 1], [4, 3, 1, 2], 0.5)
(0.0, 1.0)
>>> best_ranking_at_k([4, 3, 2, 1], [0, 1, 0, 0], 0.25)  # predicted best = true rank 2 of 4
0.5
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["paired_scores", "top_count", "true_ranks", "pearson", "spearman", "kendall", "precision_at_k",
           "best_ranking_at_k", "worst_ranking_at_k", "kendall_top_k", "kendall_bottom_k", "kendall_within",
           "CORRELATIONS", "TOP_K_CRITERIA", "DEFAULT_KS", "criteria"]


# -- argument checks ---------------------------------------------------------------------------------------


def paired_scores(true, predicted) -> tuple[np.ndarray, np.ndarray]:
    """``true`` and ``predicted`` as float64 arrays, checked (1-D, same length, not empty, finite)."""
    t = np.asarray(true, dtype=np.float64)
    p = np.asarray(predicted, dtype=np.float64)
    if t.ndim != 1 or p.ndim != 1:
        raise ValueError(f"true and predicted scores must be 1-D, got shapes {t.shape} and {p.shape}")
    if len(t) != len(p):
        raise ValueError(f"true and predicted scores differ in length: {len(t)} vs {len(p)}")
    if len(t) == 0:
        raise ValueError("no scores to compare")
    for name, values in (("true", t), ("predicted", p)):
        if not np.isfinite(values).all():
            raise ValueError(f"{name} scores hold NaN or infinite values")
    return t, p


def top_count(n: int, k: float) -> int:
    """Architectures in the top-K of a set of ``n``: ``⌈k·n⌉``, at least 1; ``k`` must lie in (0, 1].

    >>> top_count(100, 0.05), top_count(10, 0.05), top_count(7, 1.0)
    (5, 1, 7)
    """
    if isinstance(k, bool) or not isinstance(k, (int, float, np.integer, np.floating)) or not 0.0 < k <= 1.0:
        raise ValueError(f"k is a fraction of the set in (0, 1], got {k!r} (a K larger than the set is refused)")
    if n < 1:
        raise ValueError("the set is empty")
    # ⌈k·n⌉ without floating-point noise lifting an exact product (0.1·30 = 3.0000000000000004)
    return max(1, min(n, math.ceil(round(k * n, 9))))


def true_ranks(true) -> np.ndarray:
    """Rank of each score, 1 = the highest; equal scores share their average rank.

    >>> true_ranks([10.0, 30.0, 20.0, 30.0]).tolist()
    [4.0, 1.5, 3.0, 1.5]
    """
    return stats.rankdata(-np.asarray(true, dtype=np.float64), method="average")


def _constant(values: np.ndarray) -> bool:
    return bool(len(values) == 0 or np.all(values == values[0]))


# -- correlations --------------------------------------------------------------------------------------------


def pearson(true, predicted) -> float:
    """Pearson's linear correlation; NaN when n < 2 or either side is constant."""
    t, p = paired_scores(true, predicted)
    if len(t) < 2 or _constant(t) or _constant(p):
        return float("nan")
    return float(stats.pearsonr(t, p).statistic)


def spearman(true, predicted) -> float:
    """Spearman's rank correlation (average ranks for ties); NaN when n < 2 or either side is constant."""
    t, p = paired_scores(true, predicted)
    if len(t) < 2 or _constant(t) or _constant(p):
        return float("nan")
    return float(stats.spearmanr(t, p).statistic)


def kendall(true, predicted) -> float:
    """Kendall's τ-b (tie-corrected); NaN when n < 2 or either side is constant."""
    t, p = paired_scores(true, predicted)
    if len(t) < 2 or _constant(t) or _constant(p):
        return float("nan")
    return float(stats.kendalltau(t, p).statistic)


# -- top-K criteria ------------------------------------------------------------------------------------------


def _inclusion(scores: np.ndarray, m: int) -> np.ndarray:
    """Probability that each item is among the ``m`` highest under uniformly random tie-breaking."""
    threshold = np.sort(scores)[::-1][m - 1]
    above = scores > threshold
    at = scores == threshold
    prob = above.astype(np.float64)
    prob[at] = (m - above.sum()) / at.sum()
    return prob


def precision_at_k(true, predicted, k: float) -> float:
    """P@K: the share of the true top-K found in the predicted top-K (expected value under random tie-breaking).

    >>> precision_at_k([1, 2, 3, 4], [5, 5, 5, 5], 0.5)  # a constant evaluator: m/n
    0.5
    """
    t, p = paired_scores(true, predicted)
    m = top_count(len(t), k)
    return float(np.dot(_inclusion(t, m), _inclusion(p, m)) / m)


def _expected_min(sure: np.ndarray, tied: np.ndarray, r: int) -> float:
    """E[min(sure ∪ R)], R a uniformly random ``r``-subset of ``tied`` (``sure`` may be empty, r may be 0)."""
    floor = sure.min() if len(sure) else np.inf
    if r == 0:
        return float(floor)
    a = np.minimum(np.sort(tied), floor)
    g = len(a)
    # P[the smallest chosen is the j-th smallest] = C(g-j, r-1) / C(g, r), j = 1..g-r+1; by the ratio of neighbours
    j = np.arange(1, g - r + 1)
    prob = np.empty(g - r + 1)
    prob[0] = r / g
    prob[1:] = (r / g) * np.cumprod((g - j - r + 1) / (g - j))
    return float(np.dot(prob, a[: g - r + 1]))


def _extreme_rank(true, predicted, k: float, best: bool) -> float:
    t, p = paired_scores(true, predicted)
    n = len(t)
    m = top_count(n, k)
    ranks = true_ranks(t) / n
    threshold = np.sort(p)[::-1][m - 1]
    sure, tied = ranks[p > threshold], ranks[p == threshold]
    r = m - len(sure)
    if best:
        return _expected_min(sure, tied, r)
    return -_expected_min(-sure, -tied, r)


def best_ranking_at_k(true, predicted, k: float) -> float:
    """BR@K: the best (lowest) true rank / n among the predicted top-K; 1/n is ideal, lower is better.

    Not symmetric in its arguments: the set comes from ``predicted``, the ranks from ``true``.

    >>> best_ranking_at_k([4, 3, 2, 1], [1, 4, 3, 2], 0.25), best_ranking_at_k([1, 4, 3, 2], [4, 3, 2, 1], 0.25)
    (0.5, 1.0)
    """
    return _extreme_rank(true, predicted, k, best=True)


def worst_ranking_at_k(true, predicted, k: float) -> float:
    """WR@K: the worst (highest) true rank / n among the predicted top-K; m/n is ideal, lower is better."""
    return _extreme_rank(true, predicted, k, best=False)


def kendall_within(t: np.ndarray, p: np.ndarray, chosen: np.ndarray) -> float:
    """Kendall τ-b of the architectures ``chosen`` (a boolean mask)."""
    if chosen.sum() < 2 or _constant(t[chosen]) or _constant(p[chosen]):
        return float("nan")
    return float(stats.kendalltau(t[chosen], p[chosen]).statistic)


def kendall_top_k(true, predicted, k: float) -> float:
    """Kendall τ-b within the predicted top-K (every architecture tied with the m-th best included)."""
    t, p = paired_scores(true, predicted)
    m = top_count(len(t), k)
    return kendall_within(t, p, p >= np.sort(p)[::-1][m - 1])


def kendall_bottom_k(true, predicted, k: float) -> float:
    """Kendall τ-b within the predicted bottom-K (every architecture tied with the m-th worst included)."""
    t, p = paired_scores(true, predicted)
    m = top_count(len(t), k)
    return kendall_within(t, p, p <= np.sort(p)[m - 1])


#: ``name → criterion(true, predicted)``.
CORRELATIONS: dict[str, Callable] = {"pearson": pearson, "spearman": spearman, "kendall": kendall}
#: ``name → criterion(true, predicted, k)``.
TOP_K_CRITERIA: dict[str, Callable] = {
    "precision": precision_at_k,
    "best_ranking": best_ranking_at_k,
    "worst_ranking": worst_ranking_at_k,
    "kendall_top": kendall_top_k,
    "kendall_bottom": kendall_bottom_k,
}
DEFAULT_KS = (0.005, 0.01, 0.05, 0.1, 0.2, 0.5)


def criteria(true, predicted, ks: Sequence[float] = DEFAULT_KS) -> pd.DataFrame:
    """Every criterion of one evaluator: rows ``criterion, k`` (NaN for correlations), ``value, n``.

    >>> criteria([1, 2, 3], [1, 2, 3], ks=[1.0]).set_index("criterion")["value"]["kendall"]
    np.float64(1.0)
    """
    t, p = paired_scores(true, predicted)
    for k in ks:
        top_count(len(t), k)  # refuse a bad k before computing anything
    rows = [{"criterion": name, "k": np.nan, "value": f(t, p), "n": len(t)} for name, f in CORRELATIONS.items()]
    rows += [{"criterion": name, "k": float(k), "value": f(t, p, k), "n": len(t)}
             for name, f in TOP_K_CRITERIA.items() for k in ks]
    return pd.DataFrame(rows, columns=["criterion", "k", "value", "n"])
