"""Operator importance (OI) over an architecture's neighbours, its verification by disabling ops, and cell ablations.

The redundancy paper's question — how much does each operation of a good cell matter? — answered with
the neighbours of the foundation layer (:meth:`~cellprobe.spaces.darts.DartsGenotype.edits`):

* ``OI(α, e)`` is the mean, over the neighbours of ``α`` that change edge ``e`` (op swaps, and
  rewirings in the DARTS space), of ``err(neighbour) − err(α)`` = ``acc(α) − acc(neighbour)`` in
  percentage points: positive when changing the op makes the cell worse, i.e. the op matters.
  An op is *important* when ``|OI| ≥ threshold`` (0.1 point by default).
* Accuracies come from an *oracle*: a function from a list of genotypes to their accuracies (%),
  called once per set with every architecture and every neighbour (so a surrogate answers one
  batched query): a benchmark ground truth (:meth:`GroundTruth.oracle
  <cellprobe.ground_truth.GroundTruth.oracle>`) or a fitted predictor (:func:`predictor_oracle`). Both also answer array batches, so the neighbours of a whole set are
  built as array edits and scored without a genotype object per neighbour.
* Verification: for good architectures, disable their ops (``none``, i.e. disconnect the edge) one
  after the other in order of increasing and of decreasing OI (:func:`disabling_variants`); the
  variants are trained from scratch (or looked up) and :func:`disabling_test` asks, with a one-sided
  Wilcoxon signed-rank test, whether removing the least important ops first hurts less.
* Cell ablations (DARTS space, :func:`ablation_variants`): the reduction cell replaced by the normal
  one and vice versa, or either cell replaced by skip connections on the same wiring;
  :func:`ablation_test` tests whether each variant is significantly worse than its original.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cellprobe.errors import CellprobeError
from cellprobe.ground_truth import GroundTruth, GroundTruthError
from cellprobe.spaces import DartsGenotype, Genotype, get_space
from cellprobe.spaces.arrays import ArchArrays, neighbour_arrays, to_arrays
from cellprobe.spaces.darts import DartsCell

__all__ = [
    "ImportanceError",
    "Oracle",
    "PredictorOracle",
    "predictor_oracle",
    "select_groups",
    "operator_importance",
    "disabling_variants",
    "disabling_test",
    "ABLATIONS",
    "ablation_variants",
    "ablation_test",
    "fit_surrogate",
    "predicted_sets",
    "importance_table",
    "variants_table",
    "verification",
]
#: ``oracle(genotypes) → accuracies (%)``, one value per genotype, in order.
Oracle = Callable[[Sequence[Genotype]], np.ndarray]

OI_COLUMNS = ["arch_id", "genotype", "group", "score", "cell", "edge", "op", "input", "oi", "n_neighbours",
              "important"]


class ImportanceError(CellprobeError):
    """Operator-importance inputs that cannot be used."""


# -- oracles ----------------------------------------------------------------------------------------
class PredictorOracle:
    """A fitted predictor as an oracle: ``a · predict(x) + b``, one batched call per query.

    :meth:`query_arrays` asks the predictor about each distinct architecture of a batch once.
    """

    def __init__(self, predictor, a: float = 1.0, b: float = 0.0):
        self.predictor, self.a, self.b = predictor, float(a), float(b)

    def __call__(self, genotypes: Sequence[Genotype]) -> np.ndarray:
        return self.a * np.asarray(self.predictor.predict(list(genotypes)), dtype=float) + self.b

    def query_arrays(self, batch: ArchArrays) -> np.ndarray:
        distinct, inverse = batch.canonical().unique()
        return (self.a * np.asarray(self.predictor.predict(distinct), dtype=float) + self.b)[inverse]


def predictor_oracle(predictor, calibration: tuple[Sequence[Genotype], Sequence[float]] | None = None) -> PredictorOracle:
    """A fitted predictor (``predict(genotypes) → scores``) as an oracle; one batched call per query.

    A ranking-loss predictor's scores are not accuracies: with ``calibration = (genotypes, accuracies)``
    (normally its own training set) the scores are mapped to accuracy points by the least-squares
    line ``acc ≈ a · score + b`` fitted there, so OI and its threshold are in accuracy points.
    """
    a, b = 1.0, 0.0
    if calibration is not None:
        genotypes, acc = calibration
        scores = np.asarray(predictor.predict(list(genotypes)), dtype=float)
        acc = np.asarray(acc, dtype=float)
        if len(scores) < 2 or np.ptp(scores) == 0:
            raise ImportanceError("cannot calibrate a surrogate whose scores do not vary on its training set")
        a, b = np.polyfit(scores, acc, 1)
    return PredictorOracle(predictor, a, b)


def surrogate_oracle(predictor) -> PredictorOracle:
    """A fitted surrogate as an oracle in accuracy points: calibrated on its own training set."""
    return predictor_oracle(predictor, (predictor.training_genotypes(), predictor.train_table_["y"].to_numpy()))


def predicted_sets(predictor, samples: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Sample sets (``arch_sample`` tables by name) scored by a fitted surrogate, in accuracy points
    (:func:`surrogate_oracle`): one ``surrogate_predictions`` row per architecture of each set, in the
    sets' order. Every set must hold architectures of the surrogate's space."""
    oracle = surrogate_oracle(predictor)
    space = get_space(predictor.space)
    frames = []
    for name, sample in samples.items():
        other = sorted(set(sample["space"]) - {space.name})
        if other:
            raise ImportanceError(f"sample set {name!r} holds {', '.join(other)} architectures; the surrogate "
                                  f"scores {space.name} ones")
        genotypes = [space.parse(g) for g in sample["genotype"]]
        frames.append(pd.DataFrame({"space": space.name, "set": name, "sampler": sample["sampler"].astype(str),
                                    "arch_id": sample["arch_id"], "genotype": sample["genotype"],
                                    "predicted_acc": oracle(genotypes) if genotypes else np.zeros(0)}))
    if not frames:
        raise ImportanceError("no sample sets to score")
    return pd.concat(frames, ignore_index=True)


