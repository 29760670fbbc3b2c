"""Architecture encodings for the performance predictors, batched over a list of genotypes.

Three encodings, each defined on both spaces:

* :func:`onehot` — a flat 0/1 vector. NB201: the op of each of the 6 edges (6 × 5 = 30 entries).
  DARTS: for each cell (normal, reduce) and each of its 8 edges, the op over the 8 primitives and the
  input node over the 5 possible inputs (2 × 8 × (8 + 5) = 208 entries).
* :func:`tokens` — one integer token per edge for sequence models. NB201: ``edge · 5 + op``
  (30 tokens, 6 per cell). DARTS: ``((cell · 4 + node) · 8 + op) · 5 + input`` (320 tokens, 16 per genotype).
* :func:`graph` — per cell a fixed node set (NB201: nodes 0..3; DARTS: the two cell inputs and the four
  intermediate nodes) with a per-op adjacency tensor ``A[op, target, source]`` (0/1) and a mask of the
  nodes the cell's output reads (NB201: node 3; DARTS: the concat list), so that message passing over a
  batch is a handful of tensor products. Every op of the vocabulary, ``none`` included, has its channel;
  a model decides what ``none`` means.

DARTS genotypes are encoded through :meth:`DartsGenotype.canonical`, so two genotypes that differ only in
the order of a node's two edges get identical encodings. The flat and token encodings do not encode the
concat list (every sampler uses the default ``2, 3, 4, 5``); the graph encoding does.

>>> from cellprobe.spaces import NB201Genotype
>>> g = NB201Genotype.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|")
>>> onehot([g]).shape, tokens([g]).tolist()
((1, 30), [[3, 8, 14, 16, 23, 26]])
>>> enc = graph([g])
>>> enc.adjacency.shape, int(enc.adjacency[0, 0, 4, 2, 1])  # avg_pool_3x3 on edge 1 -> 2
((1, 1, 5, 4, 4), 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cellprobe.spaces import DartsGenotype, NB201Genotype
from cellprobe.spaces import darts as darts_space
from cellprobe.spaces import nb201 as nb201_space

__all__ = [
    "ENCODINGS",
    "GraphEncoding",
    "space_of",
    "onehot",
    "onehot_size",
    "tokens",
    "token_shape",
    "graph",
    "graph_shape",
]

ENCODINGS = ("onehot", "tokens", "graph")

_DARTS_OPS = darts_space.PRIMITIVES
_DARTS_EDGES = 2 * darts_space.N_NODES  # edges per cell
_DARTS_INPUTS = darts_space.N_INPUTS + darts_space.N_NODES - 1  # possible input nodes of an edge: 0..4
_DARTS_GRAPH_NODES = darts_space.N_INPUTS + darts_space.N_NODES  # 0, 1 (cell inputs), 2..5
_NB201_OPS = nb201_space.OPS
_NB201_EDGES = nb201_space.EDGES


def space_of(genotypes: Sequence, space: str | None = None) -> str:
    """The space of a list of genotypes, checked to be one space (and ``space`` when given)."""
    kinds = {getattr(g, "space", None) for g in genotypes}
    if space is not None:
        kinds.add(space)
    if not kinds:
        raise ValueError("cannot infer the space of an empty list of genotypes; pass space=")
    if len(kinds) > 1 or not kinds <= {"darts", "nb201"}:
        raise ValueError(f"expected genotypes of one space (darts or nb201), got {sorted(map(str, kinds))}")
    return kinds.pop()


# -- integer arrays of the genotypes ------------------------------------------------------------------
def _nb201_ops(genotypes: Sequence[NB201Genotype]) -> np.ndarray:
    """(n, 6) op indices."""
    index = {op: i for i, op in enumerate(_NB201_OPS)}
    return np.array([[index[op] for op in g.ops] for g in genotypes], dtype=np.int64).reshape(-1, len(_NB201_EDGES))


def _darts_arrays(genotypes: Sequence[DartsGenotype]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, 2, 8) op indices, (n, 2, 8) input nodes and (n, 2, 6) concat masks of the canonical genotypes."""
    index = {op: i for i, op in enumerate(_DARTS_OPS)}
    n = len(genotypes)
    ops = np.zeros((n, 2, _DARTS_EDGES), dtype=np.int64)
    inputs = np.zeros((n, 2, _DARTS_EDGES), dtype=np.int64)
    concat = np.zeros((n, 2, _DARTS_GRAPH_NODES), dtype=np.float32)
    for b, genotype in enumerate(genotypes):
        canonical = genotype.canonical()
        for c, name in enumerate(darts_space.CELL_TYPES):
            cell = canonical.cell(name)
            for e, (op, inp) in enumerate(cell.edges):
                ops[b, c, e] = index[op]
                inputs[b, c, e] = inp
            concat[b, c, list(cell.concat)] = 1.0
    return ops, inputs, concat


def _one_hot(indices: np.ndarray, size: int) -> np.ndarray:
    return (indices[..., None] == np.arange(size)).astype(np.float32)


# -- flat one-hot -------------------------------------------------------------------------------------------
def onehot_size(space: str) -> int:
    """Length of the :func:`onehot` vector of ``space`` (30 for NB201, 208 for DARTS)."""
    if space_of([], space) == "nb201":
        return len(_NB201_EDGES) * len(_NB201_OPS)
    return 2 * _DARTS_EDGES * (len(_DARTS_OPS) + _DARTS_INPUTS)


