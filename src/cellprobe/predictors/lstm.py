"""An LSTM over the token sequence of an architecture (:func:`cellprobe.predictors.encoding.tokens`).

>>> from cellprobe.spaces.nb201 import benchmark_order
>>> cells = benchmark_order()[:8]
>>> LSTMPredictor("nb201", epochs=2).fit(cells, range(8)).predict(cells).shape
(8,)
"""

from __future__ import annotations

import torch
from torch import nn

from cellprobe.predictors.base import TorchPredictor
from cellprobe.predictors.encoding import token_shape, tokens
from cellprobe.predictors.mlp import mlp_layers
from cellprobe.predictors.registry import register_predictor

__all__ = ["LSTMPredictor"]


class _LSTM(nn.Module):
    def __init__(self, vocabulary: int, embedding: int, hidden: int, layers: int, head: tuple[int, ...]):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, embedding)
        self.lstm = nn.LSTM(embedding, hidden, num_layers=layers, batch_first=True)
        self.head = mlp_layers(hidden, head)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(self.embedding(tokens))
        return self.head(out.mean(dim=1)).squeeze(-1)


@register_predictor
class LSTMPredictor(TorchPredictor):
    """An LSTM reading one embedded token per edge; the mean of its outputs goes through an MLP head.

    ``embedding``: token embedding size; ``hidden``/``layers``: the LSTM's; ``head``: hidden widths of the
    MLP head. Training settings as in :class:`TorchPredictor`.
    """

    name = "lstm"

    def __init__(
        self,
        space: str,
        loss: str = "hinge",
        seed: int = 0,
        *,
        embedding: int = 48,
        hidden: int = 96,
        layers: int = 1,
        head: tuple[int, ...] = (96,),
        **training,
    ):
        training.setdefault("lr", 3e-3)
        super().__init__(space, loss, seed, **training)
        self.embedding = int(embedding)
        self.hidden = int(hidden)
        self.layers = int(layers)
        self.head = tuple(int(h) for h in head)

    def _build_module(self) -> nn.Module:
        vocabulary, _ = token_shape(self.space)
        return _LSTM(vocabulary, self.embedding, self.hidden, self.layers, self.head)

    def _encode(self, genotypes: list) -> tuple[torch.Tensor, ...]:
        return (torch.from_numpy(tokens(genotypes, self.space)),)
