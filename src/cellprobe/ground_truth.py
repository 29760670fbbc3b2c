"""The ground truth of a stage: which architectures are known, and how good each one is.

Importance, motifs, evaluators, the controller analysis and the report all need the same answer to
"how accurate is this architecture?", from one of three sources:

* a **benchmark table** (:meth:`GroundTruth.from_benchmark`), one accuracy column; the label is
  ``benchmark:<column>``. The column names the table (:data:`BENCHMARKS`): the NB201 table's
  ``cifar10_test_acc``, ... of every cell (exhaustive: any cell is looked up), or NAS-Bench-301's
  ``cifar10_val_acc`` of a sample of DARTS-space architectures (only those are known: the DARTS stages fit
  a surrogate on them);
* **trained results** (:meth:`GroundTruth.from_trained`): ``train_result`` rows of this run, one metric
  (``valid_acc``, ``test_acc`` or ``train_acc``). **Seed-averaging rule:** an architecture trained with
  several seeds counts once, with the mean of the metric over its seeds; architectures keep the order in
  which they first appear in the rows (so the sample sets' order). The label is ``trained:<metric>``;
* **a surrogate's predictions** (:meth:`GroundTruth.from_predicted`): ``surrogate_predictions`` rows of
  sample sets scored by the importance stage's surrogate (a predictor fitted on a sample benchmark such as
  NAS-Bench-301: the redundancy paper's DARTS-space oracle). The label is ``surrogate:predicted_acc``.

The stages choose the metric in ``params.yaml``; by default decisions taken inside the pipeline (fitting
the OI surrogate, verifying OI, mining the motifs of the best cells) use ``valid_acc``, and the
evaluators are ranked against ``test_acc``, which no stage looked at.

>>> import pandas as pd
>>> rows = pd.DataFrame({"arch_id": ["a", "b", "a"], "space": "nb201", "genotype": ["x", "y", "x"],
...                      "valid_acc": [70.0, 60.0, 72.0], "flops_m": [1.0, 2.0, 1.0]})
>>> truth = GroundTruth.from_trained(rows, "valid_acc")
>>> truth.source, truth.accuracy()
('trained:valid_acc', {'a': 71.0, 'b': 60.0})
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cellprobe.benchmarks import NB201_ACCURACY_COLUMNS as BENCHMARK_COLUMNS
from cellprobe.errors import CellprobeError
from cellprobe.spaces import get_space
from cellprobe.spaces.arrays import ArchArrays, to_arrays
from cellprobe.tables import NB201_BENCHMARK, NB301_BENCHMARK, TableSchema

__all__ = ["GroundTruthError", "GroundTruth", "BenchmarkOracle", "benchmark_oracle", "load_ground_truth", "BENCHMARK_COLUMNS",
           "TRAINED_METRICS", "Benchmark", "BENCHMARKS", "benchmark_of", "looked_up"]

#: ``train_result`` columns a trained ground truth may use.
TRAINED_METRICS = ("valid_acc", "test_acc", "train_acc")


class GroundTruthError(CellprobeError):
    """A ground truth that cannot be built or does not hold what is asked of it."""


@dataclass(frozen=True)
class Benchmark:
    """A benchmark table a ground truth can come from: its rule/file name, schema and space, the column of
    its genotype strings, its accuracy columns, and whether it holds every architecture of the space."""

    name: str
    schema: TableSchema
    space: str
    genotype_column: str
    columns: tuple[str, ...]
    exhaustive: bool


#: The benchmark tables, by name (``results/benchmarks/<name>.parquet``, rule ``benchmarks_<name>``).
BENCHMARKS = {
    "nb201": Benchmark("nb201", NB201_BENCHMARK, "nb201", "arch_str", tuple(BENCHMARK_COLUMNS), exhaustive=True),
    "nb301": Benchmark("nb301", NB301_BENCHMARK, "darts", "genotype", ("cifar10_val_acc",), exhaustive=False),
}


def benchmark_of(column: str) -> Benchmark:
    """The benchmark table whose accuracy column is ``column``."""
    for benchmark in BENCHMARKS.values():
        if column in benchmark.columns:
            return benchmark
    known = ", ".join(c for b in BENCHMARKS.values() for c in b.columns)
    raise GroundTruthError(f"no benchmark table has the column {column!r}; known: {known}")


def looked_up(spec) -> bool:
    """Whether a truth spec of ``params.yaml`` is a table of every architecture of its space (looked up
    directly); otherwise (trained sets, a sample benchmark) a surrogate learns it."""
    return spec.get("source") == "benchmark" and benchmark_of(spec.get("column", "cifar10_test_acc")).exhaustive


@dataclass(frozen=True)
class GroundTruth:
    """Known accuracies (%) of architectures of one space.

    ``table`` has columns ``arch_id``, ``genotype`` (string form), ``true`` and, from trained results,
    ``flops_m`` (their networks' FLOPs); ``index`` (the benchmark's row index) from a benchmark table.
    ``source`` labels it in tables and metadata.
    """

    space: str
    source: str
    table: pd.DataFrame = field(repr=False)

    def __post_init__(self):
        get_space(self.space)
        for column in ("arch_id", "genotype", "true"):
            if column not in self.table.columns:
                raise GroundTruthError(f"a ground-truth table needs the column {column!r}")

    # -- constructors ------------------------------------------------------------------------------------
    @classmethod
    def from_benchmark(cls, table: pd.DataFrame, column: str = "cifar10_test_acc") -> GroundTruth:
        """One accuracy column of a benchmark table (:data:`BENCHMARKS`; the column names the table). An
        exhaustive table keeps the benchmark's ``index``, so that :meth:`oracle` answers any architecture."""
        benchmark = benchmark_of(column)
        if column not in table.columns or benchmark.genotype_column not in table.columns:
            raise GroundTruthError(f"the table is not the {benchmark.name} benchmark (no {column!r} column)")
        frame = pd.DataFrame({"arch_id": table["arch_id"], "genotype": table[benchmark.genotype_column],
                              "true": table[column].astype("float64")})
        if benchmark.exhaustive:
            frame["index"] = table["index"]
        return cls(benchmark.space, f"benchmark:{column}", frame.reset_index(drop=True))

    @classmethod
    def from_trained(cls, results: pd.DataFrame, metric: str = "valid_acc", *, space: str | None = None) -> GroundTruth:
        """``train_result`` rows of one space (``space`` needed when they hold two), averaged over seeds."""
        if metric not in TRAINED_METRICS:
            raise GroundTruthError(f"a trained ground truth is one of {', '.join(TRAINED_METRICS)}, got {metric!r}")
        spaces = sorted(set(results["space"]))
        if space is None:
            if len(spaces) != 1:
                raise GroundTruthError(f"the train_result tables hold {', '.join(spaces) or 'no'} architectures; "
                                       "choose one space")
            space = spaces[0]
        rows = results[results["space"] == space]
        if rows.empty:
            raise GroundTruthError(f"the train_result tables hold no {space} architecture")
        grouped = rows.groupby("arch_id", sort=False)
        frame = pd.DataFrame({"genotype": grouped["genotype"].first(), "true": grouped[metric].mean(),
                              "flops_m": grouped["flops_m"].first()}).reset_index()
        return cls(space, f"trained:{metric}", frame)

    @classmethod
    def from_predicted(cls, predictions: pd.DataFrame, sets: Sequence[str] = ()) -> GroundTruth:
        """``surrogate_predictions`` rows of one space (of the named ``sets``; all when empty), each
        architecture once (its first row: a surrogate gives one architecture one value)."""
        rows = predictions[predictions["set"].isin(list(sets))] if sets else predictions
        missing = sorted(set(sets) - set(predictions["set"]))
        if missing:
            raise GroundTruthError(f"the surrogate did not score the sample set(s) {', '.join(missing)}")
        spaces = sorted(set(rows["space"]))
        if len(spaces) != 1:
            raise GroundTruthError(f"the surrogate predictions hold {', '.join(spaces) or 'no'} architectures; "
                                   "expected one space")
        rows = rows.drop_duplicates("arch_id")
        frame = pd.DataFrame({"arch_id": rows["arch_id"], "genotype": rows["genotype"],
                              "true": rows["predicted_acc"].astype("float64")})
        return cls(spaces[0], "surrogate:predicted_acc", frame.reset_index(drop=True))

    # -- what it holds -------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.table)

    @property
    def kind(self) -> str:
        """``benchmark`` or ``trained``."""
        return self.source.split(":", 1)[0]

    @property
    def exhaustive(self) -> bool:
        """Whether it knows every architecture of its space (a table that :meth:`oracle` can look up)."""
        return "index" in self.table.columns

    def genotypes(self) -> list:
        """The architectures, parsed, in the table's order."""
        space = get_space(self.space)
        return [space.parse(g) for g in self.table["genotype"]]

    def scores(self) -> np.ndarray:
        """The accuracies, in the table's order."""
        return self.table["true"].to_numpy(dtype=float)

    def accuracy(self) -> dict[str, float]:
        """``arch_id`` → accuracy."""
        return dict(zip(self.table["arch_id"], self.table["true"].astype(float)))

    def lookup(self, genotypes: Sequence) -> np.ndarray:
        """The accuracy of each genotype; one that the ground truth lacks is a :class:`GroundTruthError`."""
        accuracy = self.accuracy()
        missing = [g.arch_id for g in genotypes if g.arch_id not in accuracy]
        if missing:
            raise GroundTruthError(f"no {self.source} accuracy for {len(missing)} architecture(s), "
                                   f"e.g. {missing[0]}; were they trained?")
        return np.array([accuracy[g.arch_id] for g in genotypes], dtype=float)

    def oracle(self) -> BenchmarkOracle:
        """A benchmark ground truth as an oracle that also answers array batches (:class:`BenchmarkOracle`)."""
        if not self.exhaustive:
            raise GroundTruthError(f"{self.source} knows {len(self)} {self.space} architectures, not every one: it "
                                   "cannot answer arbitrary architectures (fit a surrogate on it)")
        by_index = self.table.set_index("index")["true"].sort_index()
        space = get_space(self.space)
        size = len(space.population()) if space.enumerable else len(by_index)
        if not np.array_equal(by_index.index.to_numpy(), np.arange(size)):
            raise GroundTruthError(f"the benchmark table must hold every cell of the space ({size:,}), indexed 0..n-1")
        return BenchmarkOracle(self.space, by_index.to_numpy(dtype=float))


