"""Architecture samplers: named, seeded ways of drawing sets of distinct architectures.

DARTS space (each cell drawn independently, every node fed by two distinct earlier nodes):

* ``uniform``  — wiring and ops (any non-``none`` primitive) uniformly at random;
* ``prim``     — random wiring, ops only from {skip_connect, sep_conv_3x3, sep_conv_5x5};
* ``skip``     — the first intermediate node is fed by ``skip_connect`` from both cell inputs (a residual
  link); the other nodes are wired at random with any non-``none`` op;
* ``primskip`` — the ``skip`` wiring, all other ops separable convolutions (sep_conv_3x3 / sep_conv_5x5).

These are the constrained samplers of the redundancy paper (Wan et al., ICLR 2022).

NB201 space:

* ``nb201``     — uniformly over all 15,625 cells;
* ``nb201-iso`` — uniformly over the 6,466 isomorphism classes (one representative per class: the
  member with the lowest benchmark index).

Every sampler de-duplicates by ``arch_id`` (order-free canonical id), so a set holds distinct architectures.

>>> [g.arch_id for g in sample_architectures("primskip", 2, seed=0)] == \\
...     [g.arch_id for g in sample_architectures("primskip", 2, seed=0)]
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Callable

import numpy as np
import pandas as pd

from cellprobe.errors import CellprobeError
from cellprobe.spaces import DartsCell, DartsGenotype, NB201Genotype
from cellprobe.spaces.darts import N_INPUTS, N_NODES, NEIGHBOUR_OPS
from cellprobe.spaces.nb201 import OPS as NB201_OPS
from cellprobe.spaces.nb201 import benchmark_order

__all__ = [
    "Sampler",
    "SAMPLERS",
    "SamplingError",
    "get_sampler",
    "sample_architectures",
    "sample_table",
    "class_representatives",
    "table_from_search",
    "table_from_motifs",
]

PRIM_OPS = ("skip_connect", "sep_conv_3x3", "sep_conv_5x5")
SEP_OPS = ("sep_conv_3x3", "sep_conv_5x5")
_MAX_ATTEMPTS_PER_ARCH = 200


class SamplingError(CellprobeError):
    """An impossible or malformed sampling request."""


@dataclass(frozen=True)
class Sampler:
    """A named way of drawing one architecture from a random generator."""

    name: str
    space: str
    draw: Callable[[np.random.Generator], object]
    description: str
    population: int | None = None  # number of distinct architectures it can produce, when small


def _random_inputs(rng: np.random.Generator, node: int) -> tuple[int, int]:
    a, b = rng.choice(node + N_INPUTS, size=2, replace=False)
    return int(a), int(b)


def _darts_cell(rng: np.random.Generator, ops: tuple[str, ...], skip_first: bool) -> DartsCell:
    edges = []
    for node in range(N_NODES):
        if node == 0 and skip_first:
            edges += [("skip_connect", 0), ("skip_connect", 1)]
            continue
        for inp in _random_inputs(rng, node):
            edges.append((ops[int(rng.integers(len(ops)))], inp))
    return DartsCell(tuple(edges))


def _darts_sampler(ops: tuple[str, ...], skip_first: bool = False):
    def draw(rng: np.random.Generator) -> DartsGenotype:
        return DartsGenotype(_darts_cell(rng, ops, skip_first), _darts_cell(rng, ops, skip_first))

    return draw


def _nb201_uniform(rng: np.random.Generator) -> NB201Genotype:
    return NB201Genotype(tuple(str(NB201_OPS[i]) for i in rng.integers(len(NB201_OPS), size=6)))


@cache
def class_representatives() -> tuple[NB201Genotype, ...]:
    """One cell per NB201 isomorphism class (its lowest benchmark index), in benchmark order."""
    seen, reps = set(), []
    for g in benchmark_order():
        if g.canonical_key not in seen:
            seen.add(g.canonical_key)
            reps.append(g)
    return tuple(reps)


def _nb201_per_class(rng: np.random.Generator) -> NB201Genotype:
    reps = class_representatives()
    return reps[int(rng.integers(len(reps)))]


SAMPLERS: dict[str, Sampler] = {}


def _register(sampler: Sampler) -> None:
    if sampler.name in SAMPLERS:
        raise ValueError(f"sampler {sampler.name!r} registered twice")
    SAMPLERS[sampler.name] = sampler


_register(Sampler("uniform", "darts", _darts_sampler(NEIGHBOUR_OPS), "uniform wiring and non-none ops"))
_register(Sampler("prim", "darts", _darts_sampler(PRIM_OPS), "random wiring, ops from skip/sep3/sep5"))
_register(Sampler("skip", "darts", _darts_sampler(NEIGHBOUR_OPS, skip_first=True), "residual first node, rest uniform"))
_register(Sampler("primskip", "darts", _darts_sampler(SEP_OPS, skip_first=True), "residual first node, sep convs"))
_register(Sampler("nb201", "nb201", _nb201_uniform, "uniform over all NB201 cells", population=5**6))
_register(Sampler("nb201-iso", "nb201", _nb201_per_class, "uniform over NB201 isomorphism classes", population=6_466))


def get_sampler(name: str) -> Sampler:
    try:
        return SAMPLERS[name]
    except KeyError:
        raise SamplingError(f"unknown sampler {name!r}; known samplers: {', '.join(SAMPLERS)}") from None


def sample_architectures(sampler: str, n: int, seed: int) -> list:
    """``n`` distinct architectures (by ``arch_id``) drawn by ``sampler`` from a generator seeded with ``seed``."""
    spec = get_sampler(sampler)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise SamplingError(f"sample size must be a positive integer, got {n!r}")
    if spec.population is not None and n > spec.population:
        raise SamplingError(f"sampler {sampler!r} can produce only {spec.population:,} distinct architectures, asked for {n:,}")
    rng = np.random.default_rng(seed)
    out, seen = [], set()
    for _ in range(_MAX_ATTEMPTS_PER_ARCH * n):
        g = spec.draw(rng)
        if g.arch_id not in seen:
            seen.add(g.arch_id)
            out.append(g)
            if len(out) == n:
                return out
    raise SamplingError(f"sampler {sampler!r} found only {len(out)} distinct architectures in {_MAX_ATTEMPTS_PER_ARCH * n} draws")


def sample_table(sampler: str, n: int, seed: int) -> pd.DataFrame:
    """A ``sample_set`` table: one row per sampled architecture, in draw order."""
    genotypes = sample_architectures(sampler, n, seed)
    return pd.DataFrame(
        {
            "arch_id": [g.arch_id for g in genotypes],
            "space": [g.space for g in genotypes],
            "genotype": [g.to_str() for g in genotypes],
            "sampler": sampler,
            "seed": np.full(len(genotypes), seed, dtype="int64"),
        }
    )


def table_from_search(genotypes: pd.DataFrame, space: str) -> pd.DataFrame:
    """A ``sample_set`` table of the architectures selected by searches (``search_genotypes`` rows).

    The sampler column names where each came from (``<method>/<selection>``); an architecture selected
    more than once is kept once, under its first origin in (method, seed, selection) order.
    """
    rows = genotypes[genotypes["space"] == space].sort_values(["method", "seed", "selection"], kind="stable")
    if rows.empty:
        raise SamplingError(f"the search results hold no {space} architecture")
    rows = rows.drop_duplicates("arch_id")
    return pd.DataFrame({
        "arch_id": rows["arch_id"].to_numpy(),
        "space": space,
        "genotype": rows["genotype"].to_numpy(),
        "sampler": (rows["method"] + "/" + rows["selection"]).to_numpy(),
        "seed": rows["seed"].astype("int64").to_numpy(),
    })


def table_from_importance(variants: pd.DataFrame) -> pd.DataFrame:
    """A ``sample_set`` table of the importance variants (``importance_variants`` rows), each architecture once.

    The sampler column names the experiment and variant (``disabling/increasing``, ``ablation/normal<-skip``, …).
    """
    if variants.empty:
        raise SamplingError("the importance variants table is empty")
    rows = variants.drop_duplicates("arch_id")
    return pd.DataFrame({
        "arch_id": rows["arch_id"].to_numpy(),
        "space": rows["space"].to_numpy(),
        "genotype": rows["genotype"].to_numpy(),
        "sampler": (rows["experiment"] + "/" + rows["variant"]).to_numpy(),
        "seed": np.zeros(len(rows), dtype="int64"),
    })


def table_from_motifs(motifs: pd.DataFrame, n: int, seed: int, *, rank: int = 1, motif_id: str | None = None,
                      reference: str = "random") -> pd.DataFrame:
    """A ``sample_set`` table of ``n`` architectures built around one motif of a ``motifs`` table.

    The motif is the one of rank ``rank`` against ``reference`` (1 = most significant), or the one named by
    ``motif_id``; its space, encoding and cells come from the table (see
    :func:`cellprobe.analysis.motifs.sample_with_motif`). The sampler column reads ``motif/<motif_id>``.
    """
    from cellprobe.analysis.gspan import Pattern
    from cellprobe.analysis.motifs import sample_with_motif

    rows = motifs[motifs["reference"] == reference]
    if motif_id is not None:
        rows = rows[rows["motif_id"] == motif_id]
        what = f"motif {motif_id!r}"
    else:
        rows = rows[rows["rank"] == rank]
        what = f"a motif of rank {rank}"
    if rows.empty:
        raise SamplingError(f"the motifs table holds no {what} against the {reference!r} reference")
    if rows["set"].nunique() > 1 or len(rows) > 1:
        raise SamplingError(f"the motifs table holds {what} in several sets ({', '.join(sorted(rows['set']))}); "
                            "give a table of one set")
    row = rows.iloc[0]
    genotypes = sample_with_motif(Pattern.parse(row["pattern"]), n, seed, row["space"], encoding=row["encoding"],
                                  cells=row["cells"])
    return pd.DataFrame({
        "arch_id": [g.arch_id for g in genotypes],
        "space": row["space"],
        "genotype": [g.to_str() for g in genotypes],
        "sampler": f"motif/{row['motif_id']}",
        "seed": np.full(len(genotypes), seed, dtype="int64"),
    })
