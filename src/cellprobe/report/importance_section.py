"""Report section for operator importance (the importance stage)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from cellprobe.report.figures import figure, new_figure, svg
from cellprobe.report.page import Section, html_table
from cellprobe.spaces import get_space

__all__ = ["importance_section"]

_GROUP_ORDER = ["top", "middle", "bottom"]
_ORDER_COLOURS = {"increasing": "#4c72b0", "decreasing": "#c44e52"}


def _html_table(df: pd.DataFrame, digits: int = 2) -> str:
    return html_table(df, digits)


def _is_residual(oi: pd.DataFrame) -> pd.Series:
    """Skip connections that start at a cell input (NB201 node 0; DARTS inputs 0 and 1)."""
    first_inner = oi["space"].map(lambda space: get_space(space).n_inputs).to_numpy()
    return (oi["op"] == "skip_connect") & (oi["input"] < first_inner)


def _summary(oi: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (space, group), g in oi.groupby(["space", "group"], sort=False):
        computed = g[g["n_neighbours"] > 0]
        rows.append({"space": space, "group": group, "source": g["source"].iloc[0],
                     "architectures": g["arch_id"].nunique(), "ops": len(computed),
                     "important (%)": 100 * computed["important"].mean(),
                     "mean OI": computed["oi"].mean(), "median |OI|": computed["oi"].abs().median()})
    table = pd.DataFrame(rows)
    table["order"] = table["group"].map({g: i for i, g in enumerate(_GROUP_ORDER)})
    return table.sort_values(["space", "order"]).drop(columns="order")


def _per_op(oi: pd.DataFrame) -> pd.DataFrame:
    top = oi[(oi["group"] == "top") & (oi["n_neighbours"] > 0)].copy()
    top["op "] = np.where(_is_residual(top), "skip_connect (residual)",
                          np.where(top["op"] == "skip_connect", "skip_connect (other)", top["op"]))
    table = (top.groupby(["space", "cell", "op "])
             .agg(edges=("oi", "size"), mean_oi=("oi", "mean"), important=("important", "mean"))
             .reset_index())
    table["important"] *= 100
    return table.rename(columns={"op ": "op", "mean_oi": "mean OI", "important": "important (%)"})


def _oi_figure(oi: pd.DataFrame) -> str:
    top = oi[(oi["group"] == "top") & (oi["n_neighbours"] > 0)]
    panels = list(top.groupby(["space", "cell"], sort=True))
    fig, axes = new_figure(ncols=len(panels), width=4.2 * len(panels), height=3.2)
    for ax, ((space, cell), g) in zip(axes[0], panels):
        ops = sorted(g["op"].unique())
        ax.boxplot([g.loc[g["op"] == op, "oi"].to_numpy() for op in ops], showfliers=False, widths=0.5)
        ax.axhline(0, color="#888888", lw=0.8)
        ax.set_xticks(range(1, len(ops) + 1), [op.replace("_", " ") for op in ops], rotation=40, ha="right",
                      fontsize=7)
        ax.set_title(f"{space} · {cell} cell", fontsize=9)
        ax.set_ylabel("OI (accuracy points)")
    return svg(fig)


def _threshold_figure(oi: pd.DataFrame) -> str:
    fig, axes = new_figure(width=5.5, height=3.0)
    ax = axes[0][0]
    thresholds = np.linspace(0, 3, 61)
    for (space, group), g in oi[oi["n_neighbours"] > 0].groupby(["space", "group"], sort=True):
        values = g["oi"].abs().to_numpy()
        ax.plot(thresholds, [100 * (values >= t).mean() for t in thresholds], label=f"{space} {group}",
                ls="-" if group == "top" else (":" if group == "bottom" else "--"))
    ax.set_xlabel("threshold on |OI| (accuracy points)")
    ax.set_ylabel("ops that are important (%)")
    ax.legend(frameon=False, fontsize=7)
    return svg(fig)


def _disabling_figure(results: pd.DataFrame) -> str:
    spaces = sorted(results["space"].unique())
    fig, axes = new_figure(ncols=len(spaces), width=4.5 * len(spaces), height=3.0)
    for ax, space in zip(axes[0], spaces):
        d = results[(results["space"] == space) & (results["experiment"] == "disabling")]
        original = d[d["variant"] == "original"].set_index("base_arch_id")["acc"]
        for order, colour in _ORDER_COLOURS.items():
            part = d[d["variant"] == order]
            curve = pd.concat([original.rename("acc").reset_index().assign(n_disabled=0),
                               part[["base_arch_id", "acc", "n_disabled"]]])
            mean = curve.groupby("n_disabled")["acc"].mean()
            ax.plot(mean.index, mean.to_numpy(), marker="o", color=colour, label=f"{order} OI")
        ax.set_xlabel("ops disabled")
        ax.set_ylabel(f"accuracy (%), {d['acc_source'].iloc[0] if len(d) else ''}")
        ax.set_title(f"{space}: {d['base_arch_id'].nunique()} top architectures", fontsize=9)
        ax.legend(frameon=False, fontsize=8)
    return svg(fig)


def _closest_k(rows: pd.DataFrame, criterion: str, k: float) -> float | None:
    ks = rows.loc[rows["criterion"] == criterion, "k"].dropna().unique()
    return float(ks[abs(ks - k).argmin()]) if len(ks) else None


def _predictor_table(predictors: pd.DataFrame, criterion: str = "kendall", k: float | None = None) -> pd.DataFrame:
    """``criterion`` (at ``k``; mean ± std) per predictor and loss (rows) and training-set size (columns)."""
    rows = predictors[(predictors["criterion"] == criterion)
                      & (predictors["k"].isna() if k is None else predictors["k"] == k)]
    cell = [f"{m:.3f}" + ("" if pd.isna(s) else f" ± {s:.3f}") for m, s in zip(rows["mean"], rows["std"])]
    wide = rows.assign(cell=cell).pivot_table(index=["predictor", "loss"], columns="n_train", values="cell",
                                              aggfunc="first", sort=False)
    wide.columns = [f"N = {n}" for n in wide.columns]
    return wide.reset_index()


def _predictor_part(predictors: pd.DataFrame) -> list[str]:
    """Per space: the predictor study's Kendall τ, P@K (K near 5 %) and BR@K (K near 1 %)."""
    parts = []
    for space, rows in predictors.groupby("space", sort=True):
        runs, n_scored = int(rows["runs"].max()), int(rows["n_scored"].max())
        scope = (f"the other architectures of the benchmark's sample ({n_scored:,} at most)" if rows["holdout"].any()
                 else f"all {n_scored:,} architectures of the benchmark")
        parts += [f"<h3>Predictor study: {space}</h3>",
                  f"<p>Each predictor trained on N random architectures of the benchmark ranks {scope}; mean ± std "
                  f"over {runs} run(s) (training sets × seeds). Kendall τ:</p>", _html_table(_predictor_table(rows))]
        for criterion, k, title in (("precision", 0.05, "P@K, the share of the true top-K in the predicted top-K"),
                                    ("best_ranking", 0.01, "BR@K, the best true rank in the predicted top-K / n "
                                                           "(lower is better)")):
            kk = _closest_k(rows, criterion, k)
            if kk is not None:
                parts += [f"<p>{title}, K = {kk:g} of the scored set:</p>",
                          _html_table(_predictor_table(rows, criterion, kk))]
    return parts


