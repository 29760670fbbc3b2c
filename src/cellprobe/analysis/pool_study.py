"""The evaluator surgery's two questions about a small set of cells (Ning et al., "A Surgery of the Neural
Architecture Evaluators", the experiments on 78 NB201 cells):

1. **Pool training.** Does a one-shot supernet trained only on the cells it must rank (the *pool*) rank them
   better than one trained on the whole space? The paper: no — on the 78 cells Kendall τ 0.628 for the
   pool-trained supernet against 0.657 for the whole-space one; on the whole space 0.670 against 0.701.
2. **A predictor on one-shot scores.** Can a predictor fitted on a supernet's scores of the pool cells rank the
   rest of the space better than the supernet itself? The paper: GATES τ 0.718 against the supernet's 0.719,
   BR@1 % 12.1 % against 2.5 % — it does not recover.

:func:`pool_study` answers both from the ``supernet_scores`` of the two supernets (each having scored the pool
and a sample of the space) and a :class:`~cellprobe.ground_truth.GroundTruth`, per seed and batch-norm mode at
the last scored epoch: the supernets on the pool and on the *rest* (the scored cells outside the pool), the
predictor on the rest. The criteria are :mod:`cellprobe.ranking`'s.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from cellprobe.errors import CellprobeError
from cellprobe.ground_truth import GroundTruth
from cellprobe.ranking import best_ranking_at_k, kendall, precision_at_k
from cellprobe.spaces import get_space

__all__ = ["PoolStudyError", "PAPER", "COMPARED", "pool_study", "paired_taus", "pool_verdicts"]


class PoolStudyError(CellprobeError):
    """Inputs the pool study cannot compare."""


#: The paper's NB201 figures: (question, evaluator role, on) → (Kendall τ, BR@1 % or NaN).
PAPER = {
    ("pool training", "whole-space supernet", "pool"): (0.657, float("nan")),
    ("pool training", "pool supernet", "pool"): (0.628, float("nan")),
    ("pool training", "whole-space supernet", "rest"): (0.701, float("nan")),
    ("pool training", "pool supernet", "rest"): (0.670, float("nan")),
    ("predictor on one-shot scores", "whole-space supernet", "rest"): (0.719, 0.025),
    ("predictor on one-shot scores", "predictor", "rest"): (0.718, 0.121),
}


def _last_epoch(scores: pd.DataFrame) -> pd.DataFrame:
    return scores[scores["epoch"] == scores.groupby(["seed", "bn_recalibrated"])["epoch"].transform("max")]


def _row(question, role, evaluator, on, seed, bn, epoch, true, predicted) -> dict:
    paper_tau, paper_br = PAPER.get((question, role, on), (float("nan"), float("nan")))
    return {"question": question, "role": role, "evaluator": evaluator, "on": on, "seed": int(seed),
            "bn_recalibrated": bool(bn), "epoch": int(epoch), "n": len(true),
            "kendall": kendall(true, predicted), "precision_5": precision_at_k(true, predicted, 0.05),
            "best_ranking_1": best_ranking_at_k(true, predicted, 0.01),
            "paper_kendall": paper_tau, "paper_best_ranking_1": paper_br}


def pool_study(truth: GroundTruth, space_scores: pd.DataFrame, pool_scores: pd.DataFrame, pool_ids, *,
               predictor: str = "gates", loss: str = "hinge", options: Mapping | None = None) -> pd.DataFrame:
    """Both questions, one row per (question, evaluator, on, seed, batch-norm mode): ``pool_study`` rows.

    ``space_scores`` / ``pool_scores``: ``supernet_scores`` of the whole-space and the pool-trained supernet
    (one run each, any seeds; seeds are paired). ``pool_ids``: the pool's arch ids. The predictor (``predictor``
    with ``loss`` and ``options``, seeded by the supernet's seed) is fitted on the whole-space supernet's
    ``valid_acc`` of the pool cells and scores the rest.
    """
    from cellprobe.predictors import make_predictor

    pool_ids = list(dict.fromkeys(pool_ids))
    known = truth.table.set_index("arch_id")["true"]
    frames = {"whole-space supernet": space_scores, "pool supernet": pool_scores}
    for role, frame in frames.items():
        if frame.empty or frame["method"].nunique() != 1:
            raise PoolStudyError(f"the {role}'s scores must be one run's, got {sorted(frame['method'].unique())}")
        missing = set(pool_ids) - set(frame["arch_id"])
        if missing:
            raise PoolStudyError(f"the {role} ({frame['method'].iloc[0]}) did not score {len(missing)} pool cell(s)")
    unknown = set(pool_ids) - set(known.index)
    if unknown:
        raise PoolStudyError(f"{len(unknown)} pool cell(s) have no ground truth")
    space = get_space(truth.space)
    rows = []
    for role, frame in frames.items():
        name = f"supernet-{frame['method'].iloc[0]}"
        for (seed, bn), g in _last_epoch(frame).groupby(["seed", "bn_recalibrated"], sort=True):
            g = g.drop_duplicates("arch_id").set_index("arch_id")
            rest = [a for a in g.index if a not in set(pool_ids) and a in known.index]
            if len(rest) < 2:
                raise PoolStudyError(f"the {role} scored fewer than 2 cells outside the pool")
            epoch = g["epoch"].iloc[0]
            for on, ids in (("pool", pool_ids), ("rest", rest)):
                rows.append(_row("pool training", role, name, on, seed, bn, epoch, known[ids].to_numpy(),
                                 g.loc[ids, "valid_acc"].to_numpy()))
            if role != "whole-space supernet":
                continue
            rows.append(_row("predictor on one-shot scores", role, name, "rest", seed, bn, epoch,
                             known[rest].to_numpy(), g.loc[rest, "valid_acc"].to_numpy()))
            try:
                model = make_predictor(predictor, truth.space, loss=loss, seed=int(seed), **dict(options or {}))
            except (TypeError, ValueError, KeyError) as exc:
                raise PoolStudyError(f"predictor: {exc}") from None
            model.fit([space.parse(s) for s in g.loc[pool_ids, "genotype"]], g.loc[pool_ids, "valid_acc"].to_numpy())
            predicted = np.asarray(model.predict([space.parse(s) for s in g.loc[rest, "genotype"]]), dtype=float)
            label = f"{predictor}-{getattr(model, 'fixed_loss', None) or loss} on {name}"
            rows.append(_row("predictor on one-shot scores", "predictor", label, "rest", seed, bn, epoch,
                             known[rest].to_numpy(), predicted))
    return pd.DataFrame(rows)


#: Per question, the evaluator the paper sets against the whole-space supernet, and on which cells.
COMPARED = {"pool training": ("pool supernet", "pool"), "predictor on one-shot scores": ("predictor", "rest")}


def paired_taus(study: pd.DataFrame, question: str) -> tuple[pd.Series, pd.Series, int]:
    """The two Kendall τ per seed that ``question`` compares (:data:`COMPARED`): the evaluator's and the
    whole-space supernet's, on the same cells, from scores without batch-norm recalibration where there are
    such; and the number of those cells (0 without rows)."""
    role, on = COMPARED[question]
    s = study[(study["question"] == question) & (study["on"] == on)]
    plain = ~s["bn_recalibrated"].astype(bool)
    s = s[plain] if plain.any() else s
    ours = s[s["role"] == role].groupby("seed")["kendall"].mean()
    base = s[s["role"] == "whole-space supernet"].groupby("seed")["kendall"].mean()
    return ours, base, int(s["n"].max()) if len(s) else 0


def pool_verdicts(study: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Per question, the two Kendall τ the paper compares (:func:`paired_taus`), means over seeds."""
    out = {}
    for question in COMPARED:
        ours, base, _ = paired_taus(study, question)
        out[question] = (float(ours.mean()), float(base.mean()))
    return out
