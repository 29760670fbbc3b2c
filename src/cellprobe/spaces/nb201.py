"""The NAS-Bench-201 (NB201) search space: one cell of 4 nodes and 6 edges.

Node 0 is the cell input, node 3 its output; every edge ``i → j`` (``i < j``) carries one of 5 ops.
The benchmark's string form lists, for nodes 1, 2, 3, each incoming edge as ``op~source``::

    |nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|

>>> cell = NB201Genotype.parse("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")
>>> cell.reachable, len(cell.neighbours())
(True, 24)
>>> NB201Genotype.parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|").reachable
False
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from cellprobe.errors import GenotypeError
from cellprobe.spaces.arrays import ArchArrays
from cellprobe.spaces.base import Decision, Edit, OpVocabulary, Space, stable_id
from cellprobe.spaces.registry import register_space

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "OPS",
    "EDGES",
    "NASLIB_OPS",
    "NB201Genotype",
    "all_genotypes",
    "benchmark_order",
    "benchmark_index",
    "benchmark_indices",
    "info",
    "NB201Space",
    "SPACE",
]

#: The 5 NB201 ops, in the benchmark's own order.
OPS = OpVocabulary("nb201", ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"])
#: ``(target, source)`` of the 6 edges, in the order of the string form.
EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
#: NASLib's op indices of its NB201 encoding (:meth:`NB201Space.from_naslib`).
NASLIB_OPS = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
N_NODES = 4
OUTPUT = N_NODES - 1
#: The benchmark shuffled its enumeration with Python's ``random`` seeded by this value.
BENCHMARK_SHUFFLE_SEED = 88
_ZERO = "#"


@dataclass(frozen=True)
class NB201Genotype:
    """An NB201 cell: the op of each of the 6 edges, in :data:`EDGES` order."""

    ops: tuple[str, ...]
    space: ClassVar[str] = "nb201"
    vocabulary: ClassVar[OpVocabulary] = OPS

    def __post_init__(self):
        if isinstance(self.ops, str):
            raise GenotypeError("NB201Genotype takes a sequence of 6 op names; use NB201Genotype.parse for strings")
        ops = tuple(self.ops)
        if len(ops) != len(EDGES):
            raise GenotypeError(f"an NB201 cell has {len(EDGES)} edges, got {len(ops)} ops")
        for e, op in enumerate(ops):
            target, source = EDGES[e]
            OPS.check(op, where=f"edge {source}->{target}")
        object.__setattr__(self, "ops", ops)

    # -- string form ------------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> NB201Genotype:
        """Parse the benchmark's string form, with a precise message for each kind of error."""
        if not isinstance(text, str) or not text.strip():
            raise GenotypeError("empty NB201 arch string")
        text = text.strip()
        nodes = text.split("+")
        if len(nodes) != N_NODES - 1:
            raise GenotypeError(
                f"malformed NB201 arch string {text!r}: expected {N_NODES - 1} nodes separated by '+', got {len(nodes)}"
            )
        ops = []
        for j, node in enumerate(nodes, start=1):
            if not (node.startswith("|") and node.endswith("|") and len(node) > 1):
                raise GenotypeError(f"malformed NB201 arch string: node {j} {node!r} must be written |op~src|...|")
            items = node[1:-1].split("|")
            if len(items) != j:
                raise GenotypeError(f"malformed NB201 arch string: node {j} needs {j} incoming edge(s), got {len(items)}")
            for expected_source, item in enumerate(items):
                op, tilde, source = item.partition("~")
                if not tilde or source != str(expected_source):
                    raise GenotypeError(
                        f"malformed NB201 arch string: edge {item!r} of node {j} should be op~{expected_source}"
                    )
                ops.append(op)
        return cls(tuple(ops))

    def to_str(self) -> str:
        parts, e = [], 0
        for j in range(1, N_NODES):
            parts.append("|" + "|".join(f"{self.ops[e + i]}~{i}" for i in range(j)) + "|")
            e += j
        return "+".join(parts)

    def __str__(self) -> str:
        return self.to_str()

    # -- identity --------------------------------------------------------------------------------------
    @cached_property
    def arch_id(self) -> str:
        return stable_id(self.space, self.to_str())

    @cached_property
    def canonical_key(self) -> str:
        """Isomorphism-invariant key: cells computing the same function get the same key (6,466 classes).

        Each node's value is written as an expression in the cell input ``x``: ``skip_connect`` passes
        its source's expression through, any other op wraps it (``(expr)@op``), and a node is the
        sorted ``+``-sum of its incoming terms, so the order of edges and the numbering of nodes do
        not matter. A ``none`` edge, or an edge leaving a node whose value is a single zero term,
        contributes the zero term ``#``. This is the rule NAS-Bench-201 itself uses for its 6,466
        unique cells; zero terms stay in sums, so it is slightly finer than full algebraic equality
        (cells whose output is unreachable do not all share one key: test :attr:`reachable` for that).
        """
        values = {0: "x"}
        for j in range(1, N_NODES):
            terms = []
            for (target, source), op in zip(EDGES, self.ops):
                if target != j:
                    continue
                if op == "none" or values[source] == _ZERO:
                    terms.append(_ZERO)
                elif op == "skip_connect":
                    terms.append(values[source])
                else:
                    terms.append(f"({values[source]})@{op}")
            values[j] = "+".join(sorted(terms))
        return values[OUTPUT]

    @cached_property
    def reachable(self) -> bool:
        """Whether the output depends on the input at all (a path of non-``none`` edges 0 → 3)."""
        live = {0}
        for (target, source), op in zip(EDGES, self.ops):
            if op != "none" and source in live:
                live.add(target)
        return OUTPUT in live

    # -- neighbours ----------------------------------------------------------------------------------------
    def edits(self) -> list[tuple[Edit, NB201Genotype]]:
        """The 24 op-change neighbours (each edge to each of the 4 other ops)."""
        out = []
        for e, op in enumerate(self.ops):
            for new_op in OPS:
                if new_op != op:
                    ops = list(self.ops)
                    ops[e] = new_op
                    out.append((Edit("cell", e, "op", op, new_op), NB201Genotype(tuple(ops))))
        return out

    def neighbours(self) -> list[NB201Genotype]:
        return [g for _, g in self.edits()]

    # -- graph ----------------------------------------------------------------------------------------------
    def to_graph(self, encoding: str = "edge") -> nx.DiGraph:
        """The cell as a labelled DAG without its ``none`` edges.

        ``encoding="edge"``: nodes ``0..3`` labelled ``input``/``node``/``output``, edges labelled by op.
        ``encoding="node"``: each op becomes a node ``("op", e)`` labelled by the op.
        """
        if encoding not in ("edge", "node"):
            raise ValueError(f"encoding must be 'edge' or 'node', got {encoding!r}")
        import networkx as nx  # only graph users pay for it (every job builds the CLI's space list)

        g = nx.DiGraph(space="nb201", encoding=encoding)
        for n in range(N_NODES):
            g.add_node(n, label="input" if n == 0 else "output" if n == OUTPUT else "node")
        for e, ((target, source), op) in enumerate(zip(EDGES, self.ops)):
            if op == "none":
                continue
            if encoding == "edge":
                g.add_edge(source, target, label=op)
            else:
                g.add_node(("op", e), label=op)
                g.add_edge(source, ("op", e), label="")
                g.add_edge(("op", e), target, label="")
        return g


