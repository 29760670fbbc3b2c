"""The pipeline's headline numbers as one flat JSON object (DVC metrics: ``dvc metrics show/diff``).

Each value is computed from the same tables the report reads; a table that was not given leaves its
keys out. Keys are ``<stage>.<what>`` and values plain floats/ints, so ``dvc metrics diff`` and
``dvc exp show`` can compare runs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

from cellprobe.io import atomic_output

__all__ = ["collect_metrics", "write_metrics"]


def _clean(value):
    value = float(value)
    return None if math.isnan(value) else round(value, 6)


def _train_metrics(train: pd.DataFrame) -> dict:
    from scipy.stats import kendalltau

    out = {"train.architectures": int(train["arch_id"].nunique()),
           "train.mean_valid_acc": _clean(train["valid_acc"].mean())}
    wide = train.pivot_table(index="arch_id", columns="seed", values="valid_acc", aggfunc="mean").dropna()
    if wide.shape[1] >= 2 and len(wide) >= 3:
        out["train.seed_kendall_tau"] = _clean(kendalltau(wide.iloc[:, 0], wide.iloc[:, 1]).statistic)
    for name, g in train.groupby("sample"):
        out[f"train.{name}.mean_valid_acc"] = _clean(g["valid_acc"].mean())
    return out


def collect_metrics(*, train: pd.DataFrame | None = None, importance_oi: pd.DataFrame | None = None,
                    predictors: pd.DataFrame | None = None, predictor_search: pd.DataFrame | None = None,
                    surrogate_folds: pd.DataFrame | None = None,
                    criteria: pd.DataFrame | None = None, motifs: pd.DataFrame | None = None,
                    controller: pd.DataFrame | None = None, findings: pd.DataFrame | None = None,
                    nb201: pd.DataFrame | None = None, surrogate_predictions: pd.DataFrame | None = None,
                    zero_cost_reference: pd.DataFrame | None = None) -> dict:
    """Headline numbers of the tables given (see the module docstring)."""
    out: dict = {}
    if train is not None and len(train):
        out.update(_train_metrics(train))
        if nb201 is not None:
            from cellprobe.analysis.calibration import calibration_table

            for row in calibration_table(train, nb201).itertuples():
                out[f"train.{row.sample}.benchmark_kendall_tau.{row.ranked_by.lstrip('-')}"] = _clean(row.kendall_tau)
    if surrogate_predictions is not None and len(surrogate_predictions):
        for (space, name), g in surrogate_predictions.groupby(["space", "set"]):
            out[f"importance.{space}.{name}.mean_predicted_acc"] = _clean(g["predicted_acc"].mean())
    if importance_oi is not None and len(importance_oi):
        top = importance_oi[(importance_oi["group"] == "top") & (importance_oi["n_neighbours"] > 0)]
        for space, g in top.groupby("space"):
            out[f"importance.{space}.top_share_important"] = _clean(g["important"].mean())
    if predictors is not None and len(predictors):
        for row in predictors[predictors["criterion"] == "kendall"].itertuples():
            out[f"predictors.{row.space}.{row.predictor}.{row.loss}.n{row.n_train}.kendall_tau"] = _clean(row.mean)
    if surrogate_folds is not None and len(surrogate_folds):
        for space, g in surrogate_folds.groupby("space"):
            out[f"importance.{space}.surrogate_kendall_tau"] = _clean(g["tau"].mean())
    if predictor_search is not None and len(predictor_search):
        best = predictor_search.groupby(["method", "seed"])["true_rank"].min().groupby("method").median()
        for method, rank in best.items():
            out[f"predictor_search.{method}.median_best_rank"] = _clean(rank)
    if criteria is not None and len(criteria):
        tau = criteria[(criteria["criterion"] == "kendall") & ~criteria["deiso"].astype(bool)]
        last = tau.groupby(["space", "evaluator"])["epoch"].transform("max")
        tau = tau[(tau["epoch"] == last) | tau["epoch"].isna()]  # supernets: their last scored epoch
        for (space, evaluator), value in tau.groupby(["space", "evaluator"])["value"].mean().items():
            out[f"evaluators.{space}.{evaluator}.kendall_tau"] = _clean(value)
    if zero_cost_reference is not None and len(zero_cost_reference):
        for row in zero_cost_reference.itertuples():
            out[f"evaluators.{row.space}.reference.{row.proxy}.spearman"] = _clean(row.vs_reference)
        for space, g in zero_cost_reference.groupby("space"):
            out[f"evaluators.{space}.reference.agree"] = int(g["agrees"].fillna(False).astype(bool).sum())
    if motifs is not None and len(motifs):
        for (space, name), g in motifs[motifs["reference"] == "random"].groupby(["space", "set"]):
            out[f"motifs.{space}.{name}.over_represented"] = int((g["q_value"] < 0.05).sum())
    if findings is not None and len(findings):
        from cellprobe.findings import CONTRADICTED, INCONCLUSIVE, REPRODUCED

        score = {REPRODUCED: 1, INCONCLUSIVE: 0, CONTRADICTED: -1}
        for row in findings.itertuples():
            out[f"findings.{row.claim_id}"] = score[row.verdict]
        for verdict, key in ((REPRODUCED, "reproduced"), (CONTRADICTED, "contradicted"), (INCONCLUSIVE, "inconclusive")):
            out[f"findings.{key}"] = int((findings["verdict"] == verdict).sum())
    if controller is not None and len(controller):
        for row in controller.itertuples():
            out[f"controller.{row.space}.{row.variant}.rho_hidden_{row.similarity}"] = _clean(row.spearman_rho)
    return dict(sorted(out.items()))


def write_metrics(metrics: dict, path) -> Path:
    """Write ``metrics`` as JSON atomically."""
    path = Path(path)
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    return path
