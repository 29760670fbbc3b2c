"""NAS-Bench-201 samplers.

* ``nb201``     — uniformly over all 15,625 cells;
* ``nb201-iso`` — uniformly over the 6,466 isomorphism classes (one representative per class: the
  member with the lowest benchmark index);
* ``nb201-reachable`` — uniformly over the cells whose output is reachable from the input (a cell that
  cuts its input off predicts a constant: a calibration set learns nothing from it).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from cellprobe.sampling.registry import motif_builder, sampler
from cellprobe.spaces.nb201 import EDGES, OPS, NB201Genotype, benchmark_order

__all__ = ["class_representatives"]


@cache
def class_representatives() -> tuple[NB201Genotype, ...]:
    """One cell per NB201 isomorphism class (its lowest benchmark index), in benchmark order."""
    seen, reps = set(), []
    for g in benchmark_order():
        if g.canonical_key not in seen:
            seen.add(g.canonical_key)
            reps.append(g)
    return tuple(reps)


@sampler("nb201", "nb201", "uniform over all NB201 cells", population=len(OPS) ** len(EDGES))
def _uniform(rng: np.random.Generator) -> NB201Genotype:
    return NB201Genotype(tuple(str(OPS[i]) for i in rng.integers(len(OPS), size=len(EDGES))))


@sampler("nb201-reachable", "nb201", "uniform over NB201 cells with a reachable output", population=15_284)
def _reachable(rng: np.random.Generator) -> NB201Genotype:
    while True:
        cell = _uniform(rng)
        if cell.reachable:
            return cell


@sampler("nb201-iso", "nb201", "uniform over NB201 isomorphism classes", population=6_466)
def _per_class(rng: np.random.Generator) -> NB201Genotype:
    reps = class_representatives()
    return reps[int(rng.integers(len(reps)))]


@motif_builder("nb201")
def _around(rng: np.random.Generator, placements: list, holders: tuple[str, ...]) -> NB201Genotype:
    """A random cell holding one placement drawn uniformly; every other edge a uniform op."""
    required = placements[int(rng.integers(len(placements)))]
    fixed = {(t, s): op for t, pairs in required.items() for op, s in pairs}
    return NB201Genotype(tuple(fixed.get(edge) or OPS[int(rng.integers(len(OPS)))] for edge in EDGES))
