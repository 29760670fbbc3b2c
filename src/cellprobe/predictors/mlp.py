"""An MLP on the flat one-hot encoding (:func:`cellprobe.predictors.encoding.onehot`).

>>> from cellprobe.spaces.nb201 import benchmark_order
>>> cells = benchmark_order()[:8]
>>> p = MLPPredictor("nb201", epochs=2).fit(cells, range(8))
>>> p.predict(cells).shape
(8,)
"""

from __future__ import annotations

import torch
from torch import nn

from cellprobe.predictors.base import TorchPredictor
from cellprobe.predictors.encoding import onehot, onehot_size
from cellprobe.predictors.registry import register_predictor

__all__ = ["MLPPredictor", "mlp_layers"]


def mlp_layers(n_in: int, hidden: tuple[int, ...], dropout: float = 0.0) -> nn.Sequential:
    """``Linear → ReLU (→ Dropout)`` for each hidden width, then a ``Linear`` to one output."""
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(n_in, width), nn.ReLU()]
        if dropout:
            layers.append(nn.Dropout(dropout))
        n_in = width
    layers.append(nn.Linear(n_in, 1))
    return nn.Sequential(*layers)


class _MLP(nn.Module):
    def __init__(self, n_in: int, hidden: tuple[int, ...], dropout: float):
        super().__init__()
        self.net = mlp_layers(n_in, hidden, dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


@register_predictor
class MLPPredictor(TorchPredictor):
    """A multi-layer perceptron on the flat one-hot encoding.

    ``hidden``: widths of the hidden layers; ``dropout``: dropout after each hidden layer. The training
    settings (``epochs``, ``batch_size``, ``lr``, ``weight_decay``, ...) are those of :class:`TorchPredictor`.
    """

    name = "mlp"

    def __init__(
        self,
        space: str,
        loss: str = "hinge",
        seed: int = 0,
        *,
        hidden: tuple[int, ...] = (256, 256),
        dropout: float = 0.0,
        **training,
    ):
        training.setdefault("weight_decay", 5e-4)
        super().__init__(space, loss, seed, **training)
        self.hidden = tuple(int(h) for h in hidden)
        self.dropout = float(dropout)

    def _build_module(self) -> nn.Module:
        return _MLP(onehot_size(self.space), self.hidden, self.dropout)

    def _encode(self, genotypes: list) -> tuple[torch.Tensor, ...]:
        return (torch.from_numpy(onehot(genotypes, self.space)),)
