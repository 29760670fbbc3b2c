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

import numpy as np

from cellprobe.errors import GenotypeError
from cellprobe.spaces.registry import SPACES, get_space

__all__ = ["ArchArrays", "Neighbours", "to_arrays", "to_genotypes", "neighbour_arrays", "edge_targets",
           "array_shape", "unique_rows", "space_of"]


def array_shape(space: str) -> tuple[int, int, int, int]:
    """``(cells, edges per cell, nodes per cell, input nodes)`` of the arrays of ``space``."""
    return get_space(space).array_shape


def edge_targets(space: str) -> np.ndarray:
    """The node each edge feeds, ``(edges,)``; nodes are numbered in topological order."""
    return get_space(space).edge_targets()


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
        """The batch in the space's canonical edge order (as the genotypes' ``canonical()``): equal arrays
        for equal architectures. A batch already in canonical order is returned as it is."""
        return get_space(self.space).canonical_arrays(self)

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


def space_of(genotypes, space: str | None = None) -> str:
    """The space of a list of genotypes (or of a batch), checked to be one space (and ``space`` when given)."""
    kinds = {genotypes.space} if isinstance(genotypes, ArchArrays) else {getattr(g, "space", None) for g in genotypes}
    if space is not None:
        kinds.add(space)
    if not kinds:
        raise GenotypeError("cannot infer the space of an empty list of genotypes; pass space=")
    if len(kinds) > 1 or not kinds <= set(SPACES):
        raise GenotypeError(f"expected genotypes of one space ({', '.join(SPACES)}), got {sorted(map(str, kinds))}")
    return kinds.pop()


def to_arrays(genotypes: Sequence, space: str | None = None) -> ArchArrays:
    """The :class:`ArchArrays` of a list of genotypes of one space (``space`` needed when the list is empty)."""
    genotypes = list(genotypes)
    return get_space(space_of(genotypes, space)).to_arrays(genotypes)


def to_genotypes(batch: ArchArrays) -> list:
    """The genotypes of a batch (validated as any genotype is)."""
    return get_space(batch.space).from_arrays(batch)


# -- neighbours -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Neighbours:
    """Every single-edge neighbour of a batch: ``arrays`` plus, per neighbour, whose it is and what changed.

    ``owner``: index of the architecture in the original batch; ``cell``, ``edge``: the changed edge
    (``cell`` indexes the space's ``cell_names``); ``kind``: 0 for an op swap, 1 for a rewiring.
    """

    arrays: ArchArrays
    owner: np.ndarray
    cell: np.ndarray
    edge: np.ndarray
    kind: np.ndarray


def neighbour_arrays(batch: ArchArrays) -> Neighbours:
    """The single-edge neighbours of every architecture of ``batch``, grouped by owner, in :meth:`edits` order.

    Each edge to each other op of :attr:`~cellprobe.spaces.base.Space.neighbour_ops` (NB201: 4 others; DARTS:
    6, ``none`` excluded), then — in spaces with free inputs — every rewiring to another allowed input of
    the edge (DARTS: an earlier node that is neither the edge's own input nor its partner edge's). The
    neighbours keep their owner's edge order (canonicalise them with :meth:`ArchArrays.canonical` where
    identity matters).
    """
    space = get_space(batch.space)
    new_op, new_input = space.neighbour_slots  # (edges, slots)
    valid = space.valid_slots(batch, new_op, new_input)  # (n, cells, edges, slots)
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
