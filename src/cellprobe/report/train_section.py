"""Report section for architectures trained from scratch (the train stage)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cellprobe.analysis.evaluators import kendall_tau_between_seeds
from cellprobe.report.figures import figure, new_figure, svg
from cellprobe.report.page import Section, html_table

__all__ = ["train_section"]

_COLOURS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c"]


def _per_arch(results: pd.DataFrame) -> pd.DataFrame:
    """One row per (sample, architecture): metrics averaged over seeds."""
    return (
        results.groupby(["sample", "sampler", "arch_id", "genotype"], sort=True)
        .agg(valid_acc=("valid_acc", "mean"), valid_loss=("valid_loss", "mean"), test_acc=("test_acc", "mean"),
             params_m=("params_m", "first"), flops_m=("flops_m", "first"), seeds=("seed", "nunique"))
        .reset_index()
    )


def _distribution_figure(per_arch: pd.DataFrame) -> str:
    groups = list(per_arch.groupby("sample", sort=False))
    fig, axes = new_figure(ncols=2, width=9.0, height=3.0)
    for ax, metric, label in zip(axes[0], ("valid_acc", "test_acc"), ("validation", "test")):
        data = [g[metric].to_numpy() for _, g in groups]
        ax.boxplot(data, showfliers=False, widths=0.5)
        rng = np.random.default_rng(0)
        for i, values in enumerate(data, start=1):
            ax.scatter(i + rng.uniform(-0.12, 0.12, len(values)), values, s=10, alpha=0.7,
                       color=_COLOURS[(i - 1) % len(_COLOURS)])
        ax.set_xticks(range(1, len(groups) + 1), [name for name, _ in groups])
        ax.set_ylabel(f"{label} accuracy (%)")
    return svg(fig)


def _params_figure(per_arch: pd.DataFrame) -> str:
    fig, axes = new_figure(width=6.0, height=3.2)
    ax = axes[0][0]
    for i, (name, group) in enumerate(per_arch.groupby("sample", sort=False)):
        ax.scatter(group["params_m"], group["valid_acc"], s=14, label=name, color=_COLOURS[i % len(_COLOURS)])
    ax.set_xlabel("parameters (M)")
    ax.set_ylabel("validation accuracy (%)")
    ax.legend(frameon=False, fontsize=8)
    return svg(fig)


def _tau_table(results: pd.DataFrame) -> pd.DataFrame:
    rows = []
    scopes = [("all sets", results)] + list(results.groupby("sample", sort=False))
    for name, group in scopes:
        rows.append({
            "set": name,
            "architectures": group["arch_id"].nunique(),
            "τ valid acc": kendall_tau_between_seeds(group, "valid_acc"),
            "τ valid loss": kendall_tau_between_seeds(group, "valid_loss"),
            "τ test acc": kendall_tau_between_seeds(group, "test_acc"),
        })
    return pd.DataFrame(rows)


def _html_table(df: pd.DataFrame) -> str:
    return html_table(df)


def _calibration_figure(per_arch: pd.DataFrame, known: dict) -> str:
    cells = per_arch[per_arch["arch_id"].isin(list(known))]
    groups = list(cells.groupby("sample", sort=False))
    fig, axes = new_figure(ncols=2, width=9.0, height=3.4)
    for ax, metric, label in zip(axes[0], ("valid_acc", "valid_loss"), ("validation accuracy (%)", "validation loss")):
        for i, (name, g) in enumerate(groups):
            ax.scatter(g["arch_id"].map(known), g[metric], s=14, label=name, color=_COLOURS[i % len(_COLOURS)])
        ax.set_xlabel("NB201 benchmark CIFAR-10 test accuracy (%)")
        ax.set_ylabel(f"this run: {label}")
    axes[0][0].legend(frameon=False, fontsize=8)
    return svg(fig)


def _calibration(results: pd.DataFrame, per_arch: pd.DataFrame, nb201: pd.DataFrame) -> tuple[list[str], str]:
    from cellprobe.analysis.calibration import calibration_table

    table = calibration_table(results, nb201)
    if table.empty:
        return [], ""
    known = dict(zip(nb201["arch_id"], nb201["cifar10_test_acc"].astype(float)))
    best = table.loc[table["kendall_tau"].idxmax()]
    body = ["<h3>Calibration: does this run's training rank benchmark cells like the benchmark?</h3>",
            "<p>NB201 cells trained here with this run's budget, against the benchmark's CIFAR-10 test accuracy "
            "(200 epochs at 32×32). τ near 1: the proxy task ranks architectures as full training does, so its "
            "from-scratch results can be trusted; near 0: they say little.</p>",
            _html_table(table.rename(columns={"ranked_by": "ranked by", "kendall_tau": "Kendall τ",
                                              "spearman_rho": "Spearman ρ", "mean_trained": "mean (this run)",
                                              "mean_benchmark": "mean (benchmark)"})),
            figure(_calibration_figure(per_arch, known), "Accuracy trained here against the benchmark's: one "
                   "point per NB201 cell (mean over seeds).")]
    return body, (f" Calibration: {int(best['n'])} NB201 cells rank like the benchmark with Kendall τ "
                  f"{best['kendall_tau']:.2f} (by {best['ranked_by']}).")


def train_section(results: pd.DataFrame, top_k: int = 5, nb201: pd.DataFrame | None = None) -> Section:
    """Accuracy distributions per sample set, accuracy vs size, seed-to-seed Kendall τ, best cells and, with
    the NB201 table, the calibration of the trained NB201 cells against it."""
    per_arch = _per_arch(results)
    summary_table = (
        per_arch.groupby("sample", sort=False)
        .agg(sampler=("sampler", "first"), architectures=("arch_id", "count"),
             valid_mean=("valid_acc", "mean"), valid_std=("valid_acc", "std"),
             valid_min=("valid_acc", "min"), valid_max=("valid_acc", "max"),
             test_mean=("test_acc", "mean"), params_m=("params_m", "mean"))
        .reset_index()
    )
    summary_table = summary_table.rename(columns={
        "sample": "set", "valid_mean": "valid acc mean", "valid_std": "valid acc std", "valid_min": "valid acc min",
        "valid_max": "valid acc max", "test_mean": "test acc mean", "params_m": "params (M)",
    })
    taus = _tau_table(results)
    best = per_arch.nlargest(top_k, "valid_acc")[["sample", "genotype", "valid_acc", "test_acc", "params_m"]].rename(
        columns={"sample": "set", "valid_acc": "valid acc", "test_acc": "test acc", "params_m": "params (M)"}
    )
    meta = results.iloc[0]
    overall = taus.iloc[0]
    seeds = sorted(results["seed"].unique())
    calibration, calibrated = _calibration(results, per_arch, nb201) if nb201 is not None else ([], "")
    body = "\n".join([
        _html_table(summary_table),
        *calibration,
        "<h3>Accuracy per sample set</h3>",
        figure(_distribution_figure(per_arch), "Validation accuracy per sample set: each point is one "
               f"architecture (mean over seeds {', '.join(map(str, seeds))}); boxes show quartiles."),
        "<h3>Accuracy against size</h3>",
        figure(_params_figure(per_arch), "Validation accuracy against the number of parameters, one point per "
               "architecture."),
        *(["<h3>Do architectures rank reproducibly?</h3>",
           "<p>Kendall τ between the results of two training seeds over the same architectures "
           "(1 = identical ranking, 0 = unrelated).</p>",
           _html_table(taus)] if len(seeds) > 1 else []),
        f"<h3>Best {len(best)} architectures by validation accuracy</h3>",
        _html_table(best),
    ])
    summary = (
        f"{per_arch['arch_id'].nunique()} architectures trained on {meta['dataset']} for {int(meta['epochs'])} epochs "
        f"with {len(seeds)} seed(s) on {meta['device']}: validation accuracy {per_arch['valid_acc'].min():.1f}–"
        f"{per_arch['valid_acc'].max():.1f}%"
        + (f"; seed-to-seed Kendall τ {overall['τ valid acc']:.2f} by accuracy, {overall['τ valid loss']:.2f} by "
           "validation loss." if len(seeds) > 1 else ".") + calibrated
    )
    return Section("train", "Architectures trained from scratch", body, summary)