def all_genotypes() -> list[NB201Genotype]:
    """All 15,625 cells in lexicographic order of the ops (the first edge varies slowest)."""
    return [NB201Genotype(ops) for ops in itertools.product(OPS, repeat=len(EDGES))]


@cache
def _benchmark_order() -> tuple[NB201Genotype, ...]:
    cells = all_genotypes()
    random.Random(BENCHMARK_SHUFFLE_SEED).shuffle(cells)
    return tuple(cells)


def benchmark_order() -> list[NB201Genotype]:
    """All 15,625 cells in the benchmark's own index order (position = benchmark index).

    NAS-Bench-201 enumerated the cells lexicographically and shuffled the list once with
    Python's ``random`` seeded by 88; the same shuffle reproduces its indices exactly.
    """
    return list(_benchmark_order())


@cache
def _index_map() -> dict[tuple[str, ...], int]:
    return {g.ops: i for i, g in enumerate(_benchmark_order())}


def benchmark_index(genotype: NB201Genotype) -> int:
    """The benchmark's index of ``genotype``."""
    return _index_map()[genotype.ops]


@cache
def _lexicographic_to_benchmark() -> np.ndarray:
    position = {ops: i for i, ops in enumerate(itertools.product(OPS, repeat=len(EDGES)))}
    out = np.empty(len(position), dtype=np.int64)
    for i, g in enumerate(_benchmark_order()):
        out[position[g.ops]] = i
    return out


