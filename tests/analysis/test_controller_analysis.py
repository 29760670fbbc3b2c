from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch

from cellprobe.analysis.controller import (
    SIMILARITIES,
    ControllerAnalysisError,
    analyse_controller,
    common_connections,
    common_ops,
    graph_edit_distance,
    sample_pairs,
    similarity_correlations,
)
from cellprobe.benchmarks import nb201_table
from cellprobe.cli import main
from cellprobe.data import load_splits
from cellprobe.ground_truth import GroundTruth
from cellprobe.report.controller_section import controller_section
from cellprobe.search.controller import (
    ControllerSettings,
    ControllerState,
    build_controller,
    run_controller,
    save_controller,
)
from cellprobe.search.loop import build_search_supernet
from cellprobe.spaces import DartsGenotype, NB201Genotype
from cellprobe.tables import (
    CONTROLLER_ARCHITECTURES,
    CONTROLLER_CORRELATIONS,
    CONTROLLER_HIDDEN,
    CONTROLLER_HIDDEN_VARIANCE,
    CONTROLLER_HISTORY,
    CONTROLLER_PAIRS,
    CONTROLLER_STEP_PROBS,
    NB201_BENCHMARK,
    read_frame,
    write_table,
)
from tests.conftest import first

DARTS_A = DartsGenotype.parse(
    "normal=sep_conv_3x3~0,sep_conv_3x3~1|sep_conv_3x3~0,skip_connect~1|skip_connect~0,dil_conv_3x3~2|"
    "sep_conv_5x5~3,skip_connect~0;reduce=max_pool_3x3~0,max_pool_3x3~1|skip_connect~2,max_pool_3x3~1|"
    "max_pool_3x3~0,skip_connect~2|skip_connect~2,avg_pool_3x3~1")
TABLES = {"architectures": CONTROLLER_ARCHITECTURES, "step-probs": CONTROLLER_STEP_PROBS, "hidden": CONTROLLER_HIDDEN,
          "hidden-variance": CONTROLLER_HIDDEN_VARIANCE, "pairs": CONTROLLER_PAIRS,
          "correlations": CONTROLLER_CORRELATIONS}
TINY = {"hidden": 8, "shared_steps": 1, "controller_steps": 2, "controller_batch": 3, "reward_images": 32,
        "supernet": {"epochs": 1, "C": 4, "depth": 1, "batch_size": 32, "eval_batch_size": 64}}


def nb(*ops):
    return NB201Genotype(tuple(ops))


@pytest.fixture(scope="module")
def data_dir(digits_hard):
    return digits_hard


@pytest.fixture(scope="module")
def splits(digits_hard_splits):
    return first(digits_hard_splits, train=180, valid=90)


@pytest.fixture(scope="module")
def benchmark(nb201_csv):
    return nb201_table(nb201_csv)


def untrained_state(space, variant="random", num_classes=10):
    settings = ControllerSettings(**TINY)
    torch.manual_seed(0)
    supernet = build_search_supernet(space, settings.supernet, num_classes, 1)
    return ControllerState(space, variant, settings, 0, build_controller(settings, space, 0), supernet, pd.DataFrame(),
                           float("nan"), None, "", {"num_classes": num_classes, "in_channels": 1})


# -- similarity ------------------------------------------------------------------------------------------------


def test_graph_edit_distance_of_identical_cells_is_zero():
    a = nb("nor_conv_3x3", "skip_connect", "none", "avg_pool_3x3", "nor_conv_1x1", "skip_connect")
    assert graph_edit_distance(a, a) == (0.0, True)
    assert graph_edit_distance(a, nb(*a.ops)) == (0.0, True)
    assert graph_edit_distance(DARTS_A, DARTS_A) == (0.0, True)
    # the same DARTS cells with each node's two edges listed in the other order: the same graphs
    swapped = DartsGenotype.parse(DARTS_A.to_str().replace("sep_conv_3x3~0,sep_conv_3x3~1",
                                                            "sep_conv_3x3~1,sep_conv_3x3~0"))
    assert swapped.to_str() != DARTS_A.to_str()
    assert graph_edit_distance(DARTS_A, swapped) == (0.0, True)


