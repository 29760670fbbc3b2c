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

**Cells built around a motif** (:func:`sample_with_motif`): the motif is placed on randomly chosen cell
nodes that fit its labels and the space's wiring rules (an intermediate node has two inputs from distinct
earlier nodes in DARTS; one op per node pair in NB201), everything else is drawn as the uniform samplers
do; every cell is checked to contain the motif.

>>> from cellprobe.analysis.gspan import Pattern
>>> residual = Pattern.parse("input0,input1,node;0>2:skip_connect,1>2:skip_connect")
>>> cells = sample_with_motif(residual, 3, seed=0, space="darts")
>>> all(contains_motif(g, residual) for g in cells)
True
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from scipy import stats

from cellprobe.analysis.gspan import FrequentPattern, Pattern, mine
from cellprobe.errors import CellprobeError
from cellprobe.spaces import DartsCell, DartsGenotype, NB201Genotype, stable_id
from cellprobe.spaces import darts as darts_space
from cellprobe.spaces import nb201 as nb201_space

__all__ = [
    "MotifError",
    "ENCODINGS",
    "REFERENCES",
    "DEFAULT_REFERENCE_SAMPLER",
    "CellGraph",
    "resolve_cells",
    "cell_graphs",
    "motif_id",
    "support_counts",
    "subgraph_reference",
    "enrichment_table",
    "occurrences_table",
    "top_architectures",
    "motif_tables",
    "contains_motif",
    "sample_with_motif",
]

ENCODINGS = ("edge", "node")
REFERENCES = ("random", "subgraphs")
#: The sampler whose draws are the ``random`` reference when none is named: uniform over the space.
DEFAULT_REFERENCE_SAMPLER = {"darts": "uniform", "nb201": "nb201"}
_CELLS = {"darts": ("normal", "reduce", "both"), "nb201": ("cell",)}
#: Cell nodes each data-vertex label may sit on.
_NODES = {
    "darts": {"input0": (0,), "input1": (1,), "node": tuple(range(2, 2 + darts_space.N_NODES))},
    "nb201": {"input": (0,), "node": (1, 2), "output": (3,)},
}
_OPS = {"darts": darts_space.NEIGHBOUR_OPS, "nb201": nb201_space.OPS.without("none")}
_MAX_ATTEMPTS_PER_CELL = 200
_MAX_PLACEMENTS = 200_000

Genotype = DartsGenotype | NB201Genotype


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
    if space not in _CELLS:
        raise MotifError(f"unknown search space {space!r}; known: {', '.join(_CELLS)}")
    if cells is None:
        return _CELLS[space][0]
    if cells not in _CELLS[space]:
        raise MotifError(f"cells must be one of {', '.join(_CELLS[space])} in the {space} space, got {cells!r}")
    return cells


def _check_encoding(encoding: str) -> str:
    if encoding not in ENCODINGS:
        raise MotifError(f"encoding must be one of {', '.join(ENCODINGS)}, got {encoding!r}")
    return encoding


def _cell_names(space: str, cells: str) -> tuple[str, ...]:
    return ("normal", "reduce") if cells == "both" else (cells,)


def _graph(genotype: Genotype, cell: str, encoding: str) -> nx.DiGraph:
    if isinstance(genotype, NB201Genotype):
        return genotype.to_graph(encoding)
    return genotype.cell(cell).to_graph(encoding, output=False)


def cell_graphs(genotypes: Sequence[Genotype], *, encoding: str = "edge", cells: str | None = None) -> list[CellGraph]:
    """The cells of ``genotypes`` as graphs, architecture by architecture (normal before reduce)."""
    genotypes = list(genotypes)
    if not genotypes:
        raise MotifError("no architectures")
    space = _space_of(genotypes)
    cells = resolve_cells(space, cells)
    _check_encoding(encoding)
    return [CellGraph(g.arch_id, cell, _graph(g, cell, encoding)) for g in genotypes
            for cell in _cell_names(space, cells)]


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