def benchmark_indices(ops: np.ndarray) -> np.ndarray:
    """The benchmark's indices of cells given as op indices into :data:`OPS`, an int array ``(n, 6)``.

    >>> g = NB201Genotype(("nor_conv_3x3",) * 6)
    >>> int(benchmark_indices(np.array([[3] * 6]))[0]) == benchmark_index(g)
    True
    """
    ops = np.asarray(ops, dtype=np.int64)
    if ops.ndim != 2 or ops.shape[1] != len(EDGES) or ops.size and (ops.min() < 0 or ops.max() >= len(OPS)):
        raise GenotypeError(f"expected op indices 0..{len(OPS) - 1} of shape (n, {len(EDGES)}), got {ops.shape}")
    code = np.zeros(len(ops), dtype=np.int64)
    for column in ops.T:  # the first edge varies slowest, as in all_genotypes()
        code = code * len(OPS) + column
    return _lexicographic_to_benchmark()[code]


def info() -> dict:
    """Summary counts of the NB201 space (computed by enumeration, not hard-coded)."""
    cells = all_genotypes()
    return {
        "space": "nb201",
        "ops": list(OPS),
        "edges": len(EDGES),
        "cells": len(cells),
        "isomorphism_classes": len({g.canonical_key for g in cells}),
        "unreachable": sum(not g.reachable for g in cells),
        "neighbours_per_genotype": len(EDGES) * (len(OPS) - 1),
    }