def test_graph_edit_distance_counts_edits():
    a = nb("nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3")
    op_swap = nb("nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "avg_pool_3x3")
    dropped = nb("nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "nor_conv_3x3", "none")
    assert graph_edit_distance(a, op_swap) == (1.0, True)
    assert graph_edit_distance(a, dropped) == (1.0, True)
    assert graph_edit_distance(op_swap, dropped) == graph_edit_distance(dropped, op_swap) == (1.0, True)
    # mirror images: nodes 1 and 2 play swapped roles, so relabelling beats the identity mapping's cost
    x = nb("nor_conv_3x3", "avg_pool_3x3", "none", "skip_connect", "nor_conv_1x1", "none")
    y = nb("avg_pool_3x3", "nor_conv_3x3", "none", "skip_connect", "none", "nor_conv_1x1")
    assert graph_edit_distance(x, y) == (0.0, True)
    rewired = DartsGenotype(DARTS_A.normal.replace_edge(7, inp=1), DARTS_A.reduce)
    d, exact = graph_edit_distance(DARTS_A, rewired)
    assert exact and d == 2.0  # delete edge 0→5, insert edge 1→5 (same op)
    with pytest.raises(ControllerAnalysisError, match="cannot compare"):
        graph_edit_distance(a, DARTS_A)


def test_common_ops_and_connections():
    a = nb("nor_conv_3x3", "skip_connect", "none", "avg_pool_3x3", "nor_conv_1x1", "skip_connect")
    b = nb("nor_conv_3x3", "none", "none", "avg_pool_3x3", "skip_connect", "skip_connect")
    assert common_ops(a, b) == 4  # edges 0, 2, 3, 5
    assert common_connections(a, b) == 4  # edges 0, 3, 4, 5 are on in both
    assert common_ops(DARTS_A, DARTS_A) == 16 and common_connections(DARTS_A, DARTS_A) == 16
    other = DartsGenotype(DARTS_A.normal.replace_edge(0, op="dil_conv_5x5").replace_edge(7, inp=1), DARTS_A.reduce)
    assert common_ops(DARTS_A, other) == 15 and common_connections(DARTS_A, other) == 15


def test_sample_pairs_are_distinct_ordered_and_seeded():
    pairs = sample_pairs(30, 50, seed=3)
    assert pairs.shape == (50, 2) and (pairs[:, 0] < pairs[:, 1]).all()
    assert len({tuple(p) for p in pairs.tolist()}) == 50
    assert np.array_equal(pairs, sample_pairs(30, 50, seed=3))
    assert not np.array_equal(pairs, sample_pairs(30, 50, seed=4))
    assert len(sample_pairs(4, 100, seed=0)) == 6


def test_correlations_follow_the_pairs():
    rng = np.random.default_rng(0)
    ged = rng.integers(0, 6, 40).astype(float)
    pairs = pd.DataFrame({"hidden_distance": ged + rng.uniform(0, 0.1, 40), "common_ops": 6 - ged,
                          "common_connections": np.full(40, 3), "graph_edit_distance": ged,
                          "ged_exact": True, "perf_difference": np.nan})
    c = similarity_correlations(pairs).set_index("similarity")
    assert list(c.index) == list(SIMILARITIES)
    assert c.loc["graph_edit_distance", "spearman_rho"] > 0.95 and c.loc["common_ops", "spearman_rho"] < -0.95
    assert np.isnan(c.loc["common_connections", "spearman_rho"])  # constant: undefined
    assert np.isnan(c.loc["perf_difference", "spearman_rho"]) and c.loc["perf_difference", "n_pairs"] == 0


# -- the analysis of one controller ----------------------------------------------------------------------------


def test_analysis_tables_of_an_nb201_controller(benchmark, splits):
    state = untrained_state("nb201")
    tables = analyse_controller(state, n_archs=24, n_pairs=40, seed=0, truth=GroundTruth.from_benchmark(benchmark),
                                splits=splits, score_images=64)
    a, steps, hidden, var, pairs = (tables[k] for k in ("architectures", "step_probs", "hidden", "hidden_variance",
                                                        "pairs"))
    assert len(a) == 24 and a["benchmark_acc"].between(0, 100).all() and a["supernet_acc"].between(0, 100).all()
    truth = benchmark.set_index("arch_str")["cifar10_test_acc"]
    assert np.allclose(a["benchmark_acc"], truth.loc[a["genotype"]].to_numpy())
    assert len(steps) == 24 * 6 and (steps["argmax_prob"] >= steps["chosen_prob"] - 1e-9).all()
    assert set(steps["choice"]) <= {"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"}
    assert len(hidden) == 24 * 8 and len(var) == 8
    values = hidden.pivot(index="sample", columns="unit", values="value").to_numpy()
    assert np.allclose(var["variance"], values.var(0, ddof=1))
    assert len(pairs) == 40 and pairs["ged_exact"].all()
    same = pairs["arch_id_a"] == pairs["arch_id_b"]
    assert (pairs.loc[same, "graph_edit_distance"] == 0).all()
    acc = a["benchmark_acc"].to_numpy()
    expected = np.abs(acc[pairs["sample_a"]] - acc[pairs["sample_b"]])
    assert np.allclose(pairs["perf_difference"], expected)
    assert tables["correlations"]["spearman_rho"].notna().all()
    for frame in tables.values():
        assert set(frame[["space", "variant", "seed"]].itertuples(index=False)) == {("nb201", "random", 0)}
    with pytest.raises(ControllerAnalysisError, match="ground truth holds nb201 architectures"):
        analyse_controller(untrained_state("darts"), n_archs=4, n_pairs=2, truth=GroundTruth.from_benchmark(benchmark))
    with pytest.raises(ControllerAnalysisError, match="n_archs"):
        analyse_controller(state, n_archs=1)


def test_darts_analysis_uses_the_supernet_and_renders(splits):
    tables = analyse_controller(untrained_state("darts", "trained"), n_archs=6, n_pairs=5, seed=1, splits=splits,
                                score_images=32)
    assert tables["architectures"]["benchmark_acc"].isna().all()
    assert tables["architectures"]["supernet_acc"].notna().all()
    assert len(tables["step_probs"]) == 6 * 32 and set(tables["step_probs"]["decision"]) == {"input", "op"}
    detail = tables["correlations"].set_index("similarity").loc["perf_difference", "detail"]
    assert "supernet" in detail
    nb201 = analyse_controller(untrained_state("nb201"), n_archs=5, n_pairs=4)
    assert nb201["correlations"].set_index("similarity").loc["perf_difference", "n_pairs"] == 0
    merged = {k: pd.concat([tables[k], nb201[k]], ignore_index=True) for k in tables}
    section = controller_section(merged["architectures"], merged["step_probs"], merged["hidden_variance"],
                                 merged["correlations"], hidden=merged["hidden"])
    assert section.id == "controller" and section.body.count("<svg") == 2 + 2 + 2
    assert "graph edit distance" in section.body and "darts trained" in section.summary


# -- CLI -------------------------------------------------------------------------------------------------------


def _error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cellprobe: error: ")
    return err[0]


def test_cli_trains_and_analyses(data_dir, benchmark, tmp_path, capsys):
    import json

    bench_path = write_table(benchmark, tmp_path / "nb201.parquet", NB201_BENCHMARK)
    outs = {}
    for variant in ("trained", "random"):
        out = tmp_path / variant
        assert main(["controller", "train", "--space", "nb201", "--variant", variant, "--data", str(data_dir),
                     "--settings", json.dumps(TINY), "--device", "cpu", "--out", str(out / "controller.pt"),
                     "--history", str(out / "history.parquet"), "--checkpoint", str(out / "ckpt.pt")]) == 0
        history = read_frame(out / "history.parquet", CONTROLLER_HISTORY)
        assert list(history["variant"]) == [variant] and history["epoch"].tolist() == [1]
        outs[variant] = out / "controller.pt"
    args = ["controller", "analyse", "--controller", str(outs["trained"]), str(outs["random"]), "--benchmark",
            str(bench_path), "--n-archs", "10", "--n-pairs", "12", "--device", "cpu"]
    for name in TABLES:
        args += [f"--{name}", str(tmp_path / f"{name}.parquet")]
    assert main(args) == 0
    frames = {name: read_frame(tmp_path / f"{name}.parquet", schema) for name, schema in TABLES.items()}
    assert set(frames["correlations"]["variant"]) == {"trained", "random"}
    assert len(frames["architectures"]) == 20 and frames["architectures"]["supernet_acc"].isna().all()


def test_cli_bad_input_is_one_error_line(data_dir, tmp_path, capsys):
    base = ["controller", "train", "--space", "nb201", "--data", str(data_dir), "--out", str(tmp_path / "c.pt"),
            "--history", str(tmp_path / "h.parquet"), "--device", "cpu"]
    assert main(base + ["--variant", "greedy", "--settings", "{}"]) == 1
    assert "unknown controller variant 'greedy'" in _error_line(capsys)
    assert main(base + ["--variant", "trained", "--settings", '{"hiden": 3}']) == 1
    assert "unknown setting(s) ['hiden']" in _error_line(capsys)
    assert main(base + ["--variant", "trained", "--settings", "[1]"]) == 1
    assert "--settings must be a JSON object" in _error_line(capsys)
    assert main(base[:5] + [str(tmp_path / "nowhere")] + base[6:] + ["--variant", "trained"]) == 1
    assert "file not found" in _error_line(capsys)
    outputs = [a for name in TABLES for a in (f"--{name}", str(tmp_path / f"{name}.parquet"))]
    assert main(["controller", "analyse", "--controller", str(tmp_path / "missing.pt")] + outputs) == 1
    assert "controller file not found" in _error_line(capsys)
    darts = tmp_path / "darts.pt"
    state = run_controller("darts", "random", load_splits(data_dir),
                           replace(ControllerSettings(**TINY), controller_steps=1, controller_batch=2), 0,
                           torch.device("cpu"))
    save_controller(state, darts)
    bench = write_table(pd.DataFrame({c.name: [] for c in NB201_BENCHMARK.fields}), tmp_path / "b.parquet",
                        NB201_BENCHMARK)
    assert main(["controller", "analyse", "--controller", str(darts), "--benchmark", str(bench)] + outputs) == 1
    assert "this controller searches darts" in _error_line(capsys)
    assert not (tmp_path / "architectures.parquet").exists()
