"""Multi-stage predictor-based search (as in the evaluator-surgery paper, Ning et al., NeurIPS 2021).

Start from a few random architectures scored by an oracle (a benchmark table or training from scratch);
then, stage after stage, fit the predictor on everything scored so far, let it rank the unseen
architectures of a candidate pool, have the oracle score its top ``per_stage``, and repeat. A random
search with the same budget is run beside it (``predictor="random"``) as the baseline.

The result is one row per scored architecture (the stage it was scored in, its predicted score when the
predictor proposed it, its oracle accuracy, its true rank in the pool when the whole pool's truth is known)
from which the report draws "best accuracy found vs architectures queried".

>>> import numpy as np
>>> from cellprobe.spaces.nb201 import benchmark_order
>>> pool = benchmark_order()[:200]
>>> truth = np.array([sum(op == "nor_conv_3x3" for op in g.ops) for g in pool], dtype=float)
>>> oracle = lambda gs: np.array([sum(op == "nor_conv_3x3" for op in g.ops) for g in gs], dtype=float)
>>> t = predictor_search(lambda: RandomForestPredictor("nb201", seed=0), pool, oracle,
...                      initial=10, per_stage=5, stages=2, seed=0, truth=truth)
>>> t.groupby("method")["stage"].max().to_dict()
{'predictor': 2, 'random': 2}
>>> len(t)
40
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from cellprobe.predictors.base import Predictor
from cellprobe.predictors.forest import RandomForestPredictor  # noqa: F401  (doctest)
from cellprobe.ranking import precision_at_k, top_count

__all__ = ["predictor_search", "search_summary", "search_table"]

Oracle = Callable[[list], np.ndarray]


def _true_ranks(truth: np.ndarray | None, n: int) -> np.ndarray:
    """Rank 1 = the best architecture of the pool (ties share the best rank); NaN without a truth."""
    if truth is None:
        return np.full(n, np.nan)
    return rankdata(-np.asarray(truth, dtype=float), method="min")


def predictor_search(
    make_predictor: Callable[[], Predictor],
    pool: Sequence,
    oracle: Oracle,
    *,
    initial: int,
    per_stage: int,
    stages: int,
    seed: int = 0,
    truth: np.ndarray | None = None,
    random_baseline: bool = True,
    k: float = 0.001,
) -> pd.DataFrame:
    """Run the multi-stage search over ``pool`` and (optionally) a random search with the same budget.

    ``make_predictor()``: a fresh, unfitted predictor, refitted at every stage on all scored architectures.
    ``oracle(genotypes)``: accuracies (%) of a list of genotypes. ``initial``: random architectures scored
    at stage 0; ``per_stage``: the predictor's top unseen architectures scored at each of ``stages`` later
    stages. ``truth``: the pool's accuracies when all are known (a benchmark), for true ranks.

    Columns: method (``predictor`` | ``random``), stage, order (query number, from 1), arch_id, genotype,
    predicted (the proposing predictor's score; NaN at stage 0 and for random), acc (oracle), true_rank,
    best_acc (best oracle accuracy found up to this query), and ``pool_precision``: P@K of the predictor
    fitted at this stage over the whole pool (K = ``k`` of the pool, 0.1 % by default: the evaluator
    surgery's multi-stage criterion; NaN at stage 0, for random and without a truth).
    """
    pool = list(pool)
    n = len(pool)
    if min(initial, per_stage) < 1 or stages < 0:
        raise ValueError(f"need initial >= 1, per_stage >= 1 and stages >= 0; got {initial}, {per_stage}, {stages}")
    budget = initial + stages * per_stage
    if budget > n:
        raise ValueError(f"the search scores {budget} architectures but the pool holds only {n}")
    if initial < 2:
        raise ValueError("a predictor needs at least 2 scored architectures: initial must be >= 2")
    if truth is not None and len(truth) != n:
        raise ValueError(f"truth holds {len(truth)} values for a pool of {n} architectures")
    ranks = _true_ranks(truth, n)
    rng = np.random.default_rng(seed)
    start = rng.choice(n, initial, replace=False)  # shared by both methods: they differ only after stage 0

    top_count(n, k)  # refuse a bad k before any query

    def rows(method: str, stage: int, index: np.ndarray, predicted: np.ndarray, acc: np.ndarray,
             precision: float = np.nan) -> list[dict]:
        return [
            {"method": method, "stage": stage, "pool_index": int(i), "predicted": float(p), "acc": float(a),
             "pool_precision": precision}
            for i, p, a in zip(index, predicted, acc)
        ]

    start_acc = np.asarray(oracle([pool[i] for i in start]), dtype=float)
    out = rows("predictor", 0, start, np.full(initial, np.nan), start_acc)
    scored = dict(zip(start.tolist(), start_acc.tolist()))
    for stage in range(1, stages + 1):
        index = np.fromiter(scored, dtype=np.int64)
        predictor = make_predictor().fit([pool[i] for i in index], np.array([scored[i] for i in index]))
        everything = np.asarray(predictor.predict(pool), dtype=float)
        precision = precision_at_k(truth, everything, k) if truth is not None else np.nan
        unseen = np.setdiff1d(np.arange(n), index)
        scores = everything[unseen]
        order = np.lexsort((unseen, -scores))[:per_stage]  # best score first, ties by pool position
        chosen = unseen[order]
        acc = np.asarray(oracle([pool[i] for i in chosen]), dtype=float)
        out += rows("predictor", stage, chosen, scores[order], acc, precision)
        scored.update(zip(chosen.tolist(), acc.tolist()))
    if random_baseline:
        rest = rng.permutation(np.setdiff1d(np.arange(n), start))[: stages * per_stage]
        acc = np.asarray(oracle([pool[i] for i in rest]), dtype=float) if len(rest) else np.zeros(0)
        out += rows("random", 0, start, np.full(initial, np.nan), start_acc)
        for stage in range(1, stages + 1):
            part = slice((stage - 1) * per_stage, stage * per_stage)
            out += rows("random", stage, rest[part], np.full(per_stage, np.nan), acc[part])
    table = pd.DataFrame(out)
    table["order"] = table.groupby("method").cumcount() + 1
    table["best_acc"] = table.groupby("method")["acc"].cummax()
    table["true_rank"] = ranks[table["pool_index"].to_numpy()]
    table["arch_id"] = [pool[i].arch_id for i in table["pool_index"]]
    table["genotype"] = [pool[i].to_str() for i in table["pool_index"]]
    table["k"] = float(k)
    return table[["method", "stage", "order", "arch_id", "genotype", "predicted", "acc", "true_rank", "best_acc",
                  "k", "pool_precision"]]


def search_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per method and stage: architectures queried so far, best accuracy and best true rank found so far, and
    the stage's predictor's P@K over the pool (``pool_precision``)."""
    last = table.groupby(["method", "stage"]).agg(queried=("order", "max"), best_acc=("best_acc", "max"),
                                                  pool_precision=("pool_precision", "max"))
    best_rank = table.assign(best_rank=table.groupby("method")["true_rank"].cummin())
    last["best_rank"] = best_rank.groupby(["method", "stage"])["best_rank"].min()
    return last.reset_index()


def search_table(truth, predictor: str = "gates", *, loss: str = "hinge", options: dict | None = None,
                 initial: int = 20, per_stage: int = 10, stages: int = 5, seeds: Sequence[int] = (0,)) -> pd.DataFrame:
    """The stage's entry point: the ``predictor_search`` table of one run per seed over a benchmark ground truth.

    The pool is every architecture of ``truth`` (a benchmark :class:`~cellprobe.ground_truth.GroundTruth`),
    which is also the oracle; the predictor ``predictor`` is refitted from scratch at each stage.
    """
    from cellprobe.predictors.registry import make_predictor
    from cellprobe.tables import PREDICTOR_SEARCH

    pool = truth.genotypes()
    options = dict(options or {})

    def fresh(seed):
        return lambda: make_predictor(predictor, truth.space, loss=loss, seed=seed, **options)

    fresh(0)()  # refuse unknown predictors and options before any run
    runs = [predictor_search(fresh(seed), pool, truth.oracle(), initial=initial, per_stage=per_stage, stages=stages,
                             seed=seed, truth=truth.scores()).assign(seed=seed) for seed in seeds]
    table = pd.concat(runs, ignore_index=True).assign(space=truth.space, predictor=predictor, loss=loss)
    return table[PREDICTOR_SEARCH.columns]
