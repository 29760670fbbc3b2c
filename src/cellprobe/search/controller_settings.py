"""The settings of an ENAS controller run (torch-free, so ``params.yaml`` checks can use them).

:class:`ControllerSettings` decides one controller run: the controller and its REINFORCE training, the
memory buffer of the regularised variant, and the shared weights it is rewarded against — nested, as a
:class:`~cellprobe.search.settings.SearchSettings` of the uniform one-shot method, the image supernet
(``supernet``), or the recurrent language model of a text space (``lm``, an :class:`LMSettings`). A module of
its own, so that tuning the controller leaves the search stage's code untouched.

>>> ControllerSettings.from_dict({"hidden": 16, "supernet": {"epochs": 2}}).supernet.depth
1
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cellprobe.errors import CellprobeError
from cellprobe.search.settings import SearchSettings
from cellprobe.settings import check_fields, nested_settings, settings_digest, settings_from_dict

__all__ = ["VARIANTS", "ControllerError", "LMSettings", "ControllerSettings"]

#: Controller variants: trained by REINFORCE, never updated, or regularised by a memory buffer.
VARIANTS = ("trained", "random", "regularised")


class ControllerError(CellprobeError):
    """Invalid controller settings, actions or files."""


def _controller_supernet() -> SearchSettings:
    """The controller's shared weights: uniform one-shot paths on a one-cell-per-stage supernet, no edge costs."""
    return SearchSettings(method="spos", epochs=20, depth=1, cost_batches=0, eval_batch_size=256)


@dataclass(frozen=True)
class LMSettings:
    """The shared-weight recurrent language model of a controller run on a text space (``enas-rnn``).

    ENAS trained it with SGD (lr 20, BPTT 35) for 150 epochs on Penn Treebank; on a CPU the defaults suit a
    character-level corpus (``benchmarks/bench_rnn_lm.py``: it halves the unigram perplexity in a few epochs where
    a word-level one does not beat it), trained with Adam on short BPTT windows: for the same CPU time, windows of
    10 steps give 3.5× the updates of 35 and reach perplexity 13 in 3 epochs of 100k characters where 35 stays
    at the unigram's 25 (measured on this 2-core machine). A step costs about the same for 64 or 128 streams
    (the cell runs node by node), so 128 streams (lr 0.02) read an epoch in half the time: a controller run's
    shared model reached validation perplexity 19 in 3 epochs in 31 s, against 16.5 in 46 s with 64 streams at
    lr 0.01 (lr 0.03 at 128 streams: 16.6, but cells blew up to perplexities of 1e26 in the first epoch).
    ``shared_windows`` > 0 caps the BPTT windows per epoch; ``reward_windows`` validation windows of
    ``eval_batch_size`` streams score each sampled cell (reward ``reward_c`` / perplexity, ENAS' c = 80);
    ``score_windows`` windows score a cell in the analysis. A window
    of 64 streams costs about as much as one of 16 on the CPU (one time step at a time either way), so wide
    windows buy the same text for a quarter of the time; a retrained cell is evaluated on the whole validation
    and test text in ``test_batch_size`` streams.
    """

    epochs: int = 3
    hidden: int = 32
    dropout: float = 0.2
    init_range: float = 0.05
    max_hidden_norm: float = 25.0
    batch_size: int = 128
    eval_batch_size: int = 64
    test_batch_size: int = 256
    bptt: int = 10
    lr: float = 0.02
    weight_decay: float = 0.0
    grad_clip: float = 0.25
    shared_windows: int = 0
    reward_windows: int = 1
    reward_c: float = 80.0
    score_windows: int = 5

    def __post_init__(self):
        check_fields(self, at_least={name: 1 for name in ("epochs", "hidden", "batch_size", "eval_batch_size",
                                                          "test_batch_size", "bptt", "reward_windows",
                                                          "score_windows")}
                     | {"shared_windows": 0},
                     positive=("init_range", "max_hidden_norm", "lr", "grad_clip", "reward_c"),
                     non_negative=("weight_decay",))
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must lie in [0, 1), got {self.dropout!r}")


@dataclass(frozen=True)
class ControllerSettings:
    """Everything that decides a controller run: the controller, its training, the buffer, the supernet.

    Controller defaults follow ENAS' micro search (LSTM size 64, temperature 5, tanh constant 1.1, op tanh
    reduce 2.5, entropy weight 1e-4, Adam with β₁ = 0 and ε = 1e-3, 10 architectures per update). The run
    length, the learning rate (ENAS: 0.0035 over thousands of updates) and the baseline decay (ENAS: 0.99)
    are scaled to a run of a few hundred updates on the CPU. ``supernet`` (a :class:`SearchSettings` of
    method ``spos``; a mapping is merged over its defaults) sets the epochs, the shared weights' optimiser,
    the supernet's size and the evaluation batch; ``shared_steps`` > 0 caps its steps per epoch. A text space's
    shared weights are the recurrent language model ``lm`` (an :class:`LMSettings`) instead.

    The regularised variant's memory buffer follows Adam & Lorraine's schedule, counted in 1-based epochs: at
    the end of epoch ``buffer_start_epoch`` and of every later one, ``buffer_per_epoch`` cells freshly sampled
    from the controller are stored while fewer than ``buffer_capacity`` are held; once it is full,
    ``buffer_replace`` uniformly drawn entries are overwritten per epoch instead. The controller updates of epoch
    ``recon_start_epoch`` and later add ``recon_weight`` × the reconstruction loss (teacher-forced negative
    log-likelihood, from the logits) of ``recon_batch`` cells drawn from the buffer. The paper's values (5, 1,000,
    10,000, 100, 10, 100) are the cluster preset's; the defaults scale them to a run of a few epochs.
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
    buffer_start_epoch: int = 1
    buffer_per_epoch: int = 100
    buffer_capacity: int = 400
    buffer_replace: int = 20
    recon_start_epoch: int = 2
    recon_weight: float = 1.0
    recon_batch: int = 10
    # shared weights (the supernet, trained on sampled paths; the language model of a text space)
    shared_steps: int = 0
    supernet: SearchSettings = field(default_factory=_controller_supernet)
    lm: LMSettings = field(default_factory=LMSettings)

    def __post_init__(self):
        object.__setattr__(self, "supernet", nested_settings(self.supernet, _controller_supernet(), "supernet",
                                                             ValueError))
        object.__setattr__(self, "lm", nested_settings(self.lm, LMSettings(), "lm", ValueError))
        if self.supernet.method != "spos":
            raise ValueError(f"supernet.method must be spos (the controller samples one path per step), "
                             f"got {self.supernet.method!r}")
        check_fields(self, at_least={name: 1 for name in ("hidden", "layers", "controller_steps", "controller_batch",
                                                          "reward_images", "buffer_capacity", "buffer_per_epoch",
                                                          "recon_batch", "buffer_start_epoch", "recon_start_epoch")}
                     | {"buffer_replace": 0, "shared_steps": 0},
                     positive=("temperature", "lr", "op_tanh_reduce", "init_range"),
                     non_negative=("tanh_constant", "entropy_weight", "recon_weight"))
        if not 0 <= self.baseline_decay < 1:
            raise ValueError(f"baseline_decay must lie in [0, 1), got {self.baseline_decay!r}")

    @classmethod
    def from_dict(cls, data: dict) -> ControllerSettings:
        return settings_from_dict(cls, data, "controller settings", ControllerError)

    def digest(self) -> str:
        return settings_digest(self)