# -- which architectures ----------------------------------------------------------------------------
def select_groups(genotypes: Sequence[Genotype], scores: Sequence[float], fractions: Mapping[str, float],
                  seed: int = 0) -> list[tuple[str, Genotype, float]]:
    """The ``top``, ``bottom`` and a random ``middle`` set of ``genotypes`` by ``scores``.

    ``fractions`` maps group name to the fraction of the population (each group at least one
    architecture); ``middle`` is drawn, seeded, from the architectures in neither of the others.
    Returns ``(group, genotype, score)`` triples, best first within each group.
    """
    unknown = set(fractions) - {"top", "bottom", "middle"}
    if unknown:
        raise ImportanceError(f"unknown group(s) {sorted(unknown)}; use top, bottom, middle")
    n = len(genotypes)
    if n == 0:
        raise ImportanceError("no architectures to choose from")
    scores = np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable")
    size = {k: max(1, int(round(f * n))) for k, f in fractions.items() if f > 0}
    chosen: dict[str, np.ndarray] = {}
    if "top" in size:
        chosen["top"] = order[: size["top"]]
    if "bottom" in size:
        chosen["bottom"] = order[::-1][: size["bottom"]][::-1]
    if "middle" in size:
        taken = set(np.concatenate(list(chosen.values())).tolist()) if chosen else set()
        rest = np.array([i for i in order if i not in taken])
        rng = np.random.default_rng(seed)
        pick = rng.choice(len(rest), size=min(size["middle"], len(rest)), replace=False) if len(rest) else []
        chosen["middle"] = rest[np.sort(pick)] if len(rest) else rest
    return [(group, genotypes[i], float(scores[i])) for group in ("top", "middle", "bottom") if group in chosen
            for i in chosen[group]]


