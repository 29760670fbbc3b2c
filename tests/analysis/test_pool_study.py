"""The pool study (the evaluator surgery's questions about 78 cells) on hand-built supernet scores."""

import numpy as np
import pandas as pd
import pytest

from cellprobe.analysis.pool_study import PAPER, PoolStudyError, pool_study, pool_verdicts
from cellprobe.ground_truth import GroundTruth
from cellprobe.ranking import best_ranking_at_k, kendall
from cellprobe.spaces.nb201 import benchmark_order


@pytest.fixture(scope="module")
def bench():
    cells = [g for _, g in zip(range(60), benchmark_order())]
    acc = np.round(np.random.default_rng(3).uniform(10, 95, size=len(cells)), 2)
    return pd.DataFrame({"index": np.arange(len(cells), dtype="int32"), "arch_id": [g.arch_id for g in cells],
                         "arch_str": [g.to_str() for g in cells], "canonical_key": [g.canonical_key for g in cells],
                         "reachable": [g.reachable for g in cells], "cifar10_test_acc": acc,
                         "cifar100_test_acc": acc / 2, "imagenet16_120_test_acc": acc / 3})


def _scores(bench, method, noise, seeds=(0, 1), epochs=(2, 4)):
    rng = np.random.default_rng(len(method))
    frames = []
    for seed in seeds:
        for epoch in epochs:
            for bn in (False, True):
                frames.append(pd.DataFrame({
                    "space": "nb201", "method": method, "seed": seed, "epoch": epoch, "bn_recalibrated": bn,
                    "arch_id": bench["arch_id"], "genotype": bench["arch_str"],
                    "valid_acc": bench["cifar10_test_acc"] + rng.normal(0, noise, len(bench)), "valid_loss": 1.0}))
    return pd.concat(frames, ignore_index=True)


def test_both_questions_per_seed_and_bn_mode_at_the_last_epoch(bench):
    truth = GroundTruth.from_benchmark(bench)
    pool = bench["arch_id"].iloc[:30].tolist()
    space, pooled = _scores(bench, "spos", 3.0), _scores(bench, "spos-pool", 30.0)
    study = pool_study(truth, space, pooled, pool, predictor="rf")
    assert set(study["epoch"]) == {4} and set(study["seed"]) == {0, 1} and set(study["bn_recalibrated"]) == {False, True}
    per = study.groupby(["question", "role", "on"]).size()
    assert per.to_dict() == {("pool training", "pool supernet", "pool"): 4, ("pool training", "pool supernet", "rest"): 4,
                             ("pool training", "whole-space supernet", "pool"): 4,
                             ("pool training", "whole-space supernet", "rest"): 4,
                             ("predictor on one-shot scores", "predictor", "rest"): 4,
                             ("predictor on one-shot scores", "whole-space supernet", "rest"): 4}
    assert (study[study["on"] == "pool"]["n"] == 30).all() and (study[study["on"] == "rest"]["n"] == 30).all()
    # a row's τ is the ranking criteria's on exactly its cells
    last = space[(space["epoch"] == 4) & (space["seed"] == 1) & ~space["bn_recalibrated"]].set_index("arch_id")
    true = bench.set_index("arch_id")["cifar10_test_acc"]
    row = study[(study["role"] == "whole-space supernet") & (study["on"] == "pool") & (study["seed"] == 1)
                & ~study["bn_recalibrated"] & (study["question"] == "pool training")].iloc[0]
    assert row["kendall"] == pytest.approx(kendall(true[pool], last.loc[pool, "valid_acc"]))
    assert row["best_ranking_1"] == pytest.approx(best_ranking_at_k(true[pool], last.loc[pool, "valid_acc"], 0.01))
    assert row["paper_kendall"] == PAPER[("pool training", "whole-space supernet", "pool")][0]
    pooled_tau, space_tau = pool_verdicts(study)["pool training"]
    assert pooled_tau < space_tau  # ten times the noise ranks worse
    assert study["evaluator"].str.contains("rf-").any() and study["kendall"].between(-1, 1).all()


def test_the_study_refuses_what_it_cannot_compare(bench):
    truth = GroundTruth.from_benchmark(bench)
    pool = bench["arch_id"].iloc[:30].tolist()
    space, pooled = _scores(bench, "spos", 3.0), _scores(bench, "spos-pool", 30.0)
    with pytest.raises(PoolStudyError, match="did not score 1 pool cell"):
        pool_study(truth, space[space["arch_id"] != pool[0]], pooled, pool, predictor="rf")
    with pytest.raises(PoolStudyError, match="one run's"):
        pool_study(truth, pd.concat([space, pooled]), pooled, pool, predictor="rf")
    with pytest.raises(PoolStudyError, match="fewer than 2 cells outside the pool"):
        pool_study(truth, space, pooled, bench["arch_id"].iloc[:59].tolist(), predictor="rf")
    with pytest.raises(PoolStudyError, match="predictor"):
        pool_study(truth, space, pooled, pool, predictor="gates", options={"no_such_option": 1})
