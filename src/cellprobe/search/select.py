"""Turning a trained supernet into one architecture, and scoring architectures with its shared weights.

* :func:`select_by_magnitude` — DARTS' rule: the α-argmax op of each edge and, in the DARTS space, the two
  incoming edges of each node with the strongest non-``none`` op.
* :func:`select_by_perturbation` — DARTS-PT (Wang et al., ICLR 2021): visit the edges in a seeded random
  order; on each, mask every candidate op in turn, measure the supernet's validation accuracy, and keep the
  op whose removal hurts most; fine-tune the weights every few decisions. In the DARTS space, then drop,
  node by node, the incoming edge whose removal hurts least until two remain.
* :func:`score_architectures` — validation accuracy and loss of sub-networks under the shared weights, with
  batch-norm statistics recalibrated on training batches for each sub-network (optional).

The stage entry points: :func:`select_architectures` (the ``search_genotypes`` table of one search) and
:func:`score_sample_sets` (the ``supernet_scores`` table: the supernet as an evaluator, at every snapshot).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from cellprobe.data import minibatches, to_device
from cellprobe.search.loop import SearchError, SearchState, batch_statistics, measure, snapshot_state

__all__ = ["SELECTIONS", "select_by_magnitude", "select_by_perturbation", "score_architectures",
           "recalibrate_batch_norm", "select_architectures", "score_sample_sets"]

#: Selection rules by name.
SELECTIONS = ("magnitude", "perturbation")


def select_by_magnitude(state: SearchState):
    from cellprobe.nn.supernet import genotype_from_weights

    if not state.settings.weighting().learns_alpha:
        raise SearchError(f"method {state.settings.method!r} learns no α: magnitude selection does not apply")
    return genotype_from_weights(state.supernet, state.expected_weights())


def _fine_tune(supernet, weights, train, settings, steps, generator, device):
    if steps <= 0:
        return
    opt = torch.optim.SGD(supernet.parameters(), lr=settings.w_lr_min or settings.w_lr * 0.1,
                          momentum=settings.w_momentum, weight_decay=settings.w_weight_decay)
    supernet.train()
    weights = {k: v.to(device) for k, v in weights.items()}
    order = torch.randperm(len(train.x), generator=generator)
    for step, (xb, yb) in enumerate(minibatches(train.x, train.y, order, settings.batch_size)):
        if step >= steps:
            break
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(supernet(to_device(xb, device, settings.channels_last), weights), yb.to(device))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(supernet.parameters(), settings.grad_clip)
        opt.step()


def select_by_perturbation(
    state: SearchState,
    splits: dict,
    device: torch.device,
    *,
    seed: int = 0,
    tune_every: int = 4,
    tune_steps: int = 5,
    eval_images: int = 512,
):
    """DARTS-PT selection on a copy of the supernet (the search state is left untouched)."""
    from cellprobe.nn.supernet import genotype_from_weights

    supernet = copy.deepcopy(state.supernet).to(device)
    settings = state.settings
    valid, train = splits["valid"], splits["train"]
    x, y = valid.x[:eval_images], valid.y[:eval_images]
    weights = {k: v.detach().clone().cpu() for k, v in state.expected_weights().items()}
    candidates = supernet.selectable_ops
    rng = np.random.default_rng(seed)
    generator = torch.Generator().manual_seed(int(rng.integers(2**62)))

    def accuracies(ct, masked_entries):
        """Validation accuracy with each entry (an edge, or an edge's op) of ``weights[ct]`` masked in turn."""
        accs = []
        with batch_statistics(supernet):  # once per decision: entering it walks every module
            for entry in masked_entries:
                masked = {kk: v.clone() for kk, v in weights.items()}
                masked[ct][entry] = 0.0
                acc, _ = measure(supernet, masked, x, y, settings.eval_batch_size, device, settings.channels_last)
                accs.append(acc)
        return accs

    edges = [(ct, e) for ct in supernet.cell_types for e in range(len(supernet.edges))]
    for k, index in enumerate(rng.permutation(len(edges))):
        ct, e = edges[index]
        drops = accuracies(ct, [(e, o) for o in candidates])
        keep = candidates[int(np.argmin(drops))]  # lowest accuracy without it = most important op
        weights[ct][e] = 0.0
        weights[ct][e, keep] = 1.0
        if tune_every and (k + 1) % tune_every == 0:
            _fine_tune(supernet, weights, train, settings, tune_steps, generator, device)

    if supernet.inputs_per_node is not None:  # topology: keep that many inputs per node, least harmful dropped first
        for ct in supernet.cell_types:
            for target in sorted({t for t, _ in supernet.edges}):
                live = [e for e, (t, _) in enumerate(supernet.edges) if t == target]
                while len(live) > supernet.inputs_per_node:
                    after = accuracies(ct, live)
                    drop = live[int(np.argmax(after))]
                    weights[ct][drop] = 0.0
                    live.remove(drop)
                    _fine_tune(supernet, weights, train, settings, tune_steps if tune_every else 0, generator, device)
    return genotype_from_weights(supernet, weights)


def _tracking_norms(supernet) -> list:
    return [m for m in supernet.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
            and m.track_running_stats]


def recalibrate_batch_norm(supernet, weights, x, batch_size, batches, device, channels_last=True, *,
                           norms=None) -> None:
    """Reset batch-norm running statistics and re-estimate them (cumulative average) on ``batches`` batches.

    The batch norms are left in training mode (batch norms are a supernet's only modules whose mode
    matters); ``norms``: the supernet's tracking batch norms, when the caller has collected them already.
    """
    norms = _tracking_norms(supernet) if norms is None else norms
    if not norms or batches <= 0:
        return
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
        m.train()
    with torch.no_grad():
        for i in range(batches):
            xb = x[i * batch_size : (i + 1) * batch_size]
            if len(xb) < 2:
                break
            supernet(to_device(xb, device, channels_last), weights)
    for m, momentum in zip(norms, saved):
        m.momentum = momentum


def score_architectures(state: SearchState, genotypes: list, splits: dict, device: torch.device, *,
                        recalibrate_batches: int = 0, eval_images: int | None = None) -> pd.DataFrame:
    """Validation accuracy (%) and loss of each genotype's sub-network under the shared weights.

    Batch norms use each validation batch's statistics, or — with ``recalibrate_batches > 0`` — running
    statistics re-estimated for each sub-network on that many training batches. ``eval_images`` caps
    the validation images (the first ones of the split; every architecture sees the same images).
    """
    from cellprobe.nn.supernet import discretize

    supernet = copy.deepcopy(state.supernet).to(device)  # a copy: its batch-norm modes and statistics change
    settings = state.settings
    train, valid = splits["train"], splits["valid"]
    x, y = valid.x[:eval_images], valid.y[:eval_images]
    norms = _tracking_norms(supernet)
    rows = []

    def weights_of(g) -> dict:
        weights = {k: v.to(device) for k, v in discretize(supernet, g).items()}
        weights.update({k: v.detach().to(device) for k, v in state.alpha.items() if k.endswith("_edges")})
        return weights

    def row(g, acc, loss) -> dict:
        return {"arch_id": g.arch_id, "genotype": g.to_str(), "valid_acc": acc, "valid_loss": loss}

    if recalibrate_batches:
        supernet.eval()
        for g in genotypes:  # every running statistic is reset first: nothing carries over between architectures
            weights = weights_of(g)
            recalibrate_batch_norm(supernet, weights, train.x, settings.batch_size, recalibrate_batches, device,
                                   settings.channels_last, norms=norms)
            for m in norms:
                m.eval()
            rows.append(row(g, *measure(supernet, weights, x, y, settings.eval_batch_size, device,
                                        settings.channels_last)))
    else:
        with batch_statistics(supernet):  # one walk of the module tree for all the architectures
            for g in genotypes:
                rows.append(row(g, *measure(supernet, weights_of(g), x, y, settings.eval_batch_size, device,
                                            settings.channels_last)))
    return pd.DataFrame(rows, columns=["arch_id", "genotype", "valid_acc", "valid_loss"])


def select_architectures(state: SearchState, selections, splits: dict, device: torch.device, *, seed: int = 0,
                         perturbation: dict | None = None) -> pd.DataFrame:
    """The ``search_genotypes`` rows of one search: each selection's architecture, scored by the supernet.

    Magnitude selection is skipped for methods that learn no α (uniform one-shot).
    """
    chosen = []
    for selection in selections:
        if selection not in SELECTIONS:
            raise SearchError(f"unknown selection {selection!r}; use {' or '.join(SELECTIONS)}")
        if selection == "magnitude":
            if not state.settings.weighting().learns_alpha:
                continue  # uniform one-shot learns no α
            chosen.append(("magnitude", select_by_magnitude(state)))
        else:
            chosen.append(("perturbation", select_by_perturbation(state, splits, device, seed=seed,
                                                                  **(perturbation or {}))))
    scores = score_architectures(state, [g for _, g in chosen], splits, device)
    return pd.DataFrame({
        **state.keys, "selection": [name for name, _ in chosen], "arch_id": scores["arch_id"],
        "genotype": scores["genotype"], "supernet_valid_acc": scores["valid_acc"],
        "supernet_valid_loss": scores["valid_loss"],
    })


def score_sample_sets(state: SearchState, genotypes: list, splits: dict, device: torch.device, *,
                      recalibrate_batches: int = 0, eval_images: int | None = None, progress=None) -> pd.DataFrame:
    """The ``supernet_scores`` rows: ``genotypes`` scored at every snapshot of the search and at its end,
    with each batch's statistics and (``recalibrate_batches > 0``) with recalibrated batch norms."""
    from cellprobe.tables import SUPERNET_SCORES

    wrong = sorted({g.space for g in genotypes} - {state.space})
    if wrong:
        raise SearchError(f"the architectures to score hold {', '.join(wrong)} ones; this supernet searches {state.space}")
    final = state.final_epoch()
    states = {e: snapshot_state(state, e) for e in sorted(state.snapshots) if e != final}
    states[final] = state
    frames = []
    for epoch, at in states.items():
        for recalibrate in sorted({0, recalibrate_batches}):
            scores = score_architectures(at, genotypes, splits, device, recalibrate_batches=recalibrate,
                                         eval_images=eval_images)
            frames.append(scores.assign(**state.keys, epoch=epoch, bn_recalibrated=recalibrate > 0))
            if progress is not None:
                progress(epoch, recalibrate, scores)
    return pd.concat(frames, ignore_index=True)[SUPERNET_SCORES.columns]
