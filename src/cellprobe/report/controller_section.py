"""Report section for the ENAS controller analysis (the controller stage)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from cellprobe.analysis.controller import PAPER_TABLE1, PAPER_VARIANTS
from cellprobe.ground_truth import GroundTruth
from cellprobe.report.figures import figure, new_figure, svg
from cellprobe.report.page import Section, html_table
from cellprobe.spaces import get_space

__all__ = ["controller_section"]

_VARIANT_ORDER = ["trained", "regularised", "random"]
_VARIANT_COLOURS = {"trained": "#4c72b0", "regularised": "#55a868", "random": "#8c8c8c"}
_SIMILARITY_LABELS = {"common_ops": "common ops", "common_activations": "common activations",
                      "common_connections": "common connections", "graph_edit_distance": "graph edit distance",
                      "perf_difference": "|Δ performance|"}


def _table(df: pd.DataFrame, digits: int = 3) -> str:
    return html_table(df, digits)


def _variants(frame: pd.DataFrame) -> list[str]:
    present = list(dict.fromkeys(frame["variant"]))
    return [v for v in _VARIANT_ORDER if v in present] + [v for v in present if v not in _VARIANT_ORDER]


def _first_seed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["seed"] == frame.groupby("space")["seed"].transform("min")]


def _step_figure(steps: pd.DataFrame, space: str, max_lines: int) -> str:
    """Per variant: the argmax probability at each step, one line per sampled architecture."""
    s = steps[steps["space"] == space]
    variants = _variants(s)
    fig, axes = new_figure(ncols=len(variants), width=2.6 * len(variants) + 0.8, height=2.6)
    top = float(s["argmax_prob"].max()) if len(s) else 1.0
    for ax, variant in zip(axes[0], variants):
        v = s[s["variant"] == variant]
        wide = v.pivot_table(index="sample", columns="step", values="argmax_prob", sort=True)
        for _, row in wide.head(max_lines).iterrows():
            ax.plot(row.index, row.to_numpy(), color=_VARIANT_COLOURS.get(variant, "#4c72b0"), lw=0.6, alpha=0.35)
        ax.plot(wide.columns, wide.mean().to_numpy(), color="black", lw=1.2, label="mean")
        ax.set_ylim(0, min(1.0, top * 1.1))
        ax.set_title(variant, fontsize=9)
        ax.set_xlabel("time step")
    axes[0][0].set_ylabel("P(most likely action)")
    axes[0][-1].legend(frameon=False, fontsize=7)
    return svg(fig)


def _hidden_figure(hidden: pd.DataFrame, space: str, max_rows: int) -> str:
    """Per variant: the final hidden states of sampled architectures (rows) by unit (columns), centred per unit.

    Each panel has its own colour scale (its largest deviation, in the title): what matters is how the state
    varies between architectures, and an untrained controller's states are much smaller than a trained one's.
    """
    h = hidden[hidden["space"] == space]
    variants = _variants(h)
    fig, axes = new_figure(ncols=len(variants), width=2.8 * len(variants) + 0.6, height=3.0)
    for ax, variant in zip(axes[0], variants):
        wide = h[h["variant"] == variant].pivot_table(index="sample", columns="unit", values="value", sort=True)
        centred = (wide - wide.mean()).head(max_rows).to_numpy()
        limit = max(float(np.abs(centred).max()), 1e-12)
        image = ax.imshow(centred, aspect="auto", cmap="RdBu_r", vmin=-limit, vmax=limit, interpolation="nearest")
        fig.colorbar(image, ax=ax, shrink=0.8)
        ax.set_title(f"{variant} (max |dev| {limit:.2g})", fontsize=9)
        ax.set_xlabel("hidden unit")
    axes[0][0].set_ylabel("sampled architecture")
    return svg(fig)


def _variance_table(variance: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (space, variant, seed), v in variance.groupby(["space", "variant", "seed"], sort=False):
        rows.append({"space": space, "variant": variant, "seed": seed, "architectures": int(v["n"].iloc[0]),
                     "mean per-unit variance": v["variance"].mean(), "median": v["variance"].median(),
                     "max": v["variance"].max(), "units with variance < 1e-4": int((v["variance"] < 1e-4).sum())})
    return pd.DataFrame(rows)


def _rho(r: float, low: float, high: float) -> str:
    if pd.isna(r):
        return "–"
    return f"{r:+.3f}" + ("" if pd.isna(low) else f" [{low:+.2f}, {high:+.2f}]")


def _correlation_table(correlations: pd.DataFrame) -> pd.DataFrame:
    """Rows: space/variant (and seed); columns: the similarity notions, as "ρ [95 % bootstrap interval] (p)"."""
    c = correlations.copy()
    c["cell"] = [_rho(r, lo, hi) + ("" if pd.isna(p) else f" (p={p:.2g})")
                 for r, lo, hi, p in zip(c["spearman_rho"], c["ci_low"], c["ci_high"], c["p_value"])]
    wide = c.pivot_table(index=["space", "variant", "seed"], columns="similarity", values="cell", aggfunc="first",
                         sort=False)
    wide = wide[[s for s in _SIMILARITY_LABELS if s in wide.columns]].fillna("")
    wide.columns = [_SIMILARITY_LABELS[s] for s in wide.columns]
    wide = wide.reset_index()
    wide["order"] = wide["variant"].map({v: i for i, v in enumerate(_VARIANT_ORDER)}).fillna(len(_VARIANT_ORDER))
    return wide.sort_values(["space", "order", "seed"]).drop(columns="order")


def _table1(correlations: pd.DataFrame, space: str) -> pd.DataFrame:
    """Adam & Lorraine's Table 1 beside this run's: per controller, ρ [interval] and the paper's value."""
    c = _first_seed(correlations[correlations["space"] == space]).set_index(["variant", "similarity"])
    rows = []
    for variant in ("random", "regularised", "trained"):
        row = {"controller": f"{PAPER_VARIANTS[variant]} ({variant})"}
        for name, paper in PAPER_TABLE1[variant].items():
            here = c.loc[(variant, name)] if (variant, name) in c.index else None
            row[f"{_SIMILARITY_LABELS[name]}: here"] = (
                "not run" if here is None else _rho(here["spearman_rho"], here["ci_low"], here["ci_high"]))
            row[f"{_SIMILARITY_LABELS[name]}: paper"] = f"{paper:+.3f}"
        rows.append(row)
    return pd.DataFrame(rows)


