"""Batches of genotypes as integer arrays, and their neighbours built as array edits.

Stages that handle thousands of architectures at once (operator importance, predictor queries) do
not need a genotype object per architecture: :class:`ArchArrays` holds a batch of one space as three
arrays, and :func:`neighbour_arrays` builds every single-edge neighbour of a batch — the same
neighbours, in the same order, as :meth:`~cellprobe.spaces.darts.DartsGenotype.edits` and
:meth:`~cellprobe.spaces.nb201.NB201Genotype.edits` — without leaving numpy.

* ``ops``: int64 ``(n, cells, edges)``, the op of each edge as an index into the space's vocabulary
  (NB201: 1 cell of 6 edges in :data:`~cellprobe.spaces.nb201.EDGES` order; DARTS: the normal and the
  reduce cell, 8 edges each, in the genotype's own edge order).
* ``inputs``: int64 ``(n, cells, edges)``, the source node of each edge (NB201: fixed by the edge;
  DARTS: 0, 1 are the cell inputs, 2..5 the intermediate nodes).
* ``concat``: bool ``(n, cells, nodes)``, the nodes the cell's output reads (NB201: node 3).

Edge ``e`` always feeds the node :func:`edge_targets` gives, so a batch is fully described by these
arrays. :func:`to_arrays` and :func:`to_genotypes` convert both ways, exactly.

>>> from cellprobe.spaces import NB201Genotype
>>> g = NB201Genotype.parse("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|none~1|avg_pool_3x3~2|")
>>> batch = to_arrays([g])
>>> batch.ops.tolist()
[[[3, 0, 1, 2, 0, 4]]]
>>> found = neighbour_arrays(batch)
>>> to_genotypes(found.arrays) == g.neighbours(), found.edge[:5].tolist()
(True, [0, 0, 0, 0, 1])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from cellprobe.errors import GenotypeError
from cellprobe.spaces import darts, nb201
from cellprobe.spaces.darts import DartsCell, DartsGenotype
from cellprobe.spaces.nb201 import NB201Genotype

__all__ = ["ArchArrays", "Neighbours", "to_arrays", "to_genotypes", "neighbour_arrays", "edge_targets",
           "array_shape", "unique_rows", "space_of", "CELL_NAMES"]

#: Cell names by space, in the order of the arrays' ``cells`` axis (as :class:`~cellprobe.spaces.Edit` names them).
CELL_NAMES = {"nb201": ("cell",), "darts": darts.CELL_TYPES}
_VOCABULARY = {"nb201": nb201.OPS, "darts": darts.PRIMITIVES}


def array_shape(space: str) -> tuple[int, int, int, int]:
    """``(cells, edges per cell, nodes per cell, input nodes)`` of the arrays of ``space``."""
    if space == "nb201":
        return 1, len(nb201.EDGES), nb201.N_NODES, 1
    if space == "darts":
        return 2, 2 * darts.N_NODES, darts.N_INPUTS + darts.N_NODES, darts.N_INPUTS
    raise GenotypeError(f"unknown search space {space!r}; known spaces: darts, nb201")


def edge_targets(space: str) -> np.ndarray:
    """The node each edge feeds, ``(edges,)``; nodes are numbered in topological order."""
    if space == "nb201":
        return np.array([t for t, _ in nb201.EDGES], dtype=np.int64)
    array_shape(space)
    return np.arange(2 * darts.N_NODES, dtype=np.int64) // 2 + darts.N_INPUTS


@dataclass(frozen=True)
class ArchArrays:
    """A batch of genotypes of one space as integer arrays (see the module docstring)."""

    space: str
    ops: np.ndarray
    inputs: np.ndarray
    concat: np.ndarray

    def __post_init__(self):
        cells, edges, nodes, _ = array_shape(self.space)
        n = len(self.ops)
        if self.ops.shape != (n, cells, edges) or self.inputs.shape != (n, cells, edges):
            raise ValueError(f"{self.space} ops and inputs must be ({n}, {cells}, {edges}), "
                             f"got {self.ops.shape} and {self.inputs.shape}")
        if self.concat.shape != (n, cells, nodes):
            raise ValueError(f"{self.space} concat must be ({n}, {cells}, {nodes}), got {self.concat.shape}")

    def __len__(self) -> int:
        return len(self.ops)

    def take(self, index) -> ArchArrays:
        """The architectures at ``index`` (an integer array or a boolean mask)."""
        return ArchArrays(self.space, self.ops[index], self.inputs[index], self.concat[index])

    def canonical(self) -> ArchArrays:
        """Each DARTS node's two edges sorted by input, as :meth:`DartsCell.canonical` orders them.

        (A node's two inputs always differ, so the input alone decides the order.) NB201 batches, and
        batches already in canonical order, are returned as they are.
        """
        if self.space == "nb201":
            return self
        n, cells, edges = self.ops.shape
        ops = self.ops.reshape(n, cells, edges // 2, 2)
        inputs = self.inputs.reshape(n, cells, edges // 2, 2)
        swap = (inputs[..., 0] > inputs[..., 1])[..., None]
        if not swap.any():  # already canonical (e.g. a batch canonicalised before)
            return self

        def ordered(pairs):
            return np.where(swap, pairs[..., ::-1], pairs).reshape(n, cells, edges)

        return ArchArrays(self.space, ordered(ops), ordered(inputs), self.concat)

    def unique(self) -> tuple[ArchArrays, np.ndarray]:
        """The distinct architectures of the batch (in order of first appearance) and each one's row among them.

        Architectures are equal when their arrays are (compare canonical batches for DARTS identity).
        """
        n = len(self)
        first, inverse = unique_rows(np.concatenate([self.ops.reshape(n, -1), self.inputs.reshape(n, -1),
                                                     self.concat.reshape(n, -1)], axis=1))
        return self.take(first), inverse


def unique_rows(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact distinct rows of a small non-negative integer matrix: ``(first, inverse)``.

    ``first``: the index of each distinct row's first occurrence, in order of appearance;
    ``inverse``: per row, its position in ``first``, so ``rows[first][inverse] == rows``. Rows are packed
    into as few int64 words as their values allow and sorted with ``lexsort`` (a few milliseconds for
    tens of thousands of rows, where ``np.unique(axis=0)`` sorts byte strings).

    >>> first, inverse = unique_rows(np.array([[1, 2], [0, 3], [1, 2]]))
    >>> first.tolist(), inverse.tolist()
    ([0, 1], [0, 1, 0])
    """
    rows = np.asarray(rows, dtype=np.int64).reshape(len(rows), -1)
    n, width = rows.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if rows.min() < 0:
        raise ValueError("unique_rows takes non-negative integers")
    bits = max(1, int(rows.max()).bit_length())
    per_word = max(1, 63 // bits)
    words = []
    for start in range(0, width, per_word):
        word = np.zeros(n, dtype=np.int64)
        for column in rows[:, start : start + per_word].T:
            word = (word << bits) | column
        words.append(word)
    order = np.lexsort(words[::-1])  # the first word is the primary key
    stacked = np.stack([w[order] for w in words], axis=1)
    new = np.ones(n, dtype=bool)
    new[1:] = (stacked[1:] != stacked[:-1]).any(axis=1)
    group = np.cumsum(new) - 1  # group id in sorted order
    first_sorted = order[new]  # lexsort is stable: the first occurrence leads each group
    by_appearance = np.argsort(first_sorted, kind="stable")
    rank = np.empty_like(by_appearance)
    rank[by_appearance] = np.arange(len(by_appearance))
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = rank[group]
    return first_sorted[by_appearance], inverse


@cache
def _op_index(space: str) -> dict[str, int]:
    return {op: i for i, op in enumerate(_VOCABULARY[space])}


def space_of(genotypes, space: str | None = None) -> str:
    """The space of a list of genotypes (or of a batch), checked to be one space (and ``space`` when given)."""
    kinds = {genotypes.space} if isinstance(genotypes, ArchArrays) else {getattr(g, "space", None) for g in genotypes}
    if space is not None:
        kinds.add(space)
    if not kinds:
        raise GenotypeError("cannot infer the space of an empty list of genotypes; pass space=")
    if len(kinds) > 1 or not kinds <= set(CELL_NAMES):
        raise GenotypeError(f"expected genotypes of one space (darts or nb201), got {sorted(map(str, kinds))}")
    return kinds.pop()


def to_arrays(genotypes: Sequence, space: str | None = None) -> ArchArrays:
    """The :class:`ArchArrays` of a list of genotypes of one space (``space`` needed when the list is empty)."""
    space = space_of(genotypes, space)
    cells, edges, nodes, _ = array_shape(space)
    index = _op_index(space)
    n = len(genotypes)
    if space == "nb201":
        ops = np.array([[index[op] for op in g.ops] for g in genotypes], dtype=np.int64).reshape(n, 1, edges)
        inputs = np.broadcast_to(np.array([s for _, s in nb201.EDGES], dtype=np.int64), (n, 1, edges)).copy()
        concat = np.zeros((n, 1, nodes), dtype=bool)
        concat[:, 0, nb201.OUTPUT] = True
        return ArchArrays(space, ops, inputs, concat)
    flat = [[(index[op], inp) for name in darts.CELL_TYPES for op, inp in g.cell(name).edges] for g in genotypes]
    pairs = np.array(flat, dtype=np.int64).reshape(n, cells, edges, 2)
    concat = np.zeros((n, cells, nodes), dtype=bool)
    for b, g in enumerate(genotypes):
        for c, name in enumerate(darts.CELL_TYPES):
            concat[b, c, list(g.cell(name).concat)] = True
    return ArchArrays(space, pairs[..., 0].copy(), pairs[..., 1].copy(), concat)


def to_genotypes(batch: ArchArrays) -> list:
    """The genotypes of a batch (validated as any genotype is)."""
    names = _VOCABULARY[batch.space]
    if batch.space == "nb201":
        return [NB201Genotype(tuple(names[o] for o in row)) for row in batch.ops[:, 0].tolist()]
    out = []
    for ops, inputs, concat in zip(batch.ops.tolist(), batch.inputs.tolist(), batch.concat):
        cells = [DartsCell(tuple((names[o], i) for o, i in zip(ops[c], inputs[c])),
                           tuple(int(k) for k in np.flatnonzero(concat[c])), name)
                 for c, name in enumerate(darts.CELL_TYPES)]
        out.append(DartsGenotype(*cells))
    return out


# -- neighbours -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Neighbours:
    """Every single-edge neighbour of a batch: ``arrays`` plus, per neighbour, whose it is and what changed.

    ``owner``: index of the architecture in the original batch; ``cell``, ``edge``: the changed edge
    (``cell`` indexes :data:`CELL_NAMES`); ``kind``: 0 for an op swap, 1 for a rewiring.
    """

    arrays: ArchArrays
    owner: np.ndarray
    cell: np.ndarray
    edge: np.ndarray
    kind: np.ndarray


@cache
def _candidates(space: str) -> tuple[np.ndarray, np.ndarray]:
    """Per edge, the candidate slots of its neighbours in :meth:`edits` order: new op or new input (-1: none).

    Returns ``(new_op, new_input)``, each ``(edges, slots)``: an op slot sets ``new_op`` (and
    ``new_input = -1``), a rewiring slot sets ``new_input`` (``new_op = -1``).
    """
    index = _op_index(space)
    _, edges, _, n_inputs = array_shape(space)
    if space == "nb201":
        ops = np.array([index[op] for op in nb201.OPS])
        return np.tile(ops, (edges, 1)), np.full((edges, len(ops)), -1)
    ops = np.array([index[op] for op in darts.NEIGHBOUR_OPS])
    max_inputs = n_inputs + darts.N_NODES - 1
    new_op = np.concatenate([np.tile(ops, (edges, 1)), np.full((edges, max_inputs), -1)], axis=1)
    new_input = np.concatenate([np.full((edges, len(ops)), -1), np.tile(np.arange(max_inputs), (edges, 1))], axis=1)
    return new_op, new_input


def neighbour_arrays(batch: ArchArrays) -> Neighbours:
    """The single-edge neighbours of every architecture of ``batch``, grouped by owner, in :meth:`edits` order.

    NB201: each edge to each of the 4 other ops. DARTS: for each of the 16 edges, every other op but
    ``none``, then every rewiring to an input of the same node that is neither the edge's own nor its
    partner edge's. The neighbours keep their owner's edge order (canonicalise them with
    :meth:`ArchArrays.canonical` where identity matters).
    """
    n, cells, edges = batch.ops.shape
    new_op, new_input = _candidates(batch.space)  # (edges, slots)
    ops = batch.ops[:, :, :, None]  # (n, cells, edges, 1)
    valid = (new_op >= 0) & (new_op != ops)
    if batch.space == "darts":
        inputs = batch.inputs[:, :, :, None]
        partner = batch.inputs[:, :, np.arange(edges) ^ 1, None]
        reach = (new_input < edge_targets("darts")[:, None])  # inputs 0..node-1 of the edge's node
        valid |= (new_input >= 0) & reach & (new_input != inputs) & (new_input != partner)
    owner, cell, edge, slot = np.nonzero(valid)  # row-major: owner, cell, edge, slot = edits() order
    out_ops = batch.ops[owner].copy()
    out_inputs = batch.inputs[owner].copy()
    m = np.arange(len(owner))
    op_slot = new_op[edge, slot]
    is_op = op_slot >= 0
    out_ops[m[is_op], cell[is_op], edge[is_op]] = op_slot[is_op]
    out_inputs[m[~is_op], cell[~is_op], edge[~is_op]] = new_input[edge[~is_op], slot[~is_op]]
    arrays = ArchArrays(batch.space, out_ops, out_inputs, batch.concat[owner])
    return Neighbours(arrays, owner, cell, edge, (~is_op).astype(np.int8))
