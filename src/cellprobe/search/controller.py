"""The ENAS controller: an LSTM that samples a cell decision by decision, trained by REINFORCE.

The controller (Pham et al., ICML 2018, micro search space) emits one decision per time step:

* **NB201** — the op of each of the 6 edges, in :data:`cellprobe.spaces.nb201.EDGES` order (6 steps);
* **DARTS** — for the normal cell, then the reduce cell, for each intermediate node 2..5: its first
  input, its second input (a different earlier node), the op of its first edge, the op of its second
  edge (ops without ``none``; 2 × 4 × 4 = 32 steps). The reduce cell continues from the normal cell's
  LSTM state, as in ENAS.

The decisions, and how actions become a genotype, are the space's (:meth:`Space.decisions
<cellprobe.spaces.base.Space.decisions>`, ``decode``, ``encode``); spaces whose edges choose their inputs
get the attention over node anchors, the others a plain chain of op decisions.

As in ENAS, an op choice feeds the op's embedding to the next step; an input choice feeds the
*anchor* of the chosen node (zeros for the two cell inputs, the LSTM output after the node's last
decision for intermediate nodes) and is made by attention over those anchors,
``vᵀ tanh(W₁·anchor + W₂·h)``. Logits are divided by ``temperature`` and squashed to
``tanh_constant · tanh(·)`` (``tanh_constant / op_tanh_reduce`` for ops). The **final hidden state** of a
sampled architecture is the LSTM output after it has consumed the last decision (DARTS: the anchor of the
reduce cell's last node; NB201: one extra step fed with the last op's embedding).

Training (:func:`run_controller`) alternates, every epoch, as ENAS does, against the space's shared weights
(:mod:`cellprobe.search.shared`: the image supernet of NB201 and DARTS, the recurrent language model of
``enas-rnn``):

1. *shared weights* — one pass over the training data; each minibatch (BPTT window) trains the sub-network
   of one cell sampled from the controller;
2. *controller* — ``controller_steps`` REINFORCE updates; each samples ``controller_batch`` cells, scores
   each on one validation batch (images: accuracy as a fraction, batch-norm batch statistics; text:
   ``reward_c`` / perplexity), adds the entropy bonus ``entropy_weight · H`` (exact entropy of each step's
   distribution, summed) to the reward and minimises ``−(R − b) log π(a)`` with an exponential-moving-average
   baseline ``b`` (initialised to the first step's mean reward instead of 0, since runs here are short).

Variants (:data:`VARIANTS`): ``trained`` (the above); ``random`` (same architecture and initialisation,
never updated: the shared weights train on its near-uniform samples and the rewards are recorded); and
``regularised`` (the above plus Adam & Lorraine's memory buffer: an :class:`ArchitectureBuffer` of cells
freshly sampled at the end of each epoch, and a supervised reconstruction loss ``recon_weight`` × the mean
teacher-forced negative log-likelihood of ``recon_batch`` stored cells; the schedule is
:class:`ControllerSettings`').

Each epoch is a pure function of the state at its start and ``(seed, epoch)``; a checkpoint after each epoch
lets a killed run resume to identical results (on the CPU). The controller always runs on the CPU (it is
tiny); the shared weights on the given device.

>>> controller = Controller("nb201", hidden=16, seed=0)
>>> sample = controller.sample(3, torch.Generator().manual_seed(0))
>>> tuple(sample.actions.shape), tuple(sample.hidden.shape)
((3, 6), (3, 16))
>>> bool(torch.allclose(controller.log_prob(sample.actions), sample.log_prob))
True
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from cellprobe.errors import CellprobeError
from cellprobe.io import save_torch
from cellprobe.runtime import EpochLoop, derive_seed
from cellprobe.search.controller_settings import VARIANTS, ControllerError, ControllerSettings
from cellprobe.search.shared import load_task_data, task_of
from cellprobe.spaces import Decision, get_space

__all__ = [
    "VARIANTS",
    "ControllerError",
    "ControllerSettings",
    "Decision",
    "ControllerSample",
    "Controller",
    "build_controller",
    "ArchitectureBuffer",
    "ControllerState",
    "run_controller",
    "save_controller",
    "load_controller",
    "load_task_data",
]

_FORMAT = "cellprobe-controller"
_FORMAT_VERSION = 3


# -- the controller ---------------------------------------------------------------------------------------


@dataclass
class ControllerSample:
    """Architectures sampled (or teacher-forced) through the controller, one row each.

    ``actions`` ``[n, T]`` (int64, indices into each :class:`Decision`'s ``choices``), ``log_probs`` ``[n, T]``
    (log-probability of each action; differentiable), ``entropies`` and ``max_probs`` ``[n, T]`` (entropy and
    probability of the most likely action of each step's distribution; detached), ``hidden`` ``[n, H]``
    (the final hidden state; detached).
    """

    actions: torch.Tensor
    log_probs: torch.Tensor
    entropies: torch.Tensor
    max_probs: torch.Tensor
    hidden: torch.Tensor

    @property
    def log_prob(self) -> torch.Tensor:
        """Log-probability of each whole architecture ``[n]``."""
        return self.log_probs.sum(1)

    @property
    def entropy(self) -> torch.Tensor:
        """Sum over the steps of each step's entropy ``[n]`` (nats)."""
        return self.entropies.sum(1)


class Controller(nn.Module):
    """The ENAS LSTM controller of one search space (see the module docstring).

    ``sample(n, generator)`` draws ``n`` architectures; ``forward(actions)`` / ``log_prob(actions)`` recompute
    a given action sequence teacher-forced; ``decode``/``encode`` convert between actions and genotypes.
    Every parameter is initialised uniformly in ``±init_range`` from ``seed``.
    """

    def __init__(self, space: str, *, hidden: int = 64, layers: int = 1, temperature: float = 5.0,
                 tanh_constant: float = 1.1, op_tanh_reduce: float = 2.5, init_range: float = 0.1, seed: int = 0):
        super().__init__()
        try:
            space_of = get_space(space)
        except CellprobeError as exc:
            raise ControllerError(str(exc)) from None
        self.space = space
        self.ops = tuple(space_of.controller_ops)
        self.decisions = space_of.decisions()
        #: Whether some decisions choose an edge's input (by attention over the nodes' anchors).
        self.attends = any(d.kind == "input" for d in self.decisions)
        self.hidden_size, self.temperature = hidden, temperature
        self.tanh_constant, self.op_tanh_reduce = tanh_constant, op_tanh_reduce
        self.lstm = nn.ModuleList(nn.LSTMCell(hidden, hidden) for _ in range(layers))
        self.start = nn.Parameter(torch.empty(hidden))  # ENAS' g_emb: the input of a cell's (or node's) first step
        self.op_embedding = nn.Embedding(len(self.ops), hidden)
        self.op_head = nn.Linear(hidden, len(self.ops))
        if self.attends:
            self.attn_anchor = nn.Linear(hidden, hidden, bias=False)
            self.attn_query = nn.Linear(hidden, hidden, bias=False)
            self.attn_v = nn.Linear(hidden, 1, bias=False)
        generator = torch.Generator().manual_seed(int(seed))
        with torch.no_grad():
            for p in self.parameters():
                p.uniform_(-init_range, init_range, generator=generator)

    @property
    def n_steps(self) -> int:
        return len(self.decisions)

    # -- one pass -----------------------------------------------------------------------------------------
    def _lstm(self, x, state):
        new = []
        for cell, (h, c) in zip(self.lstm, state):
            h, c = cell(x, (h, c))
            new.append((h, c))
            x = h
        return x, new

    def _log_softmax(self, logits: torch.Tensor, op: bool, mask: torch.Tensor | None = None) -> torch.Tensor:
        logits = logits / self.temperature
        if self.tanh_constant > 0:
            logits = (self.tanh_constant / (self.op_tanh_reduce if op else 1.0)) * torch.tanh(logits)
        if mask is not None:
            logits = logits.masked_fill(mask, float("-inf"))
        return F.log_softmax(logits, dim=-1)

    def _run(self, n: int, actions: torch.Tensor | None, generator: torch.Generator | None) -> ControllerSample:
        H = self.hidden_size
        zeros = self.start.new_zeros(n, H)
        state = [(zeros, zeros)] * len(self.lstm)
        start = self.start.expand(n, H)
        rows = torch.arange(n)
        chosen, log_probs, entropies, max_probs = [], [], [], []

        def decide(log_p: torch.Tensor) -> torch.Tensor:
            t = len(chosen)
            if actions is None:
                a = torch.multinomial(log_p.detach().exp(), 1, generator=generator).squeeze(1)
            else:
                a = actions[:, t]
            with torch.no_grad():
                p = log_p.exp()
                entropies.append(-(p * log_p.masked_fill(p == 0, 0.0)).sum(1) + 0.0)  # + 0.0: no -0.0
                max_probs.append(p.max(1).values)
            log_probs.append(log_p.gather(1, a[:, None]).squeeze(1))
            chosen.append(a)
            return a

        x = start
        if not self.attends:  # a chain of op decisions, then one step fed with the last op's embedding
            for _ in self.decisions:
                h, state = self._lstm(x, state)
                x = self.op_embedding(decide(self._log_softmax(self.op_head(h), op=True)))
            final, _ = self._lstm(x, state)
        else:
            space = get_space(self.space)
            for cell in space.cell_names:
                anchors, keys = [zeros] * space.n_inputs, []
                for _ in range(space.n_inputs):
                    h, state = self._lstm(zeros, state)
                    keys.append(self.attn_anchor(h))
                x = start
                for node in sorted({d.node for d in self.decisions if d.cell == cell}):
                    picked = []
                    for d in (d for d in self.decisions if d.cell == cell and d.node == node):
                        h, state = self._lstm(x, state)
                        if d.kind == "input":  # attention over the anchors of the nodes it may read
                            options = torch.stack([keys[c] for c in d.choices], 1)
                            scores = self.attn_v(torch.tanh(options + self.attn_query(h)[:, None])).squeeze(-1)
                            mask = F.one_hot(torch.stack(picked, 1), len(d.choices)).bool().any(1) if picked else None
                            a = decide(self._log_softmax(scores, op=False, mask=mask))
                            picked.append(a)
                            x = torch.stack([anchors[c] for c in d.choices], 1)[rows, a]
                        else:
                            x = self.op_embedding(decide(self._log_softmax(self.op_head(h), op=True)))
                    h, state = self._lstm(x, state)
                    anchors.append(h)
                    keys.append(self.attn_anchor(h))
                    x = start
            final = h
        return ControllerSample(torch.stack(chosen, 1), torch.stack(log_probs, 1), torch.stack(entropies, 1),
                                torch.stack(max_probs, 1), final.detach())

    def sample(self, n: int, generator: torch.Generator | None = None) -> ControllerSample:
        """Draw ``n`` architectures (log-probabilities differentiable unless under ``torch.no_grad``)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ControllerError(f"the number of architectures to sample must be a positive integer, got {n!r}")
        return self._run(n, None, generator)

    def forward(self, actions: torch.Tensor) -> ControllerSample:
        """Teacher-forced pass over given action sequences ``[n, T]``."""
        actions = self._check_actions(actions)
        return self._run(len(actions), actions, None)

    def log_prob(self, actions: torch.Tensor) -> torch.Tensor:
        """Teacher-forced log-likelihood of each action sequence ``[n]`` (differentiable)."""
        return self.forward(actions).log_prob

    # -- actions ↔ genotypes -------------------------------------------------------------------------------
    def _check_actions(self, actions) -> torch.Tensor:
        actions = torch.as_tensor(actions, dtype=torch.int64)
        if actions.dim() != 2 or actions.shape[1] != self.n_steps or len(actions) == 0:
            raise ControllerError(f"{self.space} actions must have shape [n >= 1, {self.n_steps}], "
                                  f"got {tuple(actions.shape)}")
        for d in self.decisions:
            column = actions[:, d.step]
            if (column < 0).any() or (column >= len(d.choices)).any():
                raise ControllerError(f"step {d.step} ({d.cell} node {d.node} {d.kind}) has {len(d.choices)} "
                                      f"choices; got action(s) outside 0..{len(d.choices) - 1}")
        by_node: dict[tuple[str, int], list[int]] = {}
        for d in self.decisions:
            if d.kind == "input":
                by_node.setdefault((d.cell, d.node), []).append(d.step)
        for steps in by_node.values():
            for i, a in enumerate(steps):
                for b in steps[i + 1:]:
                    if (actions[:, a] == actions[:, b]).any():
                        raise ControllerError("a node's inputs must differ; some action sequence repeats an input")
        return actions

    def decode(self, actions) -> list:
        """The genotype of each action sequence ``[n, T]``."""
        space = get_space(self.space)
        return [space.decode(row) for row in self._check_actions(actions).tolist()]

    def encode(self, genotypes: Sequence) -> torch.Tensor:
        """The action sequences ``[n, T]`` that produce ``genotypes`` (DARTS: in their edge order; no ``none``)."""
        space = get_space(self.space)
        rows = []
        for g in genotypes:
            if g.space != self.space:
                raise ControllerError(f"a {self.space} controller cannot encode a {g.space} genotype")
            try:
                rows.append(space.encode(g))
            except CellprobeError as exc:
                raise ControllerError(str(exc)) from None
        return torch.tensor(rows, dtype=torch.int64).reshape(len(rows), self.n_steps)


def build_controller(settings: ControllerSettings, space: str, seed: int) -> Controller:
    """The controller of ``space`` that ``settings`` describe, initialised from ``seed``."""
    return Controller(space, hidden=settings.hidden, layers=settings.layers, temperature=settings.temperature,
                      tanh_constant=settings.tanh_constant, op_tanh_reduce=settings.op_tanh_reduce,
                      init_range=settings.init_range, seed=seed)


# -- the memory buffer of the regularised controller --------------------------------------------------------


class ArchitectureBuffer:
    """Cells (action sequences) sampled earlier, for the regularised controller's reconstruction loss.

    :meth:`store` takes one epoch's fresh samples: it appends while fewer than ``capacity`` are held (up to
    ``capacity``) and, once full, overwrites ``replace`` distinct, uniformly drawn entries with the first
    ``replace`` of them (every slot may be replaced, not only the last ones). :meth:`draw` returns up to ``k``
    distinct entries, uniformly without replacement. Randomness comes from the ``numpy`` generator passed in.

    >>> buffer = ArchitectureBuffer(capacity=3, replace=1)
    >>> rng = np.random.default_rng(0)
    >>> buffer.store(torch.tensor([[0, 1], [1, 1]]), rng), len(buffer)
    (2, 2)
    >>> buffer.store(torch.tensor([[2, 2], [3, 3]]), rng), len(buffer)
    (1, 3)
    >>> buffer.store(torch.tensor([[4, 4], [5, 5]]), rng), len(buffer), (4, 4) in buffer.items
    (1, 3, True)
    """

    def __init__(self, capacity: int, replace: int = 0):
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"buffer capacity must be a positive integer, got {capacity!r}")
        if isinstance(replace, bool) or not isinstance(replace, int) or replace < 0:
            raise ValueError(f"buffer replacements must be an integer >= 0, got {replace!r}")
        self.capacity, self.replace = capacity, replace
        self.items: list[tuple[int, ...]] = []
        self.stored = 0  # cells accepted so far (appended or written over an older one)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def full(self) -> bool:
        return len(self.items) >= self.capacity

    def wanted(self, per_epoch: int) -> int:
        """How many fresh cells the next :meth:`store` takes (``per_epoch`` while filling)."""
        return min(self.replace, self.capacity) if self.full else min(per_epoch, self.capacity - len(self.items))

    def store(self, actions: torch.Tensor, rng: np.random.Generator) -> int:
        """Store one epoch's fresh cells ``[n, T]``; returns how many were stored."""
        rows = [tuple(int(a) for a in row) for row in torch.as_tensor(actions).tolist()]
        if not self.full:
            rows = rows[: self.capacity - len(self.items)]
            self.items.extend(rows)
        else:
            rows = rows[: min(self.replace, self.capacity)]
            for slot, row in zip(rng.choice(self.capacity, size=len(rows), replace=False).tolist(), rows):
                self.items[slot] = row
        self.stored += len(rows)
        return len(rows)

    def draw(self, k: int, rng: np.random.Generator) -> torch.Tensor:
        """Up to ``k`` stored action sequences ``[min(k, len), T]``, drawn uniformly without replacement."""
        if not self.items:
            raise ControllerError("the architecture buffer is empty")
        index = rng.choice(len(self.items), size=min(k, len(self.items)), replace=False)
        return torch.tensor([self.items[i] for i in index], dtype=torch.int64)

    def state_dict(self) -> dict:
        return {"capacity": self.capacity, "replace": self.replace, "stored": self.stored,
                "items": torch.tensor(self.items, dtype=torch.int64)}

    def load_state_dict(self, state: dict) -> ArchitectureBuffer:
        self.capacity, self.replace, self.stored = int(state["capacity"]), int(state["replace"]), int(state["stored"])
        self.items = [tuple(row) for row in state["items"].tolist()]
        return self


def _buffer(settings: ControllerSettings, variant: str) -> ArchitectureBuffer | None:
    return ArchitectureBuffer(settings.buffer_capacity, settings.buffer_replace) if variant == "regularised" else None


# -- training ---------------------------------------------------------------------------------------------


@dataclass
class ControllerState:
    """A trained (or loaded) controller with the shared weights it was trained against.

    ``supernet`` is the task's model (:mod:`cellprobe.search.shared`: an image supernet, or the shared recurrent
    language model of a text space); ``task_meta`` what rebuilds it; ``metric`` the cells' quality measure
    (``acc`` or ``ppl``).
    """

    space: str
    variant: str
    settings: ControllerSettings
    seed: int
    controller: Controller
    supernet: torch.nn.Module
    history: pd.DataFrame
    baseline: float
    buffer: ArchitectureBuffer | None
    dataset: str
    task_meta: dict

    @property
    def metric(self) -> str:
        return task_of(self.space).metric

    def history_table(self) -> pd.DataFrame:
        """The ``controller_history`` table of this run (with its key columns)."""
        from cellprobe.tables import CONTROLLER_HISTORY

        keys = {"space": self.space, "variant": self.variant, "seed": int(self.seed)}
        return self.history.assign(**keys)[CONTROLLER_HISTORY.columns]


def _checkpoint_tag(space, variant, settings, seed, dataset) -> dict:
    return {"space": space, "variant": variant, "settings": settings.digest(), "seed": int(seed), "dataset": dataset}


def _check_run(space, variant):
    if variant not in VARIANTS:
        raise ControllerError(f"unknown controller variant {variant!r}; use {', '.join(VARIANTS)}")
    try:
        get_space(space)
    except CellprobeError as exc:
        raise ControllerError(str(exc)) from None


def _metric_columns(metric: str, shared: float, values: torch.Tensor) -> dict:
    """The history's per-metric columns: the task's metric filled, the other kind's null."""
    columns = {}
    for kind in ("acc", "ppl"):
        mine = kind == metric
        columns[f"shared_{kind}"] = shared if mine else float("nan")
        columns[f"reward_{kind}_mean"] = float(values.mean()) if mine else float("nan")
        columns[f"reward_{kind}_std"] = (float(values.std()) if len(values) > 1 else 0.0) if mine else float("nan")
    return columns


def run_controller(
    space: str,
    variant: str,
    splits: dict,
    settings: ControllerSettings,
    seed: int,
    device: torch.device,
    *,
    checkpoint: Path | None = None,
    dataset: str = "",
    stop_after_epoch: int | None = None,
    on_epoch: Callable[[int, dict], None] | None = None,
) -> ControllerState | None:
    """Train the ``variant`` controller of ``space``: shared weights on ``splits['train']``, rewards on
    ``splits['valid']`` (images or a corpus, as the space's task reads them: :func:`load_task_data`).

    Returns ``None`` when stopped by ``stop_after_epoch`` before the last epoch (the checkpoint holds the run).
    The same ``seed`` gives every variant the same initial controller and shared weights.
    """

    _check_run(space, variant)
    torch.manual_seed(derive_seed(seed, "init"))
    task = task_of(space)(space, settings, splits, device)
    loop = EpochLoop(task.epochs, checkpoint, _checkpoint_tag(space, variant, settings, seed, dataset), seed,
                     stop_after_epoch=stop_after_epoch, on_epoch=on_epoch)
    controller = build_controller(settings, space, derive_seed(seed, "controller"))
    c_opt = torch.optim.Adam(controller.parameters(), lr=settings.lr, betas=(0.0, 0.999), eps=1e-3)
    buffer = _buffer(settings, variant)
    baseline, history = float("nan"), []

    state = loop.resume()
    if state is not None:
        task.load_state_dict(state["task"])
        controller.load_state_dict(state["controller"])
        c_opt.load_state_dict(state["c_opt"])
        if buffer is not None:
            buffer.load_state_dict(state["buffer"])
        baseline, history = float(state["baseline"]), list(state["history"])

    learn = variant != "random"
    for epoch in loop.epochs():
        generator = loop.generator(epoch, "data")
        paths = loop.generator(epoch, "paths")
        rng = np.random.default_rng(loop.seed(epoch, "buffer"))
        torch.manual_seed(loop.seed(epoch, "model"))

        # 1. shared weights: each minibatch (BPTT window) trains one sampled cell
        def sample_one():
            with torch.no_grad():
                return controller.decode(controller.sample(1, paths).actions)[0]

        shared = task.shared_epoch(epoch, sample_one, generator)

        # 2. controller: REINFORCE against the sampled cells' quality under the shared weights
        batches = task.reward_batches(generator)
        recon_on = buffer is not None and epoch + 1 >= settings.recon_start_epoch
        metrics, rewards, entropies, log_probs, policy_losses, recon_losses, distinct = [], [], [], [], [], [], set()
        for _ in range(settings.controller_steps):
            with torch.set_grad_enabled(learn):
                sample = controller.sample(settings.controller_batch, paths)
            genotypes = controller.decode(sample.actions)
            metric, quality = task.measure(genotypes, next(batches))
            reward = (quality + settings.entropy_weight * sample.entropy.double()).float()
            mean_reward = float(reward.mean())
            baseline = mean_reward if math.isnan(baseline) else (
                settings.baseline_decay * baseline + (1 - settings.baseline_decay) * mean_reward)
            policy_loss = -((reward - baseline) * sample.log_prob).mean()
            loss = policy_loss
            if recon_on and len(buffer):
                recon = -controller.log_prob(buffer.draw(settings.recon_batch, rng)).mean()
                loss = loss + settings.recon_weight * recon
                recon_losses.append(float(recon.detach()))
            if learn:
                c_opt.zero_grad(set_to_none=True)
                loss.backward()
                c_opt.step()
            metrics.append(metric)
            rewards.append(reward)
            entropies.append(sample.entropy)
            log_probs.append(sample.log_prob.detach())
            policy_losses.append(float(policy_loss.detach()))
            distinct.update(g.arch_id for g in genotypes)

        # 3. the regularised variant's memory: fresh cells from the controller at the end of the epoch
        if buffer is not None and epoch + 1 >= settings.buffer_start_epoch:
            wanted = buffer.wanted(settings.buffer_per_epoch)
            if wanted:
                with torch.no_grad():
                    buffer.store(controller.sample(wanted, paths).actions, rng)

        record = {
            "epoch": epoch + 1, "lr": shared["lr"], "shared_loss": shared["shared_loss"],
            **_metric_columns(task.metric, shared["shared_metric"], torch.cat(metrics)),
            "reward_mean": float(torch.cat(rewards).mean()), "baseline": baseline,
            "entropy_mean": float(torch.cat(entropies).mean()), "log_prob_mean": float(torch.cat(log_probs).mean()),
            "policy_loss": float(np.mean(policy_losses)),
            "recon_loss": float(np.mean(recon_losses)) if recon_losses else float("nan"),
            "buffer_size": len(buffer) if buffer is not None else 0,
            "distinct_archs": len(distinct),
        }
        history.append(record)
        going = loop.finish(epoch, record, {
            "baseline": baseline, "history": history, "task": task.state_dict(),
            "controller": controller.state_dict(), "c_opt": c_opt.state_dict(),
            "buffer": buffer.state_dict() if buffer is not None else {},
        })
        if not going:
            return None

    return ControllerState(space, variant, settings, int(seed), controller, task.model, pd.DataFrame(history), baseline,
                           buffer, dataset, task.meta)


# -- the artifact -------------------------------------------------------------------------------------------


def save_controller(state: ControllerState, path) -> Path:
    """Write the trained controller, its supernet and history as one ``torch.save`` file (atomically)."""
    return save_torch(path, {
        "format": _FORMAT, "version": _FORMAT_VERSION,
        "space": state.space, "variant": state.variant, "seed": int(state.seed), "dataset": state.dataset,
        "settings": json.dumps(asdict(state.settings), sort_keys=True),
        "task_meta": json.dumps(state.task_meta, sort_keys=True),
        "baseline": float(state.baseline), "history": state.history.to_dict("records"),
        "controller": {k: v.detach().cpu() for k, v in state.controller.state_dict().items()},
        "supernet": {k: v.detach().cpu() for k, v in state.supernet.state_dict().items()},
        "buffer": state.buffer.state_dict() if state.buffer is not None else {},
    })


def load_controller(path) -> ControllerState:
    """Read a file written by :func:`save_controller` (controller and supernet on the CPU)."""
    path = Path(path)
    if not path.is_file():
        raise ControllerError(f"{path}: controller file not found")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for foreign or corrupt files
        raise ControllerError(f"{path}: not a readable controller file ({str(exc).splitlines()[0][:120]})") from None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise ControllerError(f"{path}: not a cellprobe controller file (written by `cellprobe controller train`)")
    if data.get("version") != _FORMAT_VERSION:
        raise ControllerError(f"{path}: controller file version {data.get('version')}, this cellprobe reads "
                              f"{_FORMAT_VERSION}; rerun `cellprobe controller train`")
    settings = ControllerSettings.from_dict(json.loads(data["settings"]))
    space = data["space"]
    controller = build_controller(settings, space, 0)
    controller.load_state_dict(data["controller"])
    meta = json.loads(data["task_meta"])
    supernet = task_of(space).build_model(space, settings, meta)
    supernet.load_state_dict(data["supernet"])
    buffer = _buffer(settings, data["variant"])
    if buffer is not None:
        buffer.load_state_dict(data["buffer"])
    return ControllerState(space, data["variant"], settings, int(data["seed"]), controller, supernet,
                           pd.DataFrame(data["history"]), float(data["baseline"]), buffer, data["dataset"], meta)