def _retrained_table(retrained: pd.DataFrame, architectures: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (space, variant), r in retrained.groupby(["space", "variant"], sort=False):
        analysed = architectures[(architectures["space"] == space) & (architectures["variant"] == variant)]
        rows.append({"space": space, "controller": variant,
                     "analysed cells, shared-weight valid ppl (median)": analysed["supernet_ppl"].median(),
                     "cells": len(r), "epochs": int(r["epochs"].iloc[0]),
                     "shared-weight valid ppl (mean)": r["shared_ppl"].mean(),
                     "retrained valid ppl (mean)": r["valid_ppl"].mean(),
                     "retrained test ppl (mean)": r["test_ppl"].mean(),
                     "retrained test ppl (best)": r["test_ppl"].min()})
    out = pd.DataFrame(rows)
    out["order"] = out["controller"].map({v: i for i, v in enumerate(_VARIANT_ORDER)})
    return out.sort_values(["space", "order"]).drop(columns="order")


def _performance_figure(architectures: pd.DataFrame, space: str, truth: GroundTruth | None) -> tuple[str, str]:
    a = architectures[architectures["space"] == space]
    use_benchmark = a["benchmark_acc"].notna().any()
    perplexity = not use_benchmark and a["supernet_ppl"].notna().any()
    value = "benchmark_acc" if use_benchmark else ("supernet_ppl" if perplexity else "supernet_acc")
    variants = _variants(a)
    data = [a.loc[a["variant"] == v, value].dropna().to_numpy() for v in variants]
    labels = list(variants)
    if use_benchmark and truth is not None and truth.space == space:
        data.append(truth.scores())
        labels.append(f"all {space.upper()} cells")
    fig, axes = new_figure(width=1.3 * len(labels) + 1.8, height=3.0)
    ax = axes[0][0]
    ax.boxplot(data, showfliers=False, widths=0.5)
    for i, values in enumerate(data[: len(variants)], start=1):  # the sampled architectures, not the whole space
        jitter = np.random.default_rng(i).uniform(-0.15, 0.15, size=len(values))
        ax.scatter(i + jitter, values, s=3, alpha=0.3, color=_VARIANT_COLOURS.get(labels[i - 1], "#937860"))
    ax.set_xticks(range(1, len(labels) + 1), labels, fontsize=8)
    column = truth.source.split(":", 1)[1] if truth is not None else ""
    source = (f"{space.upper()} benchmark {column}" if use_benchmark else
              "validation perplexity under the shared weights" if perplexity else "supernet validation accuracy")
    ax.set_ylabel("perplexity" if perplexity else "accuracy (%)")
    ax.set_title(source, fontsize=9)
    return svg(fig), source


def _history_figure(history: pd.DataFrame) -> str:
    panels = list(_first_seed(history).groupby("space", sort=True))
    fig, axes = new_figure(ncols=2 * len(panels), width=3.0 * 2 * len(panels), height=2.6)
    for k, (space, h) in enumerate(panels):
        for variant in _variants(h):
            v = h[h["variant"] == variant].sort_values("epoch")
            colour = _VARIANT_COLOURS.get(variant)
            metric = "reward_acc_mean" if v["reward_acc_mean"].notna().any() else "reward_ppl_mean"
            axes[0][2 * k].plot(v["epoch"], v[metric], color=colour, label=variant)
            axes[0][2 * k + 1].plot(v["epoch"], v["entropy_mean"], color=colour, label=variant)
        axes[0][2 * k].set_ylabel("sampled cells' valid acc (%)" if metric == "reward_acc_mean"
                                  else "sampled cells' valid perplexity")
        axes[0][2 * k + 1].set_ylabel("entropy per architecture (nats)")
        for ax in axes[0][2 * k : 2 * k + 2]:
            ax.set_xlabel("epoch")
            ax.set_title(space, fontsize=9)
    axes[0][-1].legend(frameon=False, fontsize=7)
    return svg(fig)


def controller_section(architectures: pd.DataFrame, step_probs: pd.DataFrame, hidden_variance: pd.DataFrame,
                       correlations: pd.DataFrame, *, hidden: pd.DataFrame | None = None,
                       history: pd.DataFrame | None = None, truth: GroundTruth | None = None,
                       retrained: pd.DataFrame | None = None, max_lines: int = 60, max_rows: int = 60) -> Section:
    """Does the ENAS controller condition on its past choices? Step probabilities, hidden states, correlations,
    performance of the sampled architectures; one panel per controller variant.

    Inputs are the controller stage's tables (several variants, spaces and seeds concatenated); figures show the
    lowest seed of each space. ``truth`` (a benchmark ground truth, e.g. NB201's) adds the distribution over all
    its cells.
    """
    parts = [
        "<p>An ENAS LSTM controller samples a cell decision by decision (NB201: the op of each edge; DARTS: per "
        "node two inputs, then two ops, normal cell then reduce cell; enas-rnn, ENAS' own recurrent cell: per "
        "node the earlier node it reads, then its activation), trained with REINFORCE against the shared weights "
        "(an image supernet rewarded by accuracy; for enas-rnn a language model rewarded by c / perplexity; "
        "<em>trained</em>), the same plus a reconstruction loss on a buffer of its past "
        "samples (<em>regularised</em>), or left at its initialisation (<em>random</em>). If the controller "
        "conditions on its past choices, the probability curves differ between architectures and the distance "
        "between final hidden states follows how different the architectures are.</p>",
    ]
    if history is not None and len(history):
        parts += ["<h3>Training</h3>",
                  figure(_history_figure(history), "Per epoch: mean validation accuracy (perplexity for "
                         "text spaces) under the shared weights of the cells sampled for the controller updates, and "
                         "their mean summed entropy.")]
    first = _first_seed(step_probs)
    for space in sorted(first["space"].unique()):
        parts += [f"<h3>{space}: probability of the most likely action at each step</h3>",
                  figure(_step_figure(first, space, max_lines), "Probability of the most likely action at each "
                         f"decision step, one line per sampled architecture (at most {max_lines}); black: the mean. "
                         "Flat bundles of identical lines mean the controller's distribution does not depend on "
                         "what it chose before"
                         + (" (the second input of the first intermediate node is forced: probability 1)"
                            if get_space(space).free_inputs else "") + ".")]
    if hidden is not None and len(hidden):
        first_hidden = _first_seed(hidden)
        for space in sorted(first_hidden["space"].unique()):
            parts += [f"<h3>{space}: final hidden states</h3>",
                      figure(_hidden_figure(first_hidden, space, max_rows), "LSTM output after the last "
                             "decision minus its mean over the architectures, one row per sampled architecture (at "
                             f"most {max_rows}); each panel has its own colour scale. Vertical stripes: the state "
                             "hardly depends on the architecture.")]
    parts += ["<h3>Variance of the final hidden state across sampled architectures</h3>",
              _table(_variance_table(hidden_variance), digits=4)]
    parts += ["<h3>Spearman ρ between hidden-state distance and architecture similarity</h3>",
              "<p>Over a seeded sample of architecture pairs: L2 distance of the final hidden states against the "
              "number of common ops (activations for enas-rnn), of common connections (expected negative), the "
              "graph edit distance and the absolute accuracy (perplexity) difference (expected positive); in "
              "brackets a 95 % percentile-bootstrap interval over the pairs.</p>",
              _table(_correlation_table(correlations))]
    for space in sorted(s for s in correlations["space"].unique() if get_space(s).task == "text"):
        parts += [f"<h3>{space}: Table 1 of Adam &amp; Lorraine beside this run</h3>",
                  "<p>Their controllers searched 12-node recurrent cells on Penn Treebank for thousands of updates; "
                  "this run's search is far shorter (see the settings), so a ρ whose interval holds 0 says the "
                  "data here cannot tell, not that the paper is wrong.</p>",
                  _table(_table1(correlations, space))]
    notes = correlations[correlations["similarity"].isin(["graph_edit_distance", "perf_difference"])]
    notes = sorted({f"{r.space} {r.variant}: {_SIMILARITY_LABELS[r.similarity]} — {r.detail}"
                    for r in notes.itertuples()})
    if notes:
        parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    for space in sorted(architectures["space"].unique()):
        performance, source = _performance_figure(architectures, space, truth)
        parts += [f"<h3>{space}: performance of the sampled architectures</h3>",
                  figure(performance, f"{source[0].upper() + source[1:]} of the architectures each "
                         "controller samples.")]
    if retrained is not None and len(retrained):
        parts += ["<h3>Cells retrained from scratch</h3>",
                  "<p>A few cells of each controller, trained alone on fresh weights. Adam &amp; Lorraine's point: the "
                  "trained controller's advantage under the shared weights comes from weight sharing (the weights "
                  "fit the cells it samples), not from better cells; if so, the gap between controllers shrinks or "
                  "vanishes once each cell trains alone. There is an advantage to explain only where the trained "
                  "controller's analysed cells have the lower perplexity under its shared weights (the \"analysed "
                  "cells\" column; each controller trained its own).</p>",
                  _table(_retrained_table(retrained, architectures), digits=2)]
    ged = correlations[correlations["similarity"] == "graph_edit_distance"]
    summary = "; ".join(f"{r.space} {r.variant}: ρ(hidden distance, GED) = "
                        + ("–" if pd.isna(r.spearman_rho) else f"{r.spearman_rho:+.2f}")
                        for r in ged.itertuples())
    return Section("controller", "ENAS controller: does it condition on its past choices?", "\n".join(parts),
                   summary + "." if summary else "")