def _search_figure(search: pd.DataFrame) -> str:
    """Best true rank found (log scale) vs architectures queried, per method: median and range over seeds."""
    fig, axes = new_figure(width=5.2, height=3.0)
    ax = axes[0, 0]
    colours = {"predictor": "#4c72b0", "random": "#8c8c8c"}
    for method, d in search.groupby("method"):
        best = d.assign(best=d.groupby("seed")["true_rank"].cummin()).pivot_table(
            index="order", columns="seed", values="best", aggfunc="first")
        ax.plot(best.index, best.median(axis=1), color=colours.get(method), label=method)
        ax.fill_between(best.index, best.min(axis=1), best.max(axis=1), color=colours.get(method), alpha=0.2)
    ax.set_yscale("log")
    ax.invert_yaxis()
    ax.set_xlabel("architectures queried (oracle calls)")
    ax.set_ylabel("best true rank found")
    ax.legend(frameon=False, fontsize=8)
    return svg(fig)


def _search_table(search: pd.DataFrame) -> pd.DataFrame:
    last = search.sort_values("order").groupby(["method", "seed"]).agg(
        queried=("order", "max"), best_acc=("best_acc", "max"), best_rank=("true_rank", "min"))
    return last.groupby("method").agg(runs=("queried", "size"), queried=("queried", "max"),
                                      best_acc=("best_acc", "mean"), median_best_rank=("best_rank", "median"),
                                      worst_best_rank=("best_rank", "max")).reset_index()


