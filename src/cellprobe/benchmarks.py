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
from cellprobe.spaces import get_space
from cellprobe.spaces.nb201 import NB201Genotype, benchmark_index
from cellprobe.tables import NB201_BENCHMARK, NB301_BENCHMARK, ZERO_COST_BENCHMARK, ZERO_COST_PROXIES

__all__ = ["NB201_ACCURACY_COLUMNS", "read_nb201_csv", "nb201_table", "read_nb301_json", "read_zero_cost_json"]

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


def _naslib_entries(source, dataset: str):
    """``(key, where, entry)`` of every architecture of ``dataset`` in a NAS-Bench-Suite-Zero JSON file (NASLib's layout:
    ``{dataset: {arch_key: {"idx", "arch", "val_accuracy", <proxy>: {"score", "time"}, ...}}}``)."""
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
    for key, entry in data[dataset].items():
        where = f"{name}: {dataset} architecture {key}"
        if not isinstance(entry, dict) or not {"idx", "arch", "val_accuracy"} <= set(entry):
            raise DataError(f"{where}: needs idx, arch and val_accuracy")
        yield key, where, entry


def _naslib_genotype(space, entry, where: str):
    try:
        arch = ast.literal_eval(entry["arch"]) if isinstance(entry["arch"], str) else entry["arch"]
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise DataError(f"{where}: unreadable arch {str(entry['arch'])[:60]!r}") from None
    try:
        return get_space(space).from_naslib(arch)
    except GenotypeError as exc:
        raise DataError(f"{where}: {exc}") from None


def _percentage(value, what: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 0 <= value <= 100:
        raise DataError(f"{where}: {what} {value!r} is not a percentage")
    return float(value)


def _unique(genotype, seen: dict, key: str, where: str) -> None:
    if genotype.arch_id in seen:
        raise DataError(f"{where}: the same genotype as architecture {seen[genotype.arch_id]}")
    seen[genotype.arch_id] = key


def read_nb301_json(source, dataset: str = "cifar10") -> pd.DataFrame:
    """The ``nb301_benchmark`` table from NAS-Bench-Suite-Zero's ``zc_nasbench301.json``, sorted by ``arch_id``.

    Every architecture must parse as a DARTS genotype (NASLib's compact form,
    :meth:`~cellprobe.spaces.darts.DartsSpace.from_naslib`) with an accuracy in [0, 100]; two entries of the
    same genotype are refused.
    """
    rows, seen = [], {}
    for key, where, entry in _naslib_entries(source, dataset):
        genotype = _naslib_genotype("darts", entry, where)
        try:
            idx = int(entry["idx"])
        except (ValueError, TypeError):
            raise DataError(f"{where}: unreadable idx {entry['idx']!r}") from None
        accuracy = _percentage(entry["val_accuracy"], "val_accuracy", where)
        _unique(genotype, seen, key, where)
        rows.append((idx, genotype.arch_id, genotype.to_str(), accuracy))
    out = pd.DataFrame(rows, columns=NB301_BENCHMARK.columns).astype({"naslib_idx": "int32"})
    return out.sort_values("arch_id", kind="stable").reset_index(drop=True)


def read_zero_cost_json(source, space: str, dataset: str = "cifar10") -> pd.DataFrame:
    """The ``zero_cost_benchmark`` table of a NAS-Bench-Suite-Zero file (``zc_nasbench201.json``: space
    ``nb201``; ``zc_nasbench301.json``: ``darts``): each architecture's genotype, its benchmark validation
    accuracy and the twelve proxy scores NASLib computed, sorted by ``arch_id``.

    A proxy missing from an entry, or NaN, is null; an infinite score is kept (it ranks: NASLib's ``nwot`` is
    −inf where its kernel is singular). Refused with one :class:`DataError` line: an architecture of another
    space, a score that is not a number, an accuracy outside [0, 100], two entries of the same genotype.
    """
    rows, seen = [], {}
    for key, where, entry in _naslib_entries(source, dataset):
        genotype = _naslib_genotype(space, entry, where)
        row = {"space": genotype.space, "arch_id": genotype.arch_id, "genotype": genotype.to_str(),
               "val_acc": _percentage(entry["val_accuracy"], "val_accuracy", where)}
        for proxy in ZERO_COST_PROXIES:
            if proxy not in entry:  # the file misses a few (one NB201 cell has no synflow): null
                row[proxy] = None
                continue
            score = entry[proxy]
            value = score.get("score") if isinstance(score, dict) else None
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise DataError(f"{where}: unreadable {proxy} score {score!r} (expected {{'score': number}})")
            row[proxy] = None if math.isnan(value) else float(value)  # ±inf ranks (nwot: a singular kernel)
        _unique(genotype, seen, key, where)
        rows.append(row)
    out = pd.DataFrame(rows, columns=ZERO_COST_BENCHMARK.columns)
    return out.sort_values("arch_id", kind="stable").reset_index(drop=True)
