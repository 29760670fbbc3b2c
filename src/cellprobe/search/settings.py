"""The settings of a search run (torch-free, so ``params.yaml`` checks can use them).

:class:`SearchSettings` decides one supernet search (method, epochs, optimisers, supernet size, ...); an ENAS
controller run's settings (:mod:`cellprobe.search.controller_settings`) nest one for its shared supernet.

>>> SearchSettings.from_dict({"method": "spos", "epochs": 2}).bilevel
False
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from cellprobe.errors import CellprobeError
from cellprobe.settings import check_fields, settings_digest, settings_from_dict

__all__ = ["METHODS", "ONE_SHOT", "POOLED", "RUN_NAME", "SearchError", "SearchSettings"]

METHODS = ("darts-1st", "darts-2nd", "darts-single", "snas", "spos", "spos-mc3", "spos-mc5", "spos-deiso", "fairnas")
#: The one-shot methods: their paths are sampled, not weighted by a learned α (no magnitude selection).
ONE_SHOT = ("spos", "spos-mc3", "spos-mc5", "spos-deiso", "fairnas")
#: The uniform one-shot methods that may train on a pool of architectures only (``run_search(pool=...)``).
POOLED = ("spos", "spos-mc3", "spos-mc5")
#: A named variant of a method (``search.variants``): lower-case letters, digits and dashes.
RUN_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


class SearchError(CellprobeError):
    """Invalid search settings or inputs."""


@dataclass(frozen=True)
class SearchSettings:
    """Everything that decides a search run (one method on one space).

    ``run``: the run's name in its tables when it is a named variant of its method (``search.variants``, e.g. a
    supernet of fewer cells for the layer-proxy experiment); empty for the method itself.
    """

    method: str = "darts-1st"
    epochs: int = 3
    batch_size: int = 64
    w_lr: float = 0.05
    w_lr_min: float = 0.001
    w_momentum: float = 0.9
    w_weight_decay: float = 3e-4
    grad_clip: float = 5.0
    alpha_lr: float = 0.03
    alpha_weight_decay: float = 1e-3
    tau_max: float = 1.0
    tau_min: float = 0.1
    hard: bool = False
    C: int = 8
    depth: int = 5
    partial_channels: int = 1
    augment: str = "digits"
    cost_batches: int = 1
    eval_batch_size: int = 128
    channels_last: bool = False
    run: str = ""

    def __post_init__(self):
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.run and (not isinstance(self.run, str) or not RUN_NAME.fullmatch(self.run) or self.run in METHODS):
            raise ValueError(f"run must name a variant in lower-case letters, digits and dashes, other than a "
                             f"method, got {self.run!r}")
        check_fields(self, at_least={"epochs": 1, "batch_size": 2, "C": 1, "depth": 1, "eval_batch_size": 1,
                                     "partial_channels": 1, "cost_batches": 0},
                     positive=("w_lr", "alpha_lr", "tau_max", "tau_min"),
                     non_negative=("w_lr_min", "w_weight_decay", "grad_clip", "alpha_weight_decay"))

    @classmethod
    def from_dict(cls, data: dict) -> SearchSettings:
        return settings_from_dict(cls, data, "search settings", SearchError)

    @property
    def name(self) -> str:
        """What the run's tables call it: its variant name, else its method."""
        return self.run or self.method

    @property
    def bilevel(self) -> bool:
        return self.method in ("darts-1st", "darts-2nd")

    def digest(self) -> str:
        return settings_digest(self)

    def weighting(self):
        """The edge weighting of :attr:`method` (:mod:`cellprobe.search.weighting`)."""
        from cellprobe.search.weighting import make_weighting

        return make_weighting(self.method, tau_max=self.tau_max, tau_min=self.tau_min, hard=self.hard)

    def lr_at(self, epoch: int) -> float:
        """Cosine schedule of the weights' learning rate (the rate used during 0-based ``epoch``)."""
        return self.w_lr_min + 0.5 * (self.w_lr - self.w_lr_min) * (1 + math.cos(math.pi * epoch / self.epochs))