def _connected_edge_sets(graph: nx.DiGraph, size: int) -> list[tuple]:
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
                    pieces[i, k] = _connected_edge_sets(graphs[i], k)
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
    from cellprobe.sampling import get_sampler, sample_architectures

    genotypes = list(genotypes)
    top = cell_graphs(genotypes, encoding=encoding, cells=cells)
    space = _space_of(genotypes)
    cells = resolve_cells(space, cells)
    unknown = [r for r in references if r not in REFERENCES]
    if unknown or not references:
        raise MotifError(f"references must be among {', '.join(REFERENCES)}, got {list(references)}")
    if isinstance(reference_size, bool) or not isinstance(reference_size, (int, np.integer)) or reference_size < 1:
        raise MotifError(f"the reference size must be a positive integer, got {reference_size!r}")
    sampler = reference_sampler or DEFAULT_REFERENCE_SAMPLER[space]
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


# -- cells that contain a motif ----------------------------------------------------------------------------------


def contains_motif(genotype: Genotype, pattern: Pattern, *, encoding: str = "edge", cells: str | None = None) -> bool:
    """Whether every named cell of ``genotype`` (``both``: normal and reduce) contains ``pattern``."""
    cells = resolve_cells(genotype.space, cells)
    return all(pattern.occurs_in(_graph(genotype, cell, _check_encoding(encoding)))
               for cell in _cell_names(genotype.space, cells))


@dataclass(frozen=True)
class _Requirement:
    """An edge the cell must have: ``op`` from the node of variable ``source`` to that of ``target``."""

    source: int
    op: str
    target: int


def _requirements(pattern: Pattern, space: str, encoding: str) -> tuple[list[tuple[int, ...]], int, list[_Requirement]]:
    """Variables (their candidate nodes), how many are pattern vertices (placed injectively), required edges."""
    nodes, ops = _NODES[space], _OPS[space]
    where = f"motif {pattern.to_str()!r}"
    if encoding == "edge":
        for lab in pattern.labels:
            if lab not in nodes:
                raise MotifError(f"{where}: vertex label {lab!r} is not a {space} cell node ({', '.join(nodes)})")
        for _, _, op in pattern.edges:
            if op not in ops:
                raise MotifError(f"{where}: edge label {op!r} is not a {space} op ({', '.join(ops)})")
        candidates = [nodes[lab] for lab in pattern.labels]
        return candidates, len(candidates), [_Requirement(s, op, t) for s, t, op in pattern.edges]
    data = [i for i, lab in enumerate(pattern.labels) if lab in nodes]
    var = {v: i for i, v in enumerate(data)}
    candidates = [nodes[pattern.labels[v]] for v in data]
    n_placed = len(candidates)
    every_node = tuple(sorted({n for c in nodes.values() for n in c}))
    sources: dict[int, list[int]] = {}
    targets: dict[int, list[int]] = {}
    for s, t, lab in pattern.edges:
        if lab:
            raise MotifError(f"{where}: node-encoding edges carry no label, got {lab!r}")
        if (s in var) == (t in var):
            raise MotifError(f"{where}: edge {s}>{t} must join a cell node and an op vertex")
        if s in var:
            sources.setdefault(t, []).append(s)
        else:
            targets.setdefault(s, []).append(t)
    requirements = []
    for v, lab in enumerate(pattern.labels):
        if v in var:
            continue
        if lab not in ops:
            raise MotifError(f"{where}: vertex label {lab!r} is neither a {space} cell node nor a {space} op")
        ins, outs = sources.get(v, []), targets.get(v, [])
        if len(ins) > 1 or len(outs) > 1:
            raise MotifError(f"{where}: op vertex {v} has {len(ins)} inputs and {len(outs)} outputs; "
                             "an op has one of each")
        ends = []
        for side in (ins, outs):
            if side:
                ends.append(var[side[0]])
            else:  # the op's other end is not part of the motif: any node will do
                candidates.append(every_node)
                ends.append(len(candidates) - 1)
        requirements.append(_Requirement(ends[0], lab, ends[1]))
    return candidates, n_placed, requirements


