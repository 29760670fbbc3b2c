import numpy as np
import pandas as pd
import pytest

from cellprobe.benchmarks import nb201_table, read_nb201_csv
from cellprobe.importance import (
    ABLATIONS,
    ImportanceError,
    ablation_test,
    ablation_variants,
    disabling_test,
    disabling_variants,
    operator_importance,
    predictor_oracle,
    select_groups,
)
from cellprobe.ground_truth import GroundTruthError, benchmark_oracle
from cellprobe.spaces import NB201Genotype
from tests.conftest import NB201_CSV

BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


@pytest.fixture(scope="module")
def bench():
    return nb201_table(read_nb201_csv(NB201_CSV))


@pytest.fixture(scope="module")
def oracle(bench):
    return benchmark_oracle(bench)


def test_benchmark_oracle_looks_cells_up(bench, oracle):
    g = NB201Genotype.parse(bench["arch_str"].iloc[123])
    assert oracle([g])[0] == bench["cifar10_test_acc"].iloc[123]
    with pytest.raises(GroundTruthError, match="no benchmark table has the column"):
        benchmark_oracle(bench, "mnist_acc")


def test_oi_is_the_mean_accuracy_loss_over_the_edge_neighbours(bench, oracle):
    g = NB201Genotype.parse(BEST)
    oi = operator_importance([("top", g, 0.0)], oracle)
    assert len(oi) == 6 and (oi["n_neighbours"] == 4).all()
    own = oracle([g])[0]
    for row in oi.itertuples():
        swaps = [nb for e, nb in g.edits() if e.edge == row.edge]
        assert row.oi == pytest.approx(own - oracle(swaps).mean())
        assert row.important == (abs(row.oi) >= 0.1)
    # in the best cell, the convolutions matter (removing them costs accuracy)
    assert oi.loc[oi["op"] == "nor_conv_3x3", "oi"].min() > 0


def test_only_a_fraction_of_top_nb201_ops_are_important(bench, oracle):
    """The redundancy paper's finding on the real benchmark: many ops of top cells hardly matter."""
    genotypes = [NB201Genotype.parse(s) for s in bench["arch_str"]]
    chosen = select_groups(genotypes, bench["cifar10_test_acc"].to_numpy(), {"top": 0.05}, seed=0)
    assert len(chosen) == 781 and {c[0] for c in chosen} == {"top"}
    oi = operator_importance(chosen, oracle, threshold=0.1)
    share = oi["important"].mean()
    assert 0.2 < share < 0.9
    # a stricter threshold marks fewer ops important
    assert operator_importance(chosen[:50], oracle, threshold=1.0)["important"].mean() < \
        operator_importance(chosen[:50], oracle, threshold=0.1)["important"].mean()


def test_select_groups():
    genotypes = [f"g{i}" for i in range(100)]
    scores = np.arange(100.0)
    chosen = select_groups(genotypes, scores, {"top": 0.05, "bottom": 0.05, "middle": 0.1}, seed=3)
    groups = pd.DataFrame(chosen, columns=["group", "g", "score"])
    assert groups[groups.group == "top"].score.tolist() == [99, 98, 97, 96, 95]
    assert sorted(groups[groups.group == "bottom"].score) == [0, 1, 2, 3, 4]
    middle = groups[groups.group == "middle"].score
    assert len(middle) == 10 and middle.between(5, 94).all()
    assert chosen == select_groups(genotypes, scores, {"top": 0.05, "bottom": 0.05, "middle": 0.1}, seed=3)
    with pytest.raises(ImportanceError, match="unknown group"):
        select_groups(genotypes, scores, {"best": 0.1})


def test_darts_oi_uses_op_swaps_and_rewirings(darts_cells):
    g = darts_cells["DARTS_V2"]
    calls = []

    def fake(genotypes):  # a deterministic "surrogate": count of separable convs
        calls.append(len(genotypes))
        return np.array([sum(op.startswith("sep") for c in (x.normal, x.reduce) for op, _ in c.edges)
                         for x in genotypes], dtype=float)

    oi = operator_importance([("top", g, 1.0)], fake)
    assert calls == [1 + 120]  # one batched query: the architecture and its 120 neighbours
    assert len(oi) == 16 and set(oi["cell"]) == {"normal", "reduce"}
    sep = oi[oi["op"].str.startswith("sep")]
    # swapping a sep conv for one of the 6 other ops loses one sep conv 5 times out of 6; rewiring keeps it
    assert np.allclose(sep["oi"], 5 / 6 * 6 / sep["n_neighbours"])
    assert (oi.loc[~oi["op"].str.startswith("sep"), "oi"] <= 0).all()


def test_predictor_oracle_calls_predict_once():
    class P:
        n = 0

        def predict(self, gs):
            P.n += 1
            return np.ones(len(gs))

    assert predictor_oracle(P())([1, 2, 3]).tolist() == [1, 1, 1] and P.n == 1


