"""The findings table: every claim's rule on small hand-built tables, each able to say reproduced AND contradicted
(a rule that can only agree with the paper would be a defect), and inconclusive on too little data."""

import numpy as np
import pandas as pd
import pytest

from cellprobe.findings import CLAIMS, CONTRADICTED, INCONCLUSIVE, REPRODUCED, findings_table
from cellprobe.tables import FINDINGS, read_frame, write_table

RNG = np.random.default_rng(0)


def _oi_top(important):
    return pd.DataFrame({"space": "nb201", "group": "top", "n_neighbours": 4, "important": important,
                         "op": "nor_conv_3x3", "input": 0, "oi": 1.0})


def _tests(rows):
    return pd.DataFrame(rows, columns=["space", "experiment", "hypothesis", "n", "mean_difference", "statistic", "p_value"])


def _skips(residual, other):
    rows = [("darts", "skip_connect", 0, v) for v in residual] + [("darts", "skip_connect", 3, v) for v in other]
    frame = pd.DataFrame(rows, columns=["space", "op", "input", "oi"])
    return frame.assign(group="top", n_neighbours=4, important=frame["oi"].abs() >= 0.1)


def _motifs(top_pattern, q=0.01):
    return pd.DataFrame({"motif_id": ["a", "b"], "reference": "random", "q_value": [q, 0.5], "enrichment": [2.0, 1.5],
                         "odds_ratio": [4.0, 1.2], "support": [0.5, 0.4], "pattern": [top_pattern, "n,n;0>1:none"],
                         "n_cells": 40})


def _predicted(means):
    rows = [("darts", s, s, f"{s}-{i}", m + RNG.normal(0, 0.3)) for s, m in means.items() for i in range(12)]
    return pd.DataFrame(rows, columns=["space", "set", "sampler", "arch_id", "predicted_acc"])


def _trajectory(methods=("darts-1st",), seeds=(0,), *, start_cost=1.0, end_cost=-1.0, input_prob=0.8,
                inner_prob=0.3, drop=False):
    """DARTS-like trajectories: 2 cells, edges from inputs (0, 1) and from node 2 into nodes 2/3, ops none/conv."""
    rows = []
    edges = [(0, 2), (1, 2), (0, 3), (2, 3)]
    for method in methods:
        for seed in seeds:
            for epoch in (0, 1, 2):
                for cell in ("normal", "reduce"):
                    for e, (s, t) in enumerate(edges):
                        on = (input_prob if s < 2 else inner_prob) if epoch else 0.5
                        if drop and s >= 2 and epoch == 1:
                            on = 0.9  # on in the middle, then off at the end for good
                        cost = start_cost if epoch == 0 else (end_cost if on > 0.5 else -end_cost)
                        for op, p in (("none", 1 - on + 1e-3), ("sep_conv_3x3", on)):
                            rows.append((("darts", method, seed, epoch, cell, e, s, t, op, 0.1, p, cost / 2)))
    cols = ["space", "method", "seed", "epoch", "cell", "edge", "source", "target", "op", "alpha", "prob", "cost_mean"]
    return pd.DataFrame(rows, columns=cols)


def _predictors(hinge_tau, hinge_std=0.01, mse_std=0.03, runs=9):
    tau = pd.DataFrame({"space": "nb201", "predictor": "gates", "loss": ["hinge", "mse"], "n_train": 78,
                        "criterion": "kendall", "k": np.nan, "mean": [hinge_tau, 0.7], "std": [hinge_std, mse_std],
                        "runs": runs, "n_scored": 15_625, "holdout": False})
    # P@K rows and another space's τ must not count
    other = pd.concat([tau.assign(criterion="precision", k=0.05, mean=0.1, std=0.5),
                       tau.assign(space="darts", mean=0.1, std=0.5, holdout=True)])
    return pd.concat([tau, other], ignore_index=True)


