"""The search loop: one supernet, one edge weighting, bi-level or single-level updates.

Methods (``SearchSettings.method``):

* ``darts-1st`` / ``darts-2nd`` — DARTS, bi-level: α is updated on the search half of the training data
  (first-order, or second-order with the unrolled one-step weight update and a finite-difference
  Hessian-vector product), the weights on the other half;
* ``darts-single`` — DARTS, single-level: weights and α updated together on the same batches of all
  training data;
* ``snas`` — SNAS: Gumbel-softmax samples with an annealed temperature, single-level;
* ``spos`` / ``spos-deiso`` — uniform one-shot: one uniformly sampled path per step, weights only
  (``spos-deiso`` samples NB201 isomorphism classes uniformly); ``spos-mc3`` / ``spos-mc5`` average the
  losses of 3 / 5 sampled paths per step (MC samples);
* ``fairnas`` — FairNAS' strict fairness: per step one path per candidate op, every edge taking each op once.

Every epoch is a pure function of the state at its start and ``(seed, epoch)``; a checkpoint written
after each epoch lets a killed search resume to identical trajectories. At the end of each epoch the
wiring-evolution record is taken: per cell type, edge and op, α, the op probability and the edge
cost C(Z) = Σ ∂L/∂X·X measured on validation batches (per sample, split by correct/wrong predictions).
"""

from __future__ import annotations

import copy
import math
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch.func import functional_call

from cellprobe.data import minibatches, to_device
from cellprobe.io import save_torch
from cellprobe.runtime import EpochLoop, derive_seed
from cellprobe.search.settings import METHODS, POOLED, SearchError, SearchSettings
from cellprobe.search.weighting import EdgeWeighting

__all__ = ["METHODS", "SearchSettings", "SearchError", "SearchState", "run_search", "build_search_supernet",
           "init_alpha", "expected_weights", "save_search_state", "load_search_state", "snapshot_state",
           "snapshot_epochs", "evaluate", "measure", "batch_statistics", "search_step"]


def build_search_supernet(space: str, settings: SearchSettings, num_classes: int, in_channels: int):
    from cellprobe.nn.supernet import build_supernet

    return build_supernet(space, C=settings.C, num_classes=num_classes, depth=settings.depth,
                          in_channels=in_channels, partial_channels=settings.partial_channels)


def init_alpha(supernet, seed: int) -> dict[str, torch.Tensor]:
    """The initial architecture parameters α of a search with ``seed`` (small Gaussian values)."""
    generator = torch.Generator().manual_seed(derive_seed(seed, "alpha"))
    alpha = {}
    for ct in supernet.cell_types:
        alpha[ct] = (1e-3 * torch.randn(len(supernet.edges), len(supernet.ops), generator=generator)).requires_grad_()
    if supernet.partial_channels > 1:  # PC-DARTS edge normalisation
        for ct in supernet.cell_types:
            alpha[f"{ct}_edges"] = (1e-3 * torch.randn(len(supernet.edges), generator=generator)).requires_grad_()
    return alpha


def expected_weights(weighting: EdgeWeighting, alpha: dict, supernet) -> dict:
    """Deterministic weights (evaluation, cost, selection), PC-DARTS edge weights included."""
    ops = {k: v for k, v in alpha.items() if not k.endswith("_edges")}
    weights = {k: v.detach() for k, v in weighting.expected(ops, supernet).items()}
    weights.update({k: v.detach() for k, v in alpha.items() if k.endswith("_edges")})
    return weights


def _sample_weights(weighting, alpha, supernet, generator, progress, detach: bool) -> dict:
    return _sample_paths(weighting, alpha, supernet, generator, progress, detach, paths=False)[0]


def _sample_paths(weighting, alpha, supernet, generator, progress, detach: bool, paths: bool = True) -> list[dict]:
    """The weights of one step's paths (:meth:`EdgeWeighting.paths`; only one with ``paths=False``), PC-DARTS
    edge weights included."""
    ops = {k: (v.detach() if detach else v) for k, v in alpha.items() if not k.endswith("_edges")}
    drawn = weighting.paths(ops, supernet, generator, progress) if paths else \
        [weighting.sample(ops, supernet, generator, progress)]
    edges = {k: (v.detach() if detach else v) for k, v in alpha.items() if k.endswith("_edges")}
    return [{**weights, **edges} for weights in drawn]


