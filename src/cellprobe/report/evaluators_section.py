"""Report section for the evaluators stage: ranking criteria of supernets, predictors and zero-cost proxies."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from cellprobe.report.figures import figure, new_figure, svg
from cellprobe.report.page import Section, html_table

__all__ = ["evaluators_section", "surgery_table", "experiment_tables"]

_COLUMNS = [  # (criterion, uses k, column title)
    ("pearson", False, "Pearson"),
    ("spearman", False, "Spearman"),
    ("kendall", False, "Kendall τ"),
    ("precision", True, "P@K"),
    ("best_ranking", True, "BR@K"),
    ("worst_ranking", True, "WR@K"),
    ("kendall_top", True, "τ top-K"),
    ("kendall_bottom", True, "τ bottom-K"),
]
_KIND_ORDER = {"supernet": 0, "predictor": 1, "zero_cost": 2, "truth": 3}


def _number(v: float, digits: int) -> str:
    return f"{v:.{digits}g}" if v != 0 and (abs(v) < 10 ** -(digits - 1) or abs(v) >= 1e6) else f"{v:.{digits}f}"


def _html_table(df: pd.DataFrame, digits: int = 3) -> str:
    return html_table(df, float_format=lambda v: _number(v, digits))


def _chosen_k(criteria: pd.DataFrame, k: float) -> float | None:
    ks = np.unique(criteria["k"].dropna().to_numpy())
    if not len(ks):
        return None
    return float(ks[np.argmin(np.abs(ks - k))])


def _final(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of each evaluator's last epoch (evaluators without epochs keep every row)."""
    last = frame.groupby(["space", "evaluator"], dropna=False)["epoch"].transform("max")
    return frame[frame["epoch"].isna() | (frame["epoch"] == last)]


def _label(row) -> str:
    return f"{row['evaluator']} (de-iso)" if row["deiso"] else row["evaluator"]


def _criteria_table(criteria: pd.DataFrame, k: float | None) -> pd.DataFrame:
    """Rows = evaluators (mean over seeds at their last epoch), columns = criteria at the chosen k."""
    c = _final(criteria[criteria["kind"] != "truth"])
    c = c[c["k"].isna() | (c["k"] == k)] if k is not None else c[c["k"].isna()]
    c = c.assign(label=[_label(r) for _, r in c.iterrows()])
    keys = ["space", "kind", "label"]
    wide = c.pivot_table(index=keys, columns="criterion", values="value", aggfunc="mean", dropna=False)
    info = c.groupby(keys).agg(seeds=("seed", "nunique"), epoch=("epoch", "max"), n=("n", "max"))
    table = info.join(wide).reset_index()
    table["order"] = table["kind"].map(_KIND_ORDER)
    table = table.sort_values(["space", "order", "label"]).drop(columns="order")
    shown = {"space": "space", "kind": "kind", "label": "evaluator", "seeds": "seeds", "epoch": "epoch", "n": "n"}
    for criterion, _, title in _COLUMNS:
        if criterion in table:
            shown[criterion] = title
    if "iso_rank_var_ratio" in table:
        shown["iso_rank_var_ratio"] = "iso rank-var ratio"
    table["epoch"] = [("–" if pd.isna(e) else str(int(e))) for e in table["epoch"]]
    table["seeds"] = table["seeds"].astype(int)
    return table[list(shown)].rename(columns=shown)


def _at(frame: pd.DataFrame, criterion: str, k: float | None) -> pd.DataFrame:
    """The rows of one criterion at top-K fraction ``k`` (``None``: the criteria without a K)."""
    return frame[(frame["criterion"] == criterion) & (frame["k"].isna() if k is None else np.isclose(frame["k"], k))]


def _values(frame: pd.DataFrame, columns) -> dict[str, float]:
    """``title → mean value`` of each ``(criterion, k, title)`` of ``columns`` that ``frame`` holds."""
    return {title: float(part["value"].mean()) for criterion, k, title in columns
            if len(part := _at(frame, criterion, k))}


