"""Does the ENAS controller condition on its past choices? Diagnostics of a trained controller.

From many architectures sampled by one controller (:func:`analyse_controller`):

* **step probabilities** — at each time step, the probability of the most likely action (and of the action
  taken). A controller that ignores its past gives every architecture the same curve;
* **final hidden states** — the LSTM output after the last decision, and each unit's variance across the
  architectures;
* **similarity** — over a seeded sample of architecture pairs, the L2 distance between final hidden states
  against four notions of similarity, summarised by Spearman's ρ:

  - ``common_ops`` — NB201: edges carrying the same op; DARTS: per cell and node, the size of the multiset
    intersection of the node's two ops (edge order within a node does not matter), summed (0–16);
    ``enas-rnn``: nodes with the same activation (0–12), named ``common_activations`` as in Adam & Lorraine;
  - ``common_connections`` — NB201: edges present (op not ``none``) in both cells; DARTS: per cell and
    node, the inputs both architectures feed the node from, summed (0–16); ``enas-rnn``: nodes reading the
    same earlier node (0–12);
  - ``graph_edit_distance`` — networkx's exact graph edit distance between the cells' labelled graphs
    (``to_graph("edge")``: nodes labelled input/node/output, edges by op; unit costs; DARTS: normal +
    reduce), see :func:`graph_edit_distance`;
  - ``perf_difference`` — absolute difference in accuracy: the NB201 benchmark (ground truth) where given,
    else the supernet's validation accuracy under the controller's shared weights (``enas-rnn``: validation
    perplexity under the shared language model);

  each with a percentile-bootstrap interval over the pairs (:func:`bootstrap_interval`);

* **performance** of every sampled architecture (benchmark and/or supernet accuracy, or perplexity).

If the controller's final state reflects the architecture it produced, distances between hidden states grow
with graph edit distance and shrink with the number of common ops and connections.

>>> from cellprobe.spaces import NB201Genotype
>>> a = NB201Genotype(("nor_conv_3x3",) * 6)
>>> b = NB201Genotype(("nor_conv_3x3",) * 5 + ("none",))
>>> graph_edit_distance(a, a), graph_edit_distance(a, b)
((0.0, True), (1.0, True))
>>> common_ops(a, b), common_connections(a, b)
(5, 5)
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np
import pandas as pd
import scipy.optimize  # noqa: F401  networkx's GED imports it on first use (~1 s): loaded here, outside the timeout

from cellprobe.errors import CellprobeError
from cellprobe.ground_truth import GroundTruth
from cellprobe.runtime import derive_seed
from cellprobe.spaces import get_space
from cellprobe.spaces.arrays import to_arrays

if TYPE_CHECKING:  # torch is imported where it is used: the report reads this module without it
    import torch

__all__ = [
    "SIMILARITIES",
    "ControllerAnalysisError",
    "common_ops",
    "common_connections",
    "graph_edit_distance",
    "sample_pairs",
    "sample_controller",
    "step_probabilities",
    "hidden_states",
    "hidden_variance",
    "performance",
    "pair_table",
    "PAPER_TABLE1",
    "PAPER_VARIANTS",
    "similarity_names",
    "bootstrap_interval",
    "similarity_correlations",
    "analyse_controller",
    "retrain_sampled",
]

#: The similarity notions correlated with the hidden-state distance, in report order (the pairs table's columns;
#: :func:`similarity_names` gives a space's names for them).
SIMILARITIES = ("common_ops", "common_connections", "graph_edit_distance", "perf_difference")


#: Adam & Lorraine's Table 1 (ENAS recurrent cells on Penn Treebank): the correlation between controller hidden-state
#: distances and each similarity, per controller; their "unsupervised" controller is cellprobe's ``trained``, their
#: "supervised" (memory-buffer) one ``regularised``.
PAPER_TABLE1 = {
    "random": {"common_activations": -0.090, "common_connections": -0.130, "graph_edit_distance": -0.064,
               "perf_difference": 0.004},
    "regularised": {"common_activations": -0.404, "common_connections": -0.160, "graph_edit_distance": 0.100,
                    "perf_difference": 0.163},
    "trained": {"common_activations": -0.315, "common_connections": -0.072, "graph_edit_distance": -0.028,
                "perf_difference": -0.001},
}
#: The paper's names of cellprobe's controller variants.
PAPER_VARIANTS = {"random": "Random", "regularised": "Supervised", "trained": "Unsupervised"}


def similarity_names(space: str) -> tuple[str, ...]:
    """:data:`SIMILARITIES` as ``space`` names them (``common_ops`` after the space's :attr:`op_noun`)."""
    return (f"common_{get_space(space).op_noun}",) + SIMILARITIES[1:]


class ControllerAnalysisError(CellprobeError):
    """Invalid analysis inputs."""


# -- similarity of two genotypes --------------------------------------------------------------------------


def _cells(genotype) -> list[tuple[str, object]]:
    return get_space(genotype.space).cells(genotype)


def _nodes(genotype, space) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per cell and intermediate node of a space with free inputs: the ops and the sources of its incoming edges."""
    arrays = to_arrays([genotype])
    targets = space.edge_targets()
    return [(arrays.ops[0, c, targets == node], arrays.inputs[0, c, targets == node])
            for c in range(len(space.cell_names)) for node in np.unique(targets)]


def _same_space(a, b) -> None:
    if a.space != b.space:
        raise ControllerAnalysisError(f"cannot compare a {a.space} with a {b.space} architecture")


def common_ops(a, b) -> int:
    """Fixed-input spaces (NB201): edges with the same op. Free-input spaces (DARTS, enas-rnn): per cell and
    node, the multiset intersection of the node's ops, summed (enas-rnn: nodes with the same activation)."""
    _same_space(a, b)
    space = get_space(a.space)
    if not space.free_inputs:
        return int((to_arrays([a]).ops == to_arrays([b]).ops).sum())
    return sum(sum((Counter(ops_a.tolist()) & Counter(ops_b.tolist())).values())
               for (ops_a, _), (ops_b, _) in zip(_nodes(a, space), _nodes(b, space)))


def common_connections(a, b) -> int:
    """Fixed-input spaces (NB201): edges present (not ``none``) in both cells. Free-input spaces (DARTS,
    enas-rnn): per cell and node, the inputs in common, summed."""
    _same_space(a, b)
    space = get_space(a.space)
    if not space.free_inputs:
        none = space.op_index["none"]
        return int(((to_arrays([a]).ops != none) & (to_arrays([b]).ops != none)).sum())
    return sum(len(set(in_a.tolist()) & set(in_b.tolist()))
               for (_, in_a), (_, in_b) in zip(_nodes(a, space), _nodes(b, space)))


def _label_match(x: dict, y: dict) -> bool:
    return x.get("label") == y.get("label")


def _identity_cost(g1: nx.DiGraph, g2: nx.DiGraph) -> int:
    """Cost of the edit path that maps every node onto the node of the same name (both graphs share node names)."""
    e1 = {(u, v): d.get("label") for u, v, d in g1.edges(data=True)}
    e2 = {(u, v): d.get("label") for u, v, d in g2.edges(data=True)}
    edges = sum(e1.get(k) != e2.get(k) for k in set(e1) | set(e2))
    nodes = sum(g1.nodes[n].get("label") != g2.nodes[n].get("label") if n in g1 and n in g2 else 1
                for n in set(g1) | set(g2))
    return edges + nodes


def _cell_ged(g1: nx.DiGraph, g2: nx.DiGraph, timeout: float | None, bound_only: bool = False) -> tuple[float, bool]:
    if nx.is_isomorphic(g1, g2, node_match=_label_match, edge_match=_label_match):
        return 0.0, True
    bound = _identity_cost(g1, g2)
    if bound_only:
        return float(bound), False
    began = time.perf_counter()
    found = nx.graph_edit_distance(g1, g2, node_match=_label_match, edge_match=_label_match, upper_bound=bound,
                                   timeout=timeout)
    exact = timeout is None or time.perf_counter() - began < timeout
    return (float(bound) if found is None else float(found)), exact


def graph_edit_distance(a, b, *, timeout: float | None = 1.0, bound_only: bool = False) -> tuple[float, bool]:
    """Graph edit distance between two architectures' labelled cell graphs, and whether it is exact.

    Unit costs (node/edge insertion, deletion and label substitution each cost 1); graphs from
    ``to_graph("edge")`` (``none`` edges dropped); DARTS: the sum over the normal and reduce cells. Cells
    whose labelled graphs are isomorphic (e.g. identical cells) get exactly 0. Otherwise networkx's exact
    search runs with the cost of the identity node mapping as upper bound (which prunes it about 10× on
    NB201) and stops after ``timeout`` seconds per cell pair; if it stopped early the best distance found
    (at worst that upper bound) is returned with ``exact=False``. On 8×8 digits-sized cells: NB201 ~1 ms,
    DARTS ~0.1 s per pair, well inside the default timeout. ``bound_only`` skips the search and returns that
    upper bound (deterministic and instant; ``exact=False`` unless the cells are isomorphic): ``enas-rnn``'s
    14-node cells rarely finish an exact search within a second, and a result that depends on the clock
    would not reproduce.
    """
    _same_space(a, b)
    total, exact = 0.0, True
    for (_, ca), (_, cb) in zip(_cells(a), _cells(b)):
        d, ok = _cell_ged(ca.to_graph("edge"), cb.to_graph("edge"), timeout, bound_only)
        total += d
        exact &= ok
    return total, exact


def sample_pairs(n: int, n_pairs: int, seed: int) -> np.ndarray:
    """``min(n_pairs, n(n-1)/2)`` distinct index pairs ``i < j`` of ``n`` items, seeded, sorted (``[m, 2]``).

    >>> sample_pairs(3, 10, seed=0).tolist()
    [[0, 1], [0, 2], [1, 2]]
    """
    rows, cols = np.triu_indices(n, 1)
    if n_pairs >= len(rows):
        return np.stack([rows, cols], 1)
    chosen = np.sort(np.random.default_rng(seed).choice(len(rows), size=n_pairs, replace=False))
    return np.stack([rows[chosen], cols[chosen]], 1)


# -- tables from one controller ---------------------------------------------------------------------------


def sample_controller(controller, n: int, seed: int):
    """``n`` architectures drawn from ``controller`` (seeded): the :class:`ControllerSample` and the genotypes."""
    import torch

    generator = torch.Generator().manual_seed(derive_seed(seed, "controller-analysis"))
    controller.eval()
    with torch.no_grad():
        sample = controller.sample(n, generator)
    return sample, controller.decode(sample.actions)


def step_probabilities(controller, sample, genotypes) -> pd.DataFrame:
    """One row per (architecture, time step): the decision, the action taken, its probability and the argmax one."""
    n, T = sample.actions.shape
    decisions = controller.decisions
    actions = sample.actions.numpy()
    chosen = sample.log_probs.detach().exp().numpy()
    return pd.DataFrame({
        "sample": np.repeat(np.arange(n), T),
        "arch_id": np.repeat([g.arch_id for g in genotypes], T),
        "step": np.tile(np.arange(T), n),
        "cell": np.tile([d.cell for d in decisions], n),
        "node": np.tile([d.node for d in decisions], n),
        "edge": np.tile([d.edge for d in decisions], n),
        "decision": np.tile([d.kind for d in decisions], n),
        "choice": [str(decisions[t].choices[actions[i, t]]) for i in range(n) for t in range(T)],
        "argmax_prob": sample.max_probs.numpy().astype(float).ravel(),
        "chosen_prob": chosen.astype(float).ravel(),
        "entropy": sample.entropies.numpy().astype(float).ravel(),
    })


def hidden_states(sample, genotypes) -> pd.DataFrame:
    """The final hidden state of each architecture, one row per (architecture, unit)."""
    hidden = sample.hidden.numpy().astype(float)
    n, H = hidden.shape
    return pd.DataFrame({"sample": np.repeat(np.arange(n), H), "arch_id": np.repeat([g.arch_id for g in genotypes], H),
                         "unit": np.tile(np.arange(H), n), "value": hidden.ravel()})


def hidden_variance(sample) -> pd.DataFrame:
    """Per hidden unit: mean and variance (ddof = 1) of the final hidden state across the architectures."""
    hidden = sample.hidden.numpy().astype(float)
    n = len(hidden)
    return pd.DataFrame({"unit": np.arange(hidden.shape[1]), "mean": hidden.mean(0),
                         "variance": hidden.var(0, ddof=1) if n > 1 else np.zeros(hidden.shape[1]), "n": n})


def performance(genotypes, *, truth: GroundTruth | None = None, supernet_state=None, splits: dict | None = None,
                device: torch.device | None = None, score_images: int | None = None) -> pd.DataFrame:
    """Performance of each genotype: ``benchmark_acc`` (%) from a ground truth (null where it has none), and
    under a controller's shared weights (null without ``supernet_state``/``splits``) ``supernet_acc``, the
    validation accuracy (%) of the sub-network (image spaces, the first ``score_images`` images), or
    ``supernet_ppl``, the validation perplexity (text spaces, on the run's ``lm.score_windows`` BPTT windows).
    Each distinct architecture is scored once."""
    n = len(genotypes)
    out = pd.DataFrame({"benchmark_acc": np.full(n, np.nan), "supernet_acc": np.full(n, np.nan),
                        "supernet_ppl": np.full(n, np.nan)})
    if truth is not None:
        wrong = sorted({g.space for g in genotypes} - {truth.space})
        if wrong:
            raise ControllerAnalysisError(f"the ground truth holds {truth.space} architectures; the controller "
                                          f"samples {', '.join(wrong)} ones")
        lookup = truth.accuracy()
        out["benchmark_acc"] = [lookup.get(g.arch_id, np.nan) for g in genotypes]
    if supernet_state is not None and splits is not None:
        import torch

        from cellprobe.search.shared import task_of

        unique = list({g.arch_id: g for g in genotypes}.values())
        task = task_of(supernet_state.space)
        values = task.score(supernet_state.supernet, supernet_state.space, supernet_state.settings, unique, splits,
                            device or torch.device("cpu"), score_images)
        lookup = {g.arch_id: v for g, v in zip(unique, values)}
        out[f"supernet_{task.metric}"] = [lookup[g.arch_id] for g in genotypes]
    return out


def pair_table(genotypes, hidden: np.ndarray, perf: np.ndarray | None, *, n_pairs: int, seed: int,
               ged_timeout: float | None = 1.0, ged_bound_only: bool = False) -> pd.DataFrame:
    """For a seeded sample of architecture pairs: hidden-state L2 distance and every similarity notion."""
    pairs = sample_pairs(len(genotypes), n_pairs, derive_seed(seed, "controller-pairs"))
    rows = []
    for i, j in pairs.tolist():
        a, b = genotypes[i], genotypes[j]
        ged, exact = graph_edit_distance(a, b, timeout=ged_timeout, bound_only=ged_bound_only)
        rows.append({
            "sample_a": i, "sample_b": j, "arch_id_a": a.arch_id, "arch_id_b": b.arch_id,
            "hidden_distance": float(np.linalg.norm(hidden[i] - hidden[j])),
            "common_ops": common_ops(a, b), "common_connections": common_connections(a, b),
            "graph_edit_distance": ged, "ged_exact": exact,
            "perf_difference": float(abs(perf[i] - perf[j])) if perf is not None else float("nan"),
        })
    columns = ["sample_a", "sample_b", "arch_id_a", "arch_id_b", "hidden_distance", "common_ops",
               "common_connections", "graph_edit_distance", "ged_exact", "perf_difference"]
    return pd.DataFrame(rows, columns=columns)


def bootstrap_interval(x: np.ndarray, y: np.ndarray, *, n_boot: int = 1000, level: float = 0.95,
                       seed: int = 0) -> tuple[float, float]:
    """Percentile-bootstrap interval of Spearman's ρ between ``x`` and ``y`` over resampled pairs (seeded);
    resamples with a constant side are skipped, and the interval is null if fewer than half remain.

    >>> lo, hi = bootstrap_interval(np.arange(20.0), np.arange(20.0) ** 2, n_boot=200)
    >>> round(lo, 6), round(hi, 6)
    (1.0, 1.0)
    """
    from scipy.stats import rankdata

    x, y = np.asarray(x, float), np.asarray(y, float)
    rng = np.random.default_rng(derive_seed(seed, "controller-bootstrap"))
    index = rng.integers(len(x), size=(n_boot, len(x)))
    rx, ry = rankdata(x[index], axis=1), rankdata(y[index], axis=1)
    rx -= rx.mean(1, keepdims=True)
    ry -= ry.mean(1, keepdims=True)
    denom = np.sqrt((rx ** 2).sum(1) * (ry ** 2).sum(1))
    ok = denom > 0
    if ok.sum() < n_boot / 2:
        return float("nan"), float("nan")
    rho = (rx * ry).sum(1)[ok] / denom[ok]
    tail = 100 * (1 - level) / 2
    return float(np.percentile(rho, tail)), float(np.percentile(rho, 100 - tail))


def similarity_correlations(pairs: pd.DataFrame, *, space: str = "nb201", perf_source: str = "",
                            ged_timeout: float | None = None, seed: int = 0, n_boot: int = 1000,
                            ged_bound_only: bool = False) -> pd.DataFrame:
    """Spearman ρ (two-sided p, 95 % bootstrap interval over the pairs) between ``hidden_distance`` and each of
    :data:`SIMILARITIES` over the pairs, named as ``space`` names them (:func:`similarity_names`).

    ρ is null where fewer than 3 pairs have both values or either side is constant.
    """
    from scipy.stats import spearmanr

    names = similarity_names(space)
    noun = get_space(space).op_noun
    details = {
        "common_ops": (f"nodes with the same {noun[:-1]}" if noun != "ops"
                       else "same op per edge (NB201) / multiset of ops per node (DARTS)"),
        "common_connections": "edges present in both (NB201) / shared inputs per node (DARTS, enas-rnn)",
        "graph_edit_distance": (f"exact for {int(pairs['ged_exact'].sum())}/{len(pairs)} pairs"
                                + (" (the others: the upper bound of the identity node mapping)" if ged_bound_only
                                   else f" (timeout {ged_timeout:g} s per cell pair)" if ged_timeout else "")),
        "perf_difference": (f"|{'perplexity' if 'perplexity' in perf_source else 'accuracy'} difference|, "
                            f"{perf_source}" if perf_source else "no performance available"),
    }
    rows = []
    for column, name in zip(SIMILARITIES, names):
        both = pairs[["hidden_distance", column]].dropna()
        rho = p = low = high = float("nan")
        if len(both) >= 3 and both["hidden_distance"].nunique() > 1 and both[column].nunique() > 1:
            result = spearmanr(both["hidden_distance"], both[column])
            rho, p = float(result.statistic), float(result.pvalue)
            low, high = bootstrap_interval(both["hidden_distance"].to_numpy(), both[column].to_numpy(),
                                           n_boot=n_boot, seed=seed)
        rows.append({"similarity": name, "n_pairs": len(both), "spearman_rho": rho, "p_value": p,
                     "ci_low": low, "ci_high": high, "detail": details[column]})
    return pd.DataFrame(rows)


def analyse_controller(state, *, n_archs: int = 200, n_pairs: int = 300, seed: int = 0,
                       truth: GroundTruth | None = None,
                       splits: dict | None = None, device: torch.device | None = None,
                       score_images: int | None = 256, ged_timeout: float | None = 1.0,
                       ged_bound_only: bool = False) -> dict[str, pd.DataFrame]:
    """Every analysis table of one :class:`~cellprobe.search.controller.ControllerState`.

    Returns frames keyed ``architectures``, ``step_probs``, ``hidden``, ``hidden_variance``, ``pairs`` and
    ``correlations``, each with ``space``, ``variant`` and ``seed`` columns. The architectures' performance is
    the ground truth's where ``truth`` is given (the NB201 benchmark), else the supernet's validation accuracy on
    the first ``score_images`` images of ``splits['valid']`` (if ``splits`` is given; text spaces: the
    validation perplexity on the run's ``lm.score_windows`` BPTT windows).
    """
    if isinstance(n_archs, bool) or not isinstance(n_archs, int) or n_archs < 2:
        raise ControllerAnalysisError(f"n_archs must be an integer >= 2, got {n_archs!r}")
    if isinstance(n_pairs, bool) or not isinstance(n_pairs, int) or n_pairs < 1:
        raise ControllerAnalysisError(f"n_pairs must be a positive integer, got {n_pairs!r}")
    if score_images is not None and (isinstance(score_images, bool) or not isinstance(score_images, int)
                                     or score_images < 1):
        raise ControllerAnalysisError(f"score_images must be a positive integer, got {score_images!r}")
    if ged_timeout is not None and not ged_timeout > 0:
        raise ControllerAnalysisError(f"ged_timeout must be positive (or None: no limit), got {ged_timeout!r}")
    if truth is not None and truth.space != state.space:
        raise ControllerAnalysisError(f"the ground truth holds {truth.space} architectures; this controller "
                                      f"searches {state.space}")
    sample, genotypes = sample_controller(state.controller, n_archs, seed)
    perf = performance(genotypes, truth=truth, supernet_state=state if splits else None,
                       splits=splits, device=device, score_images=score_images)
    if truth is not None:
        perf_values, perf_source = perf["benchmark_acc"].to_numpy(), truth.source.replace(":", " ", 1)
    elif splits is not None and state.metric == "ppl":
        perf_values, perf_source = perf["supernet_ppl"].to_numpy(), "validation perplexity under the shared weights"
    elif splits is not None:
        perf_values, perf_source = perf["supernet_acc"].to_numpy(), "supernet validation accuracy"
    else:
        perf_values, perf_source = None, ""
    architectures = pd.DataFrame({
        "sample": np.arange(n_archs), "arch_id": [g.arch_id for g in genotypes],
        "genotype": [g.to_str() for g in genotypes],
        "log_prob": sample.log_prob.numpy().astype(float), "entropy": sample.entropy.numpy().astype(float),
        "benchmark_acc": perf["benchmark_acc"], "supernet_acc": perf["supernet_acc"],
        "supernet_ppl": perf["supernet_ppl"],
    })
    pairs = pair_table(genotypes, sample.hidden.numpy().astype(float), perf_values, n_pairs=n_pairs, seed=seed,
                       ged_timeout=ged_timeout, ged_bound_only=ged_bound_only)
    tables = {
        "architectures": architectures,
        "step_probs": step_probabilities(state.controller, sample, genotypes),
        "hidden": hidden_states(sample, genotypes),
        "hidden_variance": hidden_variance(sample),
        "pairs": pairs,
        "correlations": similarity_correlations(pairs, space=state.space, perf_source=perf_source,
                                               ged_timeout=ged_timeout, seed=seed, ged_bound_only=ged_bound_only),
    }
    keys = {"space": state.space, "variant": state.variant, "seed": int(state.seed)}
    return {name: frame.assign(**keys) for name, frame in tables.items()}


def retrain_sampled(states, splits: dict, *, cells: int, epochs: int, seed: int = 0,
                    device: torch.device | None = None, checkpoint_dir=None) -> pd.DataFrame:
    """``cells`` cells sampled (seeded) from each controller of ``states``, each retrained alone from scratch
    (:meth:`SharedTask.retrain <cellprobe.search.shared.SharedTask.retrain>`), beside its perplexity under that
    controller's shared weights: do the trained controller's cells stay better once weight sharing is gone?

    ``splits`` holds ``train``, ``valid`` and ``test``; one row per cell (the ``controller_retrained`` table).
    With ``checkpoint_dir``, each cell keeps a per-epoch checkpoint there: a killed run resumes where it
    stopped (finished cells are only evaluated again) and gives the same table.
    """
    import torch

    from cellprobe.search.shared import task_of

    if isinstance(cells, bool) or not isinstance(cells, int) or cells < 1:
        raise ControllerAnalysisError(f"cells must be a positive integer, got {cells!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ControllerAnalysisError(f"epochs must be a positive integer, got {epochs!r}")
    device = device or torch.device("cpu")
    rows = []
    for state in states:
        task = task_of(state.space)
        # each controller its own draw: with common random numbers, a controller that has barely moved from
        # the random one's initialisation would hand over the same cells and make the comparison vacuous
        _, genotypes = sample_controller(state.controller, cells, derive_seed(seed, "retrain", state.variant))
        shared = task.score(state.supernet, state.space, state.settings, genotypes, splits, device, None)
        for k, (g, ppl) in enumerate(zip(genotypes, shared)):
            checkpoint = Path(checkpoint_dir) / f"{state.variant}-{k}-{g.arch_id}.pt" if checkpoint_dir else None
            result = task.retrain(state.space, state.settings, g, splits, device, epochs=epochs, seed=seed,
                                  checkpoint=checkpoint)
            rows.append({"space": state.space, "variant": state.variant, "seed": int(state.seed), "sample": k,
                         "arch_id": g.arch_id, "genotype": g.to_str(), "shared_ppl": float(ppl), "epochs": epochs,
                         "valid_ppl": result["valid_ppl"], "test_ppl": result["test_ppl"]})
    return pd.DataFrame(rows)