def test_disabling_variants_and_test(bench, oracle):
    g = NB201Genotype.parse(BEST)
    oi = operator_importance([("top", g, 0.0)], oracle)
    variants = disabling_variants(oi, g, steps=3)
    assert [v["n_disabled"] for v in variants] == [0, 1, 2, 3, 1, 2, 3]
    inc = [v for v in variants if v["order"] == "increasing"]
    dec = [v for v in variants if v["order"] == "decreasing"]
    least = oi.sort_values("oi").iloc[0]
    assert inc[0]["variant"].ops[least.edge] == "none"
    assert sum(op == "none" for op in dec[-1]["variant"].ops) == 3
    rows = []
    for base in bench.sort_values("cifar10_test_acc").arch_str.iloc[-40:]:
        b = NB201Genotype.parse(base)
        o = operator_importance([("top", b, 0.0)], oracle)
        for v in disabling_variants(o, b, steps=2):
            rows.append({"base_arch_id": b.arch_id, "order": v["order"], "n_disabled": v["n_disabled"],
                         "acc": oracle([v["variant"]])[0]})
    result = disabling_test(pd.DataFrame(rows))
    assert result["n_pairs"] == 80 and result["mean_difference"] > 0 and result["p_value"] < 0.01


def test_ablations(darts_cells):
    g = darts_cells["DARTS_V2"]
    variants = ablation_variants([g])
    assert [v["ablation"] for v in variants] == list(ABLATIONS)
    by = {v["ablation"]: v["variant"] for v in variants}
    assert by["reduce<-normal"].reduce.edges == g.normal.edges and by["reduce<-normal"].normal == g.normal
    assert all(op == "skip_connect" for op, _ in by["normal<-skip"].normal.edges)
    assert [i for _, i in by["normal<-skip"].normal.edges] == [i for _, i in g.normal.edges]
    with pytest.raises(ImportanceError, match="DARTS space"):
        ablation_variants([NB201Genotype.parse(BEST)])
    rng = np.random.default_rng(0)
    rows = [{"base_arch_id": f"a{i}", "ablation": "original", "acc": 80 + rng.normal()} for i in range(12)]
    rows += [{"base_arch_id": f"a{i}", "ablation": "normal<-skip", "acc": 70 + rng.normal()} for i in range(12)]
    rows += [{"base_arch_id": f"a{i}", "ablation": "reduce<-normal", "acc": 80 + rng.normal()} for i in range(12)]
    table = ablation_test(pd.DataFrame(rows)).set_index("ablation")
    assert table.loc["normal<-skip", "p_value"] < 0.01 and table.loc["normal<-skip", "mean_drop"] > 5
    assert table.loc["reduce<-normal", "p_value"] > 0.05


def test_array_path_gives_the_genotype_path_table(bench, oracle, darts_cells):
    """Oracles that answer array batches (neighbours as array edits) give exactly the per-genotype table."""
    from cellprobe.predictors import make_predictor
    from cellprobe.sampling import sample_architectures
    from tests.spaces.test_arrays import random_darts

    genotypes = [NB201Genotype.parse(s) for s in bench["arch_str"].iloc[::500]]
    chosen = [("top", g, 1.0) for g in genotypes]
    fast = operator_importance(chosen, oracle)
    slow = operator_importance(chosen, lambda gs: oracle(gs))  # a plain callable: the genotype path
    pd.testing.assert_frame_equal(fast, slow)

    darts = sample_architectures("uniform", 40, seed=1)
    predictor = make_predictor("gates", "darts", epochs=3, seed=0).fit(darts, np.arange(40.0))
    surrogate = predictor_oracle(predictor, (darts, np.arange(40.0)))
    # odd edge orders, none edges, short concat lists, and one architecture twice
    mixed = random_darts(np.random.default_rng(5), 12) + list(darts_cells.values())[:3] + darts[:1] + darts[:1]
    chosen = [("middle", g, 0.5) for g in mixed]
    fast = operator_importance(chosen, surrogate)
    slow = operator_importance(chosen, lambda gs: surrogate(gs))
    # equal up to float32 rounding: the surrogate sees the distinct architectures in another batch layout
    pd.testing.assert_frame_equal(fast, slow, check_exact=False, rtol=0, atol=1e-4)
    assert len(fast) == 16 * len(mixed)
    per_arch = pd.Series(fast["n_neighbours"].to_numpy().reshape(len(mixed), 16).sum(axis=1))
    assert per_arch.between(120, 136).all() and (per_arch > 120).any()  # 120, plus one per none edge


@pytest.mark.parametrize("name", ["mlp", "lstm", "rf"])
def test_every_predictor_answers_array_batches_like_genotypes(name):
    """predict() takes an ArchArrays batch (what the OI array path sends) and gives the genotypes' scores."""
    from cellprobe.predictors import make_predictor
    from cellprobe.sampling import sample_architectures
    from cellprobe.spaces.arrays import neighbour_arrays, to_arrays, to_genotypes

    for space, sampler in (("darts", "uniform"), ("nb201", "nb201")):
        genotypes = sample_architectures(sampler, 30, seed=2)
        options = {} if name == "rf" else {"epochs": 2}
        predictor = make_predictor(name, space, seed=0, **options).fit(genotypes, np.arange(30.0))
        batch = neighbour_arrays(to_arrays(genotypes[:4])).arrays
        np.testing.assert_allclose(predictor.predict(batch), predictor.predict(to_genotypes(batch)), atol=1e-5)
