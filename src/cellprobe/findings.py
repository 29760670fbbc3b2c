"""Findings: each headline claim of the five papers, checked against this run's tables by a stated rule.

:func:`findings_table` turns the run's tables (the report's inputs, :data:`cellprobe.report.INPUTS` names) into
the ``findings`` table: one row per claim with the paper's figure, this run's figure and sample size, the
rule, and a verdict — ``reproduced``, ``contradicted`` or ``inconclusive at this scale``. A rule says
*contradicted* only when the run's evidence points the other way clearly (the opposite one-sided test at
5 %, or a figure outside the stated band); too little data, a table the run did not make, or a weak result
is *inconclusive*. Each rule is a small function of plain data frames (tested on hand-built tables).

Papers: Wan et al. (ICLR 2022, redundancy and diversity of cells), Xie et al. (2021, wiring evolution of
differentiable NAS), Ning et al. (NeurIPS 2021, evaluator surgery), Wang et al. (ICLR 2021, DARTS-PT), Adam &
Lorraine (2019, does the ENAS controller condition on its past choices?).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["REPRODUCED", "CONTRADICTED", "INCONCLUSIVE", "VERDICTS", "Claim", "CLAIMS", "findings_table"]

REPRODUCED, CONTRADICTED, INCONCLUSIVE = "reproduced", "contradicted", "inconclusive at this scale"
VERDICTS = (REPRODUCED, CONTRADICTED, INCONCLUSIVE)
ALPHA = 0.05  # one-sided tests at 5 %


@dataclass(frozen=True)
class Claim:
    """One headline claim: who made it, what it says, the paper's figure, the rule and the tables it reads."""

    id: str
    paper: str
    claim: str
    paper_figure: str
    rule: str
    needs: tuple[str, ...]
    check: Callable[..., tuple[str, str, int | None]]  # tables -> (verdict, this run's figure, n)


def _verdict(favour_p: float | None, against_p: float | None) -> str:
    if favour_p is not None and favour_p < ALPHA:
        return REPRODUCED
    if against_p is not None and against_p < ALPHA:
        return CONTRADICTED
    return INCONCLUSIVE


