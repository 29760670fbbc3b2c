"""The ENAS recurrent-cell space (Pham et al., 2018; the space Adam & Lorraine analyse): 12 nodes.

Node 0 reads the step's input and the previous hidden state; every later node ``k`` reads the output of one
earlier node ``j < k``; each node applies one activation. The cell's output (the next hidden state) is the
average of its *loose ends*, the nodes no other node reads. The string form lists the nodes in order, node 0
as its activation alone and node ``k`` as ``activation~j``::

    tanh|relu~0|relu~1|identity~1|tanh~2|sigmoid~3|tanh~4|identity~5|relu~6|sigmoid~7|tanh~8|relu~9

>>> cell = ENASRNNGenotype.parse("tanh|relu~0|relu~1|identity~1|tanh~2|sigmoid~3|tanh~4|identity~5|relu~6|sigmoid~7|tanh~8|relu~9")
>>> cell.loose_ends, len(cell.neighbours())
((10, 11), 91)

In the array form (:mod:`cellprobe.spaces.arrays`) array node 0 is the cell input and array node ``k + 1``
node ``k``: edge ``k`` feeds array node ``k + 1`` from array node ``j + 1`` (edge 0 from the input).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from cellprobe.errors import GenotypeError
from cellprobe.spaces.arrays import ArchArrays
from cellprobe.spaces.base import Decision, Edit, OpVocabulary, Space, stable_id
from cellprobe.spaces.registry import register_space

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["OPS", "N_NODES", "ENASRNNGenotype", "ENASRNNSpace", "SPACE"]

#: The activations a node may apply (ENAS' recurrent cell search).
OPS = OpVocabulary("enas-rnn", ["tanh", "relu", "identity", "sigmoid"])
#: Nodes of a cell (ENAS searched 12-node cells on Penn Treebank).
N_NODES = 12
INPUT = "x"


@dataclass(frozen=True)
class ENASRNNGenotype:
    """An ENAS recurrent cell: each node's activation and the earlier node it reads (node 0: the input).

    ``nodes``: ``N_NODES`` pairs ``(activation, previous)`` with ``previous = None`` for node 0 and an
    earlier node's number for every other node.
    """

    nodes: tuple[tuple[str, int | None], ...]
    space: ClassVar[str] = "enas-rnn"
    vocabulary: ClassVar[OpVocabulary] = OPS

    def __post_init__(self):
        if isinstance(self.nodes, str):
            raise GenotypeError("ENASRNNGenotype takes (activation, previous) pairs; use ENASRNNGenotype.parse "
                                "for strings")
        nodes = tuple(tuple(n) for n in self.nodes)
        if len(nodes) != N_NODES:
            raise GenotypeError(f"an enas-rnn cell has {N_NODES} nodes, got {len(nodes)}")
        for k, node in enumerate(nodes):
            if len(node) != 2:
                raise GenotypeError(f"enas-rnn node {k} must be (activation, previous), got {node!r}")
            act, prev = node
            OPS.check(act, where=f"node {k}")
            if k == 0:
                if prev is not None:
                    raise GenotypeError(f"enas-rnn node 0 reads the input, not node {prev!r}")
            elif isinstance(prev, bool) or not isinstance(prev, (int, np.integer)) or not 0 <= prev < k:
                raise GenotypeError(f"enas-rnn node {k} must read an earlier node 0..{k - 1}, got {prev!r}")
        object.__setattr__(self, "nodes", tuple((a, None if p is None else int(p)) for a, p in nodes))

    # -- string form ------------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> ENASRNNGenotype:
        """Parse the string form, with a precise message for each kind of error."""
        if not isinstance(text, str) or not text.strip():
            raise GenotypeError("empty enas-rnn cell string")
        items = text.strip().split("|")
        if len(items) != N_NODES:
            raise GenotypeError(f"malformed enas-rnn cell string {text.strip()!r}: expected {N_NODES} nodes "
                                f"separated by '|', got {len(items)}")
        nodes = []
        for k, item in enumerate(items):
            act, tilde, prev = item.partition("~")
            if k == 0:
                if tilde:
                    raise GenotypeError(f"malformed enas-rnn cell string: node 0 {item!r} reads the input and is "
                                        "written as its activation alone")
                nodes.append((act, None))
                continue
            if not tilde or not prev.isdigit():
                raise GenotypeError(f"malformed enas-rnn cell string: node {k} {item!r} must be activation~previous")
            nodes.append((act, int(prev)))
        return cls(tuple(nodes))

    def to_str(self) -> str:
        return "|".join(act if prev is None else f"{act}~{prev}" for act, prev in self.nodes)

    def __str__(self) -> str:
        return self.to_str()

    # -- structure ---------------------------------------------------------------------------------
    @property
    def activations(self) -> tuple[str, ...]:
        return tuple(act for act, _ in self.nodes)

    @property
    def previous(self) -> tuple[int | None, ...]:
        return tuple(prev for _, prev in self.nodes)

    @cached_property
    def loose_ends(self) -> tuple[int, ...]:
        """The nodes no other node reads: the cell's output is their average."""
        read = {prev for _, prev in self.nodes if prev is not None}
        return tuple(k for k in range(N_NODES) if k not in read)

    # -- identity ------------------------------------------------------------------------------------
    @cached_property
    def arch_id(self) -> str:
        return stable_id(self.space, self.to_str())

    @cached_property
    def canonical_key(self) -> str:
        """Isomorphism-invariant key: each node's value as an expression of the input, the output as the sorted
        sum of its loose ends' expressions (so renumbering nodes that compute the same thing changes nothing)."""
        values: list[str] = []
        for act, prev in self.nodes:
            values.append(f"{act}({INPUT if prev is None else values[prev]})")
        return "+".join(sorted(values[k] for k in self.loose_ends))

    # -- neighbours ----------------------------------------------------------------------------------------
    def edits(self) -> list[tuple[Edit, ENASRNNGenotype]]:
        """Per node in order: its activation changed to each other one, then (nodes 1..11) rewired to each
        other earlier node, in increasing order: 12 × 3 + Σ_{k=1}^{11} (k − 1) = 91 neighbours."""
        out = []
        for k, (act, prev) in enumerate(self.nodes):
            for new in OPS:
                if new != act:
                    out.append((Edit("cell", k, "op", act, new), self._with(k, (new, prev))))
            if prev is not None:
                for new_prev in range(k):
                    if new_prev != prev:
                        out.append((Edit("cell", k, "input", prev, new_prev), self._with(k, (act, new_prev))))
        return out

    def neighbours(self) -> list[ENASRNNGenotype]:
        return [g for _, g in self.edits()]

    def _with(self, k: int, node: tuple) -> ENASRNNGenotype:
        nodes = list(self.nodes)
        nodes[k] = node
        return ENASRNNGenotype(tuple(nodes))

    # -- graph ----------------------------------------------------------------------------------------------
    def to_graph(self, encoding: str = "edge") -> nx.DiGraph:
        """The cell as a labelled DAG: ``input`` → nodes → ``output``.

        Nodes are numbered as in the array form: 0 the ``input``, ``k + 1`` node ``k`` (labelled ``node``),
        ``N_NODES + 1`` the ``output``. ``encoding="edge"``: the edge into a node is labelled by its activation,
        loose ends feed the output through ``avg`` edges. ``encoding="node"``: the activations label the nodes
        instead, and the edges are unlabelled.
        """
        if encoding not in ("edge", "node"):
            raise ValueError(f"encoding must be 'edge' or 'node', got {encoding!r}")
        import networkx as nx

        g = nx.DiGraph(space=self.space, encoding=encoding)
        g.add_node(0, label="input")
        for k, (act, prev) in enumerate(self.nodes):
            g.add_node(k + 1, label="node" if encoding == "edge" else act)
        g.add_node(N_NODES + 1, label="output")
        for k, (act, prev) in enumerate(self.nodes):
            g.add_edge(0 if prev is None else prev + 1, k + 1, label=act if encoding == "edge" else "")
        for k in self.loose_ends:
            g.add_edge(k + 1, N_NODES + 1, label="avg" if encoding == "edge" else "")
        return g


