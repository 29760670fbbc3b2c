"""GroundTruth: one answer to "how accurate is this architecture?" for every stage."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cellprobe.benchmarks import nb201_table
from cellprobe.errors import TableError
from cellprobe.ground_truth import GroundTruth, GroundTruthError, load_ground_truth
from cellprobe.spaces.nb201 import benchmark_index, benchmark_order
from cellprobe.tables import NB201_BENCHMARK, TRAIN_RESULT, write_table

NB301_JSON = Path(__file__).resolve().parents[1] / "data" / "benchmarks" / "zc_nasbench301.json"


def _rows(**columns):
    base = {"sample": "s", "sampler": "uniform", "dataset": "d", "epochs": 1, "train_acc": 0.0, "train_loss": 0.0,
            "valid_loss": 0.0, "test_loss": 0.0, "params_m": 0.1, "device": "cpu"}
    frame = pd.DataFrame(columns)
    for key, value in base.items():
        if key not in frame:
            frame[key] = value
    return frame[TRAIN_RESULT.columns]


@pytest.fixture(scope="module")
def bench(nb201_csv):
    return nb201_table(nb201_csv)


def test_trained_truth_averages_each_architecture_over_its_seeds_in_first_seen_order():
    rows = _rows(arch_id=["b", "a", "b", "a"], space="nb201", genotype=["gb", "ga", "gb", "ga"], seed=[0, 0, 1, 1],
                 valid_acc=[60.0, 70.0, 62.0, 71.0], test_acc=[1.0, 2.0, 3.0, 4.0], flops_m=[2.0, 1.0, 2.0, 1.0])
    truth = GroundTruth.from_trained(rows, "valid_acc")
    assert truth.source == "trained:valid_acc" and truth.space == "nb201" and truth.kind == "trained"
    assert truth.table["arch_id"].tolist() == ["b", "a"]  # the rows' order, not sorted
    assert truth.accuracy() == {"b": 61.0, "a": 70.5}
    assert GroundTruth.from_trained(rows, "test_acc").accuracy() == {"b": 2.0, "a": 3.0}
    assert truth.table["flops_m"].tolist() == [2.0, 1.0]
    with pytest.raises(GroundTruthError, match="valid_acc, test_acc, train_acc"):
        GroundTruth.from_trained(rows, "loss")


def test_trained_truth_of_two_spaces_needs_one_named():
    rows = _rows(arch_id=["a", "b"], space=["nb201", "darts"], genotype=["ga", "gb"], seed=0, valid_acc=[1.0, 2.0],
                 test_acc=0.0, flops_m=0.0)
    with pytest.raises(GroundTruthError, match="choose one space"):
        GroundTruth.from_trained(rows, "valid_acc")
    assert GroundTruth.from_trained(rows, "valid_acc", space="darts").accuracy() == {"b": 2.0}
    with pytest.raises(GroundTruthError, match="no nb201 architecture"):
        GroundTruth.from_trained(rows[rows["space"] == "darts"], "valid_acc", space="nb201")


def test_benchmark_truth_and_its_oracle_agree_with_the_table(bench):
    truth = GroundTruth.from_benchmark(bench, "cifar100_test_acc")
    assert truth.source == "benchmark:cifar100_test_acc" and len(truth) == 15_625
    cells = benchmark_order()[100:110]
    expected = bench.set_index("index").loc[[benchmark_index(g) for g in cells], "cifar100_test_acc"].to_numpy()
    assert np.array_equal(truth.oracle()(cells), expected)
    assert np.array_equal(truth.lookup(cells), expected)
    with pytest.raises(GroundTruthError, match="no benchmark table has the column"):
        GroundTruth.from_benchmark(bench, "arch_str")


def test_an_incomplete_benchmark_is_no_oracle_and_a_missing_architecture_is_named(bench):
    truth = GroundTruth.from_benchmark(bench.head(50))
    with pytest.raises(GroundTruthError, match="every cell"):
        truth.oracle()
    with pytest.raises(GroundTruthError, match="were they trained"):
        truth.lookup(benchmark_order()[-1:])


def test_the_nb301_table_is_a_darts_truth_that_only_knows_its_architectures(tmp_path):
    from cellprobe.benchmarks import read_nb301_json
    from cellprobe.tables import NB301_BENCHMARK

    table = read_nb301_json(NB301_JSON)
    path = write_table(table, tmp_path / "nb301.parquet", NB301_BENCHMARK)
    truth = load_ground_truth(benchmark=path, column="cifar10_val_acc", space="darts")
    assert truth.space == "darts" and truth.source == "benchmark:cifar10_val_acc" and len(truth) == 725
    assert not truth.exhaustive and truth.kind == "benchmark"
    genotypes = truth.genotypes()[:3]
    assert np.array_equal(truth.lookup(genotypes), table["cifar10_val_acc"].to_numpy()[:3])
    with pytest.raises(GroundTruthError, match="knows 725 darts architectures, not every one"):
        truth.oracle()
    with pytest.raises(GroundTruthError, match="not the nb301 benchmark"):
        GroundTruth.from_benchmark(table.rename(columns={"genotype": "arch"}), "cifar10_val_acc")
    with pytest.raises(TableError, match="nb201_benchmark"):  # the column names the table it must be
        load_ground_truth(benchmark=path, column="cifar10_test_acc")


def test_load_ground_truth_takes_exactly_one_source(bench, tmp_path):
    path = write_table(bench.head(20), tmp_path / "nb201.parquet", NB201_BENCHMARK)
    assert load_ground_truth(benchmark=path, column="imagenet16_120_test_acc").source.endswith("imagenet16_120_test_acc")
    with pytest.raises(GroundTruthError, match="exactly one"):
        load_ground_truth()
    with pytest.raises(GroundTruthError, match="holds nb201 architectures, not darts"):
        load_ground_truth(benchmark=path, space="darts")