@dataclass
class SearchState:
    """What a finished (or checkpointed) search holds."""

    space: str
    settings: SearchSettings
    seed: int
    supernet: torch.nn.Module
    alpha: dict
    trajectory: pd.DataFrame
    history: pd.DataFrame
    #: epoch → {"supernet": state dict, "alpha": {key: tensor}} saved during the search (CPU tensors).
    snapshots: dict = field(default_factory=dict)
    dataset: str = ""
    #: The architectures the supernet was trained on, when only those (``run_search(pool=...)``); their ids.
    pool: tuple = ()

    def expected_weights(self) -> dict:
        return expected_weights(self.settings.weighting(), self.alpha, self.supernet)

    @property
    def tag(self) -> dict:
        """What names this search: space, settings digest, seed and dataset (checkpoints and supernet files)."""
        return _checkpoint_tag(self.space, self.settings, self.seed, self.dataset, self.pool)

    @property
    def keys(self) -> dict:
        """The key columns of this search's tables."""
        return {"space": self.space, "method": self.settings.name, "seed": int(self.seed)}

    def tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """This search's ``search_trajectory`` and ``search_history`` tables (with its key columns)."""
        from cellprobe.tables import SEARCH_HISTORY, SEARCH_TRAJECTORY

        return (self.trajectory.assign(**self.keys)[SEARCH_TRAJECTORY.columns],
                self.history.assign(**self.keys)[SEARCH_HISTORY.columns])

    def final_epoch(self) -> int:
        """The last epoch of the search (its recorded history, else its settings)."""
        return int(self.history["epoch"].max()) if len(self.history) else self.settings.epochs


