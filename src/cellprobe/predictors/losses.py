"""Training losses of the torch predictors: a pairwise ranking hinge loss and mean squared error.

A predictor only has to *rank* architectures, so the ranking loss (GATES, Ning et al., ECCV 2020)
compares scores pairwise: for every pair with ``y_i > y_j`` it asks for ``s_i - s_j >= margin``.

>>> import torch
>>> pairwise_hinge_loss(torch.tensor([1.0, 0.0]), torch.tensor([2.0, 1.0])).item()  # ordered, beyond margin
0.0
>>> round(pairwise_hinge_loss(torch.tensor([0.0, 0.05]), torch.tensor([2.0, 1.0])).item(), 6)
0.15
"""

from __future__ import annotations

import torch

__all__ = ["LOSSES", "MARGIN", "pairwise_hinge_loss", "mse_loss", "check_loss"]

LOSSES = ("hinge", "mse")
#: The margin of the ranking hinge loss (GATES' value).
MARGIN = 0.1


def check_loss(loss: str) -> str:
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; losses are: {', '.join(LOSSES)}")
    return loss


def pairwise_hinge_loss(scores: torch.Tensor, y: torch.Tensor, margin: float = MARGIN) -> torch.Tensor:
    """``mean over pairs with y_i > y_j of max(0, margin - (s_i - s_j))``.

    All ordered pairs of the batch take part; pairs with equal targets are left out. A batch without a
    single ordered pair gives a zero loss (that still has a gradient graph).
    """
    if scores.shape != y.shape or scores.dim() != 1:
        raise ValueError(f"scores and y must be 1-d of one shape, got {tuple(scores.shape)} and {tuple(y.shape)}")
    better = y[:, None] > y[None, :]  # better[i, j]: i should score higher than j
    gaps = scores[:, None] - scores[None, :]
    losses = torch.clamp(margin - gaps, min=0.0)[better]
    if losses.numel() == 0:
        return scores.sum() * 0.0
    return losses.mean()


def mse_loss(scores: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error between scores and (already standardised) targets."""
    if scores.shape != y.shape:
        raise ValueError(f"scores and y must have one shape, got {tuple(scores.shape)} and {tuple(y.shape)}")
    return torch.mean((scores - y) ** 2)
