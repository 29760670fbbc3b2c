"""Op modules of the two search spaces, and the tables that map op names to module factories.

The op vocabulary is data: :data:`DARTS_OPS` and :data:`NB201_OPS` are :class:`OpRegistry`
tables keyed by exactly the names of :data:`cellprobe.spaces.darts.PRIMITIVES` and
:data:`cellprobe.spaces.nb201.OPS`, in the same order. A network looks an op up by the name its
genotype holds and calls the factory:

* DARTS factories take ``(C, stride, affine)``: the channel count is kept, ``stride`` is 1 or 2;
* NB201 factories take ``(C_in, C_out, stride, affine=True, track_running_stats=True)``.

>>> import torch
>>> op = DARTS_OPS["sep_conv_3x3"](C=4, stride=2, affine=True)
>>> tuple(op(torch.randn(2, 4, 8, 8)).shape)
(2, 4, 4, 4)
>>> tuple(NB201_OPS["none"](4, 8, 2)(torch.randn(2, 4, 8, 8)).shape)
(2, 8, 4, 4)

Modules never move themselves to a device; the caller does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import nn

from cellprobe.spaces.darts import PRIMITIVES as DARTS_PRIMITIVES
from cellprobe.spaces.nb201 import OPS as NB201_PRIMITIVES

__all__ = [
    "OpRegistry",
    "DARTS_OPS",
    "NB201_OPS",
    "Zero",
    "Identity",
    "ReLUConvBN",
    "FactorizedReduce",
    "SepConv",
    "DilConv",
    "NB201Pool",
    "DepthwiseConv2d",
    "PointwiseConv2d",
    "MaxPool3x3",
    "AvgPool3x3",
    "shift_matrices",
]


# -- registry ---------------------------------------------------------------------------------------
class OpRegistry(Mapping):
    """A read-only ``name → factory`` table that refuses to register a name twice.

    >>> reg = OpRegistry("demo")
    >>> reg.register("identity", lambda C, stride, affine: nn.Identity())
    >>> list(reg)
    ['identity']
    >>> reg.register("identity", lambda C, stride, affine: nn.Identity())
    Traceback (most recent call last):
    ...
    ValueError: demo ops: 'identity' is already registered
    """

    def __init__(self, space: str):
        self.space = space
        self._factories: dict[str, Callable[..., nn.Module]] = {}

    def register(self, name: str, factory: Callable[..., nn.Module]) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"{self.space} ops: op names must be non-empty strings, got {name!r}")
        if name in self._factories:
            raise ValueError(f"{self.space} ops: {name!r} is already registered")
        if not callable(factory):
            raise TypeError(f"{self.space} ops: the factory of {name!r} is not callable")
        self._factories[name] = factory

    def __getitem__(self, name: str) -> Callable[..., nn.Module]:
        try:
            return self._factories[name]
        except KeyError:
            raise KeyError(f"unknown {self.space} op {name!r}; known ops: {', '.join(self._factories)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)

    def __repr__(self) -> str:
        return f"OpRegistry({self.space!r}, {list(self._factories)})"

    def check_matches(self, vocabulary) -> None:
        """Raise if the registered names are not exactly ``vocabulary``, in its order."""
        if tuple(self._factories) != tuple(vocabulary):
            raise RuntimeError(
                f"{self.space} op table {list(self._factories)} does not match the space's vocabulary {list(vocabulary)}"
            )


# -- shared building blocks -------------------------------------------------------------------------
class Zero(nn.Module):
    """The ``none`` op: zeros of ``C_out`` channels at the resolution a stride-``stride`` op gives.

    The output stays connected to the input (``x * 0``) so autograd and hooks see an ordinary op.
    """

    def __init__(self, C_in: int, C_out: int, stride: int):
        super().__init__()
        _check_stride(stride)
        self.C_in, self.C_out, self.stride = C_in, C_out, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride > 1:
            x = x[:, :, :: self.stride, :: self.stride]
        if self.C_in == self.C_out:
            return x.mul(0.0)
        # Keep the graph connected through one channel, then broadcast to C_out channels.
        return x[:, :1].mul(0.0).expand(-1, self.C_out, -1, -1).contiguous()

    def extra_repr(self) -> str:
        return f"C_in={self.C_in}, C_out={self.C_out}, stride={self.stride}"


class Identity(nn.Identity):
    """``skip_connect`` at stride 1; a class of its own so drop-path can recognise it."""


@lru_cache(maxsize=256)
def _shift_matrices_cached(H, W, k, stride, padding, dilation, dtype, device) -> torch.Tensor:
    Ho = (H + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    Wo = (W + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    S = torch.zeros(k * k, H * W, Ho * Wo, dtype=dtype)
    for i in range(k):
        for j in range(k):
            for qy in range(Ho):
                y = qy * stride + i * dilation - padding
                if not 0 <= y < H:
                    continue
                for qx in range(Wo):
                    x = qx * stride + j * dilation - padding
                    if 0 <= x < W:
                        S[i * k + j, y * W + x, qy * Wo + qx] = 1.0
    return S.reshape(k * k, -1).to(device)


def shift_matrices(H: int, W: int, k: int, stride: int, padding: int, dilation: int,
                   dtype: torch.dtype = torch.float32, device: torch.device | str = "cpu") -> torch.Tensor:
    """The 0/1 matrices ``S[t]`` with ``conv(x, tap t)`` = ``x_flat @ S[t]`` for a k×k convolution.

    Returns shape ``[k·k, H·W · Ho·Wo]`` (each row a flattened ``[H·W, Ho·Wo]`` matrix), cached per
    geometry: tap ``t = i·k + j`` reads input pixel ``(qy·stride + i·dilation − padding, …)`` for
    output pixel ``(qy, qx)``; taps that fall into the zero padding have no entry.
    """
    return _shift_matrices_cached(int(H), int(W), int(k), int(stride), int(padding), int(dilation),
                                  dtype, torch.device(device))


class DepthwiseConv2d(nn.Conv2d):
    """A bias-free depthwise k×k convolution (``groups = channels``) that is fast on small CPU maps.

    Parameters, state-dict keys and results are those of ``nn.Conv2d(C, C, k, groups=C, bias=False)``.
    On CPU, maps of at most :attr:`max_pixels` pixels are computed as one batched matrix product per
    channel, ``y_c = x_c @ T_c`` with ``T_c = Σ_t w[c, t] · S[t]`` (:func:`shift_matrices`): oneDNN's
    depthwise (and especially dilated) convolution backward is overhead-bound on the 2×2 … 16×16 maps
    of a tiny supernet, while small dense matrix products are what a CPU does well. The two differ by
    float rounding only. Larger maps and other devices use ``nn.Conv2d``'s own kernel.
    """

    #: CPU maps with at most this many pixels use the matrix-product formulations of this module's
    #: small-map ops (0 turns them all off).
    max_pixels: int = 256
    #: Undilated depthwise convolutions use it up to this many pixels only: oneDNN's own kernel wins
    #: from 16×16 on, while its dilated backward stays several times slower (benchmarks/README.md).
    max_pixels_undilated: int = 64

    def __init__(self, C: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1):
        super().__init__(C, C, kernel_size, stride=stride, padding=padding, dilation=dilation, groups=C, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        N, C, H, W = x.shape
        k, s, p, d = self.kernel_size[0], self.stride[0], self.padding[0], self.dilation[0]
        limit = DepthwiseConv2d.max_pixels if d > 1 else min(DepthwiseConv2d.max_pixels,
                                                             DepthwiseConv2d.max_pixels_undilated)
        if x.device.type != "cpu" or H * W > limit:
            return super().forward(x)
        Ho = (H + 2 * p - d * (k - 1) - 1) // s + 1
        Wo = (W + 2 * p - d * (k - 1) - 1) // s + 1
        S = shift_matrices(H, W, k, s, p, d, x.dtype, x.device)
        T = (self.weight.reshape(C, k * k) @ S).view(C, H * W, Ho * Wo)
        y = torch.bmm(_channel_major(x), T)  # [C, N, Ho·Wo]
        # A view in channel-major memory order (strides N·Ho·Wo, Ho·Wo, Wo, 1 for C, N, H, W): the
        # pointwise convolution that follows in a SepConv/DilConv consumes it without a copy.
        return y.view(C, N, Ho, Wo).transpose(0, 1)


def _channel_major(x: torch.Tensor) -> torch.Tensor:
    """``x`` (N, C, H, W) as a [C, N, H·W] tensor: a view when ``x`` is channel-major, else a copy."""
    N, C, H, W = x.shape
    xt = x.transpose(0, 1)
    if xt.is_contiguous():
        return xt.view(C, N, H * W)
    return xt.reshape(C, N, H * W)


class PointwiseConv2d(nn.Conv2d):
    """A bias-free 1×1 convolution computed as a matrix product on small CPU maps.

    Same parameters, state-dict keys and results (up to float rounding) as
    ``nn.Conv2d(C_in, C_out, 1, bias=False)``. On CPU maps of at most
    :attr:`DepthwiseConv2d.max_pixels` pixels it multiplies the ``[C_out, C_in]`` weight with the input
    in channel-major order (one ``[C_in, N·H·W]`` matrix; free when the input comes from a
    :class:`DepthwiseConv2d`) and returns a channel-major view, instead of calling oneDNN once per tiny map.
    """

    def __init__(self, C_in: int, C_out: int):
        super().__init__(C_in, C_out, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        N, C, H, W = x.shape
        if x.device.type != "cpu" or H * W > DepthwiseConv2d.max_pixels:
            return super().forward(x)
        y = self.weight.view(self.out_channels, C) @ _channel_major(x).reshape(C, N * H * W)
        return y.view(self.out_channels, N, H, W).transpose(0, 1)


class MaxPool3x3(nn.MaxPool2d):
    """3×3 max pooling with padding 1 (the DARTS ``max_pool_3x3``); small CPU maps pool in NHWC order.

    oneDNN's NCHW max pooling (with the indices autograd needs) is about 3× slower on tiny maps than
    its channels-last kernel, conversion included; the values and gradients are the same.
    """

    def __init__(self, stride: int):
        _check_stride(stride)
        super().__init__(3, stride=stride, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.device.type == "cpu" and x.shape[-1] * x.shape[-2] <= DepthwiseConv2d.max_pixels:
            x = x.contiguous(memory_format=torch.channels_last)
        return super().forward(x)


class AvgPool3x3(nn.AvgPool2d):
    """3×3 average pooling with padding 1, not counting the padding (DARTS and NB201 ``avg_pool_3x3``).

    On small CPU maps it is one matrix product with the cached averaging matrix
    ``A = Σ_t S[t] / count`` (:func:`shift_matrices`), equal to ``nn.AvgPool2d`` up to float rounding.
    """

    def __init__(self, stride: int):
        _check_stride(stride)
        super().__init__(3, stride=stride, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        N, C, H, W = x.shape
        if x.device.type != "cpu" or H * W > DepthwiseConv2d.max_pixels:
            return super().forward(x)
        A = _averaging_matrix(H, W, self.stride, x.dtype, x.device)
        Ho, Wo = -(-H // self.stride), -(-W // self.stride)
        if x.transpose(0, 1).is_contiguous():  # channel-major input: stay channel-major
            return (x.transpose(0, 1).reshape(C * N, H * W) @ A).view(C, N, Ho, Wo).transpose(0, 1)
        return (x.reshape(N * C, H * W) @ A).view(N, C, Ho, Wo)


@lru_cache(maxsize=64)
def _averaging_matrix(H: int, W: int, stride: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    Ho, Wo = -(-H // stride), -(-W // stride)
    A = shift_matrices(H, W, 3, stride, 1, 1, dtype, device).view(9, H * W, Ho * Wo).sum(0)
    return A / A.sum(0, keepdim=True)


class ReLUConvBN(nn.Sequential):
    """ReLU, a bias-free convolution, BatchNorm."""

    def __init__(
        self,
        C_in: int,
        C_out: int,
        kernel_size: int,
        stride: int,
        padding: int,
        dilation: int = 1,
        affine: bool = True,
        track_running_stats: bool = True,
    ):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(C_in, C_out, kernel_size, stride=stride, padding=padding, dilation=dilation, bias=False),
            nn.BatchNorm2d(C_out, affine=affine, track_running_stats=track_running_stats),
        )


class FactorizedReduce(nn.Module):
    """Halve the resolution with two 1×1 stride-2 convolutions, the second on the input shifted by a pixel.

    ReLU, then ``conv_a(x)`` and ``conv_b(x shifted one pixel right and down)``, each with about half of
    ``C_out`` channels, concatenated along channels, then BatchNorm. The shifted copy is zero-padded on
    the bottom/right, so odd input sizes work too; for even sizes this is exactly the unpadded shift.
    With ``stride=1`` (an NB201 channel change without downsampling) it is a 1×1 convolution + BatchNorm.
    """

    def __init__(self, C_in: int, C_out: int, stride: int = 2, affine: bool = True, track_running_stats: bool = True):
        super().__init__()
        _check_stride(stride)
        self.stride = stride
        self.relu = nn.ReLU(inplace=False)
        if stride == 2:
            half = C_out // 2
            self.conv_a = nn.Conv2d(C_in, half, 1, stride=2, bias=False)
            self.conv_b = nn.Conv2d(C_in, C_out - half, 1, stride=2, bias=False)
        else:
            self.conv = nn.Conv2d(C_in, C_out, 1, stride=1, bias=False)
        self.bn = nn.BatchNorm2d(C_out, affine=affine, track_running_stats=track_running_stats)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(x)
        if self.stride == 1:
            return self.bn(self.conv(x))
        shifted = F.pad(x[:, :, 1:, 1:], (0, 1, 0, 1))
        return self.bn(torch.cat([self.conv_a(x), self.conv_b(shifted)], dim=1))


class SepConv(nn.Sequential):
    """Two stacked (ReLU, depthwise k×k, pointwise 1×1, BatchNorm) blocks; the first carries the stride."""

    def __init__(self, C_in: int, C_out: int, kernel_size: int, stride: int, padding: int, affine: bool = True):
        super().__init__(
            nn.ReLU(inplace=False),
            DepthwiseConv2d(C_in, kernel_size, stride=stride, padding=padding),
            PointwiseConv2d(C_in, C_in),
            nn.BatchNorm2d(C_in, affine=affine),
            nn.ReLU(inplace=False),
            DepthwiseConv2d(C_in, kernel_size, stride=1, padding=padding),
            PointwiseConv2d(C_in, C_out),
            nn.BatchNorm2d(C_out, affine=affine),
        )


class DilConv(nn.Sequential):
    """ReLU, depthwise dilated k×k convolution, pointwise 1×1 convolution, BatchNorm."""

    def __init__(
        self, C_in: int, C_out: int, kernel_size: int, stride: int, padding: int, dilation: int, affine: bool = True
    ):
        super().__init__(
            nn.ReLU(inplace=False),
            DepthwiseConv2d(C_in, kernel_size, stride=stride, padding=padding, dilation=dilation),
            PointwiseConv2d(C_in, C_out),
            nn.BatchNorm2d(C_out, affine=affine),
        )


class NB201Pool(nn.Module):
    """NB201 ``avg_pool_3x3``: a 1×1 ReLUConvBN when the channel count changes, then 3×3 average pooling."""

    def __init__(self, C_in: int, C_out: int, stride: int, affine: bool = True, track_running_stats: bool = True):
        super().__init__()
        _check_stride(stride)
        self.preprocess = (
            ReLUConvBN(C_in, C_out, 1, 1, 0, affine=affine, track_running_stats=track_running_stats)
            if C_in != C_out
            else None
        )
        self.pool = AvgPool3x3(stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.preprocess is not None:
            x = self.preprocess(x)
        return self.pool(x)


def _check_stride(stride: int) -> None:
    if stride not in (1, 2):
        raise ValueError(f"stride must be 1 or 2, got {stride!r}")


# -- DARTS: factories (C, stride, affine) -------------------------------------------------------------
def _darts_skip(C: int, stride: int, affine: bool) -> nn.Module:
    _check_stride(stride)
    return Identity() if stride == 1 else FactorizedReduce(C, C, 2, affine=affine)


def _darts_max_pool(C: int, stride: int, affine: bool) -> nn.Module:
    return MaxPool3x3(stride)


def _darts_avg_pool(C: int, stride: int, affine: bool) -> nn.Module:
    return AvgPool3x3(stride)


def _darts_sep(kernel_size: int) -> Callable[[int, int, bool], nn.Module]:
    def factory(C: int, stride: int, affine: bool) -> nn.Module:
        _check_stride(stride)
        return SepConv(C, C, kernel_size, stride, kernel_size // 2, affine=affine)

    return factory


def _darts_dil(kernel_size: int) -> Callable[[int, int, bool], nn.Module]:
    def factory(C: int, stride: int, affine: bool) -> nn.Module:
        _check_stride(stride)
        return DilConv(C, C, kernel_size, stride, 2 * (kernel_size // 2), 2, affine=affine)

    return factory


#: DARTS op name → ``factory(C, stride, affine)``; keys are exactly the DARTS primitives, in order.
DARTS_OPS = OpRegistry("darts")
for _name, _factory in [
    ("none", lambda C, stride, affine: Zero(C, C, stride)),
    ("max_pool_3x3", _darts_max_pool),
    ("avg_pool_3x3", _darts_avg_pool),
    ("skip_connect", _darts_skip),
    ("sep_conv_3x3", _darts_sep(3)),
    ("sep_conv_5x5", _darts_sep(5)),
    ("dil_conv_3x3", _darts_dil(3)),
    ("dil_conv_5x5", _darts_dil(5)),
]:
    DARTS_OPS.register(_name, _factory)
DARTS_OPS.check_matches(DARTS_PRIMITIVES)


# -- NB201: factories (C_in, C_out, stride, affine=True, track_running_stats=True) ---------------------
def _nb201_none(C_in: int, C_out: int, stride: int, affine: bool = True, track_running_stats: bool = True):
    return Zero(C_in, C_out, stride)


def _nb201_skip(C_in: int, C_out: int, stride: int, affine: bool = True, track_running_stats: bool = True):
    _check_stride(stride)
    if stride == 1 and C_in == C_out:
        return Identity()
    return FactorizedReduce(C_in, C_out, stride, affine=affine, track_running_stats=track_running_stats)


def _nb201_conv(kernel_size: int):
    def factory(C_in: int, C_out: int, stride: int, affine: bool = True, track_running_stats: bool = True):
        _check_stride(stride)
        return ReLUConvBN(
            C_in, C_out, kernel_size, stride, kernel_size // 2, affine=affine, track_running_stats=track_running_stats
        )

    return factory


def _nb201_avg_pool(C_in: int, C_out: int, stride: int, affine: bool = True, track_running_stats: bool = True):
    return NB201Pool(C_in, C_out, stride, affine=affine, track_running_stats=track_running_stats)


#: NB201 op name → ``factory(C_in, C_out, stride, affine=True, track_running_stats=True)``.
NB201_OPS = OpRegistry("nb201")
for _name, _factory in [
    ("none", _nb201_none),
    ("skip_connect", _nb201_skip),
    ("nor_conv_1x1", _nb201_conv(1)),
    ("nor_conv_3x3", _nb201_conv(3)),
    ("avg_pool_3x3", _nb201_avg_pool),
]:
    NB201_OPS.register(_name, _factory)
NB201_OPS.check_matches(NB201_PRIMITIVES)
del _name, _factory