def _epochs_figure(criteria: pd.DataFrame) -> str | None:
    """Kendall τ, P@5% and P@50% of the supernet evaluators against their training epochs (mean over seeds; the
    surgery's Fig. 2: the top of the ranking and its coarse halves need not improve together)."""
    s = criteria[(criteria["kind"] == "supernet") & ~criteria["deiso"] & criteria["epoch"].notna()]
    if s.empty:
        return None
    panels = [("kendall", None, "Kendall τ")] + [("precision", k, f"P@{100 * k:g}%") for k in _EPOCH_KS
                                                   if np.isclose(s["k"].dropna(), k).any()]
    fig, axes = new_figure(ncols=len(panels), width=3.6 * len(panels), height=3.0)
    for ax, (criterion, kk, title) in zip(axes[0], panels):
        part = _at(s, criterion, kk)
        for (space, evaluator), g in part.groupby(["space", "evaluator"], sort=True):
            mean = g.groupby("epoch")["value"].mean().sort_index()
            ax.plot(mean.index.to_numpy(dtype=float), mean.to_numpy(), marker="o", ms=3, label=f"{space} {evaluator}")
        ax.set_xlabel("supernet training epoch")
        ax.set_ylabel(title)
    axes[0][-1].legend(frameon=False, fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return svg(fig)


#: The surgery's table of sampling and de-isomorphism: (criterion, k, column title); BR@K lower is better.
_SURGERY_COLUMNS = [("best_ranking", 0.005, "BR@0.5%"), ("best_ranking", 0.01, "BR@1%"), ("precision", 0.05, "P@5%"),
                    ("precision", 0.5, "P@50%"), ("kendall", None, "Kendall τ")]
_EPOCH_KS = (0.05, 0.5)
#: The columns of an experiment of variants.
_EXPERIMENT_COLUMNS = [("kendall", None, "Kendall τ"), ("precision", 0.05, "P@5%"), ("precision", 0.5, "P@50%"),
                       ("best_ranking", 0.01, "BR@1%")]


def surgery_table(criteria: pd.DataFrame) -> pd.DataFrame:
    """The evaluator surgery's comparison of plain and de-isomorphic sampling and post de-isomorphism.

    Rows: each NB201 one-shot supernet of the SPOS family (its BN mode included) as trained ("plain" scores), and
    after averaging its scores within isomorphism classes ("post de-iso"); training with one cell per class is the
    ``spos-deiso`` method's own row. Columns: BR@0.5 %, BR@1 %, P@5 %, P@50 % and Kendall τ at the last scored
    epoch, mean over seeds; a column is left out when the criteria table lacks its K. Empty when no supernet of the
    table was scored both ways.
    """
    s = _final(criteria[(criteria["kind"] == "supernet")])
    s = s[s["evaluator"].str.startswith(("supernet-spos", "supernet-fairnas"))]
    if s.empty or not s["deiso"].any():
        return pd.DataFrame()
    rows = []
    for (space, evaluator, deiso), g in s.groupby(["space", "evaluator", "deiso"], sort=True):
        rows.append({"space": space, "supernet": evaluator.removeprefix("supernet-"),
                     "scores": "post de-iso" if deiso else "plain", "seeds": int(g["seed"].nunique()),
                     **_values(g, _SURGERY_COLUMNS)})
    return pd.DataFrame(rows)


def experiment_tables(criteria: pd.DataFrame, variants: dict, sizes: dict | None = None) -> dict[str, pd.DataFrame]:
    """One table per named experiment of search variants (``search.variants`` entries with an ``experiment``).

    Rows: each variant's supernet evaluators (with and without per-architecture batch-norm statistics) on each
    space it was scored on, with its method, its supernet size (``C`` and ``depth`` of the variant, else of
    ``sizes[space]``, the space's ``search.spaces`` entry) and Kendall τ, P@5 %, P@50 % and BR@1 % at its last
    scored epoch (mean over seeds, scores as given). Experiments none of whose variants were scored are left out.
    """
    sizes = sizes or {}
    s = _final(criteria[(criteria["kind"] == "supernet") & ~criteria["deiso"]])
    tables = {}
    for experiment in dict.fromkeys(v["experiment"] for v in variants.values() if v.get("experiment")):
        rows = []
        for name, variant in variants.items():
            if variant.get("experiment") != experiment:
                continue
            for (space, evaluator), g in s[s["evaluator"].isin([f"supernet-{name}", f"supernet-{name}-bn"])].groupby(
                    ["space", "evaluator"], sort=True):
                size = {**sizes.get(space, {}), **variant}
                rows.append({"space": space, "supernet": evaluator.removeprefix("supernet-"),
                             "method": variant["method"], "C": size.get("C"), "depth": size.get("depth"),
                             "seeds": int(g["seed"].nunique()), "epoch": int(g["epoch"].max()),
                             **_values(g, _EXPERIMENT_COLUMNS)})
        if rows:
            tables[experiment] = pd.DataFrame(rows)
    return tables


_POOL_COLUMNS = {"question": "question", "evaluator": "evaluator", "on": "on", "bn": "BN", "seeds": "seeds",
                 "n": "n", "kendall": "Kendall τ", "paper_kendall": "paper τ", "precision_5": "P@5%",
                 "best_ranking_1": "BR@1%", "paper_best_ranking_1": "paper BR@1%"}


def _pool_part(study: pd.DataFrame) -> list[str]:
    """The pool study's rows, means over seeds, beside the paper's NB201 figures."""
    table = (study.assign(bn=np.where(study["bn_recalibrated"], "recalibrated", "as trained"))
             .groupby(["question", "evaluator", "on", "bn"], sort=False)
             .agg(seeds=("seed", "nunique"), n=("n", "max"), kendall=("kendall", "mean"),
                  paper_kendall=("paper_kendall", "first"), precision_5=("precision_5", "mean"),
                  best_ranking_1=("best_ranking_1", "mean"), paper_best_ranking_1=("paper_best_ranking_1", "first"))
             .reset_index())
    pool = int(study[study["on"] == "pool"]["n"].max()) if (study["on"] == "pool").any() else 0
    return ["<h3>A supernet trained on a pool of cells, and a predictor on one-shot scores</h3>",
            f"<p>The evaluator surgery's two questions about a small set of cells (here a pool of {pool}): does a "
            "supernet trained only on the pool rank it (and the rest of the scored cells) better than one trained on "
            "the whole space, and does a predictor fitted on the whole-space supernet's scores of the pool rank the "
            "rest better than the supernet does? The paper's answers on NB201 (78 cells, 200-epoch supernets): no "
            "and no. Last scored epoch, mean over seeds.</p>",
            _html_table(table[list(_POOL_COLUMNS)].rename(columns=_POOL_COLUMNS))]


def _flops_figure(groups: pd.DataFrame, criteria: pd.DataFrame, max_bars: int) -> str:
    """Per space: mean true − predicted rank difference per FLOPs group, for the evaluators with the highest τ."""
    g = _final(groups[~groups["deiso"]])
    tau = _final(criteria[(criteria["criterion"] == "kendall") & ~criteria["deiso"] & (criteria["kind"] != "truth")])
    tau = tau.groupby(["space", "evaluator"])["value"].mean()
    spaces = sorted(g["space"].unique())
    fig, axes = new_figure(ncols=len(spaces), width=5.0 * len(spaces), height=3.2)
    for ax, space in zip(axes[0], spaces):
        part = g[g["space"] == space]
        ranked = tau.loc[space].sort_values(ascending=False) if space in tau.index.get_level_values(0) else pd.Series()
        chosen = [e for e in ranked.index if e in set(part["evaluator"])][:max_bars]
        width = 0.8 / max(1, len(chosen))
        for i, evaluator in enumerate(chosen):
            mean = part[part["evaluator"] == evaluator].groupby("group")["rank_diff"].mean()
            ax.bar(mean.index.to_numpy() + (i - (len(chosen) - 1) / 2) * width, mean.to_numpy(), width=width,
                   label=evaluator)
        ax.axhline(0, color="#888888", lw=0.8)
        ax.set_xlabel("FLOPs group (0 = fewest FLOPs)")
        ax.set_ylabel("mean (true − predicted rank) / n")
        ax.set_title(space, fontsize=9)
        ax.legend(frameon=False, fontsize=7)
    return svg(fig)


def _iso_table(criteria: pd.DataFrame) -> pd.DataFrame:
    iso = _final(criteria[criteria["criterion"].isin(["iso_within_var", "iso_var_ratio", "iso_rank_var_ratio"])
                          & ~criteria["deiso"]])
    wide = iso.pivot_table(index=["space", "kind", "evaluator"], columns="criterion", values="value", aggfunc="mean")
    n = iso.groupby(["space", "kind", "evaluator"])["n"].max()
    table = wide.join(n).reset_index()
    table["order"] = table["kind"].map(_KIND_ORDER)
    table = table.sort_values(["order", "evaluator"]).drop(columns="order")
    return table.rename(columns={"iso_within_var": "within-class variance", "iso_var_ratio": "within / total",
                                 "iso_rank_var_ratio": "within / total, ranks", "n": "architectures in classes ≥ 2"})


_REFERENCE_COLUMNS = {
    "proxy": "proxy", "n": "n", "vs_reference": "ours vs NASLib", "noise_ceiling": "ours vs ours (noise ceiling)",
    "threshold": "needs", "agrees": "agrees", "ours_vs_accuracy": "ours vs accuracy",
    "reference_vs_accuracy": "NASLib vs accuracy", "reference_vs_accuracy_all": "NASLib vs accuracy, all",
    "published": "published |ρ|",
}


def _reference_part(reference: pd.DataFrame) -> list[str]:
    """Per space: cellprobe's proxies beside NAS-Bench-Suite-Zero's (``zero_cost_reference`` rows)."""
    parts = ["<h3>Zero-cost proxies beside NAS-Bench-Suite-Zero</h3>",
             "<p>cellprobe's proxies and NASLib's precomputed ones (NAS-Bench-Suite-Zero) on the same architectures, "
             "as Spearman correlations: between the two implementations, between two cellprobe runs with another "
             "batch and initialisation (the noise ceiling: the most a proxy that swings with its batch can agree "
             "with any single run), and of each with the benchmark's validation accuracy, on the sample and, for "
             "NASLib, on all of its file. “needs” is the row's rule: 0.9 for the proxies no image enters, 0.7 for "
             "grad_norm, snip, nwot and jacov, the lower 95% bound of the noise ceiling for the others. Published: "
             "Abdelfattah et al.'s |ρ| over all 15,625 NB201 cells.</p>"]
    for space, part in reference.groupby("space", sort=True):
        first = part.iloc[0]
        agree = part["agrees"].dropna()
        parts.append(f"<p><b>{space}</b>: network preset {first['preset']}, one batch of {first['batch_size']} "
                     f"images at {first['resolution']}×{first['resolution']}, {part['n'].max()} of the reference's "
                     f"{first['n_all']} architectures; {int(agree.sum())} of {len(agree)} proxies agree.</p>")
        table = part[list(_REFERENCE_COLUMNS)].rename(columns=_REFERENCE_COLUMNS)
        table["agrees"] = ["–" if pd.isna(v) else ("yes" if v else "no") for v in part["agrees"]]
        parts.append(_html_table(table))
    return parts


def evaluators_section(criteria: pd.DataFrame, flops_groups: pd.DataFrame | None = None, *, k: float = 0.05,
                       max_bars: int = 6, reference: pd.DataFrame | None = None, variants: dict | None = None,
                       sizes: dict | None = None, pool_study: pd.DataFrame | None = None) -> Section:
    """Criteria per evaluator, criteria against supernet epochs, FLOPs-group bias and isomorphism spread.

    ``criteria``: ``evaluator_criteria`` rows (one or more spaces); ``flops_groups``: ``flops_groups`` rows.
    Top-K columns use the table's k closest to ``k``; the FLOPs figure shows the ``max_bars`` evaluators with
    the highest Kendall τ per space. ``reference``: ``zero_cost_reference`` rows (cellprobe's proxies beside
    NAS-Bench-Suite-Zero's). ``variants`` and ``sizes``: the configuration's ``search.variants`` and
    ``search.spaces``, for one table per named experiment of variants (:func:`experiment_tables`).
    ``pool_study``: ``pool_study`` rows (a supernet trained on a pool of cells; a predictor on one-shot scores).
    """
    kk = _chosen_k(criteria, k)
    table = _criteria_table(criteria, kk)
    parts = [
        "<p>Each evaluator scores a set of architectures (higher = better) and is compared with the ground truth "
        "(the NB201 benchmark's accuracy, or the from-scratch accuracy averaged over seeds). Supernets score with "
        "their shared weights after search epochs, predictors after fitting on a random part of the ground truth "
        "(the rest is scored), zero-cost proxies at initialisation on one minibatch. "
        + (f"Top-K criteria use K = {kk:g} of the set: P@K is the share of the true top-K in the predicted top-K; "
           "BR@K / WR@K the best / worst true rank (divided by the set size, lower is better) in the predicted "
           "top-K; τ top-/bottom-K Kendall τ within the predicted top / bottom K. " if kk is not None else "")
        + "Values are means over seeds at each evaluator's last epoch; “de-iso” rows average the scores within "
        "isomorphism classes first.</p>",
        _html_table(table),
    ]
    surgery = surgery_table(criteria)
    if len(surgery):
        parts += ["<h3>Sampling and de-isomorphism (the evaluator surgery's table)</h3>",
                  "<p>One-shot supernets of the SPOS family: “plain” scores as the supernet gives them, “post de-iso” "
                  "the same scores averaged within isomorphism classes; <code>spos-deiso</code> trained on one cell "
                  "per isomorphism class (de-isomorphic sampling). BR@K: the best true rank (÷ set size, lower is "
                  "better) among the predicted top-K; on a set of n cells, K below 1/n is one cell. Post "
                  "de-isomorphism averages within the isomorphism classes the scored set holds: where it holds few "
                  "isomorphic cells (“Isomorphic cells” below) the two rows agree. Last scored epoch, mean over "
                  "seeds.</p>",
                  _html_table(surgery)]
    for experiment, frame in experiment_tables(criteria, variants or {}, sizes).items():
        parts += [f"<h3>Experiment: {escape(experiment)}</h3>",
                  "<p>Supernets of one method that differ only in the entries of their <code>search.variants</code> "
                  "(here their size: C channels, depth cells or cells per stage), ranked by the same criteria "
                  "against the same truth; last scored epoch, mean over seeds.</p>",
                  _html_table(frame)]
    if pool_study is not None and len(pool_study):
        parts += _pool_part(pool_study)
    along = _epochs_figure(criteria)
    if along:
        parts += ["<h3>Criteria along supernet training</h3>",
                  figure(along, "Kendall τ, P@5% and P@50% of each supernet evaluator at its scored "
                         "epochs (mean over seeds).")]
    if flops_groups is not None and len(flops_groups):
        parts += ["<h3>Bias by FLOPs</h3>",
                  figure(_flops_figure(flops_groups, criteria, max_bars), "Architectures split into "
                         "groups by FLOPs; bars: mean true rank − predicted rank over the whole set, divided by its "
                         f"size (positive = the evaluator ranks the group better than it is), for the {max_bars} "
                         "evaluators with the highest Kendall τ per space.")]
    if reference is not None and len(reference):
        parts += _reference_part(reference)
    if (criteria["criterion"] == "iso_var_ratio").any():
        parts += ["<h3>Isomorphic cells (NB201)</h3>",
                  "<p>Pooled variance of the scores within isomorphism classes (cells computing the same function), "
                  "its share of the scores' total variance, and the same share computed on the scores' ranks "
                  "(comparable across evaluators whatever their scale); the ground-truth row is the benchmark's own "
                  "spread between isomorphic cells.</p>",
                  _html_table(_iso_table(criteria), digits=4)]
    best = []
    for space, part in table.groupby("space"):
        if "Kendall τ" in part and part["Kendall τ"].notna().any():
            top = part.loc[part["Kendall τ"].idxmax()]
            best.append(f"{space}: best Kendall τ {top['Kendall τ']:.3f} ({top['evaluator']}, n = {top['n']})")
    summary = f"{len(table)} evaluator(s); " + ("; ".join(best) if best else "no correlation could be computed")
    return Section("evaluators", "Evaluators", "\n".join(parts), summary + ".")
