"""Multi-stage predictor-based search: budget, no repeats, determinism, and that it beats random search."""

from pathlib import Path

import numpy as np
import pytest

from cellprobe.benchmarks import nb201_table, read_nb201_csv
from cellprobe.cli import main
from cellprobe.ground_truth import benchmark_oracle
from cellprobe.predictors import make_predictor
from cellprobe.predictors.search import predictor_search, search_summary
from cellprobe.spaces import parse_genotype
from cellprobe.tables import NB201_BENCHMARK, PREDICTOR_SEARCH, read_frame, write_table

NB201_CSV = Path(__file__).resolve().parents[2] / "data" / "benchmarks" / "nb201_test_accuracy.csv"


@pytest.fixture(scope="module")
def nb201():
    return nb201_table(read_nb201_csv(NB201_CSV))


@pytest.fixture(scope="module")
def pool(nb201):
    return [parse_genotype("nb201", s) for s in nb201["arch_str"]]


def _rf(seed=0):
    return lambda: make_predictor("rf", "nb201", seed=seed)


def test_budget_stages_and_no_repeats(nb201, pool):
    truth = nb201["cifar10_test_acc"].to_numpy()
    table = predictor_search(_rf(), pool, benchmark_oracle(nb201, "cifar10_test_acc"),
                             initial=8, per_stage=4, stages=3, seed=1, truth=truth)
    for method, part in table.groupby("method"):
        assert len(part) == 8 + 3 * 4
        assert part["arch_id"].is_unique, method
        assert part.groupby("stage").size().to_dict() == {0: 8, 1: 4, 2: 4, 3: 4}
        assert part["order"].tolist() == list(range(1, 21))
        assert np.all(np.diff(part["best_acc"]) >= 0)
    # both methods share stage 0, the predictor scores only later stages
    stage0 = table[table["stage"] == 0]
    assert set(stage0[stage0.method == "predictor"].arch_id) == set(stage0[stage0.method == "random"].arch_id)
    assert table.loc[table.method == "predictor", "predicted"].notna().sum() == 12
    # oracle accuracies and true ranks agree with the benchmark
    index = {a: i for i, a in enumerate(nb201["arch_id"])}
    rows = [index[a] for a in table["arch_id"]]
    assert np.allclose(table["acc"], truth[rows])
    assert table["true_rank"].min() >= 1 and table["true_rank"].max() <= len(pool)


def test_predictor_proposes_its_top_unseen(pool):
    cells = pool[:300]
    value = np.array([10.0 * sum(op == "nor_conv_3x3" for op in g.ops) + g.ops.count("skip_connect") for g in cells])
    oracle = lambda gs: np.array([value[cells.index(g)] for g in gs])  # noqa: E731
    table = predictor_search(_rf(), cells, oracle, initial=30, per_stage=5, stages=2, seed=0, truth=value)
    by = table.groupby("method")
    # a forest on this additive target finds a far better cell than 10 random extra picks
    assert by["best_acc"].max()["predictor"] >= by["best_acc"].max()["random"]
    proposed = table[(table.method == "predictor") & (table.stage == 1)]
    assert list(proposed["predicted"]) == sorted(proposed["predicted"], reverse=True)
    assert search_summary(table).query("method == 'predictor'")["queried"].tolist() == [30, 35, 40]


def test_each_stage_records_its_predictors_precision_over_the_pool(pool):
    from cellprobe.ranking import precision_at_k

    cells = pool[:400]
    value = np.array([10.0 * sum(op == "nor_conv_3x3" for op in g.ops) + g.ops.count("skip_connect") for g in cells])
    oracle = lambda gs: np.array([value[cells.index(g)] for g in gs])  # noqa: E731
    table = predictor_search(_rf(), cells, oracle, initial=30, per_stage=5, stages=2, seed=0, truth=value, k=0.05)
    assert (table["k"] == 0.05).all()
    predictor = table[table.method == "predictor"]
    assert predictor.loc[predictor.stage == 0, "pool_precision"].isna().all()
    assert table.loc[table.method == "random", "pool_precision"].isna().all()
    per_stage = predictor[predictor.stage > 0].groupby("stage")["pool_precision"].agg(["min", "max"])
    assert (per_stage["min"] == per_stage["max"]).all()  # one value per stage
    # stage 1's value is the P@K of a forest fitted on the 30 initial cells, over all 400
    initial = predictor[predictor.stage == 0]["arch_id"]
    index = [i for i, g in enumerate(cells) if g.arch_id in set(initial)]
    model = _rf()().fit([cells[i] for i in index], value[index])
    expected = precision_at_k(value, np.asarray(model.predict(cells), dtype=float), 0.05)
    assert per_stage.loc[1, "min"] == pytest.approx(expected)
    no_truth = predictor_search(_rf(), cells, oracle, initial=30, per_stage=5, stages=1, seed=0)
    assert no_truth["pool_precision"].isna().all()
    with pytest.raises(ValueError, match="k is a fraction"):
        predictor_search(_rf(), cells, oracle, initial=30, per_stage=5, stages=1, k=2.0)


def test_deterministic_and_checked(pool):
    cells = pool[:100]
    oracle = lambda gs: np.array([float(len(g.to_str())) for g in gs])  # noqa: E731
    a = predictor_search(_rf(), cells, oracle, initial=5, per_stage=3, stages=2, seed=3)
    b = predictor_search(_rf(), cells, oracle, initial=5, per_stage=3, stages=2, seed=3)
    assert a.equals(b)
    assert a["true_rank"].isna().all()
    with pytest.raises(ValueError, match="pool holds only"):
        predictor_search(_rf(), cells, oracle, initial=50, per_stage=30, stages=2)
    with pytest.raises(ValueError, match="initial must be >= 2"):
        predictor_search(_rf(), cells, oracle, initial=1, per_stage=3, stages=2)


def test_cli_writes_the_table_and_rejects_bad_options(tmp_path, nb201, capsys):
    bench = write_table(nb201, tmp_path / "nb201.parquet", NB201_BENCHMARK)
    out = tmp_path / "search.parquet"
    assert main(["importance", "search", "--benchmark", str(bench), "--predictor", "rf", "--initial", "10",
                 "--per-stage", "5", "--stages", "2", "--seeds", "0", "1", "--out", str(out)]) == 0
    table = read_frame(out, PREDICTOR_SEARCH)
    assert table.groupby(["seed", "method"]).size().tolist() == [20, 20, 20, 20]
    bad = tmp_path / "bad.parquet"
    assert main(["importance", "search", "--benchmark", str(bench), "--predictor", "nope", "--out", str(bad)]) != 0
    assert not bad.exists()
    assert "predictor search" in capsys.readouterr().err


def test_report_shows_the_search(tmp_path, nb201):
    bench = write_table(nb201, tmp_path / "nb201.parquet", NB201_BENCHMARK)
    oi, search, html = tmp_path / "oi.parquet", tmp_path / "search.parquet", tmp_path / "index.html"
    assert main(["importance", "oi", "--space", "nb201", "--benchmark", str(bench), "--groups", '{"top": 0.001}',
                 "--out", str(oi)]) == 0
    assert main(["importance", "search", "--benchmark", str(bench), "--predictor", "rf", "--initial", "6",
                 "--per-stage", "3", "--stages", "2", "--seeds", "0", "1", "--out", str(search)]) == 0
    assert main(["report", "--importance-oi", str(oi), "--predictor-search", str(search), "--out", str(html)]) == 0
    page = html.read_text()
    assert "Multi-stage predictor-based search" in page
    assert "best true rank found" in page
