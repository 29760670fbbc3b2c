"""Report section for architectures trained from scratch (the train stage)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cellprobe.analysis.evaluators import kendall_tau_between_seeds
from cellprobe.report.figures import new_figure, svg
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


def train_section(results: pd.DataFrame, top_k: int = 5) -> Section:
    """Accuracy distributions per sample set, accuracy vs size, seed-to-seed Kendall τ, best cells."""
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
    body = "\n".join([
        _html_table(summary_table),
        "<h3>Accuracy per sample set</h3>",
        f"<figure>{_distribution_figure(per_arch)}<figcaption>Each point is one architecture (mean over seeds "
        f"{', '.join(map(str, seeds))}); boxes show quartiles.</figcaption></figure>",
        "<h3>Accuracy against size</h3>",
        f"<figure>{_params_figure(per_arch)}</figure>",
        "<h3>Do architectures rank reproducibly?</h3>",
        "<p>Kendall τ between the results of two training seeds over the same architectures "
        "(1 = identical ranking, 0 = unrelated).</p>",
        _html_table(taus),
        f"<h3>Best {len(best)} architectures by validation accuracy</h3>",
        _html_table(best),
    ])
    summary = (
        f"{per_arch['arch_id'].nunique()} architectures trained on {meta['dataset']} for {int(meta['epochs'])} epochs "
        f"with {len(seeds)} seed(s) on {meta['device']}: validation accuracy {per_arch['valid_acc'].min():.1f}–"
        f"{per_arch['valid_acc'].max():.1f}%; seed-to-seed Kendall τ {overall['τ valid acc']:.2f} by accuracy, "
        f"{overall['τ valid loss']:.2f} by validation loss."
    )
    return Section("train", "Architectures trained from scratch", body, summary)