def _greater(a, b) -> tuple[float | None, float | None]:
    """One-sided Mann–Whitney p-values (a > b, a < b); None with fewer than 3 values on a side."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 3 or len(b) < 3:
        return None, None
    return (float(stats.mannwhitneyu(a, b, alternative="greater").pvalue),
            float(stats.mannwhitneyu(a, b, alternative="less").pvalue))


# -- Wan et al.: redundancy and diversity -----------------------------------------------------------------
def _fraction_important(importance_oi: pd.DataFrame):
    top = importance_oi[(importance_oi["group"] == "top") & (importance_oi["n_neighbours"] > 0)]
    parts, verdicts = [], []
    for space, g in top.groupby("space"):
        k, n = int(g["important"].sum()), len(g)
        if n < 20:
            parts.append(f"{space}: {n} edges")
            verdicts.append(INCONCLUSIVE)
            continue
        low, high = stats.binomtest(k, n).proportion_ci(0.95)
        parts.append(f"{space} {100 * k / n:.0f}% (95% CI {100 * low:.0f}–{100 * high:.0f}%)")
        verdicts.append(REPRODUCED if high < 0.5 else CONTRADICTED if low > 0.5 else INCONCLUSIVE)
    figure = "important: " + "; ".join(parts) if parts else "no top architectures"
    # every space must agree: spaces that disagree leave the claim open
    verdict = verdicts[0] if verdicts and len(set(verdicts)) == 1 else INCONCLUSIVE
    return verdict, figure, len(top)


def _disabling(importance_tests: pd.DataFrame):
    rows = importance_tests[importance_tests["experiment"] == "disabling"].dropna(subset=["p_value"])
    if rows.empty:
        return INCONCLUSIVE, "no disabling test", 0
    figure = "; ".join(f"{r.space}: mean {r.mean_difference:+.2f} points, p = {r.p_value:.2g} (n = {r.n})"
                       for r in rows.itertuples())
    favour = [r.p_value for r in rows.itertuples() if r.mean_difference > 0]
    # the test is one-sided (least important first hurts less); the opposite side is 1 - p
    against = [1 - r.p_value for r in rows.itertuples() if r.mean_difference < 0]
    return _verdict(min(favour, default=None), min(against, default=None)), figure, int(rows["n"].sum())


def _reduction_matters_less(importance_tests: pd.DataFrame):
    rows = importance_tests[importance_tests["experiment"] == "ablation"].set_index("hypothesis")
    normal = [h for h in rows.index if h.startswith("normal<-reduce")]
    reduce = [h for h in rows.index if h.startswith("reduce<-normal")]
    if not normal or not reduce:
        return INCONCLUSIVE, "no cell ablations", 0
    drop_normal, drop_reduce = rows.loc[normal[0]], rows.loc[reduce[0]]
    figure = (f"replacing the normal cell costs {drop_normal.mean_difference:.2f} points (p = {drop_normal.p_value:.2g}), "
              f"the reduction cell {drop_reduce.mean_difference:.2f} (p = {drop_reduce.p_value:.2g})")
    n = int(drop_normal.n)
    if drop_normal.mean_difference > drop_reduce.mean_difference and drop_normal.p_value < ALPHA:
        return REPRODUCED, figure, n
    if drop_reduce.mean_difference > drop_normal.mean_difference and drop_reduce.p_value < ALPHA:
        return CONTRADICTED, figure, n
    return INCONCLUSIVE, figure, n


def _residual_skips(importance_oi: pd.DataFrame):
    from cellprobe.spaces import get_space

    oi = importance_oi[(importance_oi["op"] == "skip_connect") & (importance_oi["n_neighbours"] > 0)]
    if oi.empty:
        return INCONCLUSIVE, "no skip connection among the architectures", 0
    first_inner = oi["space"].map(lambda s: get_space(s).n_inputs).astype("int64")
    residual, other = oi[oi["input"] < first_inner]["oi"], oi[oi["input"] >= first_inner]["oi"]
    favour, against = _greater(residual, other)
    figure = (f"mean OI {residual.mean():.2f} of {len(residual)} residual skips vs {other.mean():.2f} of "
              f"{len(other)} other skips" if len(residual) and len(other) else "too few skip connections")
    return _verdict(favour, against), figure, len(oi)


def _conv_residual_motifs(motifs: pd.DataFrame):
    significant = motifs[(motifs["reference"] == "random") & (motifs["q_value"] < ALPHA) & (motifs["enrichment"] > 1)]
    if significant.empty:
        return INCONCLUSIVE, f"no motif over-represented (q < {ALPHA}) among {motifs['motif_id'].nunique()}", 0
    top = significant.sort_values(["odds_ratio", "support"], ascending=False, kind="stable").iloc[0]
    both = "conv" in top["pattern"] and "skip_connect" in top["pattern"]
    figure = f"{len(significant)} over-represented; the strongest: {top['pattern']} (odds ratio {top['odds_ratio']:.2f})"
    return (REPRODUCED if both else CONTRADICTED), figure, int(top["n_cells"])


def _constrained_as_good(surrogate_predictions: pd.DataFrame):
    # the DARTS-space samplers (skip and primskip exist in that space only; its uniform sampler is "uniform"),
    # scored by the NAS-Bench-301 surrogate as the paper scored them with NAS-Bench-301
    darts = surrogate_predictions[surrogate_predictions["sampler"].isin(["uniform", "skip", "primskip"])]
    darts = darts.drop_duplicates(["sampler", "arch_id"])
    uniform = darts[darts["sampler"] == "uniform"]["predicted_acc"]
    parts, verdicts = [], []
    for sampler in ("skip", "primskip"):
        constrained = darts[darts["sampler"] == sampler]["predicted_acc"]
        if len(constrained) < 10 or len(uniform) < 10:
            verdicts.append(INCONCLUSIVE)
            continue
        worse, _ = _greater(uniform, constrained)
        parts.append(f"{sampler} {constrained.mean():.1f}% (n = {len(constrained)})")
        if worse is not None and worse < ALPHA:
            verdicts.append(CONTRADICTED)
        elif constrained.mean() >= uniform.mean():
            verdicts.append(REPRODUCED)
        else:
            verdicts.append(INCONCLUSIVE)
    figure = f"uniform {uniform.mean():.1f}% (n = {len(uniform)}); " + "; ".join(parts) if parts else "too few cells"
    verdict = (CONTRADICTED if CONTRADICTED in verdicts else
               REPRODUCED if verdicts and all(v == REPRODUCED for v in verdicts) else INCONCLUSIVE)
    return verdict, figure, len(darts)


# -- Xie et al.: wiring evolution ---------------------------------------------------------------------------
def _bilevel(trajectory: pd.DataFrame) -> pd.DataFrame:
    return trajectory[trajectory["method"].isin(["darts-1st", "darts-2nd"])]


def _costs_turn_negative(search_trajectory: pd.DataFrame):
    from cellprobe.analysis.wiring import edge_costs, edge_states

    t = _bilevel(search_trajectory)
    if t.empty or t["epoch"].nunique() < 2:
        return INCONCLUSIVE, "no bi-level DARTS search with two recorded epochs", 0
    costs = edge_costs(t).merge(edge_states(t), on=["space", "method", "seed", "epoch", "cell", "edge", "source",
                                                     "target"])
    start = costs[costs["epoch"] == costs["epoch"].min()]["edge_cost"]
    last = costs[costs["epoch"] == costs.groupby(["space", "method", "seed"])["epoch"].transform("max")]
    on = last[last["on"]]["edge_cost"]
    figure = (f"edges with positive cost: {100 * (start > 0).mean():.0f}% at the start; {100 * (on < 0).mean():.0f}% "
              f"of the edges on at the end have a negative cost (n = {len(on)})")
    if len(on) < 5:
        return INCONCLUSIVE, figure, len(on)
    if (start > 0).mean() >= 0.5 and (on < 0).mean() >= 0.5:
        return REPRODUCED, figure, len(on)
    return (CONTRADICTED if (start > 0).mean() < 0.5 and (on < 0).mean() < 0.5 else INCONCLUSIVE), figure, len(on)


def _input_edges_preferred(search_trajectory: pd.DataFrame):
    from cellprobe.analysis.wiring import width_preference

    t = search_trajectory[search_trajectory["alpha"].notna()]
    if t.empty:
        return INCONCLUSIVE, "no search that learns α", 0
    parts = []
    for space, g in t.groupby("space"):
        w = width_preference(g)
        w = w[w["epoch"] == w.groupby(["method", "seed"])["epoch"].transform("max")].dropna()
        parts.append(w.assign(space=space))
    w = pd.concat(parts)
    diff = (w["input_edges"] - w["intermediate_edges"]).to_numpy()
    if len(diff) < 5 or np.allclose(diff, 0):
        return INCONCLUSIVE, f"{len(diff)} run/cell pairs", len(diff)
    favour = float(stats.wilcoxon(diff, alternative="greater").pvalue)
    against = float(stats.wilcoxon(diff, alternative="less").pvalue)
    figure = (f"non-none probability of input edges minus intermediate edges at the end: mean {diff.mean():+.3f} "
              f"over {len(diff)} run/cell pairs (Wilcoxon p = {favour:.2g})")
    return _verdict(favour, against), figure, len(diff)


def _no_recovery(search_trajectory: pd.DataFrame):
    from cellprobe.analysis.wiring import dropped_edges

    t = search_trajectory[search_trajectory["alpha"].notna()]
    bi, single = _bilevel(t), t[t["method"] == "darts-single"]
    if bi.empty or single.empty:
        return INCONCLUSIVE, "needs bi-level and single-level DARTS searches", 0
    dropped_bi = dropped_edges(bi)["dropped_never_recovered"]
    dropped_single = dropped_edges(single)["dropped_never_recovered"]
    figure = (f"edges dropped for good per cell: bi-level {dropped_bi.mean():.1f} (n = {len(dropped_bi)}), "
              f"single-level {dropped_single.mean():.1f} (n = {len(dropped_single)})")
    favour, against = _greater(dropped_bi, dropped_single)
    if favour is None:  # few runs: a plain comparison of the means, never a verdict on its own
        return INCONCLUSIVE, figure, len(dropped_bi) + len(dropped_single)
    return _verdict(favour, against), figure, len(dropped_bi) + len(dropped_single)


# -- Ning et al.: evaluator surgery ----------------------------------------------------------------------------
def _nb201_tau(predictors: pd.DataFrame) -> pd.DataFrame:
    """The predictor study's Kendall τ rows over a whole space (all NB201 cells, not a held-out sample), as
    ``tau_mean``/``tau_std``."""
    rows = predictors[~predictors["holdout"].astype(bool) & (predictors["criterion"] == "kendall")]
    return rows.rename(columns={"mean": "tau_mean", "std": "tau_std"})


def _gates_tau(predictors: pd.DataFrame):
    predictors = _nb201_tau(predictors)
    row = predictors[(predictors["predictor"] == "gates") & (predictors["loss"] == "hinge") & (predictors["n_train"] == 78)]
    if row.empty:
        return INCONCLUSIVE, "GATES (hinge) was not evaluated at N = 78", 0
    r = row.iloc[0]
    figure = f"Kendall τ {r.tau_mean:.3f} over all NB201 cells ({r.runs} run(s))"
    verdict = REPRODUCED if r.tau_mean >= 0.74 else CONTRADICTED if r.tau_mean < 0.68 else INCONCLUSIVE
    return verdict, figure, int(r.runs)


def _ranking_loss_stabler(predictors: pd.DataFrame):
    predictors = _nb201_tau(predictors)
    g = predictors[(predictors["predictor"] == "gates") & (predictors["n_train"] == 78)].set_index("loss")
    if not {"hinge", "mse"} <= set(g.index):
        return INCONCLUSIVE, "GATES with both losses at N = 78 not evaluated", 0
    hinge, mse = g.loc["hinge"], g.loc["mse"]
    runs = int(min(hinge.runs, mse.runs))
    figure = (f"τ std over runs: hinge {hinge.tau_std:.3f}, mse {mse.tau_std:.3f}; mean τ {hinge.tau_mean:.3f} vs "
              f"{mse.tau_mean:.3f} ({runs} run(s) each)")
    if runs < 3 or not np.isfinite(hinge.tau_std) or not np.isfinite(mse.tau_std):
        return INCONCLUSIVE, figure, runs
    return (REPRODUCED if hinge.tau_std < mse.tau_std else CONTRADICTED), figure, runs


def _deiso_sampling(evaluators_criteria: pd.DataFrame):
    # spos-deiso runs on NB201 only (DARTS cells have no isomorphism classes to sample from)
    c = evaluators_criteria[~evaluators_criteria["deiso"].astype(bool)
                            & evaluators_criteria["criterion"].isin(["precision", "best_ranking"])]
    c = c[c["epoch"] == c.groupby("evaluator")["epoch"].transform("max")]
    plain, deiso = c[c["evaluator"] == "supernet-spos"], c[c["evaluator"] == "supernet-spos-deiso"]
    if plain.empty or deiso.empty:
        return INCONCLUSIVE, "needs the spos and spos-deiso supernets on NB201", 0
    keys = ["criterion", "k"]
    both = plain.groupby(keys)["value"].mean().to_frame("plain").join(deiso.groupby(keys)["value"].mean().rename("deiso"))
    better = np.where(both.index.get_level_values("criterion") == "precision", both["deiso"] > both["plain"],
                      both["deiso"] < both["plain"])  # BR@K: lower is better
    worse = np.where(both.index.get_level_values("criterion") == "precision", both["deiso"] < both["plain"],
                     both["deiso"] > both["plain"])
    figure = f"de-isomorphic sampling better on {int(better.sum())} of {len(both)} P@K/BR@K values, worse on {int(worse.sum())}"
    n = len(both)
    if n >= 4 and better.mean() >= 0.75:
        return REPRODUCED, figure, n
    if n >= 4 and worse.mean() >= 0.75:
        return CONTRADICTED, figure, n
    return INCONCLUSIVE, figure, n


#: Bands of the pool study's rules: a gain in Kendall τ below NOT_BETTER is "no better", above CLEARLY_BETTER
#: (about two standard errors of τ on 78 cells) "better"; in between the run cannot tell.
NOT_BETTER, CLEARLY_BETTER = 0.05, 0.15


def _pool_gain(pool_study: pd.DataFrame, question: str, what: str):
    from cellprobe.analysis.pool_study import paired_taus

    ours, base, n = paired_taus(pool_study, question)
    gain = (ours - base).dropna()
    if gain.empty or n < 20:
        return INCONCLUSIVE, f"needs both evaluators on ≥ 20 cells ({n} here)", n
    figure = (f"{what} τ {ours[gain.index].mean():.3f} vs the whole-space supernet's {base[gain.index].mean():.3f} "
              f"on {n} cells ({len(gain)} seed(s))")
    if gain.mean() < NOT_BETTER:
        return REPRODUCED, figure, n
    if gain.mean() > CLEARLY_BETTER:
        return CONTRADICTED, figure, n
    return INCONCLUSIVE, figure, n


def _pool_training(pool_study: pd.DataFrame):
    return _pool_gain(pool_study, "pool training", "pool-trained supernet")


def _predictor_on_one_shot(pool_study: pd.DataFrame):
    return _pool_gain(pool_study, "predictor on one-shot scores", "predictor")


def _longer_training(evaluators_criteria: pd.DataFrame):
    c = evaluators_criteria[(evaluators_criteria["kind"] == "supernet") & ~evaluators_criteria["deiso"].astype(bool)
                            & (evaluators_criteria["criterion"] == "kendall") & evaluators_criteria["epoch"].notna()]
    plain = c[~c["evaluator"].str.endswith("-bn")]  # "-bn": batch-norm statistics re-estimated per architecture
    c = plain if len(plain) else c
    gains, last = [], []
    for (space, evaluator, seed), g in c.groupby(["space", "evaluator", "seed"]):
        g = g.sort_values("epoch")
        if g["epoch"].nunique() >= 2 and g["value"].notna().all():
            gains.append(float(g["value"].iloc[-1] - g["value"].iloc[0]))
            last.append((float(g["value"].iloc[-1]), f"{space}/{evaluator}"))
    if len(gains) < 3:
        return INCONCLUSIVE, f"{len(gains)} supernet(s) scored at two epochs or more", len(gains)
    gains = np.array(gains)
    negative = [name for value, name in last if value < 0]
    best = max(last)
    figure = (f"Kendall τ rose from the first to the last scored epoch for {int((gains > 0).sum())} of {len(gains)} "
              f"supernets (mean change {gains.mean():+.3f}); best at the end {best[0]:.3f} ({best[1]})"
              + (f"; negative at the end: {', '.join(negative)}" if negative else ""))
    if (gains > 0).mean() >= 0.75:
        return REPRODUCED, figure, len(gains)
    if (gains < 0).mean() >= 0.75:
        return CONTRADICTED, figure, len(gains)
    return INCONCLUSIVE, figure, len(gains)


def _underestimates_large(evaluators_flops_groups: pd.DataFrame):
    f = evaluators_flops_groups[evaluators_flops_groups["kind"] == "supernet"]
    f = f[~f["deiso"].astype(bool) & (f["epoch"] == f.groupby(["space", "evaluator"])["epoch"].transform("max"))]
    slopes = [stats.spearmanr(g["group"], g["rank_diff"]).statistic for _, g in f.groupby(["space", "evaluator", "seed"])
              if g["group"].nunique() >= 3]
    slopes = np.array([s for s in slopes if np.isfinite(s)])
    if len(slopes) < 3:
        return INCONCLUSIVE, f"{len(slopes)} supernet(s) with three FLOPs groups or more", len(slopes)
    favour = float(stats.wilcoxon(slopes, alternative="less").pvalue)
    against = float(stats.wilcoxon(slopes, alternative="greater").pvalue)
    figure = (f"Spearman ρ(FLOPs group, rank difference) per supernet: median {np.median(slopes):+.2f}, "
              f"negative for {int((slopes < 0).sum())} of {len(slopes)}")
    return _verdict(favour, against), figure, len(slopes)


# -- Wang et al.: DARTS-PT ----------------------------------------------------------------------------------
def _perturbation_better(search_genotypes: pd.DataFrame, nb201: pd.DataFrame):
    acc = dict(zip(nb201["arch_id"], nb201["cifar10_test_acc"]))
    g = search_genotypes[search_genotypes["arch_id"].isin(acc)]  # the NB201 searches' cells
    wide = g.assign(acc=g["arch_id"].map(acc)).pivot_table(index=["method", "seed"], columns="selection",
                                                           values="acc", aggfunc="first")
    if not {"magnitude", "perturbation"} <= set(wide.columns):
        return INCONCLUSIVE, "no NB201 search with both selections", 0
    wide = wide.dropna(subset=["magnitude", "perturbation"])
    if wide.empty:
        return INCONCLUSIVE, "no NB201 search with both selections", 0
    diff = (wide["perturbation"] - wide["magnitude"]).to_numpy()
    figure = (f"NB201 CIFAR-10 test accuracy: α-magnitude {wide['magnitude'].mean():.2f}%, perturbation "
              f"{wide['perturbation'].mean():.2f}% (mean over {len(wide)} search(es))")
    if len(diff) < 5 or np.allclose(diff, 0):
        verdict = INCONCLUSIVE
    else:
        verdict = _verdict(float(stats.wilcoxon(diff, alternative="greater").pvalue),
                           float(stats.wilcoxon(diff, alternative="less").pvalue))
    return verdict, figure, len(diff)


# -- Adam & Lorraine: the ENAS controller ------------------------------------------------------------------
def _paper_setting(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The rows of the paper's own setting where the run has it (a text space: ENAS' recurrent cells), else all;
    and the spaces they come from, for the figure."""
    from cellprobe.spaces import get_space

    text = [space for space in frame["space"].unique() if get_space(space).task == "text"]
    frame = frame[frame["space"].isin(text)] if text else frame
    return frame, "/".join(sorted(frame["space"].unique()))