def _stage_precision_table(search: pd.DataFrame) -> pd.DataFrame:
    """Per stage: cells scored so far and the stage's predictor's P@K over the pool (mean, min, max over seeds)."""
    rows = search[(search["method"] == "predictor") & search["pool_precision"].notna()]
    per_run = rows.groupby(["stage", "seed"]).agg(queried=("order", "min"), p=("pool_precision", "first"))
    table = per_run.groupby("stage").agg(trained_on=("queried", "min"), mean=("p", "mean"), low=("p", "min"),
                                         high=("p", "max")).reset_index()
    table["trained_on"] = table["trained_on"] - 1  # the predictor proposing query q was fitted on q - 1 cells
    return table.rename(columns={"trained_on": "fitted on (cells)", "mean": "mean P@K", "low": "min", "high": "max"})


def _predicted_table(predicted: pd.DataFrame) -> pd.DataFrame:
    rows = predicted.drop_duplicates(["set", "arch_id"])
    pooled = rows["predicted_acc"].quantile(0.9)
    table = (rows.groupby(["space", "set", "sampler"], sort=False)["predicted_acc"]
             .agg(cells="size", mean="mean", median="median", std="std",
                  top_decile=lambda v: 100 * (v >= pooled).mean()).reset_index())
    return table.rename(columns={"mean": "mean (%)", "median": "median (%)", "std": "std (points)",
                                 "top_decile": "in the pooled top 10% (%)"})


def _predicted_figure(predicted: pd.DataFrame) -> str:
    rows = predicted.drop_duplicates(["set", "arch_id"])
    names = list(dict.fromkeys(rows["set"]))
    fig, axes = new_figure(width=max(4.5, 1.2 * len(names) + 2), height=3.2)
    ax = axes[0][0]
    ax.violinplot([rows.loc[rows["set"] == n, "predicted_acc"].to_numpy() for n in names], showmedians=True)
    ax.set_xticks(range(1, len(names) + 1), names)
    ax.set_ylabel("predicted CIFAR-10 accuracy (%)")
    return svg(fig)


def _agreement(predicted: pd.DataFrame, trained: pd.DataFrame) -> pd.DataFrame | None:
    """Kendall τ between the surrogate's prediction and this run's from-scratch accuracies (seed means)."""
    from scipy.stats import kendalltau

    both = (trained.groupby("arch_id")[["valid_acc", "test_acc"]].mean()
            .join(predicted.drop_duplicates("arch_id").set_index("arch_id")["predicted_acc"], how="inner"))
    if len(both) < 3:
        return None
    return pd.DataFrame([{"trained metric": m, "architectures": len(both),
                          "Kendall τ": kendalltau(both["predicted_acc"], both[m]).statistic}
                         for m in ("valid_acc", "test_acc")])


