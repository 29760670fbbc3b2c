"""The OI surrogate of a sample benchmark (NAS-Bench-301): its k-fold held-out τ, determinism, and the variants
it scores (``importance surrogate --folds-out`` and ``importance verify --surrogate``)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cellprobe.benchmarks import read_nb301_json
from cellprobe.ground_truth import GroundTruth
from cellprobe.importance import surrogate_oracle, variants_table, verification
from cellprobe.predictors import load_predictor
from cellprobe.predictors.evaluate import kfold_runs
from cellprobe.tables import (IMPORTANCE_RESULTS, IMPORTANCE_VARIANTS, NB301_BENCHMARK, OPERATOR_IMPORTANCE,
                              SURROGATE_FOLDS, read_frame, write_table)
from tests.conftest import cellprobe

NB301_JSON = Path(__file__).resolve().parents[2] / "data" / "benchmarks" / "zc_nasbench301.json"
FAST = '{"epochs": 3}'


@pytest.fixture(scope="module")
def nb301():
    return read_nb301_json(NB301_JSON)


@pytest.fixture(scope="module")
def table_path(nb301, tmp_path_factory):
    return write_table(nb301.head(120), tmp_path_factory.mktemp("nb301") / "nb301.parquet", NB301_BENCHMARK)


def test_kfold_runs_hold_every_architecture_out_once_and_are_seeded(nb301):
    truth = GroundTruth.from_benchmark(nb301.head(100), "cifar10_val_acc")
    runs = kfold_runs(truth, "rf", "mse", folds=4, seed=0)
    assert runs["fold"].tolist() == [0, 1, 2, 3] and runs["n_test"].sum() == 100
    assert (runs["n_train"] + runs["n_test"] == 100).all() and runs["tau"].between(-1, 1).all()
    pd.testing.assert_frame_equal(kfold_runs(truth, "rf", "mse", folds=4, seed=0), runs)
    assert not kfold_runs(truth, "rf", "mse", folds=4, seed=1)["tau"].equals(runs["tau"])
    with pytest.raises(ValueError, match="folds must be in 2..50"):
        kfold_runs(truth, "rf", "mse", folds=1)


def test_a_surrogate_that_learns_ranks_held_out_architectures(nb301):
    """A synthetic truth the predictor can learn (the count of separable convolutions) is ranked well on the
    folds it never saw; shuffled accuracies are not (a rule that always passes would be a defect)."""
    truth = GroundTruth.from_benchmark(nb301.head(150), "cifar10_val_acc")
    sep = np.array([sum(op.startswith("sep") for cell in (g.normal, g.reduce) for op, _ in cell.edges)
                    for g in truth.genotypes()], dtype=float)
    learnable = GroundTruth("darts", "synthetic", truth.table.assign(true=sep))
    noise = GroundTruth("darts", "shuffled", truth.table.assign(true=np.random.default_rng(0).permutation(sep)))
    assert kfold_runs(learnable, "rf", "mse", folds=3)["tau"].mean() > 0.4
    assert abs(kfold_runs(noise, "rf", "mse", folds=3)["tau"].mean()) < 0.2


def test_cli_fits_the_nb301_surrogate_with_its_folds_deterministically(table_path, tmp_path):
    outs = []
    for run in ("a", "b"):
        out, folds = tmp_path / run / "surrogate", tmp_path / run / "folds.parquet"
        result = cellprobe("importance", "surrogate", "--space", "darts", "--benchmark", table_path, "--column",
                           "cifar10_val_acc", "--predictor", "gates", "--options", FAST, "--folds", "3",
                           "--folds-out", folds, "--out", out)
        assert result.returncode == 0, result.stderr
        outs.append((out, folds))
    table = read_frame(outs[0][1], SURROGATE_FOLDS)
    assert len(table) == 3 and set(table["source"]) == {"benchmark:cifar10_val_acc"} and table["tau"].notna().all()
    assert outs[0][1].read_bytes() == outs[1][1].read_bytes()
    first, second = load_predictor(outs[0][0]), load_predictor(outs[1][0])
    genotypes = GroundTruth.from_benchmark(read_frame(table_path, NB301_BENCHMARK), "cifar10_val_acc").genotypes()
    assert np.array_equal(first.predict(genotypes), second.predict(genotypes))  # the same surrogate again


def test_cli_refuses_too_many_folds_and_writes_nothing(table_path, tmp_path):
    result = cellprobe("importance", "surrogate", "--space", "darts", "--benchmark", table_path, "--column",
                       "cifar10_val_acc", "--predictor", "rf", "--folds", "500", "--folds-out", tmp_path / "f.parquet",
                       "--out", tmp_path / "s")
    assert result.returncode == 1 and "folds must be in 2..60" in result.stderr
    assert not (tmp_path / "f.parquet").exists() and not (tmp_path / "s").exists()


def test_variants_are_scored_by_the_surrogate(table_path, tmp_path):
    out = tmp_path / "surrogate"
    assert cellprobe("importance", "surrogate", "--space", "darts", "--benchmark", table_path, "--column",
                     "cifar10_val_acc", "--predictor", "rf", "--out", out).returncode == 0
    oi_path = tmp_path / "oi.parquet"
    result = cellprobe("importance", "oi", "--space", "darts", "--surrogate", out, "--pool-size", "60",
                       "--groups", '{"top": 0.05}', "--out", oi_path)
    assert result.returncode == 0, result.stderr
    oi = read_frame(oi_path, OPERATOR_IMPORTANCE)
    variants = variants_table("darts", oi, disable=2, steps=2, ablate=1, seed=0)
    variants_path = write_table(variants, tmp_path / "variants.parquet", IMPORTANCE_VARIANTS)
    results_path, tests_path = tmp_path / "results.parquet", tmp_path / "tests.parquet"
    result = cellprobe("importance", "verify", "--variants", variants_path, "--surrogate", out,
                       "--results", results_path, "--tests", tests_path)
    assert result.returncode == 0, result.stderr
    results = read_frame(results_path, IMPORTANCE_RESULTS)
    assert set(results["acc_source"]) == {"surrogate:surrogate"} and len(results) == len(variants)
    predictor = load_predictor(out)
    genotypes = [GroundTruth("darts", "x", variants.assign(true=0.0)).genotypes()[i] for i in range(3)]
    assert np.allclose(results["acc"].head(3), surrogate_oracle(predictor)(genotypes))
    direct, _ = verification(variants, predictor, name="surrogate")
    pd.testing.assert_frame_equal(direct.reset_index(drop=True), results)
    both = cellprobe("importance", "verify", "--variants", variants_path, "--surrogate", out, "--benchmark",
                     table_path, "--results", tmp_path / "r2.parquet", "--tests", tmp_path / "t2.parquet")
    assert both.returncode == 1 and "not both" in both.stderr and not (tmp_path / "r2.parquet").exists()


def test_sample_sets_scored_by_the_surrogate_are_a_ground_truth(table_path, tmp_path):
    from cellprobe.ground_truth import load_ground_truth
    from cellprobe.sampling import sample_table
    from cellprobe.tables import SAMPLE_SET, SURROGATE_PREDICTIONS

    out = tmp_path / "surrogate"
    assert cellprobe("importance", "surrogate", "--space", "darts", "--benchmark", table_path, "--column",
                     "cifar10_val_acc", "--predictor", "rf", "--out", out).returncode == 0
    sets = {name: write_table(sample_table(sampler, 12, seed), tmp_path / f"{name}.parquet", SAMPLE_SET,
                              {"name": name, "sampler": sampler, "seed": seed})
            for name, sampler, seed in (("uniform", "uniform", 0), ("skip", "skip", 1))}
    predicted = tmp_path / "predicted.parquet"
    result = cellprobe("importance", "predict", "--surrogate", out, "--sets", *sets.values(), "--out", predicted)
    assert result.returncode == 0, result.stderr
    table = read_frame(predicted, SURROGATE_PREDICTIONS)
    assert table["set"].tolist() == ["uniform"] * 12 + ["skip"] * 12 and set(table["sampler"]) == {"uniform", "skip"}
    skip = sample_table("skip", 12, 1)
    oracle = surrogate_oracle(load_predictor(out))
    from cellprobe.spaces import get_space

    expected = oracle([get_space("darts").parse(g) for g in skip["genotype"]])
    assert np.allclose(table[table["set"] == "skip"]["predicted_acc"], expected)
    truth = load_ground_truth(predicted=predicted, predicted_sets=["skip"])
    assert truth.source == "surrogate:predicted_acc" and truth.space == "darts" and len(truth) == 12
    assert np.allclose(truth.scores(), expected)
    with pytest.raises(Exception, match="did not score the sample set"):
        load_ground_truth(predicted=predicted, predicted_sets=["prim"])
    nb201 = write_table(sample_table("nb201", 5, 0), tmp_path / "nb201.parquet", SAMPLE_SET, {"name": "cells"})
    bad = cellprobe("importance", "predict", "--surrogate", out, "--sets", nb201, "--out", tmp_path / "bad.parquet")
    assert bad.returncode == 1 and "holds nb201 architectures" in bad.stderr and not (tmp_path / "bad.parquet").exists()