# -- operator importance ----------------------------------------------------------------------------
def operator_importance(chosen: Sequence[tuple[str, Genotype, float]], oracle: Oracle, *,
                        threshold: float = 0.1) -> pd.DataFrame:
    """OI of every edge of every chosen architecture (one oracle call for the whole set).

    ``chosen`` holds ``(group, genotype, score)`` triples (:func:`select_groups`). ``score`` is only
    carried along; OI compares the oracle's value of the architecture with its neighbours'.

    An oracle with a ``query_arrays(batch)`` method (a benchmark's, :func:`predictor_oracle`)
    is asked about the whole set as one :class:`~cellprobe.spaces.arrays.ArchArrays` batch whose
    neighbours are built as array edits (:func:`~cellprobe.spaces.arrays.neighbour_arrays`); any other
    callable gets the neighbours as genotypes (:meth:`edits`). Both give the same table.
    """
    if threshold < 0:
        raise ImportanceError(f"the importance threshold must be ≥ 0, got {threshold}")
    if not chosen:
        return pd.DataFrame({c: [] for c in OI_COLUMNS})
    genotypes = [g for _, g, _ in chosen]
    base = to_arrays(genotypes)  # checks that they share one space
    if hasattr(oracle, "query_arrays"):
        found = neighbour_arrays(base)
        batch = ArchArrays(base.space, *(np.concatenate([getattr(base, k), getattr(found.arrays, k)])
                                         for k in ("ops", "inputs", "concat")))
        values = _checked(oracle.query_arrays(batch), len(batch))
        owner, cell, edge = found.owner, found.cell, found.edge
    else:
        batch, where = list(genotypes), []
        cells = get_space(base.space).cell_names
        for b, g in enumerate(genotypes):
            for e, neighbour in g.edits():
                batch.append(neighbour)
                where.append((b, cells.index(e.cell), e.edge))
        values = _checked(oracle(batch), len(batch))
        owner, cell, edge = (np.array([w[k] for w in where], dtype=np.int64).reshape(-1) for k in range(3))
    n, n_cells, n_edges = base.ops.shape
    own = values[:n]
    delta = own[owner] - values[n:]
    slot = (owner * n_cells + cell) * n_edges + edge  # one slot per (architecture, cell, edge)
    counts = np.bincount(slot, minlength=n * n_cells * n_edges)
    sums = np.bincount(slot, weights=delta, minlength=n * n_cells * n_edges)
    with np.errstate(invalid="ignore", divide="ignore"):
        oi = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    space = get_space(base.space)
    vocabulary = np.array(space.ops)
    per_edge = n_cells * n_edges
    return pd.DataFrame({
        "arch_id": np.repeat([g.arch_id for g in genotypes], per_edge),
        "genotype": np.repeat([g.to_str() for g in genotypes], per_edge),
        "group": np.repeat([group for group, _, _ in chosen], per_edge),
        "score": np.repeat(np.array([score for _, _, score in chosen], dtype=float), per_edge),
        "cell": np.tile(np.repeat(space.cell_names, n_edges), n),
        "edge": np.tile(np.arange(n_edges, dtype=np.int64), n * n_cells),
        "op": vocabulary[base.ops.reshape(-1)],
        "input": base.inputs.reshape(-1).astype(np.int64),
        "oi": oi,
        "n_neighbours": counts.astype(np.int64),
        "important": (counts > 0) & (np.abs(np.nan_to_num(oi)) >= threshold),
    }, columns=OI_COLUMNS)


def _checked(values, n: int) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if values.shape != (n,):
        raise ImportanceError(f"the oracle returned {values.shape} values for {n} architectures")
    return values


# -- verification by disabling ----------------------------------------------------------------------
def disabling_variants(oi: pd.DataFrame, genotype: Genotype, steps: int) -> list[dict]:
    """Variants of ``genotype`` with its ``1..steps`` least (``increasing``) / most (``decreasing``) important ops disabled.

    ``oi`` holds this architecture's rows of :func:`operator_importance`. Edges already ``none`` are
    left alone; ties are broken by (cell, edge). Returns dicts with ``order``, ``n_disabled``,
    ``disabled`` (``"cell:edge"`` list) and ``variant`` (a genotype); ``n_disabled = 0`` is the
    original, listed once with order ``none``.
    """
    rows = oi[(oi["arch_id"] == genotype.arch_id) & (oi["op"] != "none") & oi["oi"].notna()]
    if rows.empty:
        raise ImportanceError(f"no OI rows for architecture {genotype.arch_id}")
    ranked = rows.sort_values(["oi", "cell", "edge"], kind="stable")[["cell", "edge"]].itertuples(index=False)
    ranked = [(c, int(e)) for c, e in ranked]
    out = [{"order": "none", "n_disabled": 0, "disabled": [], "variant": genotype}]
    space = get_space(genotype.space)
    for order, sequence in (("increasing", ranked), ("decreasing", ranked[::-1])):
        current = genotype
        for k, (cell, edge) in enumerate(sequence[:steps], start=1):
            current = space.disable(current, cell, edge)
            out.append({"order": order, "n_disabled": k, "disabled": [f"{c}:{e}" for c, e in sequence[:k]],
                        "variant": current})
    return out


