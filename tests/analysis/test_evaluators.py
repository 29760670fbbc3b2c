import itertools
import math

import numpy as np
import pandas as pd
import pytest

from cellprobe.analysis.evaluators import (
    CORRELATIONS,
    TOP_K_CRITERIA,
    EvaluatorError,
    attach_flops,
    best_ranking_at_k,
    criteria,
    criteria_tables,
    deisomorphize,
    flops_groups,
    from_predictions,
    from_supernet_scores,
    isomorphism_variance,
    kendall,
    kendall_bottom_k,
    kendall_top_k,
    pearson,
    precision_at_k,
    scores_table,
    spearman,
    top_count,
    true_ranks,
    worst_ranking_at_k,
)
from cellprobe.cli import main
from cellprobe.ground_truth import GroundTruth
from cellprobe.nn import count_flops, get_preset
from cellprobe.nn.profile import network_flops
from cellprobe.spaces import NB201Genotype
from cellprobe.spaces.nb201 import benchmark_order
from cellprobe.tables import (
    EVALUATOR_CRITERIA,
    EVALUATOR_SCORES,
    FLOPS_GROUPS,
    NB201_BENCHMARK,
    SUPERNET_SCORES,
    read_frame,
    write_table,
)



# -- argument order and hand-computed values ----------------------------------------------------------------


def test_argument_order_true_first_br_at_k_is_not_symmetric():
    true, predicted = [4, 3, 2, 1], [1, 4, 3, 2]
    # the predicted best is item 1, whose true score 3 is ranked 2nd of 4
    assert best_ranking_at_k(true, predicted, 0.25) == 0.5
    # swapped: the "predicted" best is item 0 (4), whose rank in [1, 4, 3, 2] is 4th
    assert best_ranking_at_k(predicted, true, 0.25) == 1.0
    assert worst_ranking_at_k(true, predicted, 0.5) == 0.75  # items 1 and 2: true ranks 2 and 3
    assert worst_ranking_at_k(predicted, true, 0.5) == 1.0  # items 0 and 1: ranks 4 and 1 in [1, 4, 3, 2]