class NB201Space(Space):
    """NAS-Bench-201 as a :class:`~cellprobe.spaces.base.Space`: one cell, an op per fixed edge, enumerable."""

    name = "nb201"
    ops = OPS
    genotype = NB201Genotype
    cell_names = ("cell",)
    edges_per_cell = len(EDGES)
    nodes_per_cell = N_NODES
    n_inputs = 1
    free_inputs = False
    default_sampler = "nb201"
    isomorphism_classes = True
    class_sampler = "nb201-iso"
    benchmark = "nb201"
    enumerable = True
    motif_cells = ("cell",)
    graph_nodes = {"input": (0,), "node": tuple(range(1, OUTPUT)), "output": (OUTPUT,)}
    info_labels = (
        ("edges", "edges per cell"),
        ("cells", "cells"),
        ("isomorphism_classes", "isomorphism classes"),
        ("unreachable", "cells with unreachable output"),
        ("neighbours_per_genotype", "neighbours per cell"),
    )

    def cells(self, genotype: NB201Genotype) -> list[tuple[str, NB201Genotype]]:
        return [("cell", genotype)]

    def disable(self, genotype: NB201Genotype, cell: str, edge: int) -> NB201Genotype:
        ops = list(genotype.ops)
        ops[edge] = "none"
        return NB201Genotype(tuple(ops))

    def cell_graph(self, genotype: NB201Genotype, cell: str = "cell", encoding: str = "edge") -> nx.DiGraph:
        return genotype.to_graph(encoding)

    def from_ops(self, ops) -> NB201Genotype:
        return NB201Genotype(tuple(ops))

    def from_naslib(self, arch) -> NB201Genotype:
        """NASLib's op-index tuple of the 6 edges, ``(e0, ..., e5)``: op indices into :data:`NASLIB_OPS`, edges
        (1→2), (1→3), (1→4), (2→3), (2→4), (3→4) of NASLib's node numbering 1..4, i.e. the cell
        ``|e0~0|+|e1~0|e3~1|+|e2~0|e4~1|e5~2|``.

        >>> SPACE.from_naslib((0, 2, 3, 2, 3, 1)).to_str()
        '|skip_connect~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_1x1~0|nor_conv_1x1~1|none~2|'
        """
        if (not isinstance(arch, (list, tuple)) or len(arch) != len(EDGES)
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in arch)):
            raise GenotypeError(f"a NASLib NB201 cell is {len(EDGES)} op indices, got {arch!r}")
        if not all(0 <= v < len(NASLIB_OPS) for v in arch):
            raise GenotypeError(f"NASLib NB201 op indices lie in 0..{len(NASLIB_OPS) - 1}, got {arch!r}")
        e = [NASLIB_OPS[v] for v in arch]
        return NB201Genotype((e[0], e[1], e[3], e[2], e[4], e[5]))

    def fair_draws(self, rng) -> list[NB201Genotype]:
        """Five cells in which each edge takes each of the five ops (``none`` included) once.

        >>> cells = SPACE.fair_draws(__import__("numpy").random.default_rng(0))
        >>> len(cells), all(sorted(c.ops[e] for c in cells) == sorted(OPS) for e in range(6))
        (5, True)
        """
        perms = [rng.permutation(len(OPS)) for _ in EDGES]
        return [NB201Genotype(tuple(OPS[perm[j]] for perm in perms)) for j in range(len(OPS))]

    def population(self) -> list[NB201Genotype]:
        return benchmark_order()

    def info(self) -> dict:
        return info()

    def benchmark_indices(self, batch: ArchArrays) -> np.ndarray:
        return benchmark_indices(batch.ops[:, 0])

    @property
    def neighbour_ops(self) -> tuple[str, ...]:
        return tuple(OPS)

    def edge_targets(self) -> np.ndarray:
        return np.array([t for t, _ in EDGES], dtype=np.int64)

    def fixed_sources(self) -> np.ndarray:
        return np.array([s for _, s in EDGES], dtype=np.int64)

    # -- array form ------------------------------------------------------------------------------------------
    def to_arrays(self, genotypes: list) -> ArchArrays:
        _, edges, nodes, _ = self.array_shape
        index = self.op_index
        n = len(genotypes)
        ops = np.array([[index[op] for op in g.ops] for g in genotypes], dtype=np.int64).reshape(n, 1, edges)
        inputs = np.broadcast_to(self.fixed_sources(), (n, 1, edges)).copy()
        concat = np.zeros((n, 1, nodes), dtype=bool)
        concat[:, 0, OUTPUT] = True
        return ArchArrays(self.name, ops, inputs, concat)

    def from_arrays(self, batch: ArchArrays) -> list[NB201Genotype]:
        return [NB201Genotype(tuple(OPS[o] for o in row)) for row in batch.ops[:, 0].tolist()]

    # -- the ENAS controller -------------------------------------------------------------------------------------
    @property
    def controller_ops(self) -> tuple[str, ...]:
        return tuple(OPS)

    def decisions(self) -> tuple[Decision, ...]:
        """The op of each of the 6 edges, in :data:`EDGES` order."""
        return tuple(Decision(e, "cell", target, e, "op", tuple(OPS)) for e, (target, _) in enumerate(EDGES))

    def decode(self, row) -> NB201Genotype:
        return NB201Genotype(tuple(OPS[a] for a in row))

    def encode(self, genotype: NB201Genotype) -> list[int]:
        return [OPS.index(op) for op in genotype.ops]


#: The NB201 space.
SPACE = register_space(NB201Space())