def disabling_test(curves: pd.DataFrame) -> dict:
    """One-sided Wilcoxon signed-rank test: removing the least important ops first hurts less.

    ``curves`` has columns ``base_arch_id``, ``order``, ``n_disabled``, ``acc``. Pairs are
    (base architecture, n_disabled ≥ 1) with both orders; the statistic is acc(increasing) −
    acc(decreasing), the alternative that it is greater than 0.
    """
    pivot = curves[curves["n_disabled"] > 0].pivot_table(index=["base_arch_id", "n_disabled"], columns="order",
                                                          values="acc", aggfunc="mean")
    if not {"increasing", "decreasing"} <= set(pivot.columns):
        raise ImportanceError("disabling curves need both the increasing and the decreasing order")
    diff = (pivot["increasing"] - pivot["decreasing"]).dropna().to_numpy()
    return {"n_pairs": int(len(diff)), "mean_difference": float(np.mean(diff)) if len(diff) else float("nan"),
            **_wilcoxon_greater(diff)}


def _wilcoxon_greater(diff: np.ndarray) -> dict:
    diff = np.asarray(diff, dtype=float)
    if len(diff) == 0 or np.allclose(diff, 0):
        return {"statistic": float("nan"), "p_value": float("nan")}
    res = stats.wilcoxon(diff, alternative="greater", zero_method="zsplit")
    return {"statistic": float(res.statistic), "p_value": float(res.pvalue)}


# -- cell ablations (DARTS space) -------------------------------------------------------------------
def _all_skip(cell: DartsCell) -> DartsCell:
    return DartsCell(tuple(("skip_connect", inp) for _, inp in cell.edges), cell.concat, cell.name)


#: Ablation name → genotype transformation (the redundancy paper's finding #2).
ABLATIONS: dict[str, Callable[[DartsGenotype], DartsGenotype]] = {
    "reduce<-normal": lambda g: DartsGenotype(g.normal, DartsCell(g.normal.edges, g.normal.concat, "reduce")),
    "normal<-reduce": lambda g: DartsGenotype(DartsCell(g.reduce.edges, g.reduce.concat, "normal"), g.reduce),
    "reduce<-skip": lambda g: DartsGenotype(g.normal, _all_skip(g.reduce)),
    "normal<-skip": lambda g: DartsGenotype(_all_skip(g.normal), g.reduce),
}


def ablation_variants(genotypes: Sequence[DartsGenotype], ablations: Sequence[str] = tuple(ABLATIONS)) -> list[dict]:
    """Every requested ablation of every genotype: dicts with ``base``, ``ablation``, ``variant``."""
    unknown = [a for a in ablations if a not in ABLATIONS]
    if unknown:
        raise ImportanceError(f"unknown ablation(s) {unknown}; known: {', '.join(ABLATIONS)}")
    out = []
    for g in genotypes:
        if not isinstance(g, DartsGenotype):
            raise ImportanceError("cell ablations are defined for the DARTS space (normal and reduction cells)")
        for name in ablations:
            out.append({"base": g, "ablation": name, "variant": ABLATIONS[name](g)})
    return out