def _criteria(deiso_better):
    rows = []
    for evaluator, better in (("supernet-spos", False), ("supernet-spos-deiso", True)):
        gain = 0.1 if better == deiso_better else -0.1
        for k in (0.05, 0.1, 0.2):
            rows.append(("nb201", "supernet", evaluator, 0, 24, False, "precision", k, 0.5 + gain, 50))
            rows.append(("nb201", "supernet", evaluator, 0, 24, False, "best_ranking", k, 0.1 - gain / 2, 50))
    cols = ["space", "kind", "evaluator", "seed", "epoch", "deiso", "criterion", "k", "value", "n"]
    return pd.DataFrame(rows, columns=cols)


def _along_training(rise, n=4):
    rows = [("nb201", "supernet", f"supernet-m{m}", 0, epoch, False, "kendall", None, 0.1 + rise * i, 100)
            for m in range(n) for i, epoch in enumerate((4, 8))]
    cols = ["space", "kind", "evaluator", "seed", "epoch", "deiso", "criterion", "k", "value", "n"]
    return pd.DataFrame(rows, columns=cols)


def _flops(slope):
    rows = [("nb201", "supernet", f"supernet-m{m}", 0, 8, False, g, slope * g + RNG.normal(0, 0.01))
            for m in range(6) for g in range(4)]
    return pd.DataFrame(rows, columns=["space", "kind", "evaluator", "seed", "epoch", "deiso", "group", "rank_diff"])


def _darts_pt(gain):
    nb201 = pd.DataFrame({"arch_id": [f"a{i}" for i in range(12)], "cifar10_test_acc": np.linspace(50, 94, 12)})
    rows = []
    for seed in range(6):
        low, high = f"a{seed}", f"a{seed + 6}"
        rows += [("nb201", "darts-1st", seed, "magnitude", low if gain > 0 else high),
                 ("nb201", "darts-1st", seed, "perturbation", high if gain > 0 else low)]
    return pd.DataFrame(rows, columns=["space", "method", "seed", "selection", "arch_id"]), nb201


def _steps(trained, random, space="nb201"):
    return pd.DataFrame([(space, v, s, p + RNG.normal(0, 0.01)) for v, p in (("trained", trained), ("random", random))
                         for s in range(10)], columns=["space", "variant", "sample", "argmax_prob"])


def _variance(trained, regularised):
    return pd.DataFrame([("nb201", v, u, x * (1 + RNG.random()))
                         for v, x in (("trained", trained), ("regularised", regularised))
                         for u in range(12)], columns=["space", "variant", "unit", "variance"])


def _activations(rho, low, high, random=(-0.09, -0.2, 0.02)):
    return pd.DataFrame([("enas-rnn", "regularised", 0, "common_activations", rho, low, high, 150),
                         ("enas-rnn", "trained", 0, "common_activations", 0.3, 0.1, 0.5, 150),
                         ("enas-rnn", "random", 0, "common_activations", *random, 150)],
                        columns=["space", "variant", "seed", "similarity", "spearman_rho", "ci_low", "ci_high",
                                 "n_pairs"])


def _retrained(trained, random, cells=3, shared=(12.0, 14.0)):
    """Retrained cells (test perplexity per variant) and the analysed cells' perplexity under the shared weights."""
    retrained = pd.DataFrame([("enas-rnn", v, k, ppl + 0.01 * k, 1)
                              for v, ppl in (("trained", trained), ("random", random)) for k in range(cells)],
                             columns=["space", "variant", "sample", "test_ppl", "epochs"])
    analysed = pd.DataFrame([(space, v, k, ppl + 0.01 * k) for space in ("enas-rnn", "nb201")
                             for v, ppl in zip(("trained", "random"), shared if space == "enas-rnn" else (20.0, 1.0))
                             for k in range(10)], columns=["space", "variant", "sample", "supernet_ppl"])
    return {"controller_retrained": retrained, "controller_architectures": analysed}