def _more_certain(controller_step_probs: pd.DataFrame):
    steps, where = _paper_setting(controller_step_probs)
    p = steps.groupby(["variant", "sample"])["argmax_prob"].mean().reset_index()
    trained, random = p[p["variant"] == "trained"]["argmax_prob"], p[p["variant"] == "random"]["argmax_prob"]
    favour, against = _greater(trained, random)
    figure = (f"{where}: most likely action's probability, mean per architecture: trained {trained.mean():.3f}, "
              f"random {random.mean():.3f}" if len(trained) and len(random) else "needs trained and random controllers")
    return _verdict(favour, against), figure, len(trained) + len(random)


#: A collapse is a clear gap: the regularised controller's median per-unit variance at least this many times the
#: trained one's (besides the test), not a significant sliver between two states that barely vary.
COLLAPSE_FACTOR = 2.0


def _hidden_collapse(controller_hidden_variance: pd.DataFrame):
    v, where = _paper_setting(controller_hidden_variance)
    trained, regularised = v[v["variant"] == "trained"]["variance"], v[v["variant"] == "regularised"]["variance"]
    if not len(trained) or not len(regularised):
        return INCONCLUSIVE, "needs trained and regularised controllers", len(trained)
    favour, against = _greater(regularised, trained)
    ratio = regularised.median() / max(trained.median(), 1e-300)
    random = v[v["variant"] == "random"]["variance"]
    figure = (f"{where}: per-unit variance of the final hidden state, median (mean): trained {trained.median():.2g} "
              f"({trained.mean():.2g}), regularised {regularised.median():.2g} ({regularised.mean():.2g})"
              + (f", random {random.median():.2g} ({random.mean():.2g})" if len(random) else "")
              + f"; regularised / trained {ratio:.2g}×")
    if favour is not None and favour < ALPHA and ratio >= COLLAPSE_FACTOR:
        return REPRODUCED, figure, len(trained)
    if against is not None and against < ALPHA and ratio <= 1 / COLLAPSE_FACTOR:
        return CONTRADICTED, figure, len(trained)
    return INCONCLUSIVE, figure, len(trained)