def test_correlations_by_hand():
    true, predicted = [1, 2, 3, 4], [1, 3, 2, 4]
    assert kendall(true, predicted) == pytest.approx(4 / 6)  # 5 concordant, 1 discordant pair
    assert spearman(true, predicted) == pytest.approx(1 - 6 * 2 / (4 * 15))
    x, y = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0])
    dx, dy = x - x.mean(), y - y.mean()
    expected = (dx * dy).sum() / math.sqrt((dx**2).sum() * (dy**2).sum())
    assert pearson(x, y) == pytest.approx(expected)
    assert kendall([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_precision_by_hand():
    true = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
    predicted = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5]  # predicted top-2: items 0 and 2; true top-2: items 0 and 1
    assert precision_at_k(true, predicted, 0.2) == 0.5
    assert precision_at_k(true, predicted, 1.0) == 1.0
    assert precision_at_k(true, true, 0.3) == 1.0


def test_k_is_a_fraction_and_a_larger_k_is_refused():
    assert top_count(100, 0.05) == 5 and top_count(10, 0.05) == 1 and top_count(30, 0.1) == 3
    assert top_count(7, 1.0) == 7 and top_count(3, 0.5) == 2
    for bad in (0, 0.0, -0.1, 1.5, 2, True):
        with pytest.raises(ValueError, match="fraction"):
            precision_at_k([1, 2, 3], [1, 2, 3], bad)
    with pytest.raises(ValueError, match="fraction"):
        criteria([1, 2, 3], [3, 2, 1], ks=[0.5, 1.01])


def test_ties_are_expected_values_under_random_tie_breaking():
    true = [4, 3, 2, 1]
    # predicted tie between items 0 and 1 for the single top slot
    assert precision_at_k(true, [1, 1, 0, 0], 0.25) == 0.5
    assert best_ranking_at_k(true, [1, 1, 0, 0], 0.25) == pytest.approx((1 + 2) / 2 / 4)
    assert precision_at_k(true, [1, 1, 0, 0], 0.5) == 1.0
    # item 0 sure, one of items 1..3 at random for the second slot
    assert best_ranking_at_k(true, [1, 0, 0, 0], 0.5) == 0.25
    assert worst_ranking_at_k(true, [1, 0, 0, 0], 0.5) == pytest.approx((2 + 3 + 4) / 3 / 4)
    assert precision_at_k(true, [1, 0, 0, 0], 0.5) == pytest.approx((1 + 1 / 3) / 2)
    # ties in the truth: two equally good items share rank 1.5
    assert precision_at_k([1, 1, 0, 0], [4, 3, 2, 1], 0.25) == 0.5
    assert best_ranking_at_k([1, 1, 0, 0], [4, 3, 2, 1], 0.25) == 1.5 / 4
    # a constant evaluator is no better than chance, whatever the input order
    for k in (0.1, 0.3, 0.5):
        m = top_count(10, k)
        assert precision_at_k(range(10), [7.0] * 10, k) == pytest.approx(m / 10)


def _brute_force(true, predicted, k, criterion):
    """Mean of ``criterion`` over every way of breaking the predicted ties (each permutation of tied items)."""
    t, p = np.asarray(true, float), np.asarray(predicted, float)
    n, m = len(t), top_count(len(t), k)
    ranks = true_ranks(t) / n
    values = []
    for perm in itertools.permutations(range(n)):
        order = sorted(range(n), key=lambda i: (-p[i], perm[i]))
        top = order[:m]
        values.append(ranks[top].min() if criterion == "best" else ranks[top].max())
    return float(np.mean(values))


@pytest.mark.parametrize("seed", range(4))
def test_expected_extreme_rank_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    true = rng.integers(0, 4, size=6).astype(float)
    predicted = rng.integers(0, 3, size=6).astype(float)  # many ties
    for k in (0.2, 0.5, 0.7):
        assert best_ranking_at_k(true, predicted, k) == pytest.approx(_brute_force(true, predicted, k, "best"))
        assert worst_ranking_at_k(true, predicted, k) == pytest.approx(_brute_force(true, predicted, k, "worst"))


def test_kendall_within_top_and_bottom_k_includes_boundary_ties():
    true = [5, 3, 4, 1, 2]
    predicted = [9, 8, 8, 1, 0]
    assert math.isnan(kendall_top_k(true, predicted, 0.2))  # one item only
    # m = 2, but items 1 and 2 tie at the boundary: the set is {0, 1, 2}
    assert kendall_top_k(true, predicted, 0.4) == pytest.approx(kendall([5, 3, 4], [9, 8, 8]))
    assert kendall_bottom_k(true, predicted, 0.4) == pytest.approx(-1.0)  # items 3, 4: 1 < 2 but 1 > 0


def test_degenerate_inputs():
    assert all(math.isnan(f([1, 2, 3], [5, 5, 5])) for f in CORRELATIONS.values())
    assert math.isnan(kendall([1.0], [2.0]))
    with pytest.raises(ValueError, match="differ in length"):
        kendall([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="NaN"):
        precision_at_k([1, np.nan, 3], [1, 2, 3], 0.5)
    table = criteria([1, 2, 3, 4, 5], [1, 2, 3, 5, 4], ks=[0.2, 0.6])
    assert len(table) == len(CORRELATIONS) + 2 * len(TOP_K_CRITERIA)
    # k = 0.2: the true best (item 4) is not the predicted best (item 3); k = 0.6: the same three items
    assert table.loc[table["criterion"] == "precision", "value"].tolist() == [0.0, 1.0]


# -- FLOPs groups, isomorphism ------------------------------------------------------------------------------


def test_flops_groups_by_hand_and_ties_stay_together():
    groups = flops_groups([1, 2, 3, 4], [4, 3, 2, 1], [10, 20, 30, 40], n_groups=2)
    # low-FLOPs items are the worst (true ranks 4, 3) but predicted best (1, 2): over-rated by (3 + 1) / 2 / 4
    assert groups["rank_diff"].tolist() == [0.5, -0.5]
    assert groups["kendall_tau"].tolist() == [-1.0, -1.0]
    assert groups["n"].tolist() == [2, 2] and groups["flops_min"].tolist() == [10.0, 30.0]
    rng = np.random.default_rng(0)
    true, pred = rng.normal(size=100), rng.normal(size=100)
    even = flops_groups(true, pred, np.arange(100), n_groups=10)
    assert even["n"].tolist() == [10] * 10 and even["rank_diff"].sum() == pytest.approx(0.0)
    tied = flops_groups(true, pred, np.repeat([1.0, 2.0], [35, 65]), n_groups=10)
    assert tied["n"].tolist() == [35, 65]  # never split equal FLOPs
    with pytest.raises(ValueError, match="n_groups"):
        flops_groups(true, pred, np.arange(100), n_groups=0)


def test_isomorphism_variance_and_deiso_by_hand():
    spread = isomorphism_variance([1.0, 3.0, 5.0, 5.0, 9.0], ["a", "a", "b", "b", "c"])
    # pooled over the classes with two members: ((1-2)² + (3-2)² + 0 + 0) / ((2-1) + (2-1))
    assert spread["within"] == pytest.approx(2.0 / 2)
    assert spread["classes"] == 2 and spread["n"] == 4
    assert spread["total"] == pytest.approx(np.var([1, 3, 5, 5, 9], ddof=1))
    assert spread["ratio"] == pytest.approx(spread["within"] / spread["total"])
    assert math.isnan(isomorphism_variance([1.0, 2.0], ["a", "b"])["within"])
    assert deisomorphize([1.0, 3.0, 5.0, 7.0], ["a", "a", "b", "c"]).tolist() == [2.0, 2.0, 5.0, 7.0]


def _isomorphic_pair():
    seen = {}
    for g in benchmark_order():
        if g.reachable and "nor_conv_3x3" in g.ops:
            if g.canonical_key in seen and seen[g.canonical_key].ops != g.ops:
                return seen[g.canonical_key], g
            seen.setdefault(g.canonical_key, g)
    raise AssertionError("no isomorphic pair")


def test_nb201_flops_are_additive_over_ops():
    a, b = _isomorphic_pair()
    cells = [a, b, *benchmark_order()[:4]]
    preset = get_preset("nb201", "tiny")
    flops = network_flops(cells, "tiny")
    for g in cells:
        assert flops[g.arch_id] == count_flops(preset.build(g), preset.input_shape) / 1e6


@pytest.mark.parametrize("preset", ["tiny", "standard"])
def test_darts_flops_counted_edge_by_edge_equal_each_network_counted_whole(preset):
    from cellprobe.sampling import get_sampler
    from cellprobe.spaces import DartsGenotype

    rng = np.random.default_rng(0)
    draw = get_sampler("uniform").draw
    cells = [draw(rng) for _ in range(3)] + [get_sampler("primskip").draw(rng)]
    odd = cells[0].to_str().replace(";reduce=", "@2,4;reduce=", 1)  # another normal concat: another base network
    cells.append(DartsGenotype.parse(odd))
    flops = network_flops(cells, preset)
    spec = get_preset("darts", preset)
    for g in cells:
        assert flops[g.arch_id] == count_flops(spec.build(g), spec.input_shape) / 1e6
    assert len(set(flops.values())) == len(cells)


# -- evaluator tables and the criteria of all of them ------------------------------------------------------------


@pytest.fixture(scope="module")
def small_nb201(tmp_path_factory):
    """A benchmark table of 40 cells (incl. an isomorphic pair) with accuracies that order them."""
    a, b = _isomorphic_pair()
    keys, cells = {a.canonical_key}, [a, b]
    for g in benchmark_order():  # then 38 cells of distinct classes: the pair is the only isomorphism
        if len(cells) == 40:
            break
        if g.canonical_key not in keys:
            keys.add(g.canonical_key)
            cells.append(g)
    rng = np.random.default_rng(1)
    acc = np.round(rng.uniform(10, 95, size=len(cells)), 2)
    table = pd.DataFrame({"index": np.arange(len(cells), dtype="int32"), "arch_id": [g.arch_id for g in cells],
                          "arch_str": [g.to_str() for g in cells], "canonical_key": [g.canonical_key for g in cells],
                          "reachable": [g.reachable for g in cells], "cifar10_test_acc": acc,
                          "cifar100_test_acc": acc / 2, "imagenet16_120_test_acc": acc / 3})
    path = write_table(table, tmp_path_factory.mktemp("bench") / "nb201.parquet", NB201_BENCHMARK)
    return table, path


def _truth(bench):
    return GroundTruth.from_benchmark(bench).table


def _supernet_scores(bench, epochs=(1, 3), noise=(5.0, 0.5)):
    rng = np.random.default_rng(0)
    rows = []
    for epoch, sd in zip(epochs, noise):
        for bn in (False, True):
            rows.append(pd.DataFrame({"space": "nb201", "method": "spos", "seed": 0, "epoch": epoch,
                                      "bn_recalibrated": bn, "arch_id": bench["arch_id"], "genotype": bench["arch_str"],
                                      "valid_acc": bench["cifar10_test_acc"] + rng.normal(0, sd, len(bench)),
                                      "valid_loss": 1.0}))
    return pd.concat(rows, ignore_index=True)


def test_criteria_tables_over_supernet_epochs_with_iso_and_deiso(small_nb201, tmp_path):
    bench, _ = small_nb201
    scores = attach_flops(from_supernet_scores(_supernet_scores(bench)),
                          network_flops([NB201Genotype.parse(s) for s in bench["arch_str"]], "tiny"))
    crit, groups = criteria_tables(scores, _truth(bench), ks=[0.1, 0.5], n_groups=4, deiso=True)
    tau = crit[(crit["criterion"] == "kendall") & ~crit["deiso"] & (crit["evaluator"] == "supernet-spos")]
    assert tau.set_index("epoch")["value"].loc[3] > tau.set_index("epoch")["value"].loc[1] > 0  # less noise later
    assert set(crit["evaluator"]) == {"supernet-spos", "supernet-spos-bn", "ground-truth"}
    assert crit["deiso"].any() and (crit["n"] <= len(bench)).all()
    truth_iso = crit[crit["kind"] == "truth"].set_index("criterion")["value"]
    a, b = bench["cifar10_test_acc"].iloc[:2]
    assert truth_iso["iso_within_var"] == pytest.approx((a - b) ** 2 / 2)
    assert set(groups["group"]) <= set(range(4)) and groups["n"].sum() == 4 * 2 * len(bench)  # 4 instances × 2 (deiso)
    assert truth_iso["iso_rank_var_ratio"] > 0
    # the rank-based spread ignores the scale of the scores, the raw one does not
    stretched, _ = criteria_tables(scores.assign(score=np.exp(scores["score"] / 5)), _truth(bench), ks=[0.1])
    pick = lambda c, name: c[(c["criterion"] == name) & (c["kind"] == "supernet")]["value"].to_numpy()  # noqa: E731
    assert pick(stretched, "iso_rank_var_ratio") == pytest.approx(pick(crit, "iso_rank_var_ratio"))
    assert not np.allclose(pick(stretched, "iso_var_ratio"), pick(crit, "iso_var_ratio"))
    write_table(crit, tmp_path / "criteria.parquet", EVALUATOR_CRITERIA)  # the declared schemas accept them
    write_table(groups, tmp_path / "flops_groups.parquet", FLOPS_GROUPS)


def test_a_perfect_evaluator_is_perfect_and_tables_round_trip(small_nb201, tmp_path):
    bench, _ = small_nb201
    genotypes = [NB201Genotype.parse(s) for s in bench["arch_str"]]
    perfect = from_predictions("nb201", "oracle", genotypes, bench["cifar10_test_acc"], seed=None)
    path = write_table(perfect, tmp_path / "oracle.parquet", EVALUATOR_SCORES)
    again = scores_table(read_frame(path, EVALUATOR_SCORES))
    crit, groups = criteria_tables(again, _truth(bench), ks=[0.1], n_groups=10)
    value = crit[crit["evaluator"] == "oracle"].set_index("criterion")["value"]
    assert value["kendall"] == 1.0 and value["spearman"] == 1.0 and value["precision"] == 1.0
    assert value["best_ranking"] == pytest.approx(1 / len(bench))
    assert value["worst_ranking"] == pytest.approx(top_count(len(bench), 0.1) / len(bench))
    assert groups.empty  # no FLOPs attached


def test_criteria_refuses_unmatched_or_duplicated_scores(small_nb201):
    bench, _ = small_nb201
    scores = from_supernet_scores(_supernet_scores(bench))
    with pytest.raises(EvaluatorError, match="ground-truth"):
        criteria_tables(scores.assign(arch_id=scores["arch_id"] + "-unknown"), _truth(bench))
    with pytest.raises(EvaluatorError, match="twice"):
        criteria_tables(pd.concat([scores, scores.head(1)]), _truth(bench))


# -- CLI --------------------------------------------------------------------------------------------------------


def test_criteria_command_writes_tables(small_nb201, tmp_path, capsys):
    bench, bench_path = small_nb201
    supernet = write_table(_supernet_scores(bench), tmp_path / "scores.parquet", SUPERNET_SCORES)
    out = tmp_path / "ev"
    assert main(["evaluators", "criteria", "--space", "nb201", "--supernet-scores", str(supernet), "--benchmark",
                 str(bench_path), "--ks", "0.1", "0.5", "--flops-groups", "4", "--flops-preset", "tiny", "--deiso",
                 "--out-dir", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["criteria.parquet", "flops_groups.parquet",
                                                     "supernet-spos-bn.parquet", "supernet-spos.parquet"]
    crit = read_frame(out / "criteria.parquet", EVALUATOR_CRITERIA)
    assert set(crit["epoch"].dropna()) == {1, 3}
    assert read_frame(out / "supernet-spos.parquet", EVALUATOR_SCORES)["flops_m"].notna().all()
    assert "supernet-spos: Kendall tau" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["criteria", "--space", "nb201", "--out-dir", "{tmp}/o", "--benchmark", "{bench}"],
     "at least one evaluator table"),
    (["criteria", "--space", "nb201", "--supernet-scores", "{bench}", "--benchmark", "{bench}", "--out-dir", "{tmp}/o"],
     "holds table 'nb201_benchmark'"),
    (["criteria", "--space", "nb201", "--supernet-scores", "{scores}", "--out-dir", "{tmp}/o"],
     "exactly one ground truth"),
    (["criteria", "--space", "nb201", "--supernet-scores", "{scores}", "--benchmark", "{bench}", "--ks", "1.5",
      "--out-dir", "{tmp}/o"], "K larger than the set"),
    (["criteria", "--space", "darts", "--supernet-scores", "{scores}", "--benchmark", "{bench}",
      "--out-dir", "{tmp}/o"], "nb201 architectures, not darts"),
    (["predict", "--space", "nb201", "--benchmark", "{bench}", "--n-train", "1000", "--out", "{tmp}/p.parquet"],
     "n_train must lie in"),
])
def test_evaluators_bad_input_is_one_line(small_nb201, tmp_path, capsys, args, message):
    bench, bench_path = small_nb201
    scores = write_table(_supernet_scores(bench), tmp_path / "scores.parquet", SUPERNET_SCORES)
    argv = ["evaluators"] + [a.format(tmp=tmp_path, bench=bench_path, scores=scores) for a in args]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cellprobe: error: ") and message in err[0]
    assert not (tmp_path / "o").exists() and not (tmp_path / "p.parquet").exists()


def test_predict_command_scores_the_rest(small_nb201, tmp_path):
    _, bench_path = small_nb201
    out = tmp_path / "pred.parquet"
    assert main(["evaluators", "predict", "--space", "nb201", "--benchmark", str(bench_path), "--predictor", "rf",
                 "--n-train", "10", "--options", '{"n_estimators": 10}', "--out", str(out)]) == 0
    table = read_frame(out, EVALUATOR_SCORES)
    assert len(table) == 30 and set(table["evaluator"]) == {"pred-rf-mse-n10"} and (table["kind"] == "predictor").all()


def test_criteria_command_with_trained_ground_truth(tmp_path):
    from cellprobe.sampling import sample_architectures
    from cellprobe.tables import TRAIN_RESULT

    genotypes = sample_architectures("uniform", 12, seed=0)
    rng = np.random.default_rng(0)
    acc = rng.uniform(50, 90, size=len(genotypes))
    rows = [{"sample": "s", "arch_id": g.arch_id, "space": "darts", "genotype": g.to_str(), "sampler": "uniform",
             "dataset": "digits", "seed": seed, "epochs": 1, "train_acc": 0.0, "train_loss": 0.0, "valid_acc": 0.0,
             "valid_loss": 0.0, "test_acc": a + seed, "test_loss": 0.0, "params_m": 0.01, "flops_m": 0.1 * i,
             "device": "cpu"} for i, (g, a) in enumerate(zip(genotypes, acc)) for seed in (0, 1)]
    train = write_table(pd.DataFrame(rows), tmp_path / "train.parquet", TRAIN_RESULT)
    scores = write_table(from_predictions("darts", "pred-x", genotypes, -acc, seed=0), tmp_path / "p.parquet",
                         EVALUATOR_SCORES)
    out = tmp_path / "ev"
    assert main(["evaluators", "criteria", "--space", "darts", "--scores", str(scores), "--train", str(train),
                 "--metric", "test_acc", "--ks", "0.25", "--flops-groups", "3", "--out-dir", str(out)]) == 0
    crit = read_frame(out / "criteria.parquet", EVALUATOR_CRITERIA).set_index("criterion")["value"]
    assert crit["kendall"] == pytest.approx(-1.0) and crit["precision"] == 0.0
    assert "iso_var_ratio" not in crit.index  # isomorphism rows are NB201 only
    groups = read_frame(out / "flops_groups.parquet", FLOPS_GROUPS)
    assert groups["n"].tolist() == [4, 4, 4] and groups["flops_m_max"].iloc[-1] == pytest.approx(1.1)


def test_report_section(small_nb201):
    from cellprobe.report.evaluators_section import evaluators_section

    bench, _ = small_nb201
    scores = attach_flops(from_supernet_scores(_supernet_scores(bench)),
                          network_flops([NB201Genotype.parse(s) for s in bench["arch_str"]], "tiny"))
    crit, groups = criteria_tables(scores, _truth(bench), ks=[0.1, 0.5], n_groups=4, deiso=True)
    section = evaluators_section(crit, groups, k=0.1)
    assert section.id == "evaluators" and section.body.count("<svg") == 2
    assert "P@50%" in section.body and "Sampling and de-isomorphism" in section.body
    assert "supernet-spos-bn (de-iso)" in section.body and "Isomorphic cells" in section.body
    assert "P@K" in section.body and "K = 0.1 of the set" in section.body
    assert section.summary.startswith("4 evaluator(s); nb201: best Kendall τ")
    genotypes = [NB201Genotype.parse(s) for s in bench["arch_str"]]
    predictor = from_predictions("nb201", "pred-x", genotypes, bench["cifar10_test_acc"], seed=0)
    no_epochs, _ = criteria_tables(predictor, _truth(bench), ks=[0.1])
    without = evaluators_section(no_epochs)  # no supernet epochs, no FLOPs groups: the table only
    assert without.body.count("<svg") == 0 and "pred-x" in without.body and "Kendall τ 1.000" in without.summary


def test_report_section_sets_cellprobe_beside_the_reference(small_nb201):
    from cellprobe.analysis.zero_cost_reference import compare_to_reference
    from cellprobe.report.evaluators_section import evaluators_section
    from cellprobe.tables import ZERO_COST_PROXIES

    bench, _ = small_nb201
    genotypes = [NB201Genotype.parse(s) for s in bench["arch_str"]]
    rng = np.random.default_rng(0)
    ref = pd.DataFrame({"space": "nb201", "arch_id": [g.arch_id for g in genotypes],
                        "genotype": [g.to_str() for g in genotypes], "val_acc": bench["cifar10_test_acc"].to_numpy(),
                        **{p: rng.normal(size=len(bench)) for p in ZERO_COST_PROXIES}})
    ours = ref[["space", "arch_id", "genotype", *ZERO_COST_PROXIES]].assign(
        computed_for=ref["arch_id"], preset="standard", dataset="cifar10-32", batch_size=64, seed=0)
    ours["grasp"] = -ours["grasp"]  # one proxy that disagrees
    table = compare_to_reference([ours, ours.assign(seed=1)], ref, resolution=32)
    predictor = from_predictions("nb201", "pred-x", genotypes, bench["cifar10_test_acc"], seed=0)
    crit, _ = criteria_tables(predictor, _truth(bench), ks=[0.1])
    section = evaluators_section(crit, reference=table)
    assert "Zero-cost proxies beside NAS-Bench-Suite-Zero" in section.body
    assert "11 of 12 proxies agree" in section.body and "one batch of 64 images at 32×32" in section.body
    assert section.body.count(">no<") == 1 and "published |ρ|" in section.body
    assert "NAS-Bench-Suite-Zero" not in evaluators_section(crit).body


def test_surgery_table_rows_are_plain_and_post_deiso_scores_at_the_last_epoch(small_nb201):
    from cellprobe.report.evaluators_section import surgery_table

    bench, _ = small_nb201
    crit, _ = criteria_tables(from_supernet_scores(_supernet_scores(bench)), _truth(bench), ks=[0.005, 0.01, 0.05, 0.5],
                              deiso=True)
    table = surgery_table(crit).set_index(["supernet", "scores"])
    assert list(table.index) == [("spos", "plain"), ("spos", "post de-iso"), ("spos-bn", "plain"),
                                 ("spos-bn", "post de-iso")]
    assert list(table.columns) == ["space", "seeds", "BR@0.5%", "BR@1%", "P@5%", "P@50%", "Kendall τ"]
    last = crit[(crit["evaluator"] == "supernet-spos") & ~crit["deiso"] & (crit["epoch"] == 3)
                & (crit["criterion"] == "kendall")]["value"]
    assert table.loc[("spos", "plain"), "Kendall τ"] == pytest.approx(float(last.iloc[0]))
    n = crit[crit["evaluator"] == "supernet-spos"]["n"].max()
    assert n < 200 and table["BR@0.5%"].equals(table["BR@1%"])  # under 200 cells both K are one cell
    only_k = crit[~crit["criterion"].isin(["best_ranking"])]
    assert "BR@1%" not in surgery_table(only_k)  # a K the table lacks is left out, not shown as empty
    assert surgery_table(crit[~crit["deiso"]]).empty  # nothing scored both ways: no table


def test_experiment_tables_group_the_variants_of_an_experiment(small_nb201):
    from cellprobe.report.evaluators_section import evaluators_section, experiment_tables

    bench, _ = small_nb201
    scores = pd.concat([_supernet_scores(bench).assign(method=name) for name in ("spos", "spos-few", "spos-thin")])
    crit, _ = criteria_tables(from_supernet_scores(scores), _truth(bench), ks=[0.01, 0.05, 0.5])
    variants = {"spos-few": {"method": "spos", "experiment": "layer vs channel", "depth": 1, "C": 16},
                "spos-thin": {"method": "spos", "experiment": "layer vs channel", "C": 4},
                "spos-unscored": {"method": "spos", "experiment": "never run"}}
    tables = experiment_tables(crit, variants, {"nb201": {"C": 8, "depth": 5}})
    assert list(tables) == ["layer vs channel"]  # an experiment without scores is left out
    t = tables["layer vs channel"].set_index("supernet")
    assert list(t.index) == ["spos-few", "spos-few-bn", "spos-thin", "spos-thin-bn"]
    assert t.loc["spos-few", ["C", "depth"]].tolist() == [16, 1] and t.loc["spos-thin", ["C", "depth"]].tolist() == [4, 5]
    tau = crit[(crit["evaluator"] == "supernet-spos-thin") & (crit["criterion"] == "kendall") & (crit["epoch"] == 3)]
    assert t.loc["spos-thin", "Kendall τ"] == pytest.approx(float(tau["value"].iloc[0]))
    assert {"P@5%", "P@50%", "BR@1%", "epoch", "seeds"} <= set(t.columns) and (t["epoch"] == 3).all()
    body = evaluators_section(crit, variants=variants, sizes={"nb201": {"C": 8, "depth": 5}}).body
    assert "Experiment: layer vs channel" in body and "never run" not in body
    assert "Experiment:" not in evaluators_section(crit).body
