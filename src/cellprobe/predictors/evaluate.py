"""The predictor study: how well predictors rank a benchmark when trained on a few of its architectures.

Each run draws ``n`` training architectures uniformly at random (without replacement) from a ground truth,
fits a predictor with one seed on their accuracies and ranks the architectures it is scored on against the
truth: every architecture of the truth (a benchmark that holds the whole space, NAS-Bench-201: the evaluator
surgery's protocol) or, with ``holdout=True``, all the others (a sample of the space, NAS-Bench-301's 725).
The criteria are those of :mod:`cellprobe.ranking`: Kendall τ (τ-b), P@K and BR@K at the fractions ``ks``.
:func:`study_runs` returns one row per run and criterion (with its fit and predict seconds, for the
benchmarks), :func:`study_table` the mean ± std over training sets × seeds (:func:`summarize`).

The protocol of Ning et al. (NeurIPS 2021): 3 training sets × 3 seeds (:data:`SEEDS`) per size in
:data:`SIZES`, the hinge ranking loss against MSE.

>>> from cellprobe.benchmarks import nb201_table, read_nb201_csv  # doctest: +SKIP
>>> from cellprobe.ground_truth import GroundTruth  # doctest: +SKIP
>>> truth = GroundTruth.from_benchmark(nb201_table(read_nb201_csv("data/benchmarks/nb201_test_accuracy.csv")))  # doctest: +SKIP
>>> study_table(truth, predictors=["gates"], sizes=[78], losses=["hinge"])  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from scipy.stats import kendalltau

from cellprobe.ground_truth import GroundTruth
from cellprobe.predictors.losses import LOSSES
from cellprobe.predictors.registry import PREDICTORS, get_predictor_class, make_predictor
from cellprobe.ranking import best_ranking_at_k, kendall, precision_at_k, top_count

__all__ = ["SIZES", "SEEDS", "STUDY_KS", "training_sets", "study_runs", "study_table", "summarize", "kfold_runs"]

#: Training-set sizes of the GATES paper on NB201 (0.25 %, 0.5 %, 2.5 %, 5 % of 15,625 cells).
SIZES = (39, 78, 390, 781)
#: The predictors' seeds of the evaluator surgery (Ning et al.): each training set is fitted once per seed.
SEEDS = (20, 2020, 202020)
#: Top-K fractions of the study's P@K and BR@K.
STUDY_KS = (0.005, 0.01, 0.05, 0.5)


def training_sets(n_cells: int, size: int, n_sets: int, seed: int = 0) -> list[np.ndarray]:
    """``n_sets`` index arrays of ``size`` distinct cells out of ``n_cells``, uniformly at random.

    Set ``k`` depends only on ``(seed, size, k)``, so asking for more sets keeps the first ones.

    >>> [s.tolist() for s in training_sets(10, 3, 2)] == [s.tolist() for s in training_sets(10, 3, 2)]
    True
    """
    if not 2 <= size <= n_cells:
        raise ValueError(f"training-set size must be in 2..{n_cells}, got {size}")
    return [np.random.default_rng((seed, size, k)).choice(n_cells, size, replace=False) for k in range(n_sets)]


def _losses_of(name: str, losses: Sequence[str]) -> list[str]:
    fixed = getattr(get_predictor_class(name), "fixed_loss", None)
    return [fixed] if fixed else list(losses)


def _run_criteria(true: np.ndarray, scores: np.ndarray, ks: Sequence[float]) -> list[tuple[str, float | None, float]]:
    out = [("kendall", None, kendall(true, scores))]
    out += [("precision", float(k), precision_at_k(true, scores, k)) for k in ks]
    out += [("best_ranking", float(k), best_ranking_at_k(true, scores, k)) for k in ks]
    return out


def study_runs(
    truth: GroundTruth,
    predictors: Sequence[str] = tuple(PREDICTORS),
    sizes: Sequence[int] = SIZES,
    losses: Sequence[str] = LOSSES,
    *,
    n_sets: int = 3,
    seeds: Sequence[int] = SEEDS,
    ks: Sequence[float] = STUDY_KS,
    holdout: bool = False,
    options: Mapping[str, dict] | None = None,
    threads: int | None = None,
    set_seed: int = 0,
    progress: Callable[[dict], None] | None = None,
) -> pd.DataFrame:
    """One row per (predictor, loss, size, training set, seed, criterion, k): ``value``, ``n_scored``,
    ``fit_s``, ``predict_s``.

    ``truth``: the ground truth (e.g. one accuracy column of the NB201 table); every one of its architectures
    is scored, or with ``holdout`` every one outside the training set. ``options``: extra settings per
    predictor name. ``threads``: torch threads during the runs (restored afterwards). A predictor that
    always regresses (``rf``) runs once per size and set and seed under its own loss name. ``progress`` is
    called after each run with its ``predictor, loss, n_train, set, seed, tau, fit_s, predict_s``.
    """
    for loss in losses:
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; losses are: {', '.join(LOSSES)}")
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct and at least one, got {list(seeds)}")
    for k in ks:
        top_count(1, k)  # a bad k is refused before anything is fitted
    options = dict(options or {})
    genotypes = truth.genotypes()
    true = truth.scores()
    rows = []
    old_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        for name in predictors:
            for loss in _losses_of(name, losses):
                for size in sizes:
                    if holdout and size >= len(genotypes) - 1:
                        raise ValueError(f"training-set size {size} leaves fewer than 2 of {len(genotypes)} "
                                         "architectures to score")
                    for k, index in enumerate(training_sets(len(genotypes), size, n_sets, set_seed)):
                        train = [genotypes[i] for i in index]
                        scored = np.setdiff1d(np.arange(len(genotypes)), index) if holdout else np.arange(len(genotypes))
                        for seed in seeds:
                            predictor = make_predictor(name, truth.space, loss=loss, seed=int(seed),
                                                       **options.get(name, {}))
                            start = time.perf_counter()
                            predictor.fit(train, true[index])
                            fit_s = time.perf_counter() - start
                            start = time.perf_counter()
                            scores = np.asarray(predictor.predict([genotypes[i] for i in scored]), dtype=float)
                            predict_s = time.perf_counter() - start
                            run = {"predictor": name, "loss": loss, "n_train": int(size), "set": k, "seed": int(seed)}
                            found = _run_criteria(true[scored], scores, ks)
                            rows += [{**run, "criterion": criterion, "k": kk, "value": float(value),
                                      "n_scored": len(scored), "fit_s": fit_s, "predict_s": predict_s}
                                     for criterion, kk, value in found]
                            if progress is not None:
                                progress({**run, "tau": float(found[0][2]), "fit_s": fit_s, "predict_s": predict_s})
    finally:
        torch.set_num_threads(old_threads)
    return pd.DataFrame(rows, columns=["predictor", "loss", "n_train", "set", "seed", "criterion", "k", "value",
                                       "n_scored", "fit_s", "predict_s"])


def kfold_runs(truth: GroundTruth, predictor: str, loss: str = "hinge", *, folds: int = 5, seed: int = 0,
               options: Mapping | None = None) -> pd.DataFrame:
    """Held-out ranking quality of a surrogate: ``folds``-fold cross-validation over ``truth``.

    The architectures are shuffled once (``numpy.random.default_rng(seed)``) and cut into ``folds`` parts;
    for each part a predictor (``seed``) is fitted on the others and ranks it. One row per fold:
    ``fold, n_train, n_test, tau`` (Kendall τ-b) and ``rho`` (Spearman).
    """
    from scipy.stats import spearmanr

    genotypes, true = truth.genotypes(), truth.scores()
    if not 2 <= folds <= len(genotypes) // 2:
        raise ValueError(f"folds must be in 2..{len(genotypes) // 2} for {len(genotypes)} architectures, got {folds}")
    parts = np.array_split(np.random.default_rng(seed).permutation(len(genotypes)), folds)
    rows = []
    for k, test in enumerate(parts):
        train = np.setdiff1d(np.arange(len(genotypes)), test)
        model = make_predictor(predictor, truth.space, loss=loss, seed=seed, **dict(options or {}))
        model.fit([genotypes[i] for i in train], true[train])
        scores = np.asarray(model.predict([genotypes[i] for i in test]), dtype=float)
        rows.append({"fold": k, "n_train": len(train), "n_test": len(test),
                     "tau": float(kendalltau(scores, true[test]).statistic),
                     "rho": float(spearmanr(scores, true[test]).statistic)})
    return pd.DataFrame(rows)


def study_table(truth: GroundTruth, *args, **kwargs) -> pd.DataFrame:
    """The study's criteria, mean ± std over training sets × seeds.

    Takes the arguments of :func:`study_runs`; returns one row per (predictor, loss, n_train, criterion, k)
    (:func:`summarize`). The runs' timings stay out of it (a result table holds results;
    ``benchmarks/bench_predictors.py`` prints the times).
    """
    return summarize(study_runs(truth, *args, **kwargs))


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """Aggregate :func:`study_runs` rows per (predictor, loss, n_train, criterion, k), in the order they came:
    ``mean, std`` (sample std; NaN for a single run), ``runs`` and ``n_scored`` (the largest)."""
    keys = ["predictor", "loss", "n_train", "criterion", "k"]
    grouped = runs.groupby(keys, sort=False, dropna=False)
    out = grouped.agg(mean=("value", "mean"), std=("value", "std"), runs=("value", "size"),
                      n_scored=("n_scored", "max"))
    return out.reset_index()