def _correlations(trained, regularised):
    return pd.DataFrame([("nb201", s, v, 0, rho, rho - 0.1, rho + 0.1, 100)
                         for s in ("ops", "connections", "ged", "perf")
                         for v, rho in (("trained", trained), ("regularised", regularised))],
                        columns=["space", "similarity", "variant", "seed", "spearman_rho", "ci_low", "ci_high",
                                 "n_pairs"])


def _pool(gain, n=78, seeds=(0, 1)):
    """pool_study rows: the pool-trained supernet and the predictor ``gain`` τ above the whole-space supernet."""
    rows = []
    for seed in seeds:
        for question, role, on in (("pool training", "whole-space supernet", "pool"),
                                   ("pool training", "pool supernet", "pool"),
                                   ("predictor on one-shot scores", "whole-space supernet", "rest"),
                                   ("predictor on one-shot scores", "predictor", "rest")):
            for bn in (False, True):
                tau = 0.5 + (gain if role != "whole-space supernet" and not bn else 0.0)
                rows.append({"question": question, "role": role, "evaluator": role, "on": on, "seed": seed,
                             "bn_recalibrated": bn, "epoch": 10, "n": n, "kendall": tau})
    return pd.DataFrame(rows)


# claim → (tables that reproduce it, tables that contradict it, tables too small to say)
CASES = {
    "redundancy.fraction_important": ({"importance_oi": _oi_top([True] * 5 + [False] * 35)},
                                      {"importance_oi": _oi_top([True] * 35 + [False] * 5)},
                                      {"importance_oi": _oi_top([True] * 2 + [False] * 8)}),
    "redundancy.disabling_order": ({"importance_tests": _tests([("nb201", "disabling", "h", 50, 1.2, 900, 0.001)])},
                                   {"importance_tests": _tests([("nb201", "disabling", "h", 50, -1.2, 100, 0.999)])},
                                   {"importance_tests": _tests([("nb201", "disabling", "h", 5, 0.3, 9, 0.3)])}),
    "redundancy.reduction_cell": (
        {"importance_tests": _tests([("darts", "ablation", "normal<-reduce is worse than the original", 20, 2.0, 1, 0.01),
                                     ("darts", "ablation", "reduce<-normal is worse than the original", 20, 0.2, 1, 0.3)])},
        {"importance_tests": _tests([("darts", "ablation", "normal<-reduce is worse than the original", 20, 0.1, 1, 0.4),
                                     ("darts", "ablation", "reduce<-normal is worse than the original", 20, 2.0, 1, 0.01)])},
        {"importance_tests": _tests([("darts", "ablation", "normal<-reduce is worse than the original", 2, 0.5, 1, 0.3),
                                     ("darts", "ablation", "reduce<-normal is worse than the original", 2, 0.2, 1, 0.4)])}),
    "redundancy.residual_skips": ({"importance_oi": _skips(RNG.normal(1, 0.1, 8), RNG.normal(0, 0.1, 8))},
                                  {"importance_oi": _skips(RNG.normal(0, 0.1, 8), RNG.normal(1, 0.1, 8))},
                                  {"importance_oi": _skips([1.0, 0.5], [0.0])}),
    "redundancy.motifs": ({"motifs": _motifs("in,n,n;0>1:sep_conv_3x3,0>2:skip_connect")},
                          {"motifs": _motifs("n,n;0>1:max_pool_3x3")},
                          {"motifs": _motifs("in,n;0>1:sep_conv_3x3", q=0.3)}),
    "redundancy.constrained_cells": (
        {"surrogate_predictions": _predicted({"uniform": 70, "skip": 72, "primskip": 71})},
        {"surrogate_predictions": _predicted({"uniform": 75, "skip": 70, "primskip": 70})},
        {"surrogate_predictions": _predicted({"uniform": 70, "skip": 72}).head(15)}),
    "wiring.p1_costs": ({"search_trajectory": _trajectory()},
                        {"search_trajectory": _trajectory(start_cost=-1.0, end_cost=1.0)},
                        {"search_trajectory": _trajectory(methods=("snas",))}),
    "wiring.p2_width": ({"search_trajectory": _trajectory(seeds=range(3))},
                        {"search_trajectory": _trajectory(seeds=range(3), input_prob=0.3, inner_prob=0.8)},
                        {"search_trajectory": _trajectory(seeds=range(1))}),
    "wiring.p3_no_recovery": (
        {"search_trajectory": pd.concat([_trajectory(seeds=range(3), drop=True),
                                         _trajectory(("darts-single",), seeds=range(3))])},
        {"search_trajectory": pd.concat([_trajectory(seeds=range(3)),
                                         _trajectory(("darts-single",), seeds=range(3), drop=True)])},
        {"search_trajectory": _trajectory(seeds=range(3), drop=True)}),
    "evaluators.gates_tau": ({"predictors": _predictors(0.78)}, {"predictors": _predictors(0.6)},
                             {"predictors": _predictors(0.71)}),
    "evaluators.ranking_loss_stable": ({"predictors": _predictors(0.78)},
                                       {"predictors": _predictors(0.78, hinge_std=0.05, mse_std=0.01)},
                                       {"predictors": _predictors(0.78, runs=1)}),
    "evaluators.deiso": ({"evaluators_criteria": _criteria(True)}, {"evaluators_criteria": _criteria(False)},
                         {"evaluators_criteria": _criteria(True).query("evaluator == 'supernet-spos'")}),
    "evaluators.longer_training": ({"evaluators_criteria": _along_training(0.2)},
                                   {"evaluators_criteria": _along_training(-0.2)},
                                   {"evaluators_criteria": _along_training(0.2, n=2)}),
    "evaluators.pool_training": ({"pool_study": _pool(-0.03)}, {"pool_study": _pool(0.3)},
                                 {"pool_study": _pool(-0.03, n=10)}),
    "evaluators.predictor_on_one_shot": ({"pool_study": _pool(0.0)}, {"pool_study": _pool(0.2)},
                                         {"pool_study": _pool(0.1)}),
    "evaluators.flops_bias": ({"evaluators_flops_groups": _flops(-0.1)}, {"evaluators_flops_groups": _flops(0.1)},
                              {"evaluators_flops_groups": _flops(-0.1).query("evaluator == 'supernet-m0'")}),
    "dartspt.perturbation": (dict(zip(("search_genotypes", "nb201"), _darts_pt(1))),
                             dict(zip(("search_genotypes", "nb201"), _darts_pt(-1))),
                             {"search_genotypes": _darts_pt(1)[0].head(4), "nb201": _darts_pt(1)[1]}),
    "enas.certainty": ({"controller_step_probs": _steps(0.9, 0.3)}, {"controller_step_probs": _steps(0.3, 0.9)},
                       {"controller_step_probs": _steps(0.5, 0.5).head(12)}),
    "enas.hidden_collapse": ({"controller_hidden_variance": _variance(1e-4, 0.1)},
                             {"controller_hidden_variance": _variance(0.1, 1e-4)},
                             {"controller_hidden_variance": _variance(0.1, 0.1).head(14)}),
    "enas.regularised_correlation": ({"controller_correlations": _correlations(0.1, 0.4)},
                                     {"controller_correlations": _correlations(0.4, 0.1)},
                                     {"controller_correlations": _correlations(0.1, 0.4).head(4)}),
    "enas.common_activations": ({"controller_correlations": _activations(-0.3, -0.45, -0.15)},
                                {"controller_correlations": _activations(0.3, 0.15, 0.45)},
                                {"controller_correlations": _activations(-0.1, -0.25, 0.05)}),
    "enas.weight_sharing": (_retrained(10.0, 10.05), _retrained(8.0, 10.0), _retrained(10.0, 10.0, cells=2)),
}


