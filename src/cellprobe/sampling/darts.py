"""DARTS-space samplers: each cell drawn independently, every node fed by two distinct earlier nodes.

* ``uniform``  — wiring and ops (any non-``none`` primitive) uniformly at random;
* ``prim``     — random wiring, ops only from {skip_connect, sep_conv_3x3, sep_conv_5x5};
* ``skip``     — the first intermediate node is fed by ``skip_connect`` from both cell inputs (a residual
  link); the other nodes are wired at random with any non-``none`` op;
* ``primskip`` — the ``skip`` wiring, all other ops separable convolutions (sep_conv_3x3 / sep_conv_5x5).

These are the constrained samplers of the redundancy paper (Wan et al., ICLR 2022). The motif builder
draws a genotype whose cells hold given edges (:mod:`cellprobe.sampling.motif`).
"""

from __future__ import annotations

import numpy as np

from cellprobe.sampling.registry import motif_builder, sampler
from cellprobe.spaces.darts import CELL_TYPES, N_INPUTS, N_NODES, NEIGHBOUR_OPS, DartsCell, DartsGenotype

__all__ = ["PRIM_OPS", "SEP_OPS"]

PRIM_OPS = ("skip_connect", "sep_conv_3x3", "sep_conv_5x5")
SEP_OPS = ("sep_conv_3x3", "sep_conv_5x5")


def _random_inputs(rng: np.random.Generator, node: int) -> tuple[int, int]:
    a, b = rng.choice(node + N_INPUTS, size=2, replace=False)
    return int(a), int(b)


def _cell(rng: np.random.Generator, ops: tuple[str, ...], skip_first: bool) -> DartsCell:
    edges = []
    for node in range(N_NODES):
        if node == 0 and skip_first:
            edges += [("skip_connect", 0), ("skip_connect", 1)]
            continue
        for inp in _random_inputs(rng, node):
            edges.append((ops[int(rng.integers(len(ops)))], inp))
    return DartsCell(tuple(edges))


def _draw(ops: tuple[str, ...], skip_first: bool = False):
    def draw(rng: np.random.Generator) -> DartsGenotype:
        return DartsGenotype(_cell(rng, ops, skip_first), _cell(rng, ops, skip_first))

    return draw


sampler("uniform", "darts", "uniform wiring and non-none ops")(_draw(NEIGHBOUR_OPS))
sampler("prim", "darts", "random wiring, ops from skip/sep3/sep5")(_draw(PRIM_OPS))
sampler("skip", "darts", "residual first node, rest uniform")(_draw(NEIGHBOUR_OPS, skip_first=True))
sampler("primskip", "darts", "residual first node, sep convs")(_draw(SEP_OPS, skip_first=True))


def _cell_around(rng: np.random.Generator, required: dict[int, list[tuple[str, int]]], name: str) -> DartsCell:
    """A random cell holding the ``required`` edges (target node → ``(op, source)``); the rest as ``uniform``."""
    edges = []
    for node in range(N_INPUTS, N_INPUTS + N_NODES):
        fixed = list(required.get(node, []))
        free = [i for i in range(node) if i not in {src for _, src in fixed}]
        for inp in rng.choice(free, size=2 - len(fixed), replace=False):
            fixed.append((NEIGHBOUR_OPS[int(rng.integers(len(NEIGHBOUR_OPS)))], int(inp)))
        edges.extend(fixed)
    return DartsCell(tuple(edges), name=name)


@motif_builder("darts")
def _around(rng: np.random.Generator, placements: list, holders: tuple[str, ...]) -> DartsGenotype:
    """Each cell in ``holders`` holds one placement drawn uniformly; the other cell is a uniform random cell."""
    made = {}
    for name in CELL_TYPES:
        required = placements[int(rng.integers(len(placements)))] if name in holders else {}
        made[name] = _cell_around(rng, required, name)
    return DartsGenotype(made["normal"], made["reduce"])