def ablation_test(results: pd.DataFrame) -> pd.DataFrame:
    """Per ablation: is the variant worse than its original? (one-sided Wilcoxon over base architectures)

    ``results`` has columns ``base_arch_id``, ``ablation`` (``"original"`` for the base itself) and
    ``acc``. Returns one row per ablation: n, mean original and variant accuracy, mean drop, p-value.
    """
    acc = results.groupby(["base_arch_id", "ablation"])["acc"].mean().unstack("ablation")
    if "original" not in acc.columns:
        raise ImportanceError("ablation results need the original architectures (ablation = 'original')")
    rows = []
    for name in [c for c in acc.columns if c != "original"]:
        pair = acc[["original", name]].dropna()
        drop = (pair["original"] - pair[name]).to_numpy()
        rows.append({"ablation": name, "n": int(len(pair)), "original_acc": float(pair["original"].mean()),
                     "variant_acc": float(pair[name].mean()), "mean_drop": float(drop.mean()) if len(drop) else float("nan"),
                     **_wilcoxon_greater(drop)})
    return pd.DataFrame(rows, columns=["ablation", "n", "original_acc", "variant_acc", "mean_drop", "statistic",
                                       "p_value"])


# -- the stage's entry points (tables in, tables out) --------------------------------------------------
def fit_surrogate(truth: GroundTruth, predictor: str = "gates", *, loss: str = "hinge", seed: int = 0,
                  options: Mapping | None = None):
    """A predictor fitted on a trained ground truth: the OI surrogate of its space."""
    from cellprobe.predictors import make_predictor

    if len(truth) < 4:
        raise ImportanceError(f"a surrogate needs at least 4 trained {truth.space} architectures, got {len(truth)}")
    try:
        model = make_predictor(predictor, truth.space, loss=loss, seed=seed, **dict(options or {}))
    except (TypeError, ValueError, KeyError) as exc:
        raise ImportanceError(f"surrogate: {exc}") from None
    return model.fit(truth.genotypes(), truth.scores())


def importance_table(source, *, groups: Mapping[str, float], threshold: float = 0.1, seed: int = 0,
                     pool_sampler: str | None = None, pool_size: int = 2000, name: str = "") -> tuple[pd.DataFrame, dict]:
    """The ``operator_importance`` table (and its metadata) of the top/middle/bottom groups of a population.

    ``source`` is a benchmark :class:`~cellprobe.ground_truth.GroundTruth` (the population: every
    architecture it holds, looked up) or a fitted predictor, the surrogate (the population:
    ``pool_size`` architectures drawn by ``pool_sampler``, default the space's uniform sampler, scored by
    the surrogate calibrated to accuracy points on its training set); ``name`` labels a surrogate.
    """
    from cellprobe.sampling import sample_architectures

    if isinstance(source, GroundTruth):
        try:
            oracle = source.oracle()
        except GroundTruthError as exc:
            raise ImportanceError(str(exc)) from None
        space, population, scores, label = source.space, source.genotypes(), source.scores(), source.source
    else:
        space = source.space
        oracle = surrogate_oracle(source)
        population = sample_architectures(pool_sampler or get_space(space).default_sampler, pool_size, seed)
        if population and population[0].space != space:
            raise ImportanceError(f"pool sampler {pool_sampler} draws {population[0].space} architectures, "
                                  f"the surrogate scores {space} ones")
        scores = oracle(population)
        label = f"surrogate:{name or source.name}"
    from cellprobe.tables import OPERATOR_IMPORTANCE

    chosen = select_groups(population, scores, groups, seed=seed)
    table = operator_importance(chosen, oracle, threshold=threshold).assign(space=space, source=label)
    meta = {"groups": dict(groups), "threshold": threshold, "source": label, "population": len(population)}
    return table[OPERATOR_IMPORTANCE.columns], meta