def _placements(pattern: Pattern, space: str, encoding: str) -> list[dict[int, list[tuple[str, int]]]]:
    """Every way to put the motif on one cell: target node → required ``(op, source node)`` edges."""
    candidates, n_placed, requirements = _requirements(pattern, space, encoding)
    first_inner = 2 if space == "darts" else 1
    by_variable: dict[int, list[_Requirement]] = {}
    for r in requirements:
        by_variable.setdefault(max(r.source, r.target), []).append(r)
    out: list[dict[int, list[tuple[str, int]]]] = []
    node = [0] * len(candidates)

    def fits(edges: dict[int, list[tuple[str, int]]], r: _Requirement) -> bool:
        s, t = node[r.source], node[r.target]
        if not (s < t and t >= first_inner):
            return False
        present = edges.get(t, [])
        if any(src == s for _, src in present):  # one edge per node pair (and a DARTS node's inputs are distinct)
            return False
        return space != "darts" or len(present) < 2

    def place(v: int, edges: dict[int, list[tuple[str, int]]]) -> None:
        if len(out) >= _MAX_PLACEMENTS:
            raise MotifError(f"motif {pattern.to_str()!r} has more than {_MAX_PLACEMENTS:,} placements in a cell")
        if v == len(candidates):
            out.append({t: list(e) for t, e in edges.items()})
            return
        used = set(node[:min(v, n_placed)])
        for n in candidates[v]:
            if v < n_placed and n in used:
                continue
            node[v] = n
            new = {t: list(e) for t, e in edges.items()}
            for r in by_variable.get(v, []):
                if not fits(new, r):
                    break
                new.setdefault(node[r.target], []).append((r.op, node[r.source]))
            else:
                place(v + 1, new)

    place(0, {})
    if not out:
        raise MotifError(f"motif {pattern.to_str()!r} ({encoding} encoding) cannot occur in a {space} cell")
    return out


def _darts_cell(rng: np.random.Generator, required: dict[int, list[tuple[str, int]]], name: str) -> DartsCell:
    ops = darts_space.NEIGHBOUR_OPS
    edges = []
    for node in range(darts_space.N_INPUTS, darts_space.N_INPUTS + darts_space.N_NODES):
        fixed = list(required.get(node, []))
        free = [i for i in range(node) if i not in {src for _, src in fixed}]
        for inp in rng.choice(free, size=2 - len(fixed), replace=False):
            fixed.append((ops[int(rng.integers(len(ops)))], int(inp)))
        edges.extend(fixed)
    return DartsCell(tuple(edges), name=name)


def _nb201_cell(rng: np.random.Generator, required: dict[int, list[tuple[str, int]]]) -> NB201Genotype:
    fixed = {(t, s): op for t, pairs in required.items() for op, s in pairs}
    ops = nb201_space.OPS
    return NB201Genotype(tuple(fixed.get(edge) or ops[int(rng.integers(len(ops)))] for edge in nb201_space.EDGES))


def sample_with_motif(pattern: Pattern | str, n: int, seed: int, space: str = "darts", *, encoding: str = "edge",
                      cells: str | None = None) -> list[Genotype]:
    """``n`` distinct random architectures whose cell(s) contain ``pattern``; seeded and deterministic.

    Each draw picks, uniformly, one of the ways the motif fits a cell (which cell node each of its
    vertices sits on), fixes those edges and draws every other edge as the uniform samplers do (DARTS:
    two distinct earlier inputs per node, any op but ``none``; NB201: any op). ``cells``: which DARTS
    cell holds the motif (``normal``, ``reduce`` or ``both``; default ``normal``); the other cell is a
    uniform random cell. Every architecture returned is checked with :func:`contains_motif`.
    """
    if isinstance(pattern, str):
        pattern = Pattern.parse(pattern)
    cells = resolve_cells(space, cells)
    _check_encoding(encoding)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise MotifError(f"sample size must be a positive integer, got {n!r}")
    placements = _placements(pattern, space, encoding)
    holders = _cell_names(space, cells)
    rng = np.random.default_rng(seed)
    out, seen = [], set()
    for _ in range(_MAX_ATTEMPTS_PER_CELL * n):
        if space == "nb201":
            g = _nb201_cell(rng, placements[int(rng.integers(len(placements)))])
        else:
            made = {}
            for name in darts_space.CELL_TYPES:
                required = placements[int(rng.integers(len(placements)))] if name in holders else {}
                made[name] = _darts_cell(rng, required, name)
            g = DartsGenotype(made["normal"], made["reduce"])
        if g.arch_id in seen:
            continue
        if not contains_motif(g, pattern, encoding=encoding, cells=cells):
            raise AssertionError(f"internal error: {g} was built around {pattern} but does not contain it")
        seen.add(g.arch_id)
        out.append(g)
        if len(out) == n:
            return out
    raise MotifError(f"only {len(out)} distinct {space} architectures contain motif {pattern.to_str()!r} "
                     f"(found in {_MAX_ATTEMPTS_PER_CELL * n} draws), asked for {n}")
