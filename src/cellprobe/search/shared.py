"""The shared weights an ENAS controller is trained against, one kind per :attr:`Space.task <cellprobe.spaces.base.Space.task>`.

A controller run (:func:`cellprobe.search.controller.run_controller`) alternates a *shared* epoch — the shared
weights train on cells the controller samples, one per minibatch — with controller updates rewarded by each
sampled cell's quality under those weights. What the weights are, what data they read and what "quality" means
is the task's:

* :class:`ImageTask` (NB201, DARTS) — cellprobe's one-shot supernet on a prepared image dataset; one sampled path
  per training minibatch (with the dataset's augmentation); reward: validation accuracy on one validation
  minibatch (batch-norm batch statistics), as a fraction;
* :class:`TextTask` (``enas-rnn``) — ENAS' shared recurrent language model (:class:`cellprobe.nn.rnn.SharedRNN`)
  on a prepared corpus (``token_split`` tables); one sampled cell per BPTT window; reward: ``reward_c`` /
  perplexity on the next validation window(s), as ENAS.

Every task reports its cells' quality as one *metric* (``acc``: accuracy in %, higher is better; ``ppl``:
perplexity, lower is better), saves its state for the per-epoch checkpoint, and rebuilds its weights from the
``meta`` it records (the number of classes and channels, or the vocabulary size).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import torch
import torch.nn.functional as F

from cellprobe.search.controller_settings import ControllerError, ControllerSettings
from cellprobe.spaces import get_space

__all__ = ["SharedTask", "ImageTask", "TextTask", "TASKS", "task_of", "load_task_data"]


class SharedTask:
    """The shared weights of a controller run and how they train and score cells (see the module docstring)."""

    #: The cells' quality measure: ``acc`` (%, higher is better) or ``ppl`` (lower is better); the history's
    #: ``shared_<metric>`` and ``reward_<metric>_*`` columns are named after it.
    metric: str
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer

    def __init__(self, space: str, settings: ControllerSettings, splits: dict, device: torch.device):
        self.space, self.settings, self.splits, self.device = space, settings, splits, device

    # -- what a subclass provides ---------------------------------------------------------------------------
    @staticmethod
    def load(folder: Path, names=("train", "valid")) -> dict:
        """The named splits of a prepared dataset folder."""
        raise NotImplementedError

    @classmethod
    def build_model(cls, space: str, settings: ControllerSettings, meta: dict) -> torch.nn.Module:
        """The shared weights, freshly initialised (from torch's global seed), for ``meta``."""
        raise NotImplementedError

    @property
    def meta(self) -> dict:
        """What :meth:`build_model` needs to rebuild the weights."""
        raise NotImplementedError

    @property
    def epochs(self) -> int:
        raise NotImplementedError

    def shared_epoch(self, epoch: int, sample: Callable[[], object], generator: torch.Generator) -> dict:
        """One pass of the shared weights, a cell from ``sample()`` per minibatch: ``shared_loss``, ``shared_metric``."""
        raise NotImplementedError

    def reward_batches(self, generator: torch.Generator) -> Iterator:
        """The validation batches the controller's updates are scored on, one per update, forever."""
        raise NotImplementedError

    def measure(self, genotypes: list, batch) -> tuple[torch.Tensor, torch.Tensor]:
        """Each genotype's metric on ``batch`` and its reward before the entropy bonus (float64 tensors)."""
        raise NotImplementedError

    @classmethod
    def score(cls, model: torch.nn.Module, space: str, settings: ControllerSettings, genotypes: list, splits: dict,
              device: torch.device, limit: int | None) -> list[float]:
        """The metric of each genotype on the validation split under ``model`` (images: the first ``limit``
        images, None: all; text: the settings' ``lm.score_windows`` BPTT windows)."""
        raise NotImplementedError

    @classmethod
    def retrain(cls, space: str, settings: ControllerSettings, genotype, splits: dict, device: torch.device, *,
                epochs: int, seed: int, checkpoint: Path | None = None,
                stop_after_epoch: int | None = None) -> dict | None:
        """Train ``genotype`` alone from scratch; its validation and test metric (``valid_<metric>``,
        ``test_<metric>``). A per-epoch ``checkpoint`` lets a killed run resume to the same figures; ``None``
        when stopped by ``stop_after_epoch`` before the last epoch."""
        raise ControllerError(f"{space} cells are trained from scratch by the train stage (`cellprobe train`), "
                              "not by the controller")

    # -- shared ---------------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])


class ImageTask(SharedTask):
    """The one-shot supernet of an image space (NB201, DARTS) trained on sampled paths."""

    metric = "acc"

    def __init__(self, space, settings, splits, device):
        from cellprobe.data import AUGMENT_PRESETS

        super().__init__(space, settings, splits, device)
        shared = settings.supernet
        if shared.augment not in AUGMENT_PRESETS:
            raise ControllerError(f"unknown augmentation {shared.augment!r}; known: {', '.join(AUGMENT_PRESETS)}")
        train, valid = splits.get("train"), splits.get("valid")
        if not hasattr(train, "x") or not hasattr(valid, "x"):
            raise ControllerError(f"the {space} controller trains on a prepared image dataset (train and valid "
                                  "images); this one is not")
        if len(train.x) < 2 or len(valid.x) < 2:
            raise ControllerError("the controller needs at least 2 training and 2 validation images")
        self.augment = AUGMENT_PRESETS[shared.augment]
        self.model = self.build_model(space, settings, self.meta).to(device)
        if shared.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=shared.w_lr, momentum=shared.w_momentum,
                                         weight_decay=shared.w_weight_decay)

    @staticmethod
    def load(folder, names=("train", "valid")):
        from cellprobe.data import load_splits

        return load_splits(folder, names)

    @classmethod
    def build_model(cls, space, settings, meta):
        from cellprobe.search.loop import build_search_supernet

        return build_search_supernet(space, settings.supernet, int(meta["num_classes"]), int(meta["in_channels"]))

    @property
    def meta(self):
        train = self.splits["train"]
        return {"num_classes": int(train.meta["num_classes"]), "in_channels": int(train.x.shape[1])}

    @property
    def epochs(self):
        return self.settings.supernet.epochs

    def shared_epoch(self, epoch, sample, generator):
        from cellprobe.data import minibatches, to_device

        shared, train, supernet = self.settings.supernet, self.splits["train"], self.model
        lr = shared.lr_at(epoch)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        supernet.train()
        order = torch.randperm(len(train.x), generator=generator)
        loss_sum, correct, seen = 0.0, 0, 0
        for step, (xb, yb) in enumerate(minibatches(train.x, train.y, order, shared.batch_size)):
            if self.settings.shared_steps and step >= self.settings.shared_steps:
                break
            weights = supernet.discretize(sample())
            xb = to_device(self.augment(xb, generator), self.device, shared.channels_last)
            yb = yb.to(self.device)
            self.optimizer.zero_grad(set_to_none=True)
            logits = supernet(xb, weights)
            loss = F.cross_entropy(logits, yb)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(supernet.parameters(), shared.grad_clip)
            self.optimizer.step()
            loss_sum += loss.item() * len(yb)
            correct += (logits.detach().argmax(1) == yb).sum().item()
            seen += len(yb)
        return {"lr": lr, "shared_loss": loss_sum / max(seen, 1), "shared_metric": 100.0 * correct / max(seen, 1)}

    def reward_batches(self, generator):
        valid, size = self.splits["valid"], self.settings.reward_images
        order = torch.randperm(len(valid.x), generator=generator)
        while True:
            for start in range(0, len(order), size):
                idx = order[start : start + size]
                if len(idx) >= 2:
                    yield valid.x[idx], valid.y[idx]

    def measure(self, genotypes, batch):
        from cellprobe.search.loop import batch_statistics, measure

        shared, supernet = self.settings.supernet, self.model
        xv, yv = batch
        with batch_statistics(supernet):  # one walk of the module tree for the whole batch of architectures
            acc = torch.tensor([measure(supernet, supernet.discretize(g), xv, yv, shared.eval_batch_size, self.device,
                                        shared.channels_last)[0] for g in genotypes], dtype=torch.float64)
        return acc, acc / 100.0

    @classmethod
    def score(cls, model, space, settings, genotypes, splits, device, limit):
        import pandas as pd

        from cellprobe.search.loop import SearchState
        from cellprobe.search.select import score_architectures

        state = SearchState(space, settings.supernet, 0, model, {}, pd.DataFrame(), pd.DataFrame())
        scores = score_architectures(state, genotypes, splits, device, eval_images=limit)
        return [float(v) for v in scores["valid_acc"]]