class batch_statistics:
    """Context: batch norms normalise with each batch's own statistics and leave their running ones alone.

    A supernet's running statistics mix every sub-network and lag behind its weights after a short
    search, so evaluations (validation accuracy, edge costs, DARTS-PT masking) use batch statistics,
    as the search itself does. Gradients still flow; nothing else about the model changes.
    """

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        self.norms = [m for m in self.model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
        self.saved = [(m.training, m.momentum) for m in self.norms]
        self.was_training = self.model.training
        self.model.eval()
        for m in self.norms:
            m.train()
            m.momentum = 0.0  # running = (1 - 0)·running + 0·batch: unchanged
        return self.model

    def __exit__(self, *exc):
        for m, (training, momentum) in zip(self.norms, self.saved):
            m.train(training)
            m.momentum = momentum
        self.model.train(self.was_training)
        return False


def evaluate(supernet, weights, x, y, batch_size, device, channels_last=True) -> tuple[float, float]:
    """Accuracy (%) and mean loss of the supernet under ``weights`` on (x, y), batch norms using batch statistics."""
    with batch_statistics(supernet):
        return measure(supernet, weights, x, y, batch_size, device, channels_last)


def measure(supernet, weights, x, y, batch_size, device, channels_last=True) -> tuple[float, float]:
    """:func:`evaluate` in the batch-norm mode the caller has set (e.g. many evaluations inside one
    :class:`batch_statistics`, which walks every module on entry and exit), under ``torch.no_grad()``."""
    weights = {k: v.to(device) for k, v in weights.items()}
    loss, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            xb = to_device(x[start : start + batch_size], device, channels_last)
            yb = y[start : start + batch_size].to(device)
            logits = supernet(xb, weights)
            loss += F.cross_entropy(logits, yb, reduction="sum").item()
            correct += (logits.argmax(1) == yb).sum().item()
    return 100.0 * correct / len(x), loss / len(x)



def _edge_costs(supernet, weights, x, y, settings, device) -> dict[str, dict[str, np.ndarray]]:
    """Per-sample edge costs ∂L/∂m·m (m = 1) for ``settings.cost_batches`` validation batches."""
    weights = {k: v.to(device) for k, v in weights.items()}
    costs = {ct: [] for ct in supernet.cell_types}
    correct = []
    n = min(len(x), settings.cost_batches * settings.eval_batch_size)
    for start in range(0, n, settings.eval_batch_size):
        xb = to_device(x[start : min(start + settings.eval_batch_size, n)], device, settings.channels_last)
        yb = y[start : start + len(xb)].to(device)
        mult = {ct: torch.ones(len(xb), len(supernet.edges), len(supernet.ops), device=device, requires_grad=True)
                for ct in supernet.cell_types}
        with batch_statistics(supernet):
            logits = supernet(xb, weights, multipliers=mult)
        F.cross_entropy(logits, yb, reduction="sum").backward()
        for ct in supernet.cell_types:
            costs[ct].append(mult[ct].grad.detach().cpu().numpy())
        correct.append((logits.argmax(1) == yb).cpu().numpy())
    supernet.zero_grad(set_to_none=True)
    if not correct:  # cost measurement switched off (cost_batches = 0)
        return {}, np.zeros(0, bool)
    return {ct: np.concatenate(c) for ct, c in costs.items()}, np.concatenate(correct)


def _trajectory_rows(epoch, supernet, alpha, probs, costs, correct, previous) -> list[dict]:
    """One row per (cell type, edge, op); ``alpha`` is empty for methods that do not learn it."""
    rows = []
    for ct in supernet.cell_types:
        a = alpha[ct].detach().cpu().numpy() if ct in alpha else None
        p = probs[ct].cpu().numpy()
        c = costs.get(ct) if costs else None
        for e, (target, source) in enumerate(supernet.edges):
            for o, op in enumerate(supernet.ops):
                if c is not None and len(c):
                    values = c[:, e, o]
                    mean, var = float(values.mean()), float(values.var())
                    mean_ok = float(values[correct].mean()) if correct.any() else float("nan")
                    mean_bad = float(values[~correct].mean()) if (~correct).any() else float("nan")
                else:
                    mean = var = mean_ok = mean_bad = float("nan")
                key = (ct, e, o)
                count, total = previous.get(key, (0, 0.0))
                if not math.isnan(mean):
                    count, total = count + 1, total + mean
                previous[key] = (count, total)
                rows.append({
                    "epoch": epoch, "cell": ct, "edge": e, "source": int(source), "target": int(target), "op": op,
                    "alpha": float(a[e, o]) if a is not None else float("nan"), "prob": float(p[e, o]),
                    "cost_mean": mean, "cost_var": var, "cost_mean_correct": mean_ok, "cost_mean_wrong": mean_bad,
                    "cost_running_mean": total / count if count else float("nan"),
                })
    return rows


def _unrolled_alpha_step(supernet, alpha, weighting, settings, train_batch, search_batch, generator, progress, lr):
    """Second-order DARTS: α gradient through one virtual SGD step of the weights (finite differences)."""
    params = {k: p for k, p in supernet.named_parameters()}
    names = list(params)
    xt, yt = train_batch
    xs, ys = search_batch
    fixed = _sample_weights(weighting, alpha, supernet, generator, progress, detach=True)
    loss_train = F.cross_entropy(supernet(xt, fixed), yt)
    grads = torch.autograd.grad(loss_train, [params[k] for k in names])
    unrolled = {k: (params[k].detach() - lr * (g + settings.w_weight_decay * params[k].detach())).requires_grad_()
                for k, g in zip(names, grads)}
    weights = _sample_weights(weighting, alpha, supernet, generator, progress, detach=False)
    loss_val = F.cross_entropy(functional_call(supernet, unrolled, (xs, weights)), ys)
    alpha_list = list(alpha.values())
    out = torch.autograd.grad(loss_val, alpha_list + [unrolled[k] for k in names], allow_unused=True)
    d_alpha, d_w = out[: len(alpha_list)], out[len(alpha_list) :]
    d_w = [torch.zeros_like(unrolled[k]) if g is None else g for k, g in zip(names, d_w)]
    eps = 0.01 / (torch.sqrt(sum((g * g).sum() for g in d_w)) + 1e-12)

    def alpha_grad_at(sign: float):
        shifted = {k: params[k].detach() + sign * eps * g for k, g in zip(names, d_w)}
        w = _sample_weights(weighting, alpha, supernet, generator, progress, detach=False)
        loss = F.cross_entropy(functional_call(supernet, shifted, (xt, w)), yt)
        return torch.autograd.grad(loss, alpha_list, allow_unused=True)

    plus, minus = alpha_grad_at(1.0), alpha_grad_at(-1.0)
    for a, da, gp, gm in zip(alpha_list, d_alpha, plus, minus):
        grad = torch.zeros_like(a) if da is None else da.clone()
        if gp is not None and gm is not None:
            grad -= lr * (gp - gm) / (2 * eps)
        a.grad = grad


def search_step(supernet, alpha, weighting, settings, w_opt, a_opt, batch, search_batch, generator, progress, lr):
    """One step of ``settings.method``: the α update (bi-level methods, on ``search_batch``), then the weight update.

    Single-level methods that learn α update it from the same loss as the weights. Methods that draw several
    paths per step (MC sampling, FairNAS) average their losses on the batch before the one update. Returns the
    weight step's ``(loss, logits)`` (the mean loss; the last path's logits).
    """
    xb, yb = batch
    if settings.bilevel:
        xs, ys = search_batch
        a_opt.zero_grad(set_to_none=True)
        if settings.method == "darts-2nd":
            _unrolled_alpha_step(supernet, alpha, weighting, settings, (xb, yb), (xs, ys), generator, progress, lr)
        else:
            weights = _sample_weights(weighting, alpha, supernet, generator, progress, detach=False)
            F.cross_entropy(supernet(xs, weights), ys).backward()
        a_opt.step()
    joint = weighting.learns_alpha and not settings.bilevel
    w_opt.zero_grad(set_to_none=True)
    a_opt.zero_grad(set_to_none=True)
    paths = _sample_paths(weighting, alpha, supernet, generator, progress, detach=not joint)
    total = 0.0
    for weights in paths:
        logits = supernet(xb, weights)
        loss = F.cross_entropy(logits, yb) / len(paths)
        loss.backward()
        total = total + loss.detach()
    torch.nn.utils.clip_grad_norm_(supernet.parameters(), settings.grad_clip)
    w_opt.step()
    if joint:
        a_opt.step()
    return total, logits


def _checkpoint_tag(space, settings, seed, dataset, pool=()) -> dict:
    tag = {"space": space, "settings": settings.digest(), "seed": int(seed), "dataset": dataset}
    return tag | ({"pool": list(pool)} if pool else {})


def save_search_state(state: SearchState, path) -> Path:
    """Write a finished search (supernet weights, α, the snapshots, its tag) as one ``torch.save`` file, atomically.

    :func:`load_search_state` reads it back; the tag names the search (space, settings, seed, dataset).
    """
    return save_torch(path, {"supernet": state.supernet.state_dict(),
                             "alpha": {k: v.detach().cpu() for k, v in state.alpha.items()},
                             "tag": state.tag, "trajectory": [], "history": [], "snapshots": state.snapshots})


def load_search_state(path: Path, space: str, settings: SearchSettings, num_classes: int, in_channels: int):
    """Rebuild a :class:`SearchState` from a file written by :func:`save_search_state` (or a search checkpoint).

    A missing or unreadable file, or the supernet of another space or other settings, is a
    :class:`SearchError` naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise SearchError(f"{path}: supernet file not found")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        tag = state["tag"]
    except Exception as exc:  # pickle/zip/key errors of a file that is not a cellprobe supernet
        raise SearchError(f"{path}: not a readable cellprobe supernet ({type(exc).__name__})") from None
    if tag.get("space") != space or tag.get("settings") != settings.digest():
        raise SearchError(f"{path}: the supernet of another search (space {tag.get('space')!r}, settings "
                          f"{tag.get('settings')}), not of this one (space {space!r}, settings {settings.digest()})")
    supernet = build_search_supernet(space, settings, num_classes, in_channels)
    try:
        supernet.load_state_dict(state["supernet"])
    except RuntimeError:
        raise SearchError(f"{path}: its supernet does not fit this dataset's shape (classes, channels)") from None
    alpha = {k: v.clone().requires_grad_() for k, v in state["alpha"].items()}
    return SearchState(space, settings, int(tag["seed"]), supernet, alpha,
                       pd.DataFrame(state["trajectory"]), pd.DataFrame(state["history"]),
                       {int(e): v for e, v in state.get("snapshots", {}).items()}, str(tag.get("dataset", "")),
                       tuple(tag.get("pool", ())))


def snapshot_state(state: SearchState, epoch: int) -> SearchState:
    """The search as it was after ``epoch`` (one of :attr:`SearchState.snapshots`), sharing nothing with ``state``."""
    if epoch not in state.snapshots:
        raise SearchError(f"no supernet snapshot at epoch {epoch}; saved epochs: {sorted(state.snapshots) or 'none'}")
    snap = state.snapshots[epoch]
    supernet = copy.deepcopy(state.supernet)
    supernet.load_state_dict(snap["supernet"])
    alpha = {k: v.clone().requires_grad_() for k, v in snap["alpha"].items()}
    return SearchState(state.space, state.settings, state.seed, supernet, alpha, state.trajectory, state.history,
                       dataset=state.dataset, pool=state.pool)


def run_search(
    space: str,
    splits: dict,
    settings: SearchSettings,
    seed: int,
    device: torch.device,
    *,
    checkpoint: Path | None = None,
    dataset: str = "",
    stop_after_epoch: int | None = None,
    on_epoch: Callable[[int, dict], None] | None = None,
    snapshot_epochs: Iterable[int] = (),
    pool: Sequence = (),
) -> SearchState | None:
    """Search on ``splits['train']`` (split 50/50 for bi-level methods), recording on ``splits['valid']``.

    ``pool``: genotypes of ``space``; a uniform one-shot method (:data:`POOLED`) then trains only
    on them, drawing a member of the pool per path.

    The supernet weights and α after each epoch in ``snapshot_epochs`` are kept in
    :attr:`SearchState.snapshots` (and in the checkpoint, so a resumed search keeps them): the
    supernet-as-evaluator stage scores architectures at several points of the search. Returns ``None``
    when stopped by ``stop_after_epoch`` before the last epoch (the checkpoint holds the run).
    """
    from cellprobe.data import AUGMENT_PRESETS
    from cellprobe.spaces import get_space

    train, valid = splits["train"], splits["valid"]
    num_classes, in_channels = int(train.meta["num_classes"]), int(train.x.shape[1])
    if settings.method == "spos-deiso" and not get_space(space).isomorphism_classes:
        raise SearchError(f"spos-deiso (sampling isomorphism classes) needs a space with isomorphism classes; "
                          f"{space} has none")
    if settings.augment not in AUGMENT_PRESETS:
        raise SearchError(f"unknown augmentation {settings.augment!r}")
    augment = AUGMENT_PRESETS[settings.augment]
    weighting = settings.weighting()
    pool = tuple(pool)
    if pool:
        if settings.method not in POOLED:
            raise SearchError(f"a pool of architectures needs a uniform one-shot method ({', '.join(POOLED)}), "
                              f"not {settings.method}")
        if any(g.space != space for g in pool):
            raise SearchError(f"the pool holds architectures of another space than {space}")
        weighting = replace(weighting, pool=pool)
    pool_ids = tuple(g.arch_id for g in pool)
    loop = EpochLoop(settings.epochs, checkpoint, _checkpoint_tag(space, settings, seed, dataset, pool_ids), seed,
                     stop_after_epoch=stop_after_epoch, on_epoch=on_epoch)

    torch.manual_seed(derive_seed(seed, "init"))
    supernet = build_search_supernet(space, settings, num_classes, in_channels).to(device)
    if settings.channels_last:
        supernet = supernet.to(memory_format=torch.channels_last)
    alpha = {k: v.to(device).detach().requires_grad_() for k, v in init_alpha(supernet, seed).items()}
    w_opt = torch.optim.SGD(supernet.parameters(), lr=settings.w_lr, momentum=settings.w_momentum,
                            weight_decay=settings.w_weight_decay)
    a_opt = torch.optim.Adam(list(alpha.values()), lr=settings.alpha_lr, betas=(0.5, 0.999),
                             weight_decay=settings.alpha_weight_decay)
    trajectory, history, running = [], [], {}
    snapshot_epochs = {int(e) for e in snapshot_epochs}
    snapshots: dict[int, dict] = {}

    state = loop.resume()
    if state is not None:
        supernet.load_state_dict(state["supernet"])
        with torch.no_grad():
            for k, v in state["alpha"].items():
                alpha[k].copy_(v)
        w_opt.load_state_dict(state["w_opt"])
        a_opt.load_state_dict(state["a_opt"])
        trajectory, history = list(state["trajectory"]), list(state["history"])
        running = {tuple(json.loads(k)): tuple(v) for k, v in state["running"].items()}
        snapshots = {int(e): v for e, v in state.get("snapshots", {}).items()}

    # the training data: bi-level methods split it once, seeded, into weight and α halves
    order = torch.randperm(len(train.x), generator=torch.Generator().manual_seed(derive_seed(seed, "split")))
    if settings.bilevel:
        half = len(order) // 2
        w_idx, a_idx = order[:half], order[half:]
    else:
        w_idx, a_idx = order, order[:0]

    if loop.start == 0 and not trajectory:  # epoch 0: the initial state, before any update
        probs = weighting.probabilities({k: v for k, v in alpha.items() if not k.endswith("_edges")}, supernet, 0.0)
        costs, correct = _edge_costs(supernet, expected_weights(weighting, alpha, supernet), valid.x, valid.y, settings, device)
        trajectory += _trajectory_rows(0, supernet, alpha if weighting.learns_alpha else {}, probs, costs, correct, running)

    for epoch in loop.epochs():
        generator = loop.generator(epoch, "data")
        torch.manual_seed(loop.seed(epoch, "model"))
        lr = settings.lr_at(epoch)
        for group in w_opt.param_groups:
            group["lr"] = lr
        w_order = w_idx[torch.randperm(len(w_idx), generator=generator)]
        a_order = a_idx[torch.randperm(len(a_idx), generator=generator)] if len(a_idx) else a_idx
        steps = max(1, len(w_order) // settings.batch_size)
        a_batches = minibatches(train.x, train.y, a_order, settings.batch_size) if settings.bilevel else None
        loss_sum, correct_sum, seen = 0.0, 0, 0
        supernet.train()
        for step, (xb, yb) in enumerate(minibatches(train.x, train.y, w_order, settings.batch_size)):
            progress = (epoch + step / steps) / settings.epochs
            xb = to_device(augment(xb, generator), device, settings.channels_last)
            yb = yb.to(device)
            search_batch = None
            if settings.bilevel:
                try:
                    xs, ys = next(a_batches)
                except StopIteration:
                    a_batches = minibatches(train.x, train.y, a_order, settings.batch_size)
                    xs, ys = next(a_batches)
                search_batch = (to_device(augment(xs, generator), device, settings.channels_last), ys.to(device))
            loss, logits = search_step(supernet, alpha, weighting, settings, w_opt, a_opt, (xb, yb), search_batch,
                                       generator, progress, lr)
            loss_sum += loss.item() * len(yb)
            correct_sum += (logits.detach().argmax(1) == yb).sum().item()
            seen += len(yb)

        progress = (epoch + 1) / settings.epochs
        weights = expected_weights(weighting, alpha, supernet)
        valid_acc, valid_loss = evaluate(supernet, weights, valid.x, valid.y, settings.eval_batch_size, device,
                                         settings.channels_last)
        probs = weighting.probabilities({k: v for k, v in alpha.items() if not k.endswith("_edges")}, supernet, progress)
        costs, correct = _edge_costs(supernet, weights, valid.x, valid.y, settings, device)
        trajectory += _trajectory_rows(epoch + 1, supernet, alpha if weighting.learns_alpha else {}, probs, costs,
                                       correct, running)
        record = {"epoch": epoch + 1, "lr": lr, "tau": weighting.tau(progress) if hasattr(weighting, "tau") else float("nan"),
                  "train_loss": loss_sum / max(seen, 1), "train_acc": 100.0 * correct_sum / max(seen, 1),
                  "valid_loss": valid_loss, "valid_acc": valid_acc}
        history.append(record)
        if epoch + 1 in snapshot_epochs:
            snapshots[epoch + 1] = {"supernet": {k: v.detach().cpu().clone() for k, v in supernet.state_dict().items()},
                                    "alpha": {k: v.detach().cpu().clone() for k, v in alpha.items()}}
        going = loop.finish(epoch, record, {
            "supernet": supernet.state_dict(), "alpha": {k: v.detach().cpu() for k, v in alpha.items()},
            "w_opt": w_opt.state_dict(), "a_opt": a_opt.state_dict(),
            "trajectory": trajectory, "history": history,
            "running": {json.dumps(list(k)): list(v) for k, v in running.items()},
            "snapshots": snapshots,
        })
        if not going:
            return None

    return SearchState(space, settings, int(seed), supernet, alpha, pd.DataFrame(trajectory), pd.DataFrame(history),
                       snapshots, dataset, pool_ids)


def snapshot_epochs(epochs: int, fractions: Iterable[float]) -> list[int]:
    """The epochs (1 … ``epochs``) nearest to ``fractions`` of the search, without repeats.

    >>> snapshot_epochs(8, [0.25, 0.5, 1.0])
    [2, 4, 8]
    >>> snapshot_epochs(2, [0.25, 0.5, 1.0])
    [1, 2]
    """
    chosen = set()
    for f in fractions:
        if not 0 < f <= 1:
            raise SearchError(f"snapshot fractions must lie in (0, 1], got {f}")
        chosen.add(min(epochs, max(1, round(f * epochs))))
    return sorted(chosen)