def test_every_claim_has_cases():
    assert set(CASES) == {c.id for c in CLAIMS} and len(CLAIMS) == 22


def _verdict_of(claim_id, tables):
    table = findings_table(tables)
    return table.set_index("claim_id").loc[claim_id]


def test_controller_claims_prefer_the_papers_own_setting():
    # NB201 says "more certain", ENAS' recurrent cells say the opposite: the paper's setting decides
    both = pd.concat([_steps(0.9, 0.3), _steps(0.3, 0.9, space="enas-rnn")])
    row = _verdict_of("enas.certainty", {"controller_step_probs": both})
    assert row["verdict"] == CONTRADICTED and row["run_figure"].startswith("enas-rnn:")
    assert _verdict_of("enas.certainty", {"controller_step_probs": _steps(0.9, 0.3)})["verdict"] == REPRODUCED


def test_a_hidden_state_collapse_needs_a_clear_gap():
    # significant over the units but a sliver: both controllers' states barely vary
    close = pd.DataFrame([("enas-rnn", v, u, x * (1 + 0.01 * u)) for v, x in (("trained", 1e-5), ("regularised", 1.5e-5))
                          for u in range(64)], columns=["space", "variant", "unit", "variance"])
    row = _verdict_of("enas.hidden_collapse", {"controller_hidden_variance": close})
    assert row["verdict"] == INCONCLUSIVE and "1.5×" in row["run_figure"]


