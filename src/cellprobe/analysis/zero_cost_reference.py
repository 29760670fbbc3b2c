"""cellprobe's zero-cost proxies beside NAS-Bench-Suite-Zero's, on the same architectures.

NAS-Bench-Suite-Zero (Krishnakumar et al., NeurIPS 2022) ships, for 725 NB201 cells and 725 NAS-Bench-301
architectures, the twelve proxies NASLib computed on its own networks with one CPU batch of 64 CIFAR-10 images
(the ``zero_cost_benchmark`` tables of the benchmarks stage). :func:`reference_comparison` scores a seeded
sample of those architectures with :func:`~cellprobe.analysis.zero_cost.zero_cost_table` — the network of the
reference's setting (the ``standard`` NB201 preset, C=16 and N=5; the ``nb301`` DARTS preset, 32 channels and
8 cells), one batch of real 32×32 images — once per seed, each seed drawing its own batch and initialisations.

Per proxy, the ``zero_cost_reference`` table holds Spearman correlations over the same ``n`` architectures:

``vs_reference``
    cellprobe's score (first seed) against the reference score: do the two implementations rank alike?
``noise_ceiling``
    cellprobe's first seed against its second: how much two runs of one implementation agree when only the
    batch and the initialisation change. Proxies that depend on both cannot agree with another
    implementation's single run better than that.
``agrees``
    ``vs_reference ≥ threshold`` by the row's ``rule`` (:func:`threshold_of`): at least 0.9 for the proxies that
    see no data (``params``, ``flops``, ``synflow``, ``l2_norm``; the last two still depend on the
    initialisation), at least 0.7 for ``grad_norm``, ``snip``, ``nwot`` and ``jacov``, and for the others
    (``grasp``, ``fisher``, ``plain``, ``epe_nas``, whose values swing with the batch) at least the lower end
    of the noise ceiling's 95 % interval (Fisher z, standard error 1.06/√(n−3) for a Spearman correlation).
``ours_vs_accuracy``, ``reference_vs_accuracy``
    each score's Spearman with the benchmark's validation accuracy on the same ``n``;
    ``reference_vs_accuracy_all`` the reference's over all ``n_all`` architectures of its file.
``published``
    a published |Spearman| with accuracy where the literature has one for the space (:data:`PUBLISHED`; its
    protocol in ``published_source``).

Signs are kept as computed: a proxy whose correlation with accuracy is negative in both implementations (NB201's
``plain``) agrees with the reference all the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from cellprobe.analysis.zero_cost import proxy_batch, zero_cost_table
from cellprobe.errors import CellprobeError
from cellprobe.runtime import derive_seed
from cellprobe.spaces import get_space
from cellprobe.tables import ZERO_COST_PROXIES, ZERO_COST_REFERENCE

__all__ = ["DATA_INDEPENDENT", "GRADIENT_BASED", "PUBLISHED", "threshold_of", "reference_sample",
           "compare_to_reference", "reference_comparison"]

#: Proxies of the weights alone (no image enters them).
DATA_INDEPENDENT = ("params", "flops", "synflow", "l2_norm")
#: Proxies of one batch whose implementations must rank alike (Spearman ≥ 0.7).
GRADIENT_BASED = ("grad_norm", "snip", "nwot", "jacov")

_ABDELFATTAH = ("Abdelfattah et al., ICLR 2021 (zero-cost-nas, nasbench201_correlations.ipynb): |Spearman| with "
                "NB201 CIFAR-10 test accuracy over all 15,625 cells, one batch of 64 CIFAR-10 training images")
#: ``PUBLISHED[space][proxy] = (|Spearman| with accuracy, protocol)``.
PUBLISHED = {
    "nb201": {proxy: (value, _ABDELFATTAH) for proxy, value in
              {"grad_norm": 0.594, "snip": 0.596, "grasp": 0.514, "fisher": 0.360, "synflow": 0.737,
               "jacov": 0.731}.items()},
}


def _spearman(a, b) -> float | None:
    """Spearman of the pairs where both are known (NaN: a score missing from the reference)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    known = ~(np.isnan(a) | np.isnan(b))
    a, b = a[known], b[known]
    if len(a) < 3 or len(np.unique(a)) < 2 or len(np.unique(b)) < 2:
        return None
    # scipy directly: NASLib's scores hold -inf (nwot of a singular kernel), which ranks but which
    # cellprobe.ranking's criteria refuse
    return float(stats.spearmanr(a, b).statistic)


def threshold_of(proxy: str, noise_ceiling: float | None, n: int) -> tuple[float | None, str]:
    """``(threshold, rule)`` that ``vs_reference`` must reach for ``proxy`` (module docstring).

    >>> threshold_of("params", None, 60)
    (0.9, '≥ 0.9 (no data enters it)')
    >>> t, rule = threshold_of("grasp", 0.8, 60); round(t, 3), rule
    (0.675, '≥ the lower 95% bound of the noise ceiling')
    """
    if proxy in DATA_INDEPENDENT:
        return 0.9, "≥ 0.9 (no data enters it)"
    if proxy in GRADIENT_BASED:
        return 0.7, "≥ 0.7"
    rule = "≥ the lower 95% bound of the noise ceiling"
    if noise_ceiling is None or n < 4:
        return None, rule + " (needs two seeds and 4 architectures)"
    z = math.atanh(min(max(noise_ceiling, -0.999999), 0.999999))
    return math.tanh(z - 1.96 * 1.06 / math.sqrt(n - 3)), rule