def variants_table(space: str, oi: pd.DataFrame, *, disable: int, steps: int, ablate: int, seed: int) -> pd.DataFrame:
    """The ``importance_variants`` rows for ``disable`` good architectures (ops disabled) and ``ablate`` ones (DARTS ablations).

    Good architectures are drawn, seeded, from the ``top`` group of ``oi``; disabling and ablation
    draw separately (an architecture may be in both).
    """
    space_of = get_space(space)
    top = oi[oi["group"] == "top"].drop_duplicates("arch_id")[["arch_id", "genotype"]]
    if top.empty:
        raise ImportanceError("the OI table has no top architectures to verify")
    rng = np.random.default_rng(seed)
    rows = []

    def pick(n):
        idx = np.sort(rng.choice(len(top), size=min(n, len(top)), replace=False)) if n > 0 else []
        return [space_of.parse(top["genotype"].iloc[i]) for i in idx]

    for base in pick(disable):
        for v in disabling_variants(oi, base, steps):
            rows.append({"experiment": "disabling", "base_arch_id": base.arch_id,
                         "variant": "original" if v["order"] == "none" else v["order"], "n_disabled": v["n_disabled"],
                         "disabled": ",".join(v["disabled"]), "arch_id": v["variant"].arch_id,
                         "genotype": v["variant"].to_str()})
    if ablate and len(space_of.cell_names) > 1:
        for base in pick(ablate):
            rows.append({"experiment": "ablation", "base_arch_id": base.arch_id, "variant": "original",
                         "n_disabled": 0, "disabled": "", "arch_id": base.arch_id, "genotype": base.to_str()})
            for v in ablation_variants([base]):
                rows.append({"experiment": "ablation", "base_arch_id": base.arch_id, "variant": v["ablation"],
                             "n_disabled": 0, "disabled": "", "arch_id": v["variant"].arch_id,
                             "genotype": v["variant"].to_str()})
    elif ablate:
        raise ImportanceError("cell ablations need a space with two cell types (DARTS: normal and reduction cells)")
    columns = ["space", "experiment", "base_arch_id", "variant", "n_disabled", "disabled", "arch_id", "genotype"]
    return pd.DataFrame(rows, columns=columns[1:]).assign(space=space)[columns]


def verification(variants: pd.DataFrame, truth, *, name: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Accuracies of the variants and the Wilcoxon tests → (results, tests).

    ``truth`` is a :class:`~cellprobe.ground_truth.GroundTruth` that holds every variant (a benchmark table,
    or the trained verification set), or a fitted surrogate (its calibrated predictions, the way the
    redundancy paper scored variants with NAS-Bench-301; ``name`` labels it).
    """
    if isinstance(truth, GroundTruth):
        accuracy = truth.accuracy()
        missing = sorted(set(variants["arch_id"]) - set(accuracy))
        if missing:
            raise ImportanceError(f"no accuracy for {len(missing)} variant(s), e.g. {missing[0]}; were they trained?")
        acc, label = [float(accuracy[a]) for a in variants["arch_id"]], truth.source
    else:
        if len(variants) and set(variants["space"]) != {truth.space}:
            raise ImportanceError(f"the surrogate scores {truth.space} architectures, the variants are "
                                  f"{', '.join(sorted(set(variants['space'])))}")
        space = get_space(truth.space)
        genotypes = [space.parse(g) for g in variants["genotype"]]
        acc = surrogate_oracle(truth)(genotypes).tolist() if genotypes else []
        label = f"surrogate:{name or truth.name}"
    results = variants.assign(acc=acc, acc_source=label)
    results = results[["space", "experiment", "base_arch_id", "variant", "n_disabled", "arch_id", "acc", "acc_source"]]
    space = variants["space"].iloc[0] if len(variants) else ""
    tests = []
    disabling = results[results["experiment"] == "disabling"]
    if len(disabling):
        t = disabling_test(disabling.rename(columns={"variant": "order"}))
        tests.append({"experiment": "disabling", "hypothesis": "disabling the least important ops first hurts less",
                      "n": t["n_pairs"], "mean_difference": t["mean_difference"], "statistic": t["statistic"],
                      "p_value": t["p_value"]})
    ablation = results[results["experiment"] == "ablation"]
    if len(ablation):
        for row in ablation_test(ablation.rename(columns={"variant": "ablation"})).itertuples():
            tests.append({"experiment": "ablation", "hypothesis": f"{row.ablation} is worse than the original",
                          "n": row.n, "mean_difference": row.mean_drop, "statistic": row.statistic,
                          "p_value": row.p_value})
    columns = ["space", "experiment", "hypothesis", "n", "mean_difference", "statistic", "p_value"]
    return results, pd.DataFrame(tests, columns=columns[1:]).assign(space=space)[columns]