class BenchmarkOracle:
    """Look architectures up in a benchmark table (values in the benchmark's index order); also answers
    whole :class:`~cellprobe.spaces.arrays.ArchArrays` batches."""

    def __init__(self, space: str, values: np.ndarray):
        self.space, self.values = space, values

    def __call__(self, genotypes: Sequence) -> np.ndarray:
        if any(g.space != self.space for g in genotypes):
            raise GroundTruthError(f"the {self.space} benchmark answers {self.space} architectures only")
        return self.query_arrays(to_arrays(list(genotypes), self.space))

    def query_arrays(self, batch: ArchArrays) -> np.ndarray:
        if batch.space != self.space:
            raise GroundTruthError(f"the {self.space} benchmark answers {self.space} architectures only")
        return self.values[get_space(self.space).benchmark_indices(batch)]


def benchmark_oracle(table: pd.DataFrame, column: str = "cifar10_test_acc") -> BenchmarkOracle:
    """Look NB201 cells up in the benchmark table (``nb201_benchmark`` schema, benchmark index order)."""
    return GroundTruth.from_benchmark(table, column).oracle()


def load_ground_truth(*, benchmark=None, column: str = "cifar10_test_acc", train=(), metric: str = "valid_acc",
                      predicted=None, predicted_sets: Sequence[str] = (), space: str | None = None) -> GroundTruth:
    """The ground truth of a stage from its files: a benchmark table (``benchmark``, one ``column``, which
    names the table's kind), ``train_result`` tables (``train``, one ``metric``, of ``space``) or a
    surrogate's ``surrogate_predictions`` table (``predicted``, of ``predicted_sets``) — exactly one."""
    from cellprobe.tables import SURROGATE_PREDICTIONS, TRAIN_RESULT, read_frame, read_frames

    train = list(train or [])
    if sum((benchmark is not None, bool(train), predicted is not None)) != 1:
        raise GroundTruthError("give exactly one ground truth: a benchmark table, train_result tables or "
                               "surrogate predictions")
    if predicted is not None:
        truth = GroundTruth.from_predicted(read_frame(predicted, SURROGATE_PREDICTIONS), predicted_sets)
        if space is not None and space != truth.space:
            raise GroundTruthError(f"the surrogate predictions hold {truth.space} architectures, not {space}")
        return truth
    if benchmark is not None:
        truth = GroundTruth.from_benchmark(read_frame(benchmark, benchmark_of(column).schema), column)
        if space is not None and space != truth.space:
            raise GroundTruthError(f"the benchmark table holds {truth.space} architectures, not {space}")
        return truth
    return GroundTruth.from_trained(read_frames(train, TRAIN_RESULT), metric, space=space)
