"""Named sets of distinct architectures: drawn by a sampler, taken from searches or importance variants,
or built around a motif — each as a ``sample_set`` table.

Every draw de-duplicates by ``arch_id`` (order-free canonical id), so a set holds distinct architectures.

>>> [g.arch_id for g in sample_architectures("primskip", 2, seed=0)] == \\
...     [g.arch_id for g in sample_architectures("primskip", 2, seed=0)]
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cellprobe.gspan import Pattern
from cellprobe.sampling.motif import sample_with_motif
from cellprobe.sampling.registry import SamplingError, get_sampler

__all__ = ["sample_architectures", "sample_table", "table_from_search", "table_from_importance",
           "table_from_motifs", "build_set"]

_MAX_ATTEMPTS_PER_ARCH = 200


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
    :func:`~cellprobe.sampling.motif.sample_with_motif`). The sampler column reads ``motif/<motif_id>``.
    """
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


def build_set(name: str = "", *, sampler: str | None = None, size: int | None = None, seed: int = 0,
              search: pd.DataFrame | None = None, space: str | None = None, variants: pd.DataFrame | None = None,
              motifs: pd.DataFrame | None = None, motif_rank: int = 1, motif_id: str | None = None,
              motif_reference: str = "random") -> tuple[pd.DataFrame, dict]:
    """The stage's entry point: one named ``sample_set`` table and its metadata, from exactly one source.

    ``sampler`` + ``size`` + ``seed`` (a fresh draw); ``search`` (``search_genotypes`` rows) + ``space``;
    ``variants`` (``importance_variants`` rows); or ``motifs`` (a ``motifs`` table) + ``size`` + ``seed``:
    architectures around its motif of rank ``motif_rank`` (or ``motif_id``) against ``motif_reference``.
    """
    given = [k for k, v in (("search", search), ("variants", variants), ("motifs", motifs)) if v is not None]
    if len(given) > 1 or (given and sampler):
        raise SamplingError("a sample set comes from one source: a sampler, searches, importance variants or motifs")
    if motifs is not None:
        if size is None:
            raise SamplingError("a motif-constrained set needs a size")
        table = table_from_motifs(motifs, size, seed, rank=motif_rank, motif_id=motif_id, reference=motif_reference)
        return table, {"name": name, "sampler": "motif", "seed": seed,
                       "motif": table["sampler"].iloc[0].removeprefix("motif/")}
    if variants is not None:
        return table_from_importance(variants), {"name": name, "sampler": "importance"}
    if search is not None:
        if not space:
            raise SamplingError("a set of searched architectures needs the space to take")
        return table_from_search(search, space), {"name": name, "sampler": "search"}
    if not sampler or size is None:
        raise SamplingError("give a sampler and a size, or a source table (searches, importance variants, motifs)")
    return sample_table(sampler, size, seed), {"name": name, "sampler": sampler, "seed": seed}
