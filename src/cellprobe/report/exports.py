"""What the report stage writes beside the page, for the tools around it.

* ``figures/<section>/<nn>-<name>.svg``: every figure of the page as a standalone SVG (Snakemake's
  ``--report`` shows them by section, with the workflow's provenance and runtimes);
* ``plots/<curve>.csv``: the curves a researcher compares across runs, in long form (``series``, x, y), for
  ``dvc plots show`` / ``dvc plots diff`` (dvc.yaml declares them with the templates in ``.dvc/plots/``).

* ``tables/findings.csv``: the findings table as CSV (Snakemake's report shows tables of that kind).

Each folder is rewritten as a whole, atomically: a reader sees the previous set or the new one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from cellprobe.io import atomic_directory
from cellprobe.report.figures import page_figures

__all__ = ["PLOTS", "plot_frames", "write_figures", "write_plots", "write_tables"]

#: Each curve file: its columns (series, x, y) and what it shows.
PLOTS = {
    "search_accuracy": (("series", "epoch", "valid_acc"), "supernet validation accuracy (%) per search epoch"),
    "search_probability": (("series", "epoch", "prob"), "mean probability of each op over the edges, per epoch"),
    "calibration": (("series", "benchmark_acc", "trained_acc"),
                    "NB201 cells: this run's validation accuracy against the benchmark's test accuracy"),
    "predictor_tau": (("series", "n_train", "kendall_tau"), "predictor Kendall tau against the training-set size"),
    "evaluator_tau": (("series", "epoch", "kendall_tau"), "supernet evaluators' Kendall tau along supernet training"),
    "controller_argmax": (("series", "step", "argmax_prob"),
                          "controller: mean probability of the most likely action per decision step"),
}


def _slug(text: str, words: int = 6) -> str:
    slug = "-".join(re.findall(r"[a-z0-9]+", text.lower())[:words])
    return slug or "figure"


def write_figures(sections, folder) -> Path:
    """Each section's figures as ``<folder>/<section id>/<nn>-<slug of its alt text>.svg``."""
    with atomic_directory(folder) as tmp:
        for section in sections:
            for i, (alt, markup) in enumerate(page_figures(section.body), start=1):
                path = tmp / section.id / f"{i:02d}-{_slug(alt)}.svg"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(markup, encoding="utf-8")
    return Path(folder)


def _frame(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    columns = list(PLOTS[name][0])
    return frame[columns].sort_values(columns[:2], kind="stable").reset_index(drop=True)


def plot_frames(load, nb201: pd.DataFrame | None = None, benchmark_column: str = "cifar10_test_acc") -> dict:
    """The curve tables (see :data:`PLOTS`) that the given tables allow; ``load(name)`` returns a report input's
    frame or ``None``."""
    out = {}
    history = load("search_history")
    if history is not None and len(history):
        h = history.assign(series=history["space"] + " " + history["method"] + " seed " + history["seed"].astype(str))
        out["search_accuracy"] = _frame("search_accuracy", h)
    trajectory = load("search_trajectory")
    if trajectory is not None and len(trajectory):
        mean = trajectory.groupby(["space", "method", "op", "epoch"], as_index=False)["prob"].mean()
        out["search_probability"] = _frame(
            "search_probability", mean.assign(series=mean["space"] + " " + mean["method"] + " " + mean["op"]))
    train = load("train")
    if train is not None and len(train) and nb201 is not None:
        from cellprobe.analysis.calibration import calibration_points

        points = calibration_points(train, nb201, benchmark_column)
        if len(points):
            out["calibration"] = _frame("calibration", points.assign(
                series=points["sample"], benchmark_acc=points["benchmark"], trained_acc=points["valid_acc"]))
    predictors = load("predictors")
    if predictors is not None and len(predictors):
        tau = predictors[predictors["criterion"] == "kendall"]
        out["predictor_tau"] = _frame("predictor_tau", tau.assign(
            series=tau["space"] + " " + tau["predictor"] + " " + tau["loss"], kendall_tau=tau["mean"]))
    criteria = load("evaluators_criteria")
    if criteria is not None and len(criteria):
        tau = criteria[(criteria["criterion"] == "kendall") & ~criteria["deiso"].astype(bool)
                       & criteria["epoch"].notna()]
        if len(tau):
            mean = tau.groupby(["space", "evaluator", "epoch"], as_index=False)["value"].mean()
            out["evaluator_tau"] = _frame("evaluator_tau", mean.assign(
                series=mean["space"] + " " + mean["evaluator"], epoch=mean["epoch"].astype(int),
                kendall_tau=mean["value"]))
    steps = load("controller_step_probs")
    if steps is not None and len(steps):
        mean = steps.groupby(["space", "variant", "step"], as_index=False)["argmax_prob"].mean()
        out["controller_argmax"] = _frame("controller_argmax",
                                          mean.assign(series=mean["space"] + " " + mean["variant"]))
    return out


def write_plots(frames: dict, folder) -> Path:
    """Every curve of :data:`PLOTS` as ``<folder>/<name>.csv``; a curve the run has no tables for is written with
    its header only, so that the set of files (what dvc.yaml declares) does not depend on the configuration."""
    with atomic_directory(folder) as tmp:
        for name, (columns, _) in PLOTS.items():
            frame = frames.get(name, pd.DataFrame(columns=list(columns)))
            frame.to_csv(tmp / f"{name}.csv", index=False, float_format="%.6g", lineterminator="\n")
    return Path(folder)


def write_tables(findings: pd.DataFrame, folder) -> Path:
    """The findings table as ``<folder>/findings.csv``."""
    with atomic_directory(folder) as tmp:
        findings.to_csv(tmp / "findings.csv", index=False, lineterminator="\n")
    return Path(folder)
