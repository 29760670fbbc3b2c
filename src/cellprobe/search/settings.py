"""The settings of a search run and of an ENAS controller run (torch-free, so ``params.yaml`` checks can use them).

:class:`SearchSettings` decides one supernet search (method, epochs, optimisers, supernet size, ...).
:class:`ControllerSettings` decides one controller run: the controller and its REINFORCE training, the
memory buffer of the regularised variant, and — nested, as a :class:`SearchSettings` of the uniform
one-shot method — how its shared-weight supernet is built and trained (``supernet``).

>>> ControllerSettings.from_dict({"hidden": 16, "supernet": {"epochs": 2}}).supernet.depth
1
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from cellprobe.errors import CellprobeError
from cellprobe.settings import check_fields, nested_settings, settings_digest, settings_from_dict

__all__ = ["METHODS", "ONE_SHOT", "POOLED", "RUN_NAME", "VARIANTS", "SearchError", "ControllerError", "SearchSettings", "ControllerSettings"]

METHODS = ("darts-1st", "darts-2nd", "darts-single", "snas", "spos", "spos-mc3", "spos-mc5", "spos-deiso", "fairnas")
#: The one-shot methods: their paths are sampled, not weighted by a learned α (no magnitude selection).
ONE_SHOT = ("spos", "spos-mc3", "spos-mc5", "spos-deiso", "fairnas")
#: The uniform one-shot methods that may train on a pool of architectures only (``run_search(pool=...)``).
POOLED = ("spos", "spos-mc3", "spos-mc5")
#: A named variant of a method (``search.variants``): lower-case letters, digits and dashes.
RUN_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
#: Controller variants: trained by REINFORCE, never updated, or regularised by a memory buffer.
VARIANTS = ("trained", "random", "regularised")


class SearchError(CellprobeError):
    """Invalid search settings or inputs."""


class ControllerError(CellprobeError):
    """Invalid controller settings, actions or files."""


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


def _controller_supernet() -> SearchSettings:
    """The controller's shared weights: uniform one-shot paths on a one-cell-per-stage supernet, no edge costs."""
    return SearchSettings(method="spos", epochs=20, depth=1, cost_batches=0, eval_batch_size=256)


@dataclass(frozen=True)
class ControllerSettings:
    """Everything that decides a controller run: the controller, its training, the buffer, the supernet.

    Controller defaults follow ENAS' micro search (LSTM size 64, temperature 5, tanh constant 1.1, op tanh
    reduce 2.5, entropy weight 1e-4, Adam with β₁ = 0 and ε = 1e-3, 10 architectures per update). The run
    length, the learning rate (ENAS: 0.0035 over thousands of updates) and the baseline decay (ENAS: 0.99)
    are scaled to a run of a few hundred updates on the CPU. ``supernet`` (a :class:`SearchSettings` of
    method ``spos``; a mapping is merged over its defaults) sets the epochs, the shared weights' optimiser,
    the supernet's size and the evaluation batch; ``shared_steps`` > 0 caps its steps per epoch.
    """

    # controller
    hidden: int = 64
    layers: int = 1
    init_range: float = 0.1
    temperature: float = 5.0
    tanh_constant: float = 1.1
    op_tanh_reduce: float = 2.5
    # REINFORCE
    lr: float = 0.03
    entropy_weight: float = 1e-4
    baseline_decay: float = 0.9
    controller_steps: int = 10
    controller_batch: int = 10
    reward_images: int = 64
    # regularised variant: memory buffer and reconstruction loss
    buffer_capacity: int = 100
    buffer_warmup: int = 20
    recon_weight: float = 1.0
    recon_batch: int = 10
    # shared weights (the supernet, trained on sampled paths)
    shared_steps: int = 0
    supernet: SearchSettings = field(default_factory=_controller_supernet)

    def __post_init__(self):
        object.__setattr__(self, "supernet", nested_settings(self.supernet, _controller_supernet(), "supernet",
                                                             ValueError))
        if self.supernet.method != "spos":
            raise ValueError(f"supernet.method must be spos (the controller samples one path per step), "
                             f"got {self.supernet.method!r}")
        check_fields(self, at_least={name: 1 for name in ("hidden", "layers", "controller_steps", "controller_batch",
                                                          "reward_images", "buffer_capacity", "recon_batch")}
                     | {"buffer_warmup": 0, "shared_steps": 0},
                     positive=("temperature", "lr", "op_tanh_reduce", "init_range"),
                     non_negative=("tanh_constant", "entropy_weight", "recon_weight"))
        if not 0 <= self.baseline_decay < 1:
            raise ValueError(f"baseline_decay must lie in [0, 1), got {self.baseline_decay!r}")

    @classmethod
    def from_dict(cls, data: dict) -> ControllerSettings:
        return settings_from_dict(cls, data, "controller settings", ControllerError)

    @property
    def epochs(self) -> int:
        return self.supernet.epochs

    def digest(self) -> str:
        return settings_digest(self)