def _common_activations(controller_correlations: pd.DataFrame):
    c = controller_correlations[controller_correlations["similarity"] == "common_activations"]
    c = c.dropna(subset=["spearman_rho", "ci_low", "ci_high"]).sort_values("seed")
    reg, rnd = c[c["variant"] == "regularised"], c[c["variant"] == "random"]
    if not len(reg):
        return INCONCLUSIVE, "needs a regularised controller on a space with activations (enas-rnn)", 0
    r = reg.iloc[0]
    figure = (f"{r.space} regularised: ρ(hidden distance, common activations) {r.spearman_rho:+.3f} "
              f"[{r.ci_low:+.2f}, {r.ci_high:+.2f}] over {int(r.n_pairs)} pairs")
    if r.ci_low > 0:
        return CONTRADICTED, figure, int(r.n_pairs)
    if not len(rnd):
        return INCONCLUSIVE, figure + "; no random controller to compare with", int(r.n_pairs)
    b = rnd.iloc[0]
    figure += f"; random controller {b.spearman_rho:+.3f} [{b.ci_low:+.2f}, {b.ci_high:+.2f}] (paper −0.090)"
    # an LSTM fed its own choices may encode them untrained: the regulariser must do better than that
    if r.ci_high < 0 and r.spearman_rho < b.ci_low:
        return REPRODUCED, figure, int(r.n_pairs)
    return INCONCLUSIVE, figure, int(r.n_pairs)


