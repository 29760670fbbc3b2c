"""Ranking criteria for architecture evaluators: one-shot supernets, predictors and zero-cost proxies.

An *evaluator* gives each architecture of a set a score (higher = better); the criteria compare its ranking
with the ground truth (benchmark or from-scratch accuracies). The criteria themselves (correlations, P@K, BR@K,
WR@K, τ within the top/bottom K; true scores first) live in :mod:`cellprobe.ranking`, which the predictor study
shares; they are re-exported here.

Beyond single numbers:

* :func:`flops_groups` — architectures split into FLOPs groups; per group the mean true − predicted rank
  difference (over the whole set, divided by n: positive = the evaluator ranks the group better than it is)
  and Kendall τ within the group;
* :func:`isomorphism_variance` — pooled variance of the scores within isomorphism classes (NB201), and its
  share of the total variance; :func:`deisomorphize` replaces each score by its class mean ("post
  de-isomorphism");
* :func:`criteria` — every criterion of one evaluator as rows ``criterion, k, value, n``;
* evaluator tables (``evaluator_scores`` long format) from supernet scores, zero-cost proxies and predictor
  outputs, and :func:`criteria_tables` over them all against a :class:`~cellprobe.ground_truth.GroundTruth`
  (the NB201 table or trained results);
* the stage's entry points: :func:`evaluation_archs` (what the zero-cost proxies score),
  :func:`prediction_scores` (a predictor as an evaluator) and :func:`evaluate_evaluators` (every table ranked).

>>> precision_at_k([4, 3, 2, 1], [1, 2, 3, 4], 0.5), precision_at_k([4, 3, 2, 1], [4, 3, 1, 2], 0.5)
(0.0, 1.0)
>>> best_ranking_at_k([4, 3, 2, 1], [0, 1, 0, 0], 0.25)  # predicted best = true rank 2 of 4
0.5
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cellprobe.errors import CellprobeError
from cellprobe.ground_truth import GroundTruth
from cellprobe.ranking import (CORRELATIONS, DEFAULT_KS, TOP_K_CRITERIA, best_ranking_at_k, criteria, kendall,
                               kendall_bottom_k, kendall_top_k, kendall_within, paired_scores, pearson, precision_at_k,
                               spearman, top_count, true_ranks, worst_ranking_at_k)
from cellprobe.spaces import get_space
from cellprobe.tables import ZERO_COST_PROXIES

__all__ = [
    "pearson",
    "spearman",
    "kendall",
    "precision_at_k",
    "best_ranking_at_k",
    "worst_ranking_at_k",
    "kendall_top_k",
    "kendall_bottom_k",
    "top_count",
    "true_ranks",
    "CORRELATIONS",
    "TOP_K_CRITERIA",
    "DEFAULT_KS",
    "criteria",
    "flops_groups",
    "isomorphism_variance",
    "deisomorphize",
    "EvaluatorError",
    "EVALUATOR_KINDS",
    "scores_table",
    "from_supernet_scores",
    "from_zero_cost",
    "from_predictions",
    "attach_flops",
    "criteria_tables",
    "kendall_tau_between_seeds",
    "evaluation_archs",
    "prediction_scores",
    "evaluate_evaluators",
]


class EvaluatorError(CellprobeError):
    """Evaluator inputs that cannot be compared with the ground truth."""


# -- FLOPs groups and isomorphism ---------------------------------------------------------------------------


def flops_groups(true, predicted, flops, n_groups: int = 10) -> pd.DataFrame:
    """Rank difference and τ per FLOPs group.

    Architectures are split by FLOPs rank into ``n_groups`` groups of (nearly) equal size; architectures with
    equal FLOPs share their average rank, so they always land in the same group and some groups may be
    larger, smaller or empty (empty ones are left out). Per group: ``group`` (0 = fewest FLOPs),
    ``flops_min``, ``flops_max``, ``n``, ``rank_diff`` = mean(true rank − predicted rank) / n with both
    ranks taken over the whole set (positive: the evaluator ranks the group better than it is), and
    ``kendall_tau`` within the group (NaN for fewer than 2 or constant scores).

    >>> flops_groups([1, 2, 3, 4], [4, 3, 2, 1], [10, 20, 30, 40], n_groups=2)["rank_diff"].tolist()
    [0.5, -0.5]
    """
    t, p = paired_scores(true, predicted)
    f = np.asarray(flops, dtype=np.float64)
    if f.shape != t.shape or not np.isfinite(f).all():
        raise ValueError("flops must be finite numbers, one per architecture")
    if isinstance(n_groups, bool) or not isinstance(n_groups, (int, np.integer)) or n_groups < 1:
        raise ValueError(f"n_groups must be a positive integer, got {n_groups!r}")
    n = len(t)
    group = np.minimum(np.floor(n_groups * (stats.rankdata(f, method="average") - 1) / n), n_groups - 1).astype(int)
    diff = (true_ranks(t) - true_ranks(p)) / n
    rows = []
    for g in np.unique(group):
        chosen = group == g
        rows.append({"group": int(g), "flops_min": float(f[chosen].min()), "flops_max": float(f[chosen].max()),
                     "n": int(chosen.sum()), "rank_diff": float(diff[chosen].mean()),
                     "kendall_tau": kendall_within(t, p, chosen)})
    return pd.DataFrame(rows, columns=["group", "flops_min", "flops_max", "n", "rank_diff", "kendall_tau"])


def isomorphism_variance(scores, classes) -> dict:
    """How much an evaluator's scores vary between isomorphic architectures.

    ``classes``: one isomorphism key per score (e.g. :attr:`NB201Genotype.canonical_key`). Returns
    ``within`` — the pooled within-class variance Σ_c Σ_i (s_i − s̄_c)² / Σ_c (n_c − 1) over the classes with
    at least 2 members; ``total`` — the sample variance of all scores; ``ratio`` = within / total (0: isomorphic
    architectures get equal scores); ``classes`` and ``n``, the classes with ≥ 2 members and their
    architectures. ``within`` and ``ratio`` are NaN without such a class, ``ratio`` also when ``total`` is 0.

    >>> isomorphism_variance([1.0, 3.0, 5.0, 5.0], ["a", "a", "b", "b"])["within"]
    1.0
    """
    s = np.asarray(scores, dtype=np.float64)
    keys = pd.Series(list(classes))
    if len(keys) != len(s):
        raise ValueError(f"{len(s)} scores but {len(keys)} class keys")
    if not np.isfinite(s).all():
        raise ValueError("scores hold NaN or infinite values")
    frame = pd.DataFrame({"key": keys, "s": s})
    sizes = frame.groupby("key")["s"].transform("size")
    multi = frame[sizes >= 2]
    total = float(np.var(s, ddof=1)) if len(s) >= 2 else float("nan")
    if multi.empty:
        return {"within": float("nan"), "total": total, "ratio": float("nan"), "classes": 0, "n": 0}
    centred = multi["s"] - multi.groupby("key")["s"].transform("mean")
    n_classes = multi["key"].nunique()
    within = float((centred**2).sum() / (len(multi) - n_classes))
    ratio = within / total if total > 0 else float("nan")
    return {"within": within, "total": total, "ratio": ratio, "classes": int(n_classes), "n": int(len(multi))}


def deisomorphize(scores, classes) -> np.ndarray:
    """Each score replaced by the mean score of its isomorphism class ("post de-isomorphism").

    >>> deisomorphize([1.0, 3.0, 5.0], ["a", "a", "b"]).tolist()
    [2.0, 2.0, 5.0]
    """
    s = np.asarray(scores, dtype=np.float64)
    keys = list(classes)
    if len(keys) != len(s):
        raise ValueError(f"{len(s)} scores but {len(keys)} class keys")
    return pd.Series(s).groupby(pd.Series(keys)).transform("mean").to_numpy()


def kendall_tau_between_seeds(results: pd.DataFrame, metric: str = "valid_acc") -> float:
    """Kendall τ between the first two seeds' ``metric`` over the architectures trained with both."""
    seeds = sorted(results["seed"].unique())
    if len(seeds) < 2:
        return float("nan")
    wide = results.pivot_table(index="arch_id", columns="seed", values=metric)[[seeds[0], seeds[1]]].dropna()
    if len(wide) < 3:
        return float("nan")
    return float(stats.kendalltau(wide[seeds[0]], wide[seeds[1]]).statistic)