class TextTask(SharedTask):
    """ENAS' shared recurrent language model of a text space (``enas-rnn``), trained on sampled cells."""

    metric = "ppl"

    def __init__(self, space, settings, splits, device):
        from cellprobe.nn.rnn import batchify

        super().__init__(space, settings, splits, device)
        lm = settings.lm
        train, valid = splits.get("train"), splits.get("valid")
        if not hasattr(train, "tokens") or not hasattr(valid, "tokens"):
            raise ControllerError(f"the {space} controller trains a language model on a prepared corpus "
                                  "(token_split tables, e.g. the wikitext dataset); this dataset is not one")
        try:
            self.train_streams = batchify(train.tokens, lm.batch_size).to(device)
            self.valid_streams = batchify(valid.tokens, lm.eval_batch_size).to(device)
        except ValueError as exc:
            raise ControllerError(f"the corpus is too short for the language model: {exc}") from None
        self.model = self.build_model(space, settings, self.meta).to(device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lm.lr, weight_decay=lm.weight_decay)

    @staticmethod
    def load(folder, names=("train", "valid")):
        from cellprobe.data import load_tokens
        from cellprobe.errors import DataError

        folder = Path(folder)
        splits = {}
        for split in names:
            path = folder / f"{split}.parquet"
            if not path.is_file():
                raise DataError(f"{path}: not found (prepare the corpus with `cellprobe prep`)")
            splits[split] = load_tokens(path)
        return splits

    @classmethod
    def build_model(cls, space, settings, meta):
        from cellprobe.nn.rnn import SharedRNN

        lm = settings.lm
        return SharedRNN(int(meta["vocab_size"]), hidden=lm.hidden, dropout=lm.dropout, init_range=lm.init_range,
                         max_hidden_norm=lm.max_hidden_norm)

    @property
    def meta(self):
        return {"vocab_size": len(self.splits["train"].vocab)}

    @property
    def epochs(self):
        return self.settings.lm.epochs

    def shared_epoch(self, epoch, sample, generator):
        import math

        from cellprobe.nn.rnn import train_epoch

        lm = self.settings.lm
        loss = train_epoch(self.model, self.train_streams, self.optimizer, sample, bptt=lm.bptt,
                           grad_clip=lm.grad_clip, max_batches=lm.shared_windows or None)
        return {"lr": lm.lr, "shared_loss": loss, "shared_metric": math.exp(min(loss, 50.0))}

    def reward_batches(self, generator):
        """Consecutive runs of ``reward_windows`` validation windows, from a random start, cycling."""
        from cellprobe.nn.rnn import bptt_batches

        lm = self.settings.lm
        windows = list(bptt_batches(self.valid_streams, lm.bptt))
        start = int(torch.randint(len(windows), (1,), generator=generator))
        while True:
            yield [windows[(start + i) % len(windows)] for i in range(lm.reward_windows)]
            start = (start + lm.reward_windows) % len(windows)

    def measure(self, genotypes, batch):
        from cellprobe.nn.rnn import window_perplexity

        ppl = torch.tensor([window_perplexity(self.model, batch, g) for g in genotypes], dtype=torch.float64)
        return ppl, self.settings.lm.reward_c / ppl

    @classmethod
    def score(cls, model, space, settings, genotypes, splits, device, limit):
        from cellprobe.nn.rnn import batchify, perplexity

        lm = settings.lm
        streams = batchify(splits["valid"].tokens, lm.eval_batch_size).to(device)
        model = model.to(device)
        return [perplexity(model, streams, g, bptt=lm.bptt, max_batches=lm.score_windows) for g in genotypes]

    @classmethod
    def retrain(cls, space, settings, genotype, splits, device, *, epochs, seed, checkpoint=None,
                stop_after_epoch=None):
        """ENAS' last step at CPU scale: the cell alone, fresh weights, ``epochs`` passes over the training text
        (the same language model and optimiser as the shared weights); perplexity on the whole validation and
        test text (``lm.test_batch_size`` streams)."""
        from cellprobe.nn.rnn import batchify, perplexity, train_epoch
        from cellprobe.runtime import EpochLoop

        lm = settings.lm
        tag = {"retrain": genotype.arch_id, "space": space, "settings": settings.digest(), "seed": int(seed),
               "epochs": int(epochs)}
        loop = EpochLoop(epochs, checkpoint, tag, seed, key=("retrain", genotype.arch_id),
                         stop_after_epoch=stop_after_epoch)
        torch.manual_seed(loop.seed(0, "init"))
        model = cls.build_model(space, settings, {"vocab_size": len(splits["train"].vocab)}).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=lm.lr, weight_decay=lm.weight_decay)
        state = loop.resume()
        if state is not None:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
        streams = batchify(splits["train"].tokens, lm.batch_size).to(device)
        for epoch in loop.epochs():
            torch.manual_seed(loop.seed(epoch, "dropout"))
            loss = train_epoch(model, streams, optimizer, lambda: genotype, bptt=lm.bptt, grad_clip=lm.grad_clip,
                               max_batches=lm.shared_windows or None)
            if not loop.finish(epoch, {"loss": loss}, {"model": model.state_dict(),
                                                        "optimizer": optimizer.state_dict()}):
                return None
        out = {}
        for split in ("valid", "test"):
            held_out = batchify(splits[split].tokens, lm.test_batch_size).to(device)
            out[f"{split}_ppl"] = perplexity(model, held_out, genotype, bptt=lm.bptt)
        return out


#: The shared-weight task of each :attr:`Space.task`.
TASKS: dict[str, type[SharedTask]] = {"image": ImageTask, "text": TextTask}


def task_of(space: str) -> type[SharedTask]:
    """The :class:`SharedTask` class that trains ``space``'s controller."""
    return TASKS[get_space(space).task]


def load_task_data(space: str, folder, names=("train", "valid")) -> dict:
    """The named splits of the prepared dataset folder ``folder`` as ``space``'s task reads them (images or a
    corpus)."""
    return task_of(space).load(folder, names)