class ENASRNNSpace(Space):
    """The ENAS recurrent cell as a :class:`~cellprobe.spaces.base.Space`: one cell, one incoming edge per
    node whose source the node chooses, an activation per node, no ``none``."""

    name = "enas-rnn"
    ops = OPS
    genotype = ENASRNNGenotype
    cell_names = ("cell",)
    edges_per_cell = N_NODES
    nodes_per_cell = N_NODES + 1
    n_inputs = 1
    free_inputs = True
    inputs_per_node = 1
    default_sampler = "enas-rnn"
    motif_cells = ("cell",)
    graph_nodes = {"input": (0,), "node": tuple(range(1, N_NODES + 1)), "output": (N_NODES + 1,)}
    can_disable = False
    task = "text"
    op_noun = "activations"
    info_labels = (
        ("nodes", "nodes per cell"),
        ("cells", "cells"),
        ("neighbours_per_genotype", "neighbours per cell"),
    )

    def cells(self, genotype: ENASRNNGenotype) -> list[tuple[str, ENASRNNGenotype]]:
        return [("cell", genotype)]

    def disable(self, genotype, cell: str, edge: int):
        raise GenotypeError("an enas-rnn node cannot be disabled: the space has no 'none' op")

    def cell_graph(self, genotype: ENASRNNGenotype, cell: str = "cell", encoding: str = "edge") -> nx.DiGraph:
        return genotype.to_graph(encoding)

    def info(self) -> dict:
        cells = len(OPS) ** N_NODES
        for k in range(1, N_NODES):
            cells *= k
        return {"space": self.name, "ops": list(OPS), "nodes": N_NODES, "cells": cells,
                "neighbours_per_genotype": N_NODES * (len(OPS) - 1) + sum(k - 1 for k in range(1, N_NODES))}

    @property
    def neighbour_ops(self) -> tuple[str, ...]:
        return tuple(OPS)

    def edge_targets(self) -> np.ndarray:
        return np.arange(1, N_NODES + 1, dtype=np.int64)

    # -- array form ------------------------------------------------------------------------------------------
    def to_arrays(self, genotypes: list) -> ArchArrays:
        index = self.op_index
        n = len(genotypes)
        ops = np.array([[index[a] for a in g.activations] for g in genotypes], dtype=np.int64).reshape(n, 1, N_NODES)
        inputs = np.array([[0 if p is None else p + 1 for p in g.previous] for g in genotypes],
                          dtype=np.int64).reshape(n, 1, N_NODES)
        concat = np.zeros((n, 1, N_NODES + 1), dtype=bool)
        for b, g in enumerate(genotypes):
            concat[b, 0, [k + 1 for k in g.loose_ends]] = True
        return ArchArrays(self.name, ops, inputs, concat)

    def from_arrays(self, batch: ArchArrays) -> list[ENASRNNGenotype]:
        out = []
        for ops, inputs in zip(batch.ops[:, 0].tolist(), batch.inputs[:, 0].tolist()):
            out.append(ENASRNNGenotype(tuple((OPS[o], None if k == 0 else i - 1)
                                             for k, (o, i) in enumerate(zip(ops, inputs)))))
        return out

    def valid_slots(self, batch: ArchArrays, new_op: np.ndarray, new_input: np.ndarray) -> np.ndarray:
        """Activation swaps, and rewirings of nodes 1..11 to another earlier node (never to the raw input)."""
        inputs = batch.inputs[:, :, :, None]
        reach = (new_input >= 1) & (new_input < self.edge_targets()[:, None])
        return super().valid_slots(batch, new_op, new_input) | (reach & (new_input != inputs))

    # -- the ENAS controller -------------------------------------------------------------------------------------
    @property
    def controller_ops(self) -> tuple[str, ...]:
        return tuple(OPS)

    def decisions(self) -> tuple[Decision, ...]:
        """As ENAS: node 0's activation, then for each later node the node it reads and its activation. Nodes
        and input choices are in the array numbering (node ``k`` is ``k + 1``; the cell input 0 is never a
        choice): action ``i`` of node ``k``'s input decision reads node ``i``."""
        out: list[Decision] = [Decision(0, "cell", 1, 0, "op", tuple(OPS))]
        for k in range(1, N_NODES):
            out.append(Decision(len(out), "cell", k + 1, k, "input", tuple(range(1, k + 1))))
            out.append(Decision(len(out), "cell", k + 1, k, "op", tuple(OPS)))
        return tuple(out)

    def decode(self, row) -> ENASRNNGenotype:
        row = [int(a) for a in row]
        if len(row) != 2 * N_NODES - 1:
            raise GenotypeError(f"an enas-rnn action sequence has {2 * N_NODES - 1} actions, got {len(row)}")
        nodes = [(OPS[row[0]], None)] + [(OPS[row[2 * k]], row[2 * k - 1]) for k in range(1, N_NODES)]
        return ENASRNNGenotype(tuple(nodes))

    def encode(self, genotype: ENASRNNGenotype) -> list[int]:
        row = [OPS.index(genotype.nodes[0][0])]
        for act, prev in genotype.nodes[1:]:
            row += [prev, OPS.index(act)]
        return row


#: The ENAS recurrent-cell space.
SPACE = register_space(ENASRNNSpace())
