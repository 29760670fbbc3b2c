"""Report section for the NAS-Bench-201 benchmark table."""

from __future__ import annotations


import numpy as np
import pandas as pd

from cellprobe.benchmarks import NB201_ACCURACY_COLUMNS
from cellprobe.report.figures import figure, new_figure, svg
from cellprobe.report.page import Section, html_table

__all__ = ["nb201_section"]

_LABELS = {
    "cifar10_test_acc": "CIFAR-10",
    "cifar100_test_acc": "CIFAR-100",
    "imagenet16_120_test_acc": "ImageNet16-120",
}


def _accuracy_figure(df: pd.DataFrame) -> str:
    fig, axes = new_figure(ncols=len(NB201_ACCURACY_COLUMNS), width=9.0, height=2.8)
    reachable = df[df["reachable"]]
    for ax, column in zip(axes[0], NB201_ACCURACY_COLUMNS):
        values = reachable[column].to_numpy()
        ax.hist(values, bins=60, color="#4c72b0")
        ax.axvline(np.median(values), color="#c44e52", linewidth=1, label=f"median {np.median(values):.1f}")
        ax.set_yscale("log")
        ax.set_xlabel(f"{_LABELS[column]} test accuracy (%)")
        ax.legend(frameon=False, loc="upper left")
    axes[0][0].set_ylabel("cells (log scale)")
    return svg(fig)


def _class_size_figure(sizes: pd.Series) -> str:
    counts = sizes.value_counts().sort_index()
    fig, axes = new_figure(width=6.0, height=2.6)
    ax = axes[0][0]
    ax.bar(counts.index.to_numpy(), counts.to_numpy(), width=0.8, color="#55a868")
    ax.set_yscale("log")
    ax.set_xlabel("cells per isomorphism class")
    ax.set_ylabel("classes (log scale)")
    return svg(fig)


def _table(df: pd.DataFrame) -> str:
    return html_table(df, na_rep="NaN")



def nb201_section(df: pd.DataFrame, top_k: int = 10) -> Section:
    """Counts, accuracy distributions, isomorphism classes and the best cells of the NB201 table."""
    n = len(df)
    class_sizes = df.groupby("canonical_key")["index"].transform("size")
    n_classes = df["canonical_key"].nunique()
    unreachable = df[~df["reachable"]]
    reachable = df[df["reachable"]]
    within = df.groupby("canonical_key")["cifar10_test_acc"].std(ddof=0)
    within_multi = within[df.groupby("canonical_key").size() > 1]

    counts = pd.DataFrame(
        {
            "quantity": [
                "cells",
                "isomorphism classes",
                "cells with unreachable output",
                "mean CIFAR-10 accuracy of unreachable cells (%)",
                "std of CIFAR-10 accuracy over reachable cells (pp)",
                "mean within-class std of CIFAR-10 accuracy (pp, classes of 2+ cells)",
            ],
            "value": [
                f"{n:,}",
                f"{n_classes:,}",
                f"{len(unreachable):,}",
                f"{unreachable['cifar10_test_acc'].mean():.2f}" if len(unreachable) else "–",
                f"{reachable['cifar10_test_acc'].std(ddof=0):.2f}" if len(reachable) else "–",
                f"{within_multi.mean():.2f}" if len(within_multi) else "–",
            ],
        }
    )
    best = df.assign(class_size=class_sizes).nlargest(top_k, "cifar10_test_acc")
    best = best[["index", "arch_str", *NB201_ACCURACY_COLUMNS, "class_size"]].rename(
        columns={**_LABELS, "class_size": "class size"}
    )

    body = "\n".join(
        [
            _table(counts),
            "<h3>Test accuracy of the reachable cells</h3>",
            figure(_accuracy_figure(df), "Distribution of the benchmark's test accuracies "
                   "(200-epoch schedule, mean over seeds); red line: median.")
            if len(reachable)
            else "<p>No reachable cell in the table.</p>",
            "<h3>Isomorphism classes</h3>",
            figure(_class_size_figure(class_sizes.groupby(df['canonical_key']).first()),
                   "How many cells compute the same function (none = missing edge, skip_connect = identity)."),
            f"<h3>Top {len(best)} cells by CIFAR-10 accuracy</h3>",
            _table(best),
        ]
    )
    summary = (
        f"{n:,} cells in {n_classes:,} isomorphism classes; {len(unreachable):,} cells cannot reach their output. "
        f"Best CIFAR-10 test accuracy {df['cifar10_test_acc'].max():.2f}% ({best.iloc[0]['arch_str']})."
    )
    return Section("nb201", "NAS-Bench-201 ground truth", body, summary)