# -- evaluator tables ------------------------------------------------------------------------------------------

#: What an evaluator is: a weight-sharing supernet, a fitted performance predictor, a zero-cost proxy.
EVALUATOR_KINDS = ("supernet", "predictor", "zero_cost")
SCORE_COLUMNS = ["space", "kind", "evaluator", "seed", "epoch", "arch_id", "genotype", "score", "flops_m"]
KEYS = ["space", "kind", "evaluator", "seed", "epoch"]


def _scores_frame(**columns) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    for name in ("seed", "epoch"):
        frame[name] = pd.array(frame[name], dtype="Int64")
    frame["flops_m"] = frame["flops_m"].astype("float64")
    return frame[SCORE_COLUMNS]


def scores_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` as ``evaluator_scores`` rows with their dtypes (nullable integer seed/epoch, float FLOPs).

    Tables read back from Parquet hold seed/epoch as floats with NaN; this restores the declared types.
    """
    missing = [c for c in SCORE_COLUMNS if c not in frame.columns]
    if missing:
        raise EvaluatorError(f"evaluator scores lack column(s) {missing}")
    unknown = sorted(set(frame["kind"]) - set(EVALUATOR_KINDS))
    if unknown:
        raise EvaluatorError(f"unknown evaluator kind(s) {unknown}; kinds are: {', '.join(EVALUATOR_KINDS)}")
    return _scores_frame(**{c: frame[c].to_numpy() for c in SCORE_COLUMNS})


def from_supernet_scores(table: pd.DataFrame) -> pd.DataFrame:
    """``evaluator_scores`` rows from a ``supernet_scores`` table: the validation accuracy under shared weights.

    Evaluator ``supernet-<method>``, with ``-bn`` when batch-norm statistics were recalibrated per architecture;
    one evaluator per method and BN mode, its seeds and epochs in their own columns.
    """
    evaluator = "supernet-" + table["method"].astype(str) + np.where(table["bn_recalibrated"], "-bn", "")
    return _scores_frame(space=table["space"].to_numpy(), kind="supernet", evaluator=evaluator.to_numpy(),
                         seed=table["seed"].to_numpy(), epoch=table["epoch"].to_numpy(),
                         arch_id=table["arch_id"].to_numpy(), genotype=table["genotype"].to_numpy(),
                         score=table["valid_acc"].to_numpy(dtype=np.float64), flops_m=np.nan)


def from_zero_cost(table: pd.DataFrame, proxies: Iterable[str] | None = None) -> pd.DataFrame:
    """``evaluator_scores`` rows from a ``zero_cost`` table: evaluator ``zc-<proxy>`` per proxy column."""
    frames = []
    for proxy in proxies or ZERO_COST_PROXIES:
        if proxy not in ZERO_COST_PROXIES:
            raise EvaluatorError(f"unknown zero-cost proxy {proxy!r}; proxies are: {', '.join(ZERO_COST_PROXIES)}")
        frames.append(_scores_frame(space=table["space"].to_numpy(), kind="zero_cost", evaluator=f"zc-{proxy}",
                                    seed=table["seed"].to_numpy(), epoch=None, arch_id=table["arch_id"].to_numpy(),
                                    genotype=table["genotype"].to_numpy(),
                                    score=table[proxy].to_numpy(dtype=np.float64), flops_m=np.nan))
    return pd.concat(frames, ignore_index=True)


def from_predictions(space: str, evaluator: str, genotypes: Sequence, scores, seed: int | None = None) -> pd.DataFrame:
    """``evaluator_scores`` rows of a predictor's outputs (one score per genotype, in order)."""
    scores = np.asarray(scores, dtype=np.float64)
    if len(scores) != len(genotypes):
        raise EvaluatorError(f"{len(genotypes)} genotypes but {len(scores)} scores")
    return _scores_frame(space=space, kind="predictor", evaluator=evaluator, seed=seed, epoch=None,
                         arch_id=[g.arch_id for g in genotypes], genotype=[g.to_str() for g in genotypes],
                         score=scores, flops_m=np.nan)


def attach_flops(scores: pd.DataFrame, flops_m: Mapping[str, float]) -> pd.DataFrame:
    """``scores`` with ``flops_m`` set from ``arch_id → FLOPs (M)`` (NaN where the map has no entry)."""
    out = scores.copy()
    out["flops_m"] = out["arch_id"].map(dict(flops_m)).astype("float64")
    return out


def _nullable(value):
    return None if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else int(value)


def criteria_tables(
    scores: pd.DataFrame,
    truth: pd.DataFrame,
    *,
    ks: Sequence[float] = DEFAULT_KS,
    n_groups: int = 10,
    deiso: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(evaluator_criteria, flops_groups)`` rows of every evaluator in ``scores`` against ``truth``.

    ``scores``: ``evaluator_scores`` rows; one evaluator instance is one ``(space, kind, evaluator, seed,
    epoch)``. ``truth``: ``arch_id, true`` (a :class:`~cellprobe.ground_truth.GroundTruth`'s table); only
    architectures with a true score count (``n``). NB201 evaluators also get ``iso_within_var`` and
    ``iso_var_ratio`` rows (:func:`isomorphism_variance` of the scores) and ``iso_rank_var_ratio`` (the same
    ratio on the scores' ranks, which heavy-tailed proxies such as SynFlow need to be comparable), and the
    ground truth itself such rows (kind ``truth``) as the reference spread between isomorphic cells. With
    ``deiso=True`` every criterion is computed a second time on class-mean scores (``deiso`` true). FLOPs groups need ``flops_m`` on every
    row of the instance (others are skipped).
    """
    for k in ks:
        top_count(1, k)
    if scores.empty:
        raise EvaluatorError("no evaluator scores")
    duplicated = scores.duplicated([*KEYS, "arch_id"])
    if duplicated.any():
        row = scores[duplicated].iloc[0]
        raise EvaluatorError(f"evaluator {row['evaluator']} scores {row['arch_id']} twice in one instance")
    true = truth.drop_duplicates("arch_id").set_index("arch_id")["true"]
    joined = scores.merge(true.rename("true"), left_on="arch_id", right_index=True, how="inner")
    if joined.empty:
        raise EvaluatorError("no evaluated architecture has a ground-truth score (do the arch_ids match?)")
    keys_of = _isomorphism_keys(joined)
    crit_rows, group_rows = [], []
    for key, part in joined.groupby(KEYS, sort=True, dropna=False):
        ident = dict(zip(KEYS, key))
        ident.update(seed=_nullable(ident["seed"]), epoch=_nullable(ident["epoch"]))
        t, p = part["true"].to_numpy(), part["score"].to_numpy(dtype=np.float64)
        if not np.isfinite(p).all():
            raise EvaluatorError(f"evaluator {ident['evaluator']} has NaN or infinite scores")
        iso = get_space(ident["space"]).isomorphism_classes
        for deiso_flag in (False, True) if (deiso and iso) else (False,):
            classes = [keys_of[a] for a in part["arch_id"]] if iso else None
            pred = deisomorphize(p, classes) if deiso_flag else p
            table = criteria(t, pred, ks)
            if iso and not deiso_flag:
                table = pd.concat([table, _iso_rows(p, classes)], ignore_index=True)
            crit_rows.append(table.assign(**ident, deiso=deiso_flag))
            flops = part["flops_m"].to_numpy(dtype=np.float64)
            if np.isfinite(flops).all():
                group_rows.append(flops_groups(t, pred, flops, n_groups).assign(**ident, deiso=deiso_flag))
    for space in sorted(set(joined["space"])):
        if get_space(space).isomorphism_classes:
            arch = joined[joined["space"] == space].drop_duplicates("arch_id")
            crit_rows.append(_iso_rows(arch["true"].to_numpy(), [keys_of[a] for a in arch["arch_id"]]).assign(
                space=space, kind="truth", evaluator="ground-truth", seed=None, epoch=None, deiso=False))
    crit = pd.concat(crit_rows, ignore_index=True)
    groups = (pd.concat(group_rows, ignore_index=True) if group_rows else
              pd.DataFrame(columns=["group", "flops_min", "flops_max", "n", "rank_diff", "kendall_tau", *KEYS,
                                    "deiso"]))
    for frame in (crit, groups):
        for name in ("seed", "epoch"):
            frame[name] = pd.array([_nullable(v) for v in frame[name]], dtype="Int64")
        frame["deiso"] = frame["deiso"].astype(bool)
    crit["k"] = crit["k"].astype("float64")
    crit["n"] = crit["n"].astype("int64")
    crit = crit[[*KEYS, "deiso", "criterion", "k", "value", "n"]]
    groups = groups.rename(columns={"flops_min": "flops_m_min", "flops_max": "flops_m_max"})
    groups = groups[[*KEYS, "deiso", "group", "flops_m_min", "flops_m_max", "n", "rank_diff", "kendall_tau"]]
    return crit, groups.astype({"group": "int64", "n": "int64"})


def _iso_rows(scores: np.ndarray, classes: list[str]) -> pd.DataFrame:
    """Criteria rows of the spread within isomorphism classes: raw scores, and ranks (scale-free)."""
    raw = isomorphism_variance(scores, classes)
    ranked = isomorphism_variance(true_ranks(scores) / len(scores), classes)
    return pd.DataFrame([
        {"criterion": "iso_within_var", "k": np.nan, "value": raw["within"], "n": raw["n"]},
        {"criterion": "iso_var_ratio", "k": np.nan, "value": raw["ratio"], "n": raw["n"]},
        {"criterion": "iso_rank_var_ratio", "k": np.nan, "value": ranked["ratio"], "n": ranked["n"]},
    ])


def _isomorphism_keys(frame: pd.DataFrame) -> dict[str, str]:
    """``arch_id → canonical key`` (an isomorphism class) of the architectures of ``frame`` whose space has them."""
    out = {}
    for space in sorted(set(frame["space"])):
        info = get_space(space)
        if info.isomorphism_classes:
            rows = frame[frame["space"] == space].drop_duplicates("arch_id")
            out.update({a: info.parse(g).canonical_key for a, g in zip(rows["arch_id"], rows["genotype"])})
    return out


# -- the stage's entry points ----------------------------------------------------------------------------------


def evaluation_archs(space: str, *, samples: pd.DataFrame | None = None, archs: str | int | None = None,
                     sampler: str | None = None, seed: int = 0) -> list:
    """The architectures to score: the rows of sample-set tables (``samples``), ``archs="all"`` (every
    architecture of an enumerable space, in its benchmark order) or ``archs=N`` drawn by ``sampler``
    (default: the space's uniform sampler)."""
    from cellprobe.sampling import get_sampler, sample_architectures

    info = get_space(space)
    if (archs is None) == (samples is None):
        raise EvaluatorError("give exactly one of archs (all or a number) or sample-set tables")
    if samples is not None:
        samples = samples.drop_duplicates("arch_id")
        wrong = sorted(set(samples["space"]) - {space})
        if wrong:
            raise EvaluatorError(f"the sample sets hold {', '.join(wrong)} architectures, not {space}")
        if samples.empty:
            raise EvaluatorError("the sample sets hold no architecture")
        return [info.parse(g) for g in samples["genotype"]]
    if archs == "all":
        if not info.enumerable:
            raise EvaluatorError(f"archs 'all' enumerates a small space; the {space} space is too large "
                                 "(give a number)")
        return info.population()
    try:
        n = int(archs)
    except ValueError:
        raise EvaluatorError(f"archs must be 'all' or a positive number, got {archs!r}") from None
    sampler = sampler or info.default_sampler
    if get_sampler(sampler).space != space:
        raise EvaluatorError(f"sampler {sampler!r} draws {get_sampler(sampler).space} architectures, not {space}")
    return sample_architectures(sampler, n, seed)


def prediction_scores(truth: GroundTruth, predictor: str = "gates", *, loss: str = "hinge", n_train: int,
                      seed: int = 0, options: Mapping | None = None,
                      pool: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict]:
    """A predictor as an evaluator: fitted on ``n_train`` architectures drawn from ``truth``, scoring the others.

    The scored architectures are the rest of ``truth`` or, with ``pool`` (sample-set rows), those of the pool
    outside the training set. Returns the ``evaluator_scores`` table (evaluator
    ``pred-<predictor>-<loss>-n<n_train>``) and its metadata.
    """
    from cellprobe.predictors import make_predictor
    from cellprobe.predictors.evaluate import training_sets

    table = truth.table
    if not 2 <= n_train < len(table):
        raise EvaluatorError(f"n_train must lie in 2..{len(table) - 1} (the ground truth has {len(table)} architectures)")
    train = table.iloc[training_sets(len(table), n_train, 1, seed)[0]]
    if pool is not None:
        pool = pool.drop_duplicates("arch_id")
        pool = pool[pool["space"] == truth.space]
    else:
        pool = table
    pool = pool[~pool["arch_id"].isin(set(train["arch_id"]))]
    if pool.empty:
        raise EvaluatorError("no architecture left to score outside the predictor's training set")
    try:
        model = make_predictor(predictor, truth.space, loss=loss, seed=seed, **dict(options or {}))
    except (TypeError, ValueError, KeyError) as exc:
        raise EvaluatorError(f"predictor: {exc}") from None
    space = get_space(truth.space)
    model.fit([space.parse(g) for g in train["genotype"]], train["true"].to_numpy())
    genotypes = [space.parse(g) for g in pool["genotype"]]
    name = f"pred-{predictor}-{getattr(model, 'fixed_loss', None) or loss}-n{n_train}"
    scores = from_predictions(truth.space, name, genotypes, model.predict(genotypes), seed=seed)
    meta = {"truth": truth.source, "n_train": n_train, "train_arch_ids": train["arch_id"].tolist()}
    return scores, meta


def evaluate_evaluators(space: str, scores: Sequence[pd.DataFrame], truth: GroundTruth, *,
                        ks: Sequence[float] = DEFAULT_KS, n_groups: int = 10, flops_preset: str = "standard",
                        deiso: bool = False) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame, dict]:
    """Every evaluator of ``scores`` (``evaluator_scores`` frames) ranked against ``truth``.

    FLOPs group the architectures: the trained networks' own (a trained ground truth), else the networks'
    at ``flops_preset``. Returns each evaluator's scores with their FLOPs (by evaluator name), the
    ``evaluator_criteria`` and ``flops_groups`` tables, and their metadata.
    """
    import re

    from cellprobe.nn.profile import network_flops

    for k in ks:
        try:
            top_count(1, k)
        except ValueError as exc:
            raise EvaluatorError(f"ks: {exc}") from None
    if not scores:
        raise EvaluatorError("give at least one evaluator table (supernet scores, zero-cost proxies or scores)")
    frame = pd.concat(scores, ignore_index=True)
    wrong = sorted(set(frame["space"]) - {space})
    if wrong:
        raise EvaluatorError(f"the evaluator tables hold {', '.join(wrong)} architectures; this run is {space}")
    if truth.space != space:
        raise EvaluatorError(f"the ground truth holds {truth.space} architectures; this run is {space}")
    names = sorted(frame["evaluator"].unique())
    bad = [n for n in names if not re.fullmatch(r"[A-Za-z0-9_.+-]+", n) or n in ("criteria", "flops_groups")]
    if bad:
        raise EvaluatorError(f"evaluator name(s) {bad} cannot name a file; use letters, digits and _ . + -")
    if "flops_m" in truth.table.columns:
        flops = dict(zip(truth.table["arch_id"], truth.table["flops_m"]))
        flops_source = "train_result flops_m"
    else:
        info = get_space(space)
        unique = frame.drop_duplicates("arch_id")
        try:
            flops = network_flops([info.parse(g) for g in unique["genotype"]], flops_preset)
        except ValueError as exc:
            raise EvaluatorError(f"flops preset: {exc}") from None
        flops_source = f"preset {flops_preset}"
    frame = attach_flops(frame, flops)
    try:
        crit, groups = criteria_tables(frame, truth.table, ks=ks, n_groups=n_groups, deiso=deiso)
    except ValueError as exc:
        raise EvaluatorError(f"criteria: {exc}") from None
    meta = {"truth": truth.source, "flops": flops_source, "ks": list(ks), "flops_groups": n_groups}
    return {name: frame[frame["evaluator"] == name] for name in names}, crit, groups, meta
