"""Architecture encodings for the performance predictors, batched over a list of genotypes.

Three encodings, each defined on both spaces:

* :func:`onehot` — a flat 0/1 vector. NB201: the op of each of the 6 edges (6 × 5 = 30 entries).
  DARTS: for each cell (normal, reduce) and each of its 8 edges, the op over the 8 primitives and the
  input node over the 5 possible inputs (2 × 8 × (8 + 5) = 208 entries).
* :func:`tokens` — one integer token per edge for sequence models. NB201: ``edge · 5 + op``
  (30 tokens, 6 per cell). DARTS: ``((cell · 4 + node) · 8 + op) · 5 + input`` (320 tokens, 16 per genotype).
* :func:`graph` — per cell a fixed node set (NB201: nodes 0..3; DARTS: the two cell inputs and the four
  intermediate nodes) with an edge list (each edge's op and source node; the node it feeds is fixed by
  its position) and a mask of the nodes the cell's output reads (NB201: node 3; DARTS: the concat
  list); :attr:`GraphEncoding.adjacency` gives the same cells as per-op adjacency tensors
  ``A[op, target, source]``. Every op of the vocabulary, ``none`` included, keeps its index; a model
  decides what ``none`` means.

Each function takes a list of genotypes or an :class:`~cellprobe.spaces.arrays.ArchArrays` batch (what
operator importance builds its neighbours as), and gives the same encoding for both.

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

from cellprobe.spaces import get_space
from cellprobe.spaces.arrays import ArchArrays, edge_targets, space_of, to_arrays

__all__ = [
    "ENCODINGS",
    "GraphEncoding",
    "space_of",
    "as_arrays",
    "onehot",
    "onehot_size",
    "tokens",
    "token_shape",
    "graph",
    "graph_shape",
]

ENCODINGS = ("onehot", "tokens", "graph")

def as_arrays(genotypes, space: str | None = None) -> ArchArrays:
    """The canonical :class:`ArchArrays` of a list of genotypes or of a batch (checked against ``space``)."""
    space = space_of(genotypes, space)
    batch = genotypes if isinstance(genotypes, ArchArrays) else to_arrays(list(genotypes), space)
    return batch.canonical()


def _one_hot(indices: np.ndarray, size: int) -> np.ndarray:
    return (indices[..., None] == np.arange(size)).astype(np.float32)


# -- flat one-hot -------------------------------------------------------------------------------------------
def onehot_size(space: str) -> int:
    """Length of the :func:`onehot` vector of ``space`` (30 for NB201, 208 for DARTS)."""
    space = get_space(space_of([], space))
    cells, edges, _, _ = space.array_shape
    return cells * edges * (len(space.ops) + (space.possible_inputs if space.free_inputs else 0))


def onehot(genotypes: Sequence | ArchArrays, space: str | None = None) -> np.ndarray:
    """The flat one-hot encoding, a float32 array of shape ``(len(genotypes), onehot_size(space))``.

    Per cell and edge: the op over the space's vocabulary and, where edges choose their input (DARTS),
    the input node over the possible ones.
    """
    batch = as_arrays(genotypes, space)
    info = get_space(batch.space)
    parts = _one_hot(batch.ops, len(info.ops))
    if info.free_inputs:
        parts = np.concatenate([parts, _one_hot(batch.inputs, info.possible_inputs)], axis=-1)
    return parts.reshape(len(batch), onehot_size(batch.space))


# -- token sequence ----------------------------------------------------------------------------------------
def token_shape(space: str) -> tuple[int, int]:
    """``(vocabulary size, sequence length)`` of :func:`tokens` in ``space``."""
    space = get_space(space_of([], space))
    cells, edges, nodes, n_inputs = space.array_shape
    if not space.free_inputs:
        return cells * edges * len(space.ops), cells * edges
    return cells * (nodes - n_inputs) * len(space.ops) * space.possible_inputs, cells * edges


def tokens(genotypes: Sequence | ArchArrays, space: str | None = None) -> np.ndarray:
    """One token per edge, an int64 array of shape ``(len(genotypes), sequence length)``.

    The edges come in the genotype's order (NB201: the string form's; DARTS: normal then reduce cell,
    node by node, each node's edges sorted by input). A token names the edge's position and its op
    (and, in DARTS, its input), so an LSTM reading the tokens needs no separate position signal: NB201
    ``edge · 5 + op``; DARTS ``((cell · 4 + node) · 8 + op) · 5 + input``.
    """
    batch = as_arrays(genotypes, space)
    info = get_space(batch.space)
    n, cells, edges = batch.ops.shape
    cell = np.arange(cells)[:, None]
    if not info.free_inputs:
        slot = cell * edges + np.arange(edges)[None, :]  # (cells, edges): the edge's position
        out = slot * len(info.ops) + batch.ops
    else:
        node = (info.edge_targets() - info.n_inputs)[None, :]  # edges of one node share its slot
        slot = cell * (info.nodes_per_cell - info.n_inputs) + node
        out = (slot * len(info.ops) + batch.ops) * info.possible_inputs + batch.inputs
    return out.reshape(n, token_shape(batch.space)[1])


# -- graph -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GraphEncoding:
    """A batch of cells as edge lists over a fixed node set.

    ``ops`` and ``sources``: int64 ``(batch, cells, edges)``, the op and the source node of each edge;
    edge ``e`` feeds node ``targets[e]`` (``cells`` is 2 for DARTS — normal, reduce — and 1 for NB201).
    ``output``: float32 ``(batch, cells, nodes)``, 1 on the nodes the cell's output reads. ``n_ops``: the
    size of the op vocabulary; ``n_inputs``: the first ``n_inputs`` nodes are cell inputs (no incoming
    edges); the other nodes are numbered in topological order. :attr:`adjacency` gives the same cells as
    per-op adjacency tensors.
    """

    ops: np.ndarray
    sources: np.ndarray
    targets: np.ndarray
    output: np.ndarray
    n_ops: int
    n_inputs: int

    def __post_init__(self):
        if self.ops.ndim != 3 or self.sources.shape != self.ops.shape or self.targets.shape != self.ops.shape[2:]:
            raise ValueError(f"ops {self.ops.shape}, sources {self.sources.shape} and targets {self.targets.shape} "
                             "must be (batch, cells, edges), (batch, cells, edges) and (edges,)")
        if self.output.ndim != 3 or self.output.shape[:2] != self.ops.shape[:2]:
            raise ValueError(f"output mask shape {self.output.shape} does not fit ops {self.ops.shape}")
        if (self.sources >= self.targets).any() or (self.targets < self.n_inputs).any():
            raise ValueError("every edge must go from a lower node to a later, non-input node")

    def __len__(self) -> int:
        return self.ops.shape[0]

    @property
    def n_nodes(self) -> int:
        return self.output.shape[2]

    @property
    def adjacency(self) -> np.ndarray:
        """float32 ``(batch, cells, ops, nodes, nodes)``: ``adjacency[b, c, o, j, i] = 1`` for an edge ``i → j`` with op ``o``."""
        n, cells, _ = self.ops.shape
        out = np.zeros((n, cells, self.n_ops, self.n_nodes, self.n_nodes), dtype=np.float32)
        out[np.arange(n)[:, None, None], np.arange(cells)[None, :, None], self.ops, self.targets, self.sources] = 1.0
        return out


def graph_shape(space: str) -> tuple[int, int, int, int]:
    """``(cells, ops, nodes, input nodes)`` of :func:`graph` in ``space``."""
    space = get_space(space_of([], space))
    cells, _, nodes, inputs = space.array_shape
    return cells, len(space.ops), nodes, inputs


def graph(genotypes: Sequence | ArchArrays, space: str | None = None) -> GraphEncoding:
    """The :class:`GraphEncoding` of a list of genotypes or of a batch."""
    batch = as_arrays(genotypes, space)
    _, n_ops, _, n_inputs = graph_shape(batch.space)
    return GraphEncoding(batch.ops, batch.inputs, edge_targets(batch.space), batch.concat.astype(np.float32),
                         n_ops, n_inputs)