def reference_sample(reference: pd.DataFrame, archs, seed: int) -> pd.DataFrame:
    """``archs`` rows of the reference (``"all"``, or a number drawn without replacement by ``seed``), in
    ``arch_id`` order."""
    if archs == "all":
        return reference.sort_values("arch_id").reset_index(drop=True)
    if isinstance(archs, bool) or not isinstance(archs, (int, np.integer)) or not 3 <= archs <= len(reference):
        raise CellprobeError(f"reference: archs must be 'all' or a number in 3..{len(reference)}, got {archs!r}")
    rng = np.random.default_rng(derive_seed(seed, "zero-cost-reference"))
    rows = np.sort(rng.choice(len(reference), size=int(archs), replace=False))
    return reference.iloc[rows].sort_values("arch_id").reset_index(drop=True)


def compare_to_reference(runs: Sequence[pd.DataFrame], reference: pd.DataFrame, resolution: int) -> pd.DataFrame:
    """The ``zero_cost_reference`` table of cellprobe's ``zero_cost`` tables ``runs`` (one per seed, the same
    architectures, images of ``resolution``² pixels) against the ``zero_cost_benchmark`` table ``reference``
    (all its architectures)."""
    if not runs:
        raise CellprobeError("reference: no cellprobe run to compare")
    setting = runs[0][["preset", "batch_size"]].drop_duplicates()
    if len(setting) != 1 or any(not run[["preset", "batch_size"]].drop_duplicates().equals(setting) for run in runs):
        raise CellprobeError("reference: the runs differ in network preset or batch size")
    first = runs[0].set_index("arch_id")
    missing = set(first.index) - set(reference["arch_id"])
    if missing:
        raise CellprobeError(f"reference: {len(missing)} scored architecture(s) are not in the reference table")
    ref = reference.set_index("arch_id").loc[first.index]
    second = runs[1].set_index("arch_id").loc[first.index] if len(runs) > 1 else None
    space = str(reference["space"].iloc[0])
    rows = []
    for proxy in ZERO_COST_PROXIES:
        ours, theirs = first[proxy].to_numpy(float), ref[proxy].to_numpy(float)
        ceiling = _spearman(ours, second[proxy]) if second is not None else None
        vs = _spearman(ours, theirs)
        n = int((~(np.isnan(ours) | np.isnan(theirs))).sum())  # the reference misses a few scores
        threshold, rule = threshold_of(proxy, ceiling, n)
        published, source = PUBLISHED.get(space, {}).get(proxy, (None, ""))
        rows.append({
            "space": space, "proxy": proxy, "preset": str(setting["preset"].iloc[0]),
            "batch_size": int(setting["batch_size"].iloc[0]), "resolution": int(resolution), "n": n, "vs_reference": vs, "noise_ceiling": ceiling,
            "threshold": threshold, "rule": rule,
            "agrees": None if threshold is None or vs is None else bool(vs >= threshold),
            "ours_vs_accuracy": _spearman(ours, ref["val_acc"]),
            "reference_vs_accuracy": _spearman(theirs, ref["val_acc"]),
            "reference_vs_accuracy_all": _spearman(reference[proxy], reference["val_acc"]),
            "n_all": len(reference), "published": published, "published_source": source,
        })
    out = pd.DataFrame(rows, columns=ZERO_COST_REFERENCE.columns)
    return out.astype({"agrees": "boolean"})


def reference_comparison(
    reference: pd.DataFrame,
    split,
    *,
    archs,
    seeds: Sequence[int],
    batch_size: int = 64,
    preset: str = "standard",
    progress: Callable[[int, int, int, float], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Score a sample of the reference's architectures once per seed and compare (module docstring).

    Returns ``(scores, table, meta)``: the ``zero_cost`` rows of every seed, the ``zero_cost_reference``
    table and the metadata (architectures, each seed's batch indices, the image shape).
    ``progress(seed, done, total, seconds)`` is called after every scored network.
    """
    seeds = list(seeds)
    if not seeds or len(set(seeds)) != len(seeds):
        raise CellprobeError(f"reference: seeds must be distinct and at least one, got {seeds}")
    if reference.empty:
        raise CellprobeError("reference: the reference table is empty")
    chosen = reference_sample(reference, archs, seeds[0])
    space = get_space(str(chosen["space"].iloc[0]))
    genotypes = [space.parse(text) for text in chosen["genotype"]]
    runs, batches = [], {}
    for seed in seeds:
        batch = proxy_batch(split, batch_size, seed)
        batches[str(seed)] = list(batch.indices)
        tick = None if progress is None else (lambda done, total, seconds, s=seed: progress(s, done, total, seconds))
        try:
            runs.append(zero_cost_table(genotypes, batch, preset=preset, seed=seed, progress=tick))
        except ValueError as exc:
            raise CellprobeError(f"reference: {exc}") from None
    table = compare_to_reference(runs, reference, resolution=int(split.x.shape[-1]))
    meta = {"archs": archs, "arch_ids": list(chosen["arch_id"]), "seeds": seeds, "batch_indices": batches,
            "preset": preset, "batch_size": batch_size, "image_shape": list(split.x.shape[1:]),
            "dataset": str(split.meta.get("dataset", ""))}
    return pd.concat(runs, ignore_index=True), table, meta