def test_common_activations_must_beat_an_untrained_controller():
    # an untrained LSTM fed its choices encodes them as well: the regulariser did nothing measurable
    row = _verdict_of("enas.common_activations",
                      {"controller_correlations": _activations(-0.31, -0.43, -0.2, random=(-0.31, -0.44, -0.18))})
    assert row["verdict"] == INCONCLUSIVE and "random controller -0.310" in row["run_figure"]
    alone = _activations(-0.3, -0.45, -0.15).query("variant != 'random'")
    assert _verdict_of("enas.common_activations", {"controller_correlations": alone})["verdict"] == INCONCLUSIVE


def test_weight_sharing_needs_an_advantage_to_explain():
    # retrained cells equally good, but the trained controller's cells were no better under the shared weights
    # either (a controller that has barely learnt): nothing was explained, whatever the other space says
    row = _verdict_of("enas.weight_sharing", _retrained(10.0, 10.05, shared=(14.0, 12.0)))
    assert row["verdict"] == INCONCLUSIVE and "under the shared weights" in row["run_figure"]
    assert _verdict_of("enas.weight_sharing", _retrained(10.0, 10.05, shared=(13.0, 13.0)))["verdict"] == INCONCLUSIVE
    assert _verdict_of("enas.weight_sharing", _retrained(10.0, 10.05))["verdict"] == REPRODUCED


@pytest.mark.parametrize("claim_id", sorted(CASES))
def test_each_rule_can_reproduce_contradict_and_abstain(claim_id):
    reproduce, contradict, small = CASES[claim_id]
    for tables, expected in ((reproduce, REPRODUCED), (contradict, CONTRADICTED), (small, INCONCLUSIVE)):
        row = _verdict_of(claim_id, tables)
        assert row["verdict"] == expected, (claim_id, expected, row["run_figure"])
        assert row["run_figure"] and row["rule"]


def test_a_run_without_the_tables_says_not_measured(tmp_path):
    table = findings_table({})
    assert len(table) == len(CLAIMS) and (table["verdict"] == INCONCLUSIVE).all()
    assert table["run_figure"].str.startswith("not measured").all() and table["n"].isna().all()
    path = write_table(table, tmp_path / "findings.parquet", FINDINGS)
    pd.testing.assert_frame_equal(read_frame(path, FINDINGS), table, check_dtype=False)


def test_spaces_that_disagree_leave_the_fraction_of_important_ops_open():
    mixed = pd.concat([_oi_top([True] * 5 + [False] * 35), _oi_top([True] * 35 + [False] * 5).assign(space="darts")])
    row = _verdict_of("redundancy.fraction_important", {"importance_oi": mixed})
    assert row["verdict"] == INCONCLUSIVE and "darts 88%" in row["run_figure"] and "nb201 12%" in row["run_figure"]
