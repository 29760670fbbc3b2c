"""Benchmark tables as ground truth: the NAS-Bench-201 accuracies of every cell, and NAS-Bench-301's
CIFAR-10 validation accuracies of a sample of DARTS-space architectures (NAS-Bench-Suite-Zero's file).

>>> import io
>>> csv = io.StringIO("index,arch_str,cifar10_test_acc,cifar100_test_acc,imagenet16_120_test_acc\\n"
...     "0,|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|,85.9,52.9,26.6\\n")
>>> table = nb201_table(read_nb201_csv(csv))
>>> table.loc[0, "reachable"], table.loc[0, "canonical_key"][:12]
(True, '((x)@avg_poo')
"""

from __future__ import annotations

import ast
import json
import math

import pandas as pd

from cellprobe.errors import DataError, GenotypeError
from cellprobe.spaces.darts import DartsGenotype
from cellprobe.spaces.nb201 import NB201Genotype, benchmark_index
from cellprobe.tables import NB201_BENCHMARK, NB301_BENCHMARK

__all__ = ["NB201_ACCURACY_COLUMNS", "NB301_OPS", "read_nb201_csv", "nb201_table", "read_nb301_json"]

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


#: NASLib's op indices of its compact DARTS form (no ``none``: NAS-Bench-301 cells never use it).
NB301_OPS = ("max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3",
             "dil_conv_5x5")


def _naslib_cell(cell, where: str) -> list[tuple[str, int]]:
    """One cell of NASLib's compact form, 8 ``(input node, op index)`` pairs, as DARTS ``(op, input)`` pairs."""
    if not isinstance(cell, (list, tuple)) or len(cell) != 8:
        raise DataError(f"{where}: a cell must be 8 (input node, op index) pairs")
    pairs = []
    for pair in cell:
        if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)):
            raise DataError(f"{where}: {pair!r} is not an (input node, op index) pair of integers")
        node, op = pair
        if not 0 <= op < len(NB301_OPS):
            raise DataError(f"{where}: op index {op} is not in 0..{len(NB301_OPS) - 1}")
        pairs.append((NB301_OPS[op], node))
    return pairs


def read_nb301_json(source, dataset: str = "cifar10") -> pd.DataFrame:
    """The ``nb301_benchmark`` table from NAS-Bench-Suite-Zero's ``zc_nasbench301.json`` (NASLib's layout:
    ``{dataset: {arch_key: {"idx", "arch", "val_accuracy", <proxies>...}}}``), sorted by ``arch_id``.

    Every architecture must parse as a DARTS genotype (concat nodes 2–5) with an accuracy in [0, 100];
    two entries of the same genotype are refused.
    """
    name = str(getattr(source, "name", source))
    try:
        with open(source, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise DataError(f"{name}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{name}: not a readable JSON file ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get(dataset), dict) or not data[dataset]:
        raise DataError(f"{name}: no {dataset!r} architectures (expected {{dataset: {{arch_key: entry}}}})")
    rows, seen = [], {}
    for key, entry in data[dataset].items():
        where = f"{name}: {dataset} architecture {key}"
        if not isinstance(entry, dict) or not {"idx", "arch", "val_accuracy"} <= set(entry):
            raise DataError(f"{where}: needs idx, arch and val_accuracy")
        try:
            arch = ast.literal_eval(entry["arch"]) if isinstance(entry["arch"], str) else entry["arch"]
            idx = int(entry["idx"])
        except (ValueError, SyntaxError, TypeError):
            raise DataError(f"{where}: unreadable arch or idx") from None
        if not isinstance(arch, (list, tuple)) or len(arch) != 2:
            raise DataError(f"{where}: arch must be [normal cell, reduce cell]")
        try:
            genotype = DartsGenotype.from_pairs(_naslib_cell(arch[0], where), _naslib_cell(arch[1], where))
        except GenotypeError as exc:
            raise DataError(f"{where}: {exc}") from None
        accuracy = entry["val_accuracy"]
        if isinstance(accuracy, bool) or not isinstance(accuracy, (int, float)) or not math.isfinite(accuracy) \
                or not 0 <= accuracy <= 100:
            raise DataError(f"{where}: val_accuracy {accuracy!r} is not a percentage")
        if genotype.arch_id in seen:
            raise DataError(f"{where}: the same genotype as architecture {seen[genotype.arch_id]}")
        seen[genotype.arch_id] = key
        rows.append((idx, genotype.arch_id, genotype.to_str(), float(accuracy)))
    out = pd.DataFrame(rows, columns=NB301_BENCHMARK.columns).astype({"naslib_idx": "int32"})
    return out.sort_values("arch_id", kind="stable").reset_index(drop=True)