def importance_section(oi: pd.DataFrame, results: pd.DataFrame | None = None,
                       tests: pd.DataFrame | None = None, predictors: pd.DataFrame | None = None,
                       search: pd.DataFrame | None = None, *, folds: pd.DataFrame | None = None,
                       nb301: pd.DataFrame | None = None, predicted: pd.DataFrame | None = None,
                       trained: pd.DataFrame | None = None) -> Section:
    """OI distributions, share of important ops, residual vs other skips, disabling curves, ablation tests,
    the surrogates' held-out Kendall τ, the sample sets they score (per sampler) and, where the run trained
    some of those architectures, how the two ground truths agree."""
    summary_table = _summary(oi)
    sources = ", ".join(f"{space}: <code>{source}</code>" for space, source in
                        oi.groupby("space")["source"].first().items())
    parts = [
        "<p>Operator importance OI of an edge = mean accuracy lost (points) over the neighbours that change "
        "that edge (op swaps; in the DARTS space also rewirings); positive = the op matters. A table of every "
        "architecture (NB201) is looked up; otherwise a surrogate fitted on the space's ground truth scores the "
        f"neighbours, calibrated to accuracy points on its training set. Sources: {sources}.</p>",
        _html_table(summary_table),
        "<h3>OI per primitive and cell type (top architectures)</h3>",
        figure(_oi_figure(oi), "Boxes: quartiles of the OI of every edge carrying the op."),
        "<h3>How many ops are important?</h3>",
        figure(_threshold_figure(oi), "Share of ops with |OI| at or above a threshold (the "
               "table's “important” uses the configured one, 0.1 point by default)."),
        "<h3>Per op, with skip connections split into residual (from a cell input) and other</h3>",
        _html_table(_per_op(oi)),
    ]
    if folds is not None and len(folds):
        held = (folds.groupby(["space", "predictor", "loss", "source"])
                .agg(folds=("fold", "size"), n_train=("n_train", "mean"), n_test=("n_test", "sum"),
                     tau_mean=("tau", "mean"), tau_std=("tau", "std"), rho_mean=("rho", "mean")).reset_index())
        known = (f" The NAS-Bench-301 table holds {len(nb301)} DARTS-space architectures "
                 f"(CIFAR-10 validation accuracy {nb301['cifar10_val_acc'].min():.2f}–"
                 f"{nb301['cifar10_val_acc'].max():.2f} %)." if nb301 is not None and len(nb301) else "")
        parts += ["<h3>Surrogates: held-out Kendall τ</h3>",
                  "<p>Each surrogate refitted on all but one fold of its ground truth and ranking the fold left out "
                  f"(k-fold cross-validation): how far its OI can be trusted.{known}</p>",
                  _html_table(held)]
    if predicted is not None and len(predicted):
        parts += ["<h3>Sample sets scored by the surrogate</h3>",
                  "<p>The surrogate as the space's oracle (the redundancy paper scored its samplers with "
                  "NAS-Bench-301): the predicted accuracy of each sample set, by sampler.</p>",
                  figure(_predicted_figure(predicted), "Predicted accuracy per sample set (violins; "
                         "bars: median and range)."),
                  _html_table(_predicted_table(predicted))]
        agreement = _agreement(predicted, trained) if trained is not None and len(trained) else None
        if agreement is not None:
            parts += ["<p>The two ground truths on the architectures this run also trained from scratch:</p>",
                      _html_table(agreement, 3)]
    if results is not None and len(results):
        parts += [
            "<h3>Verification: disabling ops in OI order</h3>",
            figure(_disabling_figure(results), "Ops of top architectures replaced by "
                   "<code>none</code> one after the other, least important first (increasing) or most important "
                   "first (decreasing); mean accuracy over the architectures."),
        ]
    if tests is not None and len(tests):
        shown = tests[["space", "experiment", "hypothesis", "n", "mean_difference", "p_value"]].copy()
        shown["p_value"] = [f"{p:.2g}" if pd.notna(p) else "–" for p in shown["p_value"]]
        parts += ["<h3>Tests (one-sided Wilcoxon signed-rank)</h3>",
                  _html_table(shown.rename(columns={"mean_difference": "mean difference (points)", "p_value": "p"}))]
    if predictors is not None and len(predictors):
        parts += _predictor_part(predictors)
    if search is not None and len(search):
        spec = search.iloc[0]
        parts += ["<h3>Multi-stage predictor-based search</h3>",
                  f"<p>{spec['predictor']} ({spec['loss']} loss) refitted at every stage on all cells scored so far "
                  "proposes its top unseen NB201 cells, which the benchmark then scores; a random search with the same "
                  "budget and the same initial cells is the baseline. Rank 1 = the best of the 15,625 cells.</p>",
                  figure(_search_figure(search), "Best benchmark rank found so far against the number of "
                         "queried cells; median (line) and range (band) over seeds."),
                  _html_table(_search_table(search).rename(columns={"best_acc": "mean best accuracy (%)"}))]
        stages = _stage_precision_table(search)
        if len(stages):
            k = float(search["k"].iloc[0])
            parts += [f"<p>P@K of the predictor at each stage over the whole pool, K = {100 * k:g} % "
                      "(the share of the true top-K among its predicted top-K; the evaluator surgery's multi-stage "
                      "criterion), over seeds:</p>", _html_table(stages)]
    top = summary_table[summary_table["group"] == "top"]
    summary = "; ".join(f"{r.space}: {r['important (%)']:.0f}% of the ops of {r.architectures} top architectures "
                        f"have |OI| ≥ threshold" for _, r in top.iterrows())
    if tests is not None and len(tests):
        d = tests[tests["experiment"] == "disabling"]
        summary += ". " + "; ".join(f"{r.space} disabling test p = {r.p_value:.2g}" for r in d.itertuples())
    return Section("importance", "Operator importance", "\n".join(parts), summary + ".")
