"""Calibration: how well this run's own training ranks benchmark architectures against the benchmark.

A run that trains cells of a space with a benchmark table (NB201) can check its proxy task: if the
short, small-image training it uses ranks those cells as the benchmark's full training does, its other
from-scratch results mean something. :func:`calibration_table` gives, per trained sample set and per
ranking metric (validation accuracy, negated validation loss, test accuracy; seed means), Kendall τ and
Spearman ρ against one benchmark accuracy column.
"""

from __future__ import annotations

import pandas as pd
from scipy.stats import kendalltau, spearmanr

__all__ = ["RANKED_BY", "calibration_points", "calibration_table"]

#: How a trained architecture is ranked: label → (train_result column, sign).
RANKED_BY = {"valid_acc": ("valid_acc", 1.0), "-valid_loss": ("valid_loss", -1.0), "test_acc": ("test_acc", 1.0)}


def calibration_points(results: pd.DataFrame, benchmark: pd.DataFrame, column: str = "cifar10_test_acc",
                       space: str = "nb201") -> pd.DataFrame:
    """The ``space`` architectures of ``results`` (``train_result`` rows) that the ``benchmark`` table
    (``arch_id`` and ``column``) knows, one row per sample set and architecture: ``sample, arch_id`` and the
    seed means of ``valid_acc, valid_loss, test_acc``, beside the benchmark's accuracy as ``benchmark``."""
    known = dict(zip(benchmark["arch_id"], benchmark[column].astype(float)))
    rows = results[(results["space"] == space) & results["arch_id"].isin(list(known))]
    points = rows.groupby(["sample", "arch_id"], sort=False, as_index=False)[["valid_acc", "valid_loss",
                                                                             "test_acc"]].mean()
    return points.assign(benchmark=points["arch_id"].map(known).astype(float))


def calibration_table(results: pd.DataFrame, benchmark: pd.DataFrame, column: str = "cifar10_test_acc",
                      space: str = "nb201") -> pd.DataFrame:
    """Per sample set of ``results`` (``train_result`` rows) holding ``space`` architectures that the
    ``benchmark`` table (``arch_id`` and ``column``) knows: ``sample, ranked_by, n, kendall_tau, spearman_rho,
    mean_trained, mean_benchmark`` (seed means; empty when no set qualifies)."""
    columns = ["sample", "ranked_by", "n", "kendall_tau", "spearman_rho", "mean_trained", "mean_benchmark"]
    out = []
    for sample, per_arch in calibration_points(results, benchmark, column, space).groupby("sample", sort=False):
        if len(per_arch) < 3:
            continue
        truth = per_arch["benchmark"].to_numpy(dtype=float)
        for label, (metric, sign) in RANKED_BY.items():
            values = sign * per_arch[metric].to_numpy(dtype=float)
            out.append({"sample": sample, "ranked_by": label, "n": len(per_arch),
                        "kendall_tau": float(kendalltau(values, truth).statistic),
                        "spearman_rho": float(spearmanr(values, truth).statistic),
                        "mean_trained": float(per_arch[metric].mean()), "mean_benchmark": float(truth.mean())})
    return pd.DataFrame(out, columns=columns)
