"""Benchmark tables as ground truth: the NAS-Bench-201 accuracies of every cell.

>>> import io
>>> csv = io.StringIO("index,arch_str,cifar10_test_acc,cifar100_test_acc,imagenet16_120_test_acc\\n"
...     "0,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,85.9,52.9,26.6\\n")
>>> table = nb201_table(read_nb201_csv(csv))
>>> table.loc[0, "reachable"], table.loc[0, "canonical_key"][:12]
(True, '((x)@avg_poo')
"""

from __future__ import annotations

import pandas as pd

from cellprobe.errors import DataError, GenotypeError
from cellprobe.spaces.nb201 import NB201Genotype, benchmark_index
from cellprobe.tables import NB201_BENCHMARK

__all__ = ["NB201_ACCURACY_COLUMNS", "read_nb201_csv", "nb201_table"]

NB201_ACCURACY_COLUMNS = ("cifar10_test_acc", "cifar100_test_acc", "imagenet16_120_test_acc")
_CSV_COLUMNS = ("index", "arch_str", *NB201_ACCURACY_COLUMNS)


def read_nb201_csv(source) -> pd.DataFrame:
    """Read and check a NAS-Bench-201 accuracy CSV (``index, arch_str`` and the three accuracy columns).

    Every row must hold a valid cell at its benchmark index, with accuracies in [0, 100];
    indices must be unique. A subset of the 15,625 cells is accepted.
    """
    name = getattr(source, "name", source)
    try:
        df = pd.read_csv(source, dtype={"arch_str": str})
    except FileNotFoundError:
        raise DataError(f"{name}: file not found") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{name}: not a readable CSV file ({str(exc).splitlines()[0]})") from None
    missing = [c for c in _CSV_COLUMNS if c not in df.columns]
    if missing:
        raise DataError(f"{name}: missing column(s) {missing}; expected {list(_CSV_COLUMNS)}")
    if df.empty:
        raise DataError(f"{name}: no rows")
    df = df[list(_CSV_COLUMNS)]
    for column in ("index", *NB201_ACCURACY_COLUMNS):
        values = pd.to_numeric(df[column], errors="coerce")
        bad = values.isna()
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise DataError(f"{name}: row {row + 2}: column {column!r} is not a number ({df[column].iloc[row]!r})")
        df[column] = values
    if (df["index"] % 1 != 0).any() or (df["index"] < 0).any():
        raise DataError(f"{name}: column 'index' must hold non-negative integers")
    df["index"] = df["index"].astype("int64")
    duplicated = df["index"].duplicated()
    if duplicated.any():
        raise DataError(f"{name}: index {int(df['index'][duplicated].iloc[0])} appears more than once")
    for column in NB201_ACCURACY_COLUMNS:
        out = (df[column] < 0) | (df[column] > 100)
        if out.any():
            row = int(out.to_numpy().nonzero()[0][0])
            raise DataError(f"{name}: row {row + 2}: {column} = {df[column].iloc[row]} is not a percentage")
    return df.reset_index(drop=True)


def nb201_table(df: pd.DataFrame, name: str = "input") -> pd.DataFrame:
    """The ``nb201_benchmark`` table from a checked CSV frame, sorted by benchmark index.

    ``name`` names the source in error messages.
    """
    genotypes = []
    for row, (index, arch_str) in enumerate(zip(df["index"], df["arch_str"])):
        try:
            genotype = NB201Genotype.parse(arch_str)
        except GenotypeError as exc:
            raise DataError(f"{name}: row {row + 2}: {exc}") from None
        expected = benchmark_index(genotype)
        if expected != index:
            raise DataError(f"{name}: row {row + 2}: {arch_str} has benchmark index {expected}, the file says {index}")
        genotypes.append(genotype)
    out = pd.DataFrame(
        {
            "index": df["index"].astype("int32"),
            "arch_id": [g.arch_id for g in genotypes],
            "arch_str": [g.to_str() for g in genotypes],
            "canonical_key": [g.canonical_key for g in genotypes],
            "reachable": [g.reachable for g in genotypes],
            **{c: df[c].astype("float64") for c in NB201_ACCURACY_COLUMNS},
        }
    )
    assert list(out.columns) == NB201_BENCHMARK.columns
    return out.sort_values("index", kind="stable").reset_index(drop=True)
