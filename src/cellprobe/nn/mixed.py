"""The mixed op of a weight-sharing supernet: one edge carrying every op of the vocabulary.

A :class:`MixedOp` holds one module per op name and returns the weighted sum of their outputs,
``Σ_o w[o] · op_o(x)``. The weights come from outside (a softmax of α, a Gumbel sample, a one-hot);
the module knows nothing about how they were made.

Computation is skipped where it cannot change the result:

* ``none`` is never computed: its output is exactly zero, so its contribution and the gradient with
  respect to its weight (and multiplier) are exactly zero anyway;
* an op whose weight is exactly 0 for the whole batch is not computed (one-hot sampling, masking).
  The gradient with respect to that weight is then **0 instead of** ``Σ ∂L/∂out · op(x)``; pass every
  op index in ``active`` to compute it (e.g. for straight-through estimators).

With ``partial_channels=K > 1`` (PC-DARTS) only the first ``C/K`` channels go through the ops; the
other channels bypass them (2×2 max pooling on a stride-2 edge), and the concatenation is
channel-shuffled with ``K`` groups.

>>> import torch
>>> from cellprobe.nn.ops import DARTS_OPS
>>> from cellprobe.spaces.darts import PRIMITIVES
>>> op = MixedOp(PRIMITIVES, lambda name, C: DARTS_OPS[name](C, 1, False), C=4, stride=1)
>>> x = torch.randn(2, 4, 8, 8)
>>> tuple(op(x, torch.full((8,), 1 / 8)).shape)
(2, 4, 8, 8)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

__all__ = ["MixedOp", "channel_shuffle", "NONE"]

#: Name of the op whose output is identically zero; it is never computed.
NONE = "none"


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """Interleave the channels of ``x`` (N, C, H, W) across ``groups`` groups (ShuffleNet/PC-DARTS).

    Channel ``g · (C/groups) + i`` moves to position ``i · groups + g``. A ``channels_last`` input
    gives a ``channels_last`` output.

    >>> channel_shuffle(torch.arange(6.0).view(1, 6, 1, 1), 2).flatten().tolist()
    [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    """
    if groups == 1:
        return x
    n, c, h, w = x.shape
    if c % groups:
        raise ValueError(f"cannot shuffle {c} channels into {groups} groups")
    if x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last):
        nhwc = x.permute(0, 2, 3, 1).reshape(n, h, w, groups, c // groups).transpose(3, 4).reshape(n, h, w, c)
        return nhwc.permute(0, 3, 1, 2)
    return x.reshape(n, groups, c // groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class MixedOp(nn.Module):
    """One supernet edge: every op of ``op_names`` (``none`` excepted) on ``C`` channels, mixed by weights.

    ``make_op(name, channels)`` builds the module of one op at this edge's stride. ``ops`` is a
    :class:`~torch.nn.ModuleDict` keyed by op name (``none`` has no module).

    ``forward(x, weights, multipliers=None, active=None)``:

    * ``weights``: shape ``[n_ops]`` (one row for the batch) or ``[batch, n_ops]`` (per sample);
    * ``multipliers``: optional ``[batch, n_ops]``; op ``o``'s output is multiplied by it per sample
      before the weighting, so its gradient is ``Σ_{c,h,w} ∂L/∂X_o · X_o`` at value 1;
    * ``active``: the op indices to compute (the caller's cached decision); by default every op whose
      weight is non-zero for some sample, ``none`` excepted.

    The output has ``C`` channels and the resolution of a stride-``stride`` op; with nothing to
    compute it is zero (plus the bypass channels with partial channels).
    """

    def __init__(
        self,
        op_names: Sequence[str],
        make_op: Callable[[str, int], nn.Module],
        C: int,
        stride: int,
        partial_channels: int = 1,
    ):
        super().__init__()
        if partial_channels < 1 or C % partial_channels:
            raise ValueError(f"C={C} channels must be divisible by partial_channels={partial_channels}")
        if stride not in (1, 2):
            raise ValueError(f"stride must be 1 or 2, got {stride!r}")
        self.op_names = tuple(op_names)
        self.C, self.stride, self.partial_channels = C, stride, partial_channels
        self.op_channels = C // partial_channels
        self.ops = nn.ModuleDict({name: make_op(name, self.op_channels) for name in self.op_names if name != NONE})
        self._modules_by_index = {i: self.ops[name] for i, name in enumerate(self.op_names) if name != NONE}
        #: Indices (in ``op_names``) of the ops that have a module, i.e. every op but ``none``.
        self.computed_indices = tuple(self._modules_by_index)
        self.bypass_pool = nn.MaxPool2d(2, 2, ceil_mode=True) if partial_channels > 1 and stride == 2 else None

    def extra_repr(self) -> str:
        return f"C={self.C}, stride={self.stride}, partial_channels={self.partial_channels}"

    def forward(
        self,
        x: torch.Tensor,
        weights: torch.Tensor,
        multipliers: torch.Tensor | None = None,
        active: Sequence[int] | None = None,
    ) -> torch.Tensor:
        n_ops = len(self.op_names)
        if weights.shape[-1] != n_ops or weights.dim() not in (1, 2):
            raise ValueError(
                f"mixed-op weights must have shape [{n_ops}] or [batch, {n_ops}], got {tuple(weights.shape)}"
            )
        if active is None:
            nonzero = weights != 0
            if nonzero.dim() == 2:
                nonzero = nonzero.any(0)
            flags = nonzero.tolist()
            active = [i for i in self.computed_indices if flags[i]]
        if self.partial_channels == 1:
            return self._mix(x, weights, multipliers, active)
        part, rest = x[:, : self.op_channels], x[:, self.op_channels :]
        if self.bypass_pool is not None:
            rest = self.bypass_pool(rest)
        return channel_shuffle(torch.cat([self._mix(part, weights, multipliers, active), rest], dim=1),
                               self.partial_channels)

    def _mix(
        self, x: torch.Tensor, weights: torch.Tensor, multipliers: torch.Tensor | None, active: Sequence[int]
    ) -> torch.Tensor:
        """``Σ_{o ∈ active} w_o · m_o · op_o(x)``, or zeros of the output shape when ``active`` is empty."""
        if not active:
            return self._zeros(x)
        n_ops = len(self.op_names)
        # Per-op coefficients [n_ops, N or 1, 1, 1, 1]: each row broadcasts against (N, C, H, W).
        coef = (weights if weights.dim() == 1 else weights.t()).reshape(n_ops, -1, 1, 1, 1)
        if multipliers is not None:
            coef = coef * multipliers.t().reshape(n_ops, -1, 1, 1, 1)
        coefs = coef.unbind(0)
        out = None
        for i in active:
            y = self._modules_by_index[i](x)
            out = y * coefs[i] if out is None else torch.addcmul(out, y, coefs[i])
        return out

    def _zeros(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        s = self.stride
        shape = (n, self.op_channels, -(-h // s), -(-w // s))
        channels_innermost = x.stride(1) == 1 and x.shape[1] > 1
        memory_format = torch.channels_last if channels_innermost else torch.contiguous_format
        return torch.zeros(shape, dtype=x.dtype, device=x.device).contiguous(memory_format=memory_format)
