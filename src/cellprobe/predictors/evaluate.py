"""How well predictors rank a whole benchmark (NAS-Bench-201): Kendall τ over all its architectures.

Each run draws ``n`` training architectures uniformly at random (without replacement) from a ground truth,
fits a predictor with one seed on their accuracies, predicts every architecture of the ground truth and
compares the two rankings with Kendall's τ (``scipy.stats.kendalltau``, τ-b). :func:`kendall_runs` returns
one row per run (with its fit and predict seconds, for the benchmarks), :func:`kendall_table` the mean ±
std over training sets × seeds.

>>> from cellprobe.benchmarks import nb201_table, read_nb201_csv  # doctest: +SKIP
>>> from cellprobe.ground_truth import GroundTruth  # doctest: +SKIP
>>> truth = GroundTruth.from_benchmark(nb201_table(read_nb201_csv("data/benchmarks/nb201_test_accuracy.csv")))  # doctest: +SKIP
>>> kendall_table(truth, predictors=["gates"], sizes=[78], losses=["hinge"])  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import torch
from scipy.stats import kendalltau

from cellprobe.predictors.losses import LOSSES
from cellprobe.ground_truth import GroundTruth
from cellprobe.predictors.registry import PREDICTORS, get_predictor_class, make_predictor

__all__ = ["SIZES", "training_sets", "kendall_runs", "kendall_table", "summarize", "kfold_runs"]

#: Training-set sizes of the GATES paper on NB201 (0.25 %, 0.5 %, 2.5 %, 5 % of 15,625 cells).
SIZES = (39, 78, 390, 781)


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


def kendall_runs(
    truth: GroundTruth,
    predictors: Sequence[str] = tuple(PREDICTORS),
    sizes: Sequence[int] = SIZES,
    losses: Sequence[str] = LOSSES,
    *,
    n_sets: int = 3,
    n_seeds: int = 3,
    options: Mapping[str, dict] | None = None,
    threads: int | None = None,
    set_seed: int = 0,
    progress: Callable[[dict], None] | None = None,
) -> pd.DataFrame:
    """One row per (predictor, loss, size, training set, seed): ``tau``, ``fit_s``, ``predict_s``.

    ``truth``: the ground truth (e.g. one accuracy column of the NB201 table); every one of its architectures
    is predicted. ``options``: extra settings per predictor name. ``threads``: torch threads
    during the runs (restored afterwards). A predictor that always regresses (``rf``) runs once per size
    and set and seed under its own loss name. ``progress`` is called with each finished row.
    """
    for loss in losses:
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; losses are: {', '.join(LOSSES)}")
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
                    for k, index in enumerate(training_sets(len(genotypes), size, n_sets, set_seed)):
                        train = [genotypes[i] for i in index]
                        for seed in range(n_seeds):
                            predictor = make_predictor(name, truth.space, loss=loss, seed=seed,
                                                       **options.get(name, {}))
                            start = time.perf_counter()
                            predictor.fit(train, true[index])
                            fit_s = time.perf_counter() - start
                            start = time.perf_counter()
                            scores = predictor.predict(genotypes)
                            predict_s = time.perf_counter() - start
                            row = {
                                "predictor": name,
                                "loss": loss,
                                "n_train": int(size),
                                "set": k,
                                "seed": seed,
                                "tau": float(kendalltau(scores, true).statistic),
                                "fit_s": fit_s,
                                "predict_s": predict_s,
                            }
                            rows.append(row)
                            if progress is not None:
                                progress(row)
    finally:
        torch.set_num_threads(old_threads)
    return pd.DataFrame(rows)


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


def kendall_table(truth: GroundTruth, *args, **kwargs) -> pd.DataFrame:
    """Kendall τ over every cell of ``table``, mean ± std over training sets × seeds.

    Takes the arguments of :func:`kendall_runs`; returns one row per (predictor, loss, n_train) with
    ``tau_mean, tau_std`` (sample std; NaN for a single run) and ``runs``. The runs' timings stay out of
    it (a result table holds results; ``benchmarks/bench_predictors.py`` prints the times).
    """
    runs = kendall_runs(truth, *args, **kwargs)
    return summarize(runs)


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """Aggregate :func:`kendall_runs` rows per (predictor, loss, n_train), in the order they came."""
    keys = ["predictor", "loss", "n_train"]
    grouped = runs.groupby(keys, sort=False)
    out = grouped.agg(
        tau_mean=("tau", "mean"),
        tau_std=("tau", "std"),
        runs=("tau", "size"),
    )
    return out.reset_index()
