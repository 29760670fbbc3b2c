"""The calibration table: this run's training of benchmark cells ranked against the benchmark."""

import numpy as np
import pandas as pd

from cellprobe.analysis.calibration import calibration_table


def _results(acc, loss, seeds=(0, 1), space="nb201", sample="calibration"):
    rows = [{"sample": sample, "space": space, "arch_id": f"a{i}", "seed": s, "valid_acc": a + s, "valid_loss": l,
             "test_acc": a - 1} for s in seeds for i, (a, l) in enumerate(zip(acc, loss))]
    return pd.DataFrame(rows)


def test_a_training_that_ranks_like_the_benchmark_has_tau_one_and_a_reversed_one_minus_one():
    bench = pd.DataFrame({"arch_id": [f"a{i}" for i in range(6)], "cifar10_test_acc": np.arange(6) + 80.0})
    good = calibration_table(_results(np.arange(6) * 2.0, 5 - np.arange(6) * 0.5), bench)
    assert good["ranked_by"].tolist() == ["valid_acc", "-valid_loss", "test_acc"]
    assert np.allclose(good["kendall_tau"], 1.0) and (good["n"] == 6).all()  # seeds averaged: 6 cells, not 12
    assert np.isclose(good["mean_benchmark"].iloc[0], 82.5)
    reversed_ = calibration_table(_results(-np.arange(6) * 2.0, np.arange(6) * 0.5), bench)
    assert np.allclose(reversed_["kendall_tau"], -1.0)


def test_only_benchmark_cells_of_the_space_count():
    bench = pd.DataFrame({"arch_id": ["a0", "a1", "a2"], "cifar10_test_acc": [1.0, 2.0, 3.0]})
    darts = _results([1.0, 2.0, 3.0], [3.0, 2.0, 1.0], space="darts")
    assert calibration_table(darts, bench).empty
    too_few = _results([1.0, 2.0], [2.0, 1.0])
    assert calibration_table(too_few, bench).empty