def onehot(genotypes: Sequence, space: str | None = None) -> np.ndarray:
    """The flat one-hot encoding, a float32 array of shape ``(len(genotypes), onehot_size(space))``."""
    space = space_of(genotypes, space)
    if space == "nb201":
        return _one_hot(_nb201_ops(genotypes), len(_NB201_OPS)).reshape(len(genotypes), onehot_size(space))
    ops, inputs, _ = _darts_arrays(genotypes)
    parts = np.concatenate([_one_hot(ops, len(_DARTS_OPS)), _one_hot(inputs, _DARTS_INPUTS)], axis=-1)
    return parts.reshape(len(genotypes), onehot_size(space))


# -- token sequence ----------------------------------------------------------------------------------------
def token_shape(space: str) -> tuple[int, int]:
    """``(vocabulary size, sequence length)`` of :func:`tokens` in ``space``."""
    if space_of([], space) == "nb201":
        return len(_NB201_EDGES) * len(_NB201_OPS), len(_NB201_EDGES)
    return 2 * darts_space.N_NODES * len(_DARTS_OPS) * _DARTS_INPUTS, 2 * _DARTS_EDGES


def tokens(genotypes: Sequence, space: str | None = None) -> np.ndarray:
    """One token per edge, an int64 array of shape ``(len(genotypes), sequence length)``.

    The edges come in the genotype's order (NB201: the string form's; DARTS: normal then reduce cell,
    node by node, each node's edges sorted by input). A token names the edge's position and its op
    (and, in DARTS, its input), so an LSTM reading the tokens needs no separate position signal.
    """
    space = space_of(genotypes, space)
    if space == "nb201":
        ops = _nb201_ops(genotypes)
        return np.arange(len(_NB201_EDGES)) * len(_NB201_OPS) + ops
    ops, inputs, _ = _darts_arrays(genotypes)
    cell = np.arange(2)[:, None]
    node = np.arange(_DARTS_EDGES)[None, :] // 2
    slot = cell * darts_space.N_NODES + node  # (2, 8)
    out = (slot * len(_DARTS_OPS) + ops) * _DARTS_INPUTS + inputs
    return out.reshape(len(genotypes), token_shape(space)[1])


# -- graph -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GraphEncoding:
    """A batch of cells as per-op adjacency tensors.

    ``adjacency``: float32 ``(batch, cells, ops, nodes, nodes)`` with ``adjacency[b, c, o, j, i] = 1`` when
    cell ``c`` of genotype ``b`` has an edge ``i → j`` carrying op ``o`` (``cells`` is 2 for DARTS — normal,
    reduce — and 1 for NB201). ``output``: float32 ``(batch, cells, nodes)``, 1 on the nodes the cell's
    output reads. ``n_inputs``: the first ``n_inputs`` nodes are cell inputs (no incoming edges); the other
    nodes are numbered in topological order.
    """

    adjacency: np.ndarray
    output: np.ndarray
    n_inputs: int

    def __post_init__(self):
        if self.adjacency.ndim != 5 or self.adjacency.shape[3] != self.adjacency.shape[4]:
            raise ValueError(f"adjacency must be (batch, cells, ops, nodes, nodes), got {self.adjacency.shape}")
        if self.output.shape != (*self.adjacency.shape[:2], self.adjacency.shape[3]):
            raise ValueError(f"output mask shape {self.output.shape} does not fit adjacency {self.adjacency.shape}")

    def __len__(self) -> int:
        return self.adjacency.shape[0]


def graph_shape(space: str) -> tuple[int, int, int, int]:
    """``(cells, ops, nodes, input nodes)`` of :func:`graph` in ``space``."""
    if space_of([], space) == "nb201":
        return 1, len(_NB201_OPS), nb201_space.N_NODES, 1
    return 2, len(_DARTS_OPS), _DARTS_GRAPH_NODES, darts_space.N_INPUTS


def graph(genotypes: Sequence, space: str | None = None) -> GraphEncoding:
    """The :class:`GraphEncoding` of a list of genotypes."""
    space = space_of(genotypes, space)
    cells, n_ops, n_nodes, n_inputs = graph_shape(space)
    n = len(genotypes)
    adjacency = np.zeros((n, cells, n_ops, n_nodes, n_nodes), dtype=np.float32)
    batch = np.arange(n)[:, None]
    if space == "nb201":
        ops = _nb201_ops(genotypes)
        target = np.array([t for t, _ in _NB201_EDGES])
        source = np.array([s for _, s in _NB201_EDGES])
        adjacency[batch, 0, ops, target, source] = 1.0
        output = np.zeros((n, 1, n_nodes), dtype=np.float32)
        output[:, 0, nb201_space.OUTPUT] = 1.0
        return GraphEncoding(adjacency, output, n_inputs)
    ops, inputs, output = _darts_arrays(genotypes)
    target = np.arange(_DARTS_EDGES) // 2 + darts_space.N_INPUTS
    for c in range(cells):
        adjacency[batch, c, ops[:, c], target, inputs[:, c]] = 1.0
    return GraphEncoding(adjacency, output, n_inputs)