#: Weight sharing: the trained controller's cells retrained alone are "no better" than a random controller's when
#: their mean test perplexity is lower by less than this fraction, "clearly better" above the second.
NO_ADVANTAGE, CLEAR_ADVANTAGE = 0.02, 0.10


def _weight_sharing(controller_retrained: pd.DataFrame, controller_architectures: pd.DataFrame):
    r = controller_retrained
    trained, random = r[r["variant"] == "trained"]["test_ppl"], r[r["variant"] == "random"]["test_ppl"]
    n = len(trained) + len(random)
    if len(trained) < 3 or len(random) < 3:
        return (INCONCLUSIVE, f"needs ≥ 3 retrained cells of the trained and the random controller, has "
                f"{len(trained)} and {len(random)}", n)
    # the advantage to explain: the trained controller's cells under its shared weights, against the random
    # controller's under its own (the analysed cells of the retrained spaces)
    a = controller_architectures[controller_architectures["space"].isin(r["space"].unique())]
    shared_t = a[a["variant"] == "trained"]["supernet_ppl"].dropna()
    shared_r = a[a["variant"] == "random"]["supernet_ppl"].dropna()
    _, lower_p = _greater(shared_t, shared_r)
    gain = 1 - trained.mean() / random.mean()
    figure = (f"retrained test perplexity, mean: trained {trained.mean():.2f}, random {random.mean():.2f} "
              f"(trained lower by {100 * gain:.1f} %; {len(trained)} + {len(random)} cells, "
              f"{int(r['epochs'].iloc[0])} epoch(s)); under the shared weights, median "
              + (f"{shared_t.median():.2f} vs {shared_r.median():.2f} ({len(shared_t)} + {len(shared_r)} cells, "
                 f"trained lower: p = {lower_p:.2g})" if lower_p is not None else "not measured"))
    if gain > CLEAR_ADVANTAGE:
        return CONTRADICTED, figure, n
    if gain < NO_ADVANTAGE and lower_p is not None and lower_p < ALPHA:
        return REPRODUCED, figure, n
    return INCONCLUSIVE, figure, n


