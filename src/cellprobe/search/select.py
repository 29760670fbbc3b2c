"""Turning a trained supernet into one architecture, and scoring architectures with its shared weights.

* :func:`select_by_magnitude` — DARTS' rule: the α-argmax op of each edge and, in the DARTS space, the two
  incoming edges of each node with the strongest non-``none`` op.
* :func:`select_by_perturbation` — DARTS-PT (Wang et al., ICLR 2021): visit the edges in a seeded random
  order; on each, mask every candidate op in turn, measure the supernet's validation accuracy, and keep the
  op whose removal hurts most; fine-tune the weights every few decisions. In the DARTS space, then drop,
  node by node, the incoming edge whose removal hurts least until two remain.
* :func:`score_architectures` — validation accuracy and loss of sub-networks under the shared weights, with
  batch-norm statistics recalibrated on training batches for each sub-network (optional).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from cellprobe.search.loop import SearchError, SearchState, _batches, _prepare, evaluate

__all__ = ["select_by_magnitude", "select_by_perturbation", "score_architectures", "recalibrate_batch_norm"]


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
    for step, (xb, yb) in enumerate(_batches(train.x, train.y, order, settings.batch_size)):
        if step >= steps:
            break
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(supernet(_prepare(xb, device, settings.channels_last), weights), yb.to(device))
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
    ops = list(supernet.ops)
    candidates = [o for o, name in enumerate(ops) if not (supernet.space == "darts" and name == "none")]
    rng = np.random.default_rng(seed)
    generator = torch.Generator().manual_seed(int(rng.integers(2**62)))

    def accuracy(w):
        return evaluate(supernet, w, x, y, settings.eval_batch_size, device, settings.channels_last)[0]

    edges = [(ct, e) for ct in supernet.cell_types for e in range(len(supernet.edges))]
    for k, index in enumerate(rng.permutation(len(edges))):
        ct, e = edges[index]
        drops = []
        for o in candidates:
            masked = {kk: v.clone() for kk, v in weights.items()}
            masked[ct][e, o] = 0.0
            drops.append(accuracy(masked))
        keep = candidates[int(np.argmin(drops))]  # lowest accuracy without it = most important op
        weights[ct][e] = 0.0
        weights[ct][e, keep] = 1.0
        if tune_every and (k + 1) % tune_every == 0:
            _fine_tune(supernet, weights, train, settings, tune_steps, generator, device)

    if supernet.space == "darts":  # topology: keep two inputs per node, dropping the least harmful first
        for ct in supernet.cell_types:
            for target in sorted({t for t, _ in supernet.edges}):
                live = [e for e, (t, _) in enumerate(supernet.edges) if t == target]
                while len(live) > 2:
                    after = []
                    for e in live:
                        masked = {kk: v.clone() for kk, v in weights.items()}
                        masked[ct][e] = 0.0
                        after.append(accuracy(masked))
                    drop = live[int(np.argmax(after))]
                    weights[ct][drop] = 0.0
                    live.remove(drop)
                    _fine_tune(supernet, weights, train, settings, tune_steps if tune_every else 0, generator, device)
    return genotype_from_weights(supernet, weights)


def recalibrate_batch_norm(supernet, weights, x, batch_size, batches, device, channels_last=True) -> None:
    """Reset batch-norm running statistics and re-estimate them (cumulative average) on ``batches`` batches."""
    norms = [m for m in supernet.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
             and m.track_running_stats]
    if not norms or batches <= 0:
        return
    saved = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
    supernet.train()
    with torch.no_grad():
        for i in range(batches):
            xb = x[i * batch_size : (i + 1) * batch_size]
            if len(xb) < 2:
                break
            supernet(_prepare(xb, device, channels_last), weights)
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

    supernet = copy.deepcopy(state.supernet).to(device)
    pristine = copy.deepcopy(supernet.state_dict())
    settings = state.settings
    train, valid = splits["train"], splits["valid"]
    rows = []
    for g in genotypes:
        weights = {k: v.to(device) for k, v in discretize(supernet, g).items()}
        weights.update({k: v.detach().to(device) for k, v in state.alpha.items() if k.endswith("_edges")})
        if recalibrate_batches:
            supernet.load_state_dict(pristine)
            recalibrate_batch_norm(supernet, weights, train.x, settings.batch_size, recalibrate_batches, device,
                                   settings.channels_last)
        acc, loss = evaluate(supernet, weights, valid.x[:eval_images], valid.y[:eval_images], settings.eval_batch_size,
                             device, settings.channels_last, running_stats=recalibrate_batches > 0)
        rows.append({"arch_id": g.arch_id, "genotype": g.to_str(), "valid_acc": acc, "valid_loss": loss})
    return pd.DataFrame(rows, columns=["arch_id", "genotype", "valid_acc", "valid_loss"])
