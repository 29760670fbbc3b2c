"""Report section for motifs (the motifs stage): top motifs drawn, their enrichment, published cells holding them."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from cellprobe.analysis.motifs import cell_graphs
from cellprobe.gspan import Pattern
from cellprobe.report.figures import figure, new_figure, svg
from cellprobe.report.page import Section, html_table
from cellprobe.spaces import get_space

__all__ = ["motifs_section", "published_share", "load_published_cells"]

_GROUP = ["space", "set", "cells", "encoding"]
_SHORT = {
    "skip_connect": "skip", "max_pool_3x3": "max3", "avg_pool_3x3": "avg3", "sep_conv_3x3": "sep3",
    "sep_conv_5x5": "sep5", "dil_conv_3x3": "dil3", "dil_conv_5x5": "dil5", "nor_conv_1x1": "conv1",
    "nor_conv_3x3": "conv3", "input0": "in0", "input1": "in1", "input": "in", "output": "out", "node": "",
}
_REFERENCE_COLOURS = {"random": "#4c72b0", "subgraphs": "#dd8452"}


def _html_table(df: pd.DataFrame) -> str:
    return html_table(df, None)


def load_published_cells(path) -> dict:
    """Published DARTS-space architectures (``in_darts_space`` entries of the known-cells JSON) by name."""
    from cellprobe.spaces import DartsGenotype

    known = json.loads(Path(path).read_text())
    return {name: DartsGenotype.from_pairs(c["normal"], c["reduce"], c["normal_concat"], c["reduce_concat"])
            for name, c in known.items() if c.get("in_darts_space")}


def published_share(patterns: list[Pattern], published: dict, *, encoding: str, cells: str) -> list[tuple[int, int]]:
    """For each pattern: (cells holding it, cells) among the published architectures' cells of the mined kind."""
    if not published:
        return [(0, 0)] * len(patterns)
    graphs = [c.graph for c in cell_graphs(list(published.values()), encoding=encoding, cells=cells)]
    return [(sum(p.occurs_in(g) for g in graphs), len(graphs)) for p in patterns]


def _layout(graph: nx.DiGraph) -> dict:
    """Left to right by topological generation; top to bottom by vertex order within a generation."""
    pos = {}
    for x, generation in enumerate(nx.topological_generations(graph)):
        members = sorted(generation)
        for i, v in enumerate(members):
            pos[v] = (x, (len(members) - 1) / 2 - i)
    return pos