def _regularisation_correlates(controller_correlations: pd.DataFrame):
    c, _ = _paper_setting(controller_correlations)
    c = c.replace({"similarity": {"common_activations": "common_ops"}}).dropna(subset=["spearman_rho"])
    wide = c.pivot_table(index=["space", "similarity"], columns="variant", values="spearman_rho", aggfunc="mean")
    if not {"trained", "regularised"} <= set(wide.columns):
        return INCONCLUSIVE, "needs trained and regularised controllers", 0
    wide = wide.dropna(subset=["trained", "regularised"])
    higher = int((wide["regularised"].abs() > wide["trained"].abs()).sum())
    figure = (f"|Spearman ρ| of hidden-state distance with architecture similarity higher when regularised for "
              f"{higher} of {len(wide)} similarity notions")
    n = len(wide)
    if n >= 3 and higher == n:
        return REPRODUCED, figure, n
    if n >= 3 and higher == 0:
        return CONTRADICTED, figure, n
    return INCONCLUSIVE, figure, n


W, X, N, P, A = "Wan et al. 2022", "Xie et al. 2021", "Ning et al. 2021", "Wang et al. 2021", "Adam & Lorraine 2019"
#: Every claim the findings table checks, in the order of the papers.
CLAIMS = (
    Claim("redundancy.fraction_important", W, "Only a fraction of the ops of good cells are important",
          "a fraction of the ops", "per space, share of top-group edges with |OI| ≥ threshold: 95% CI below 50% → "
          "reproduced, above 50% → contradicted; every space must agree, else inconclusive", ("importance_oi",), _fraction_important),
    Claim("redundancy.disabling_order", W, "Disabling the least important ops first hurts less than the most important first",
          "Wilcoxon p < 0.05", "one-sided Wilcoxon signed-rank of the disabling curves: p < 0.05 → reproduced; the "
          "opposite direction at p < 0.05 → contradicted", ("importance_tests",), _disabling),
    Claim("redundancy.reduction_cell", W, "The reduction cell matters less than the normal cell",
          "ablations", "replacing the normal cell by the reduction cell must cost more than the converse and be "
          "significant (p < 0.05); the converse significant → contradicted", ("importance_tests",), _reduction_matters_less),
    Claim("redundancy.residual_skips", W, "Skip connections matter only as residual links",
          "residual skips important, others not", "Mann–Whitney one-sided: OI of skips from a cell input > OI of other "
          "skips at p < 0.05 → reproduced; the opposite → contradicted", ("importance_oi",), _residual_skips),
    Claim("redundancy.motifs", W, "Top motifs are convolutions with a residual skip",
          "conv + residual skip motifs", "the most over-represented motif (vs random cells, q < 0.05, by odds ratio) "
          "holds a convolution and a skip connection → reproduced, otherwise contradicted; none → inconclusive",
          ("motifs",), _conv_residual_motifs),
    Claim("redundancy.constrained_cells", W, "Constrained random cells (Skip, PrimSkip) are at least as good as uniform ones",
          "Skip/PrimSkip ≥ uniform (NAS-Bench-301)", "NAS-Bench-301 surrogate's predicted accuracy, ≥ 10 cells per "
          "sampler: uniform significantly better (one-sided Mann–Whitney p < 0.05) → contradicted; Skip and PrimSkip "
          "means ≥ uniform → reproduced", ("surrogate_predictions",), _constrained_as_good),
    Claim("wiring.p1_costs", X, "P1: edge costs start positive and turn negative as edges switch on",
          "growing tendency", "bi-level DARTS: ≥ 50% of edges with positive cost at epoch 0 and ≥ 50% of the edges on at "
          "the end with negative cost → reproduced; neither → contradicted", ("search_trajectory",), _costs_turn_negative),
    Claim("wiring.p2_width", X, "P2: edges from the cell inputs are preferred to intermediate edges",
          "wide, shallow cells", "Wilcoxon over run/cell pairs of the final non-none probability, input minus "
          "intermediate edges: > 0 at p < 0.05 → reproduced, < 0 → contradicted", ("search_trajectory",),
          _input_edges_preferred),
    Claim("wiring.p3_no_recovery", X, "P3: bi-level search drops edges that never recover; single-level does not",
          "catastrophic failure of bi-level", "Mann–Whitney one-sided over run/cell pairs: bi-level drops more edges "
          "for good than single-level at p < 0.05 → reproduced; the opposite → contradicted", ("search_trajectory",),
          _no_recovery),
    Claim("evaluators.gates_tau", N, "GATES with the ranking loss reaches Kendall τ ≥ 0.76 with 78 NB201 cells",
          "τ ≈ 0.76–0.775 (GATES paper)", "mean τ over all 15,625 cells ≥ 0.74 → reproduced, < 0.68 → contradicted",
          ("predictors",), _gates_tau),
    Claim("evaluators.ranking_loss_stable", N, "The ranking loss is more stable across training sets than MSE",
          "smaller spread", "with ≥ 3 runs each: std of τ (hinge) < std of τ (mse) at N = 78 → reproduced, else "
          "contradicted", ("predictors",), _ranking_loss_stabler),
    Claim("evaluators.deiso", N, "De-isomorphic sampling improves BR@K and P@K over plain uniform sampling",
          "better BR@K, P@K", "spos-deiso vs spos supernet on NB201, last scored epoch: better on ≥ 75% of the P@K/BR@K "
          "values → reproduced, worse on ≥ 75% → contradicted", ("evaluators_criteria",), _deiso_sampling),
    Claim("evaluators.longer_training", N, "One-shot supernets rank architectures better the longer they train",
          "τ rises along training", "per supernet (batch-norm statistics as trained), Kendall τ at its last scored epoch "
          "minus at its first: higher for ≥ 75% of ≥ 3 supernets → reproduced, lower for ≥ 75% → contradicted "
          "(negative τ of short-trained supernets are named)", ("evaluators_criteria",), _longer_training),
    Claim("evaluators.pool_training", N, "A supernet trained only on the cells it ranks ranks them no better than "
          "one trained on the whole space", "τ 0.628 vs 0.657 on 78 NB201 cells", "mean over seeds of τ(pool-trained) − "
          f"τ(whole-space) on the pool (BN as trained), ≥ 20 cells: < {NOT_BETTER} → reproduced, > {CLEARLY_BETTER} → "
          "contradicted", ("pool_study",), _pool_training),
    Claim("evaluators.predictor_on_one_shot", N, "A predictor fitted on a supernet's scores of a few cells ranks the "
          "rest no better than the supernet", "GATES τ 0.718 vs the supernet's 0.719", "mean over seeds of "
          f"τ(predictor) − τ(supernet) on the rest of the scored cells, ≥ 20 cells: < {NOT_BETTER} → reproduced, > "
          f"{CLEARLY_BETTER} → contradicted", ("pool_study",), _predictor_on_one_shot),
    Claim("evaluators.flops_bias", N, "One-shot evaluators under-estimate larger models (rank difference falls with FLOPs)",
          "negative slope", "Wilcoxon over supernets of Spearman ρ(FLOPs group, rank difference): < 0 at p < 0.05 → "
          "reproduced, > 0 → contradicted", ("evaluators_flops_groups",), _underestimates_large),
    Claim("dartspt.perturbation", P, "Perturbation selection picks better NB201 cells than α magnitude",
          "DARTS 54.30% vs DARTS-PT 88.11% (CIFAR-10 test)", "paired Wilcoxon over ≥ 5 NB201 searches of benchmark "
          "accuracy, perturbation − magnitude: > 0 at p < 0.05 → reproduced, < 0 → contradicted",
          ("search_genotypes", "nb201"), _perturbation_better),
    Claim("enas.certainty", A, "The trained controller is more certain than a random one",
          "higher max-action probability", "Mann–Whitney one-sided over sampled architectures of the mean "
          "most-likely-action probability: trained > random at p < 0.05 → reproduced", ("controller_step_probs",),
          _more_certain),
    Claim("enas.hidden_collapse", A, "The trained controller's final hidden states collapse; the regularised one's vary",
          "near-zero variance", "Mann–Whitney one-sided over hidden units: variance regularised > trained at p < 0.05 "
          f"with a median ≥ {COLLAPSE_FACTOR:g}× the trained one's → reproduced; the opposite (≤ 1/{COLLAPSE_FACTOR:g}×) → "
          "contradicted", ("controller_hidden_variance",), _hidden_collapse),
    Claim("enas.regularised_correlation", A, "Regularisation raises the correlation of hidden-state distance with "
          "architecture similarity", "higher |ρ|", "|ρ| higher with regularisation for every similarity notion (≥ 3) "
          "→ reproduced, for none → contradicted", ("controller_correlations",), _regularisation_correlates),
    Claim("enas.common_activations", A, "The regularised controller's hidden-state distance falls with the number of "
          "common activations", "ρ −0.404 (Table 1, supervised)", "enas-rnn, regularised: 95 % bootstrap interval of ρ "
          "below 0 and ρ below the random controller's interval → reproduced; interval above 0 → contradicted",
          ("controller_correlations",), _common_activations),
    Claim("enas.weight_sharing", A, "Retrained from scratch, the trained controller's cells are no better than a "
          "random controller's: weight sharing explains its advantage", "no better (Fig. 2)", "≥ 3 cells each: mean "
          f"test perplexity lower for the trained controller by > {100 * CLEAR_ADVANTAGE:.0f} % → contradicted; by "
          f"< {100 * NO_ADVANTAGE:.0f} % while its analysed cells have the lower perplexity under the shared weights "
          "(one-sided Mann–Whitney p < 0.05: an advantage to explain) → reproduced",
          ("controller_retrained", "controller_architectures"), _weight_sharing),
)


def findings_table(tables: Mapping[str, pd.DataFrame | None]) -> pd.DataFrame:
    """The ``findings`` rows of the run whose tables are ``tables`` (report input name → frame or None)."""
    rows = []
    for claim in CLAIMS:
        frames = [tables.get(name) for name in claim.needs]
        if any(f is None or len(f) == 0 for f in frames):
            missing = ", ".join(n for n, f in zip(claim.needs, frames) if f is None or len(f) == 0)
            verdict, figure, n = INCONCLUSIVE, f"not measured: this run has no {missing} table", None
        else:
            verdict, figure, n = claim.check(*frames)
        assert verdict in VERDICTS, (claim.id, verdict)
        rows.append({"claim_id": claim.id, "paper": claim.paper, "claim": claim.claim,
                     "paper_figure": claim.paper_figure, "run_figure": figure, "n": n, "rule": claim.rule,
                     "verdict": verdict, "evidence": ", ".join(claim.needs)})
    return pd.DataFrame(rows).astype({"n": "Int64"})
