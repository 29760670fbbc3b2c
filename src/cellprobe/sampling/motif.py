"""Architectures built around a motif: the motif-constrained sampler of the redundancy paper.

:func:`sample_with_motif` places the motif on randomly chosen cell nodes that fit its labels and the
space's wiring rules (an intermediate node has two inputs from distinct earlier nodes in DARTS; one op
per node pair in NB201) and draws everything else as the space's uniform sampler does (the space's
motif builder, :func:`~cellprobe.sampling.registry.motif_builder`); every cell is checked to contain the
motif (:func:`contains_motif`).

>>> residual = Pattern.parse("input0,input1,node;0>2:skip_connect,1>2:skip_connect")
>>> cells = sample_with_motif(residual, 3, seed=0, space="darts")
>>> all(contains_motif(g, residual) for g in cells)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cellprobe.gspan import Pattern
from cellprobe.sampling.registry import SamplingError, get_motif_builder
from cellprobe.spaces import Space, get_space

__all__ = ["ENCODINGS", "check_encoding", "contains_motif", "sample_with_motif"]

#: How a cell becomes a graph: ops on the edges, or ops as vertices.
ENCODINGS = ("edge", "node")
_MAX_ATTEMPTS_PER_CELL = 200
_MAX_PLACEMENTS = 200_000


def check_encoding(encoding: str) -> str:
    if encoding not in ENCODINGS:
        raise SamplingError(f"encoding must be one of {', '.join(ENCODINGS)}, got {encoding!r}")
    return encoding


def contains_motif(genotype, pattern: Pattern, *, encoding: str = "edge", cells: str | None = None) -> bool:
    """Whether every named cell of ``genotype`` (``both``: normal and reduce) contains ``pattern``."""
    space = get_space(genotype.space)
    cells = space.resolve_cells(cells)
    check_encoding(encoding)
    return all(pattern.occurs_in(space.cell_graph(genotype, cell, encoding)) for cell in space.cells_of(cells))


@dataclass(frozen=True)
class _Requirement:
    """An edge the cell must have: ``op`` from the node of variable ``source`` to that of ``target``."""

    source: int
    op: str
    target: int


def _requirements(pattern: Pattern, space: Space, encoding: str) -> tuple[list[tuple[int, ...]], int, list[_Requirement]]:
    """Variables (their candidate nodes), how many are pattern vertices (placed injectively), required edges."""
    nodes, ops = space.graph_nodes, space.without_none
    where = f"motif {pattern.to_str()!r}"
    if encoding == "edge":
        for lab in pattern.labels:
            if lab not in nodes:
                raise SamplingError(f"{where}: vertex label {lab!r} is not a {space.name} cell node ({', '.join(nodes)})")
        for _, _, op in pattern.edges:
            if op not in ops:
                raise SamplingError(f"{where}: edge label {op!r} is not a {space.name} op ({', '.join(ops)})")
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
            raise SamplingError(f"{where}: node-encoding edges carry no label, got {lab!r}")
        if (s in var) == (t in var):
            raise SamplingError(f"{where}: edge {s}>{t} must join a cell node and an op vertex")
        if s in var:
            sources.setdefault(t, []).append(s)
        else:
            targets.setdefault(s, []).append(t)
    requirements = []
    for v, lab in enumerate(pattern.labels):
        if v in var:
            continue
        if lab not in ops:
            raise SamplingError(f"{where}: vertex label {lab!r} is neither a {space.name} cell node nor a {space.name} op")
        ins, outs = sources.get(v, []), targets.get(v, [])
        if len(ins) > 1 or len(outs) > 1:
            raise SamplingError(f"{where}: op vertex {v} has {len(ins)} inputs and {len(outs)} outputs; "
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


def _placements(pattern: Pattern, space: Space, encoding: str) -> list[dict[int, list[tuple[str, int]]]]:
    """Every way to put the motif on one cell: target node → required ``(op, source node)`` edges."""
    candidates, n_placed, requirements = _requirements(pattern, space, encoding)
    first_inner = space.n_inputs
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
        return space.inputs_per_node is None or len(present) < space.inputs_per_node

    def place(v: int, edges: dict[int, list[tuple[str, int]]]) -> None:
        if len(out) >= _MAX_PLACEMENTS:
            raise SamplingError(f"motif {pattern.to_str()!r} has more than {_MAX_PLACEMENTS:,} placements in a cell")
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
        raise SamplingError(f"motif {pattern.to_str()!r} ({encoding} encoding) cannot occur in a {space.name} cell")
    return out


def sample_with_motif(pattern: Pattern | str, n: int, seed: int, space: str = "darts", *, encoding: str = "edge",
                      cells: str | None = None) -> list:
    """``n`` distinct random architectures whose cell(s) contain ``pattern``; seeded and deterministic.

    Each draw picks, uniformly, one of the ways the motif fits a cell (which cell node each of its
    vertices sits on), fixes those edges and draws every other edge as the uniform samplers do (DARTS:
    two distinct earlier inputs per node, any op but ``none``; NB201: any op). ``cells``: which DARTS
    cell holds the motif (``normal``, ``reduce`` or ``both``; default ``normal``); the other cell is a
    uniform random cell. Every architecture returned is checked with :func:`contains_motif`.
    """
    if isinstance(pattern, str):
        pattern = Pattern.parse(pattern)
    space = get_space(space)
    cells = space.resolve_cells(cells)
    check_encoding(encoding)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise SamplingError(f"sample size must be a positive integer, got {n!r}")
    build = get_motif_builder(space.name)
    placements = _placements(pattern, space, encoding)
    holders = space.cells_of(cells)
    rng = np.random.default_rng(seed)
    out, seen = [], set()
    for _ in range(_MAX_ATTEMPTS_PER_CELL * n):
        g = build(rng, placements, holders)
        if g.arch_id in seen:
            continue
        if not contains_motif(g, pattern, encoding=encoding, cells=cells):
            raise AssertionError(f"internal error: {g} was built around {pattern} but does not contain it")
        seen.add(g.arch_id)
        out.append(g)
        if len(out) == n:
            return out
    raise SamplingError(f"only {len(out)} distinct {space.name} architectures contain motif {pattern.to_str()!r} "
                     f"(found in {_MAX_ATTEMPTS_PER_CELL * n} draws), asked for {n}")