def _motif_figure(rows: pd.DataFrame) -> str:
    fig, axes = new_figure(ncols=len(rows), width=max(2.0 * len(rows), 3.0), height=2.2)
    for ax, row in zip(axes[0], rows.itertuples()):
        graph = Pattern.parse(row.pattern).to_graph()
        pos = _layout(graph)
        labels = {v: _SHORT.get(d["label"], d["label"]) for v, d in graph.nodes(data=True)}
        colours = ["#dddddd" if d["label"].startswith(("input", "output")) or d["label"] == "node" else "#c6dbef"
                   for _, d in graph.nodes(data=True)]
        nx.draw_networkx_nodes(graph, pos, ax=ax, node_size=380, node_color=colours, edgecolors="#555555")
        nx.draw_networkx_labels(graph, pos, labels=labels, ax=ax, font_size=6)
        # edges that skip a generation are bent, so they do not run over the vertices in between
        for bent in (False, True):
            edges = [(s, t) for s, t in graph.edges if (pos[t][0] - pos[s][0] > 1) == bent]
            style = "arc3,rad=0.35" if bent else "arc3"
            nx.draw_networkx_edges(graph, pos, edgelist=edges, ax=ax, node_size=380, arrowsize=8, width=0.9,
                                   edge_color="#555555", connectionstyle=style, arrows=True)
            edge_labels = {e: _SHORT.get(graph.edges[e]["label"], graph.edges[e]["label"]) for e in edges
                           if graph.edges[e]["label"]}
            if edge_labels:
                nx.draw_networkx_edge_labels(graph, pos, edge_labels=edge_labels, ax=ax, font_size=6,
                                             connectionstyle=style,
                                             bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none"})
        ax.set_title(f"#{row.rank}: {100 * row.support:.0f}% of cells\nOR {row.odds_ratio:.1f}", fontsize=7)
        ax.margins(0.25)
        ax.set_axis_off()
    return svg(fig)


def _forest_figure(group: pd.DataFrame, ids: list[str]) -> str:
    fig, axes = new_figure(width=5.5, height=0.35 * len(ids) + 1.0)
    ax = axes[0][0]
    references = [r for r in _REFERENCE_COLOURS if r in set(group["reference"])]
    for k, reference in enumerate(references):
        part = group[group["reference"] == reference].set_index("motif_id").reindex(ids)
        y = np.arange(len(ids)) + 0.18 * (k - (len(references) - 1) / 2)
        ax.errorbar(part["odds_ratio"], y, xerr=[part["odds_ratio"] - part["odds_ratio_low"],
                                                 part["odds_ratio_high"] - part["odds_ratio"]],
                    fmt="o", ms=3, capsize=2, color=_REFERENCE_COLOURS[reference], label=f"vs {reference}")
    ax.axvline(1, color="#888888", lw=0.8)
    ax.set_xscale("log")
    ax.set_yticks(range(len(ids)), [f"#{i + 1}" for i in range(len(ids))])
    ax.invert_yaxis()
    ax.set_xlabel("odds ratio, 95% interval (log scale)")
    ax.legend(frameon=False, fontsize=7)
    return svg(fig)


def _fmt_or(low: float, mid: float, high: float) -> str:
    return f"{mid:.2f} [{low:.2f}, {high:.2f}]"


def _group_table(group: pd.DataFrame, ids: list[str], archs: pd.Series, shares: list[tuple[int, int]] | None):
    base = group[group["reference"] == "random"] if "random" in set(group["reference"]) else group
    base = base.set_index("motif_id").reindex(ids)
    table = pd.DataFrame({
        "rank": base["rank"].to_numpy(),
        "motif": base["pattern"].to_numpy(),
        "edges": base["n_edges"].to_numpy(),
        "support (%)": [f"{100 * v:.1f}" for v in base["support"]],
        "architectures": [int(archs.get(i, 0)) for i in ids],
    })
    for reference in _REFERENCE_COLOURS:
        part = group[group["reference"] == reference].set_index("motif_id").reindex(ids)
        if part["pattern"].isna().all():
            continue
        table[f"{reference}: incidence (%)"] = [f"{100 * v:.1f}" for v in part["reference_incidence"]]
        table[f"{reference}: odds ratio [95%]"] = [_fmt_or(*v) for v in
                                                    zip(part["odds_ratio_low"], part["odds_ratio"],
                                                        part["odds_ratio_high"])]
        table[f"{reference}: q"] = [f"{q:.2g}" for q in part["q_value"]]
    if shares is not None:
        table["published cells"] = [f"{k}/{n} ({100 * k / n:.0f}%)" if n else "–" for k, n in shares]
    return table


def motifs_section(motifs: pd.DataFrame, occurrences: pd.DataFrame | None = None, known_cells_path=None, *,
                   top_k: int = 6) -> Section:
    """Per mined set: the ``top_k`` motifs (rank against random cells) drawn, enrichment with 95% intervals against
    both references, and the share of published DARTS-space cells (``known_cells_path``) holding each."""
    published = load_published_cells(known_cells_path) if known_cells_path else {}
    parts = [
        "<p>Motifs are connected subgraphs frequent among the cells of the best architectures (gSpan, directed, "
        "non-induced: a cell holds a motif when the motif maps onto its nodes and ops, other edges allowed). "
        "Support = share of the mined cells holding the motif. Each motif is tested against <em>random</em> "
        "cells of the same space (seeded draws) and against <em>subgraphs</em>: random connected pieces of the "
        "same size cut from the mined cells, looked for in another mined cell (what good cells are made of "
        "anyway). Odds ratios with 95% Woolf intervals; q = Benjamini–Hochberg over the motifs of one "
        "reference (one-sided Fisher exact tests). In the drawings, edge labels are ops (sep3 = sep_conv_3x3, "
        "conv3 = nor_conv_3x3, …), unlabelled circles are intermediate nodes; blue circles are ops (node "
        "encoding).</p>"
    ]
    summaries = []
    if motifs.empty:
        parts.append("<p>No motif reached the minimum support.</p>")
    for key, group in motifs.groupby(_GROUP, sort=True):
        space, set_name, cells, encoding = key
        ranked = group[group["reference"] == ("random" if "random" in set(group["reference"]) else
                                              group["reference"].iloc[0])].sort_values("rank")
        top = ranked.head(top_k)
        ids = top["motif_id"].tolist()
        occ = occurrences if occurrences is not None else pd.DataFrame(columns=["space", "set", "motif_id", "arch_id"])
        occ = occ[(occ["space"] == space) & (occ["set"] == set_name)]
        archs = occ.groupby("motif_id")["arch_id"].nunique()
        shares = None
        mine = {name: g for name, g in published.items() if g.space == space} if published else {}
        if mine:
            shares = published_share([Pattern.parse(p) for p in top["pattern"]], mine, encoding=encoding,
                                     cells=cells)
        n_cells = int(group["n_cells"].iloc[0])
        significant = int((ranked["q_value"] < 0.05).sum())
        parts += [
            f"<h3>{space} · {set_name} · {f'{cells} cells · ' if len(get_space(space).cell_names) > 1 else ''}"
            f"{encoding} encoding</h3>",
            f"<p>{group['motif_id'].nunique()} motifs in {n_cells} cells; {significant} over-represented against "
            f"{ranked['reference'].iloc[0]} (q &lt; 0.05).</p>",
            figure(_motif_figure(top), f"The {len(top)} most significant motifs against random cells."),
            figure(_forest_figure(group, ids), "Odds ratio of holding the motif, mined cells vs "
                   "each reference (1 = no enrichment)."),
            _html_table(_group_table(group, ids, archs, shares)),
        ]
        if mine:
            parts.append(f"<p>Published cells: the {len(mine)} published architectures of the {space} space "
                         f"({', '.join(sorted(mine))}), their {cells} cell(s).</p>")
        if len(top):
            best = top.iloc[0]
            summaries.append(f"{space} {set_name}: {significant} of {group['motif_id'].nunique()} motifs "
                             f"over-represented; top motif {best['pattern']} in {100 * best['support']:.0f}% of cells, "
                             f"odds ratio {best['odds_ratio']:.1f}")
    return Section("motifs", "Motifs of good cells", "\n".join(parts), "; ".join(summaries) + "." if summaries else "")
