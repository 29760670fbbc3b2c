"""Report section for supernet search: α and cost trajectories, wiring diagnostics, selected cells."""

from __future__ import annotations

import pandas as pd

from cellprobe.analysis.wiring import edge_costs, growing_tendency, summarize_run
from cellprobe.ground_truth import GroundTruth
from cellprobe.report.figures import figure, new_figure, svg
from cellprobe.report.page import Section, html_table
from cellprobe.spaces import get_space

__all__ = ["search_section"]

_OP_COLOURS = {
    "none": "#bbbbbb", "skip_connect": "#c44e52", "max_pool_3x3": "#8172b3", "avg_pool_3x3": "#937860",
    "sep_conv_3x3": "#4c72b0", "sep_conv_5x5": "#64b5cd", "dil_conv_3x3": "#55a868", "dil_conv_5x5": "#8c8c8c",
    "nor_conv_1x1": "#64b5cd", "nor_conv_3x3": "#4c72b0",
}


def _table(df: pd.DataFrame) -> str:
    return html_table(df)


def _op_share_figure(trajectory: pd.DataFrame, space: str) -> str:
    """Per method: the mean probability of each op over the edges of the first cell type, by epoch."""
    t = trajectory[(trajectory["space"] == space) & (trajectory["seed"] == trajectory["seed"].min())]
    methods = list(dict.fromkeys(t["method"]))
    cell = t["cell"].iloc[0]
    fig, axes = new_figure(ncols=len(methods), width=2.3 * len(methods) + 1.0, height=2.6)
    for ax, method in zip(axes[0], methods):
        share = t[(t["method"] == method) & (t["cell"] == cell)].groupby(["epoch", "op"])["prob"].mean().unstack("op")
        for op in share.columns:
            ax.plot(share.index, share[op], label=op, color=_OP_COLOURS.get(op), linewidth=1.4)
        ax.set_title(method, fontsize=9)
        ax.set_xlabel("epoch")
    axes[0][0].set_ylabel(f"mean op probability ({cell} cell)")
    axes[0][-1].legend(frameon=False, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return svg(fig)


def _cost_figure(trajectory: pd.DataFrame, space: str) -> str:
    """Per method: mean edge cost of input edges and of intermediate edges, by epoch."""
    t = trajectory[(trajectory["space"] == space) & (trajectory["seed"] == trajectory["seed"].min())]
    costs = edge_costs(t)
    n_inputs = get_space(space).n_inputs
    costs["from"] = costs["source"].map(lambda s: "input edges" if s < n_inputs else "intermediate edges")
    methods = list(dict.fromkeys(costs["method"]))
    fig, axes = new_figure(ncols=len(methods), width=2.3 * len(methods) + 1.0, height=2.6)
    for ax, method in zip(axes[0], methods):
        part = costs[costs["method"] == method].groupby(["epoch", "from"])["edge_cost"].mean().unstack("from")
        for column, colour in (("input edges", "#4c72b0"), ("intermediate edges", "#dd8452")):
            if column in part:
                ax.plot(part.index, part[column], label=column, color=colour, linewidth=1.4)
        ax.axhline(0, color="#999999", linewidth=0.7)
        ax.set_title(method, fontsize=9)
        ax.set_xlabel("epoch")
    axes[0][0].set_ylabel("mean edge cost C(Z)")
    axes[0][-1].legend(frameon=False, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return svg(fig)


def _edges_on_figure(trajectory: pd.DataFrame, space: str) -> str:
    grow = growing_tendency(trajectory[trajectory["space"] == space])
    fig, axes = new_figure(width=5.0, height=2.6)
    ax = axes[0][0]
    for (method, cell), part in grow.groupby(["method", "cell"], sort=False):
        part = part.groupby("epoch")["edges_on"].mean()
        several = len(get_space(space).cell_names) > 1
        ax.plot(part.index, part.to_numpy(), label=f"{method} ({cell})" if several else method, linewidth=1.2)
    ax.set_xlabel("epoch")
    ax.set_ylabel("edges on (top op ≠ none)")
    ax.legend(frameon=False, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return svg(fig)


def search_section(trajectory: pd.DataFrame, history: pd.DataFrame, genotypes: pd.DataFrame,
                   benchmarks: list[GroundTruth] = (), trained: pd.DataFrame | None = None) -> Section:
    """One section over every search run of the pipeline.

    ``benchmarks``: benchmark ground truths (one per accuracy column) in which the selected cells of their
    space are looked up; ``trained``: the from-scratch results of the selected cells of other spaces.
    """
    last = history.sort_values("epoch").groupby(["space", "method", "seed"], sort=False).tail(1)
    runs = last[["space", "method", "seed", "epoch", "valid_acc"]].rename(
        columns={"epoch": "epochs", "valid_acc": "supernet valid acc"})

    selected = genotypes.copy()
    notes = []
    for truth in benchmarks:
        held = selected["space"] == truth.space
        if held.any():
            column = truth.source.split(":", 1)[1]
            selected.loc[held, f"{truth.space.upper()} {column.split('_')[0]}"] = (
                selected.loc[held, "arch_id"].map(truth.accuracy()))
    if benchmarks and (selected["space"] == benchmarks[0].space).any():
        notes.append(f"{benchmarks[0].space.upper()} cells are looked up in the real benchmark (best "
                     f"{benchmarks[0].source.split(':', 1)[1]} cell: {benchmarks[0].scores().max():.2f}%).")
    if trained is not None and len(trained):
        scratch = trained.groupby("arch_id").agg(scratch_valid_acc=("valid_acc", "mean"), scratch_test_acc=("test_acc", "mean"))
        selected = selected.merge(scratch, left_on="arch_id", right_index=True, how="left")
    selected = selected[[c for c in selected.columns if c != "genotype"] + ["genotype"]]
    selected = selected.drop(columns=["arch_id"]).rename(columns={"supernet_valid_acc": "supernet valid acc",
                                                                  "supernet_valid_loss": "supernet valid loss"})
    diagnostics = summarize_run(trajectory)

    parts = ["<h3>Runs</h3>", _table(runs), "<h3>Selected architectures (α magnitude vs perturbation)</h3>", _table(selected)]
    for space in dict.fromkeys(trajectory["space"]):
        parts += [
            f"<h3>{space}: op probabilities during search</h3>",
            figure(_op_share_figure(trajectory, space), "Mean probability of each op over the edges "
                   "(softmax α for DARTS, the annealed Gumbel distribution for SNAS, uniform for one-shot); epoch 0 "
                   "is the initial state."),
            f"<h3>{space}: edge costs (wiring evolution)</h3>",
            figure(_cost_figure(trajectory, space), "Mean edge cost C(Z) = Σ ∂L/∂X·X on validation "
                   "samples; below zero, scaling the edge up lowers the loss, so its weight tends to grow."),
            f"<h3>{space}: edges switched on</h3>",
            figure(_edges_on_figure(trajectory, space), "Number of edges each search has switched on (their "
                   "strongest op is not none) per epoch."),
        ]
    parts += [
        "<h3>Diagnostics</h3>",
        "<p>P1 growing tendency: edges on at the start and the end; P2 width preference: mean non-none probability "
        "of edges from the cell inputs vs from intermediate nodes at the end; P3: edges switched off that never "
        "recovered; and how many edges end with a negative cost.</p>",
        _table(diagnostics),
    ]
    n_runs = len(runs)
    summary = (f"{n_runs} search run(s) over {', '.join(dict.fromkeys(runs['space']))}; "
               f"{len(genotypes)} architecture(s) selected.")
    return Section("search", "Supernet search and wiring evolution", "\n".join(parts), summary, tuple(notes))
