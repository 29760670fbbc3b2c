"""Motifs of good cells: frequent subgraphs of the top cells, their over-representation, and cells built around them.

**Cells as graphs** (:func:`cell_graphs`), as in the redundancy paper (Wan et al., ICLR 2022): a DARTS
cell is a directed graph on its inputs ``input0``, ``input1`` and its intermediate nodes (label
``node``), one edge per op, labelled by the op (``none`` edges carry nothing and are left out; the
cell output and its concat edges too); an NB201 cell on its nodes ``input``, ``node``, ``node``,
``output``. The alternative ``encoding="node"`` makes each op a vertex labelled by the op, with
unlabelled edges input → op → node (see the spaces' ``to_graph``). One graph per cell: with
``cells="both"`` a DARTS architecture gives its normal and its reduce cell, pooled.

**Mining**: :func:`cellprobe.analysis.gspan.mine` over the cells of the top architectures; the support of
a motif is the fraction of those cells that contain it (non-induced subgraph isomorphism with equal
labels).

**Over-representation** (:func:`enrichment_table`), each motif against two references, counted the same
way (:meth:`Pattern.occurs_in <cellprobe.analysis.gspan.Pattern.occurs_in>`, networkx's
``subgraph_is_monomorphic``):

* ``random`` — the same motif in a seeded random set of cells of the same space (a sampler's draws):
  is the motif commoner in good cells than in cells at large?
* ``subgraphs`` — other patterns of the same size in the same cells: each draw takes a top cell at
  random, a connected subgraph of it with exactly the motif's number of edges uniformly at random, and
  a second top cell at random, and scores whether the second holds the first's subgraph. Its hit rate
  is the support a typical same-size piece of a good cell has, so the question is: is the motif
  commoner in good cells than what good cells are made of anyway (their op mix, their wiring)?
  Draws are shared by all motifs of one size and seeded per size.

For each motif and reference: support, reference incidence, enrichment (ratio of the two), the sample
odds ratio with a 95% Woolf (logit) interval (0.5 added to every cell of the 2×2 table when one is zero),
a one-sided Fisher exact test (over-representation), and Benjamini–Hochberg q-values over the motifs
of the table, per reference. A motif mined on the top set is frequent there by construction, so read
the ``subgraphs`` reference as the stricter of the two.

Cells built around a motif are drawn by the motif sampler, :mod:`cellprobe.sampling.motif`.

>>> from cellprobe.gspan import Pattern
>>> from cellprobe.spaces import DartsGenotype
>>> residual = Pattern.parse("input0,input1,node;0>2:skip_connect,1>2:skip_connect")
>>> len(cell_graphs([DartsGenotype.parse("normal=skip_connect~0,skip_connect~1|sep_conv_3x3~0,sep_conv_3x3~2|"
...     "sep_conv_3x3~1,sep_conv_3x3~3|sep_conv_3x3~0,sep_conv_3x3~4;reduce=skip_connect~0,skip_connect~1|"
...     "sep_conv_3x3~0,sep_conv_3x3~2|sep_conv_3x3~1,sep_conv_3x3~3|sep_conv_3x3~0,sep_conv_3x3~4")], cells="both"))
2
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from scipy import stats

from cellprobe.errors import CellprobeError
from cellprobe.ground_truth import GroundTruth
from cellprobe.gspan import FrequentPattern, Pattern, mine
from cellprobe.sampling import ENCODINGS, get_sampler, sample_architectures
from cellprobe.spaces import Genotype, get_space, stable_id

__all__ = [
    "MotifError",
    "ENCODINGS",
    "REFERENCES",
    "CellGraph",
    "resolve_cells",
    "cell_graphs",
    "motif_id",
    "support_counts",
    "connected_edge_sets",
    "subgraph_reference",
    "enrichment_table",
    "occurrences_table",
    "top_architectures",
    "motif_tables",
    "mine_motifs",
]

REFERENCES = ("random", "subgraphs")


class MotifError(CellprobeError):
    """Motif-mining inputs or a motif request that cannot be used."""


# -- cells as graphs -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellGraph:
    """One cell of one architecture as a labelled digraph (``cell``: normal/reduce in DARTS, ``cell`` in NB201)."""

    arch_id: str
    cell: str
    graph: nx.DiGraph


def _space_of(genotypes: Sequence[Genotype]) -> str:
    spaces = {g.space for g in genotypes}
    if len(spaces) != 1:
        raise MotifError(f"architectures must come from one search space, got {sorted(spaces) or 'none'}")
    return spaces.pop()


def resolve_cells(space: str, cells: str | None) -> str:
    """Check ``cells`` for ``space`` (``None``: ``normal`` for DARTS, ``cell`` for NB201)."""
    try:
        return get_space(space).resolve_cells(cells)
    except CellprobeError as exc:
        raise MotifError(str(exc)) from None


def _check_encoding(encoding: str) -> str:
    if encoding not in ENCODINGS:
        raise MotifError(f"encoding must be one of {', '.join(ENCODINGS)}, got {encoding!r}")
    return encoding


def cell_graphs(genotypes: Sequence[Genotype], *, encoding: str = "edge", cells: str | None = None) -> list[CellGraph]:
    """The cells of ``genotypes`` as graphs, architecture by architecture (normal before reduce)."""
    genotypes = list(genotypes)
    if not genotypes:
        raise MotifError("no architectures")
    space = get_space(_space_of(genotypes))
    cells = resolve_cells(space.name, cells)
    _check_encoding(encoding)
    return [CellGraph(g.arch_id, cell, space.cell_graph(g, cell, encoding)) for g in genotypes
            for cell in space.cells_of(cells)]


def motif_id(pattern: Pattern, *, space: str, encoding: str) -> str:
    """A stable id of a motif: the same for isomorphic patterns of one space and encoding."""
    return stable_id("motif", f"{space}/{encoding}/{pattern.key}")


# -- counting ----------------------------------------------------------------------------------------------------


def _triples(graph: nx.DiGraph) -> Counter:
    nodes = graph.nodes
    return Counter((nodes[s]["label"], lab, nodes[t]["label"]) for s, t, lab in graph.edges(data="label"))


def _smaller_keys(pattern: Pattern) -> list[str]:
    """Keys of the connected patterns one edge smaller than ``pattern`` (an end vertex left alone is dropped)."""
    keys = []
    for drop in range(pattern.n_edges):
        edges = [e for i, e in enumerate(pattern.edges) if i != drop]
        if not edges:
            continue
        used = sorted({v for s, t, _ in edges for v in (s, t)})
        index = {v: i for i, v in enumerate(used)}
        skeleton = nx.Graph((s, t) for s, t, _ in edges)
        if nx.is_connected(skeleton):
            keys.append(Pattern(tuple(pattern.labels[v] for v in used),
                                tuple((index[s], index[t], lab) for s, t, lab in edges)).key)
    return keys


def support_counts(patterns: Sequence[Pattern], graphs: Sequence[nx.DiGraph]) -> np.ndarray:
    """For each pattern, how many of ``graphs`` contain it (:meth:`Pattern.occurs_in`).

    Two necessary conditions skip the matcher where they fail, so the counts are the matcher's alone: the
    graph has at least the pattern's (source label, edge label, target label) triples, and it contains every
    pattern of ``patterns`` that is the pattern less one edge (a subgraph of a subgraph is a subgraph).
    """
    have = [_triples(g) for g in graphs]
    everywhere = frozenset(range(len(graphs)))
    holders: dict[str, frozenset[int]] = {}
    counts = np.zeros(len(patterns), dtype=np.int64)
    for i in sorted(range(len(patterns)), key=lambda i: patterns[i].n_edges):
        pattern = patterns[i]
        need = _triples(pattern.to_graph())
        candidates = everywhere.intersection(*(holders[k] for k in _smaller_keys(pattern) if k in holders))
        found = frozenset(j for j in sorted(candidates) if not need - have[j] and pattern.occurs_in(graphs[j]))
        holders[pattern.key] = found
        counts[i] = len(found)
    return counts


def connected_edge_sets(graph: nx.DiGraph, size: int) -> list[tuple]:
    """Every set of ``size`` edges of ``graph`` that is connected (ignoring direction), each once, sorted."""
    edges = sorted(graph.edges, key=repr)
    touching = {v: {e for e in edges if v in e} for v in graph.nodes}
    level = {frozenset([e]) for e in edges}
    for _ in range(size - 1):
        grown = set()
        for part in level:
            vertices = {v for e in part for v in e}
            for f in set().union(*(touching[v] for v in vertices)) - part:
                grown.add(part | {f})
        level = grown
    return sorted((tuple(sorted(part, key=repr)) for part in level), key=repr)


def subgraph_reference(sizes: Sequence[int], graphs: Sequence[nx.DiGraph], draws: int,
                       seed: int) -> dict[int, int]:
    """Hits out of ``draws`` per subgraph size: a random size-``k`` piece of a random graph found in another.

    For each size ``k`` (generator seeded with ``(seed, k)``): draw a graph uniformly among those that have
    a connected subgraph of exactly ``k`` edges, one such subgraph uniformly, and a second graph uniformly
    among all; a hit is the second graph containing the subgraph (as a pattern).
    """
    if draws < 1:
        raise MotifError(f"the number of reference draws must be positive, got {draws}")
    graphs = list(graphs)
    pieces: dict[tuple[int, int], list[tuple]] = {}
    hits = {}
    for k in sorted(set(int(k) for k in sizes)):
        rng = np.random.default_rng([seed, k])
        candidates = [i for i, g in enumerate(graphs) if g.number_of_edges() >= k]
        count = 0
        for _ in range(draws):
            while True:
                if not candidates:
                    raise MotifError(f"no graph has a connected subgraph with {k} edges")
                i = candidates[int(rng.integers(len(candidates)))]
                if (i, k) not in pieces:
                    pieces[i, k] = connected_edge_sets(graphs[i], k)
                if pieces[i, k]:
                    break
                candidates.remove(i)
            piece = pieces[i, k][int(rng.integers(len(pieces[i, k])))]
            other = graphs[int(rng.integers(len(graphs)))]
            count += Pattern.from_graph(graphs[i], piece).occurs_in(other)
        hits[k] = count
    return hits


# -- statistics ------------------------------------------------------------------------------------------------------


def _odds_ratio(a: int, b: int, c: int, d: int, z: float = 1.959963984540054) -> tuple[float, float, float]:
    """Sample odds ratio of [[a, b], [c, d]] with its 95% Woolf interval (Haldane–Anscombe 0.5 if a cell is 0)."""
    if min(a, b, c, d) == 0:
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    log_or = np.log(a * d / (b * c))
    half = z * np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return float(np.exp(log_or)), float(np.exp(log_or - half)), float(np.exp(log_or + half))


def enrichment_table(patterns: Sequence[Pattern], support: Sequence[int], n_cells: int,
                     reference_counts: Sequence[int], reference_sizes: Sequence[int], reference: str) -> pd.DataFrame:
    """Support against one reference, per pattern: incidence, enrichment, odds ratio, Fisher p, BH q, rank.

    ``support[i]`` of ``n_cells`` top cells hold pattern ``i``; ``reference_counts[i]`` of
    ``reference_sizes[i]`` reference items do. Rank 1 is the most significant (then the most enriched).
    """
    support = np.asarray(support, dtype=np.int64)
    ref = np.asarray(reference_counts, dtype=np.int64)
    ref_n = np.asarray(reference_sizes, dtype=np.int64)
    if not (len(patterns) == len(support) == len(ref) == len(ref_n)):
        raise MotifError("patterns, support and reference counts must have one entry per pattern")
    if n_cells < 1 or (ref_n < 1).any() or (support > n_cells).any() or (ref > ref_n).any():
        raise MotifError("support counts must lie between 0 and their (positive) set sizes")
    rows = []
    for pattern, s, r, rn in zip(patterns, support, ref, ref_n):
        a, b, c, d = int(s), int(n_cells - s), int(r), int(rn - r)
        frac, incidence = a / n_cells, c / rn
        odds, low, high = _odds_ratio(a, b, c, d)
        p = stats.fisher_exact([[a, b], [c, d]], alternative="greater").pvalue
        rows.append({"pattern": pattern.key, "n_vertices": pattern.n_vertices, "n_edges": pattern.n_edges,
                     "support": frac, "support_count": a, "n_cells": int(n_cells), "reference": reference,
                     "reference_size": int(rn), "reference_count": c, "reference_incidence": incidence,
                     "enrichment": frac / incidence if incidence > 0 else (np.inf if frac > 0 else np.nan),
                     "odds_ratio": odds, "odds_ratio_low": low, "odds_ratio_high": high, "p_value": float(p)})
    table = pd.DataFrame(rows, columns=["pattern", "n_vertices", "n_edges", "support", "support_count", "n_cells",
                                        "reference", "reference_size", "reference_count", "reference_incidence",
                                        "enrichment", "odds_ratio", "odds_ratio_low", "odds_ratio_high", "p_value"])
    table["q_value"] = stats.false_discovery_control(table["p_value"], method="bh") if len(table) else []
    order = table.assign(neg_enrichment=-table["enrichment"].fillna(-np.inf), neg_support=-table["support_count"])
    order = order.sort_values(["p_value", "neg_enrichment", "neg_support", "n_edges", "pattern"], kind="stable")
    table["rank"] = pd.Series(np.arange(1, len(table) + 1), index=order.index).reindex(table.index).astype("int64")
    return table


# -- the whole analysis --------------------------------------------------------------------------------------------


def top_architectures(genotypes: Sequence[Genotype], scores: Sequence[float], fraction: float) -> list[Genotype]:
    """The best ``fraction`` of ``genotypes`` by ``scores`` (at least one), best first; ties keep input order."""
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction <= 1:
        raise MotifError(f"the top fraction must lie in (0, 1], got {fraction!r}")
    scores = np.asarray(scores, dtype=float)
    if len(scores) != len(genotypes):
        raise MotifError(f"{len(genotypes)} architectures but {len(scores)} scores")
    if not len(scores):
        raise MotifError("no architectures to choose from")
    if np.isnan(scores).any():
        raise MotifError("scores must not be NaN")
    order = np.argsort(-scores, kind="stable")
    return [genotypes[i] for i in order[: max(1, int(round(fraction * len(scores))))]]


def occurrences_table(found: Sequence[FrequentPattern], cells: Sequence[CellGraph], *, space: str,
                      set_name: str, encoding: str) -> pd.DataFrame:
    """``motif_occurrences`` rows: every (motif, architecture, cell) where a mined motif occurs."""
    rows = [(space, set_name, motif_id(f.pattern, space=space, encoding=encoding), cells[i].arch_id, cells[i].cell)
            for f in found for i in f.graphs]
    return pd.DataFrame(rows, columns=["space", "set", "motif_id", "arch_id", "cell"])


def motif_tables(genotypes: Sequence[Genotype], *, set_name: str, encoding: str = "edge", cells: str | None = None,
                 min_support: float = 0.05, min_vertices: int = 2, max_vertices: int | None = None,
                 reference_size: int = 1000, reference_sampler: str | None = None,
                 references: Sequence[str] = REFERENCES, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mine the motifs of ``genotypes`` (e.g. the top cells) and test them: ``motifs`` and ``motif_occurrences`` rows.

    ``reference_size`` is the number of random architectures of the ``random`` reference (drawn by
    ``reference_sampler``, default uniform over the space, with ``seed``) and the number of draws per
    motif size of the ``subgraphs`` reference.
    """
    genotypes = list(genotypes)
    top = cell_graphs(genotypes, encoding=encoding, cells=cells)
    space = _space_of(genotypes)
    cells = resolve_cells(space, cells)
    unknown = [r for r in references if r not in REFERENCES]
    if unknown or not references:
        raise MotifError(f"references must be among {', '.join(REFERENCES)}, got {list(references)}")
    if isinstance(reference_size, bool) or not isinstance(reference_size, (int, np.integer)) or reference_size < 1:
        raise MotifError(f"the reference size must be a positive integer, got {reference_size!r}")
    sampler = reference_sampler or get_space(space).default_sampler
    if "random" in references and get_sampler(sampler).space != space:
        raise MotifError(f"reference sampler {sampler!r} draws {get_sampler(sampler).space} architectures, not {space}")
    graphs = [c.graph for c in top]
    found = mine(graphs, min_support, min_vertices=min_vertices, max_vertices=max_vertices)
    patterns = [f.pattern for f in found]
    support = support_counts(patterns, graphs)  # counted as the references are
    if not np.array_equal(support, [f.support_count for f in found]):
        raise AssertionError("internal error: gSpan's support differs from the subgraph matcher's")
    frames = []
    if "random" in references:
        reference = [c.graph for c in cell_graphs(sample_architectures(sampler, reference_size, seed),
                                                   encoding=encoding, cells=cells)]
        counts = support_counts(patterns, reference)
        frames.append(enrichment_table(patterns, support, len(graphs), counts, [len(reference)] * len(patterns),
                                       "random"))
    if "subgraphs" in references:
        hits = subgraph_reference([p.n_edges for p in patterns], graphs, reference_size, seed) if patterns else {}
        frames.append(enrichment_table(patterns, support, len(graphs), [hits[p.n_edges] for p in patterns],
                                       [reference_size] * len(patterns), "subgraphs"))
    ids = {p.key: motif_id(p, space=space, encoding=encoding) for p in patterns}
    motifs = pd.concat(frames, ignore_index=True)
    motifs.insert(0, "motif_id", motifs["pattern"].map(ids))
    motifs.insert(0, "encoding", encoding)
    motifs.insert(0, "cells", cells)
    motifs.insert(0, "set", set_name)
    motifs.insert(0, "space", space)
    motifs = motifs.sort_values(["reference", "rank"], kind="stable").reset_index(drop=True)
    return motifs, occurrences_table(found, top, space=space, set_name=set_name, encoding=encoding)


def mine_motifs(truth: GroundTruth, *, top: float = 0.05, set_name: str = "", encoding: str = "edge",
                cells: str | None = None, min_support: float = 0.05, min_vertices: int = 2,
                max_vertices: int | None = None, reference_size: int = 1000, reference_sampler: str | None = None,
                seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The stage's entry point: the motifs of the best ``top`` fraction of a ground truth, tested.

    Returns the ``motifs`` and ``motif_occurrences`` tables and their metadata. ``set_name`` defaults to
    ``top<percent>`` (e.g. ``top5``).
    """
    genotypes = truth.genotypes()
    best = top_architectures(genotypes, truth.scores(), top)
    motifs, occurrences = motif_tables(
        best, set_name=set_name or f"top{100 * top:g}", encoding=encoding, cells=cells, min_support=min_support,
        min_vertices=min_vertices, max_vertices=max_vertices, reference_size=reference_size,
        reference_sampler=reference_sampler, seed=seed)
    meta = {"source": truth.source, "population": len(genotypes), "top": top, "architectures": len(best),
            "min_support": min_support, "min_vertices": min_vertices, "max_vertices": max_vertices,
            "reference_size": reference_size, "reference_sampler": reference_sampler, "seed": seed}
    return motifs, occurrences, meta
