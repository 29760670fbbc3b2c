"""The small-map CPU formulations of the DARTS ops give nn.Conv2d/pooling's values and gradients."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cellprobe.nn.ops import (
    DARTS_OPS,
    AvgPool3x3,
    DepthwiseConv2d,
    MaxPool3x3,
    PointwiseConv2d,
    shift_matrices,
)


def _compare(fast: nn.Module, reference, x: torch.Tensor, atol=1e-5):
    x1 = x.clone().requires_grad_()
    x2 = x.clone().requires_grad_()
    y1, y2 = fast(x1), reference(x2)
    assert y1.shape == y2.shape
    torch.testing.assert_close(y1, y2, atol=atol, rtol=1e-5)
    g = torch.randn_like(y2)
    y1.backward(g)
    y2.backward(g)
    torch.testing.assert_close(x1.grad, x2.grad, atol=atol, rtol=1e-5)
    return y1


@pytest.mark.parametrize("H,W", [(8, 8), (7, 5), (4, 4), (2, 2), (1, 1)])
@pytest.mark.parametrize("k,dilation", [(3, 1), (5, 1), (3, 2), (5, 2)])
@pytest.mark.parametrize("stride", [1, 2])
def test_depthwise_matches_grouped_conv(H, W, k, dilation, stride):
    torch.manual_seed(0)
    C = 6
    padding = dilation * (k // 2)
    fast = DepthwiseConv2d(C, k, stride=stride, padding=padding, dilation=dilation)
    ref = nn.Conv2d(C, C, k, stride=stride, padding=padding, dilation=dilation, groups=C, bias=False)
    ref.load_state_dict(fast.state_dict())
    _compare(fast, ref, torch.randn(3, C, H, W))
    # the weight gradient agrees too
    x = torch.randn(3, C, H, W)
    fast.zero_grad(), ref.zero_grad()
    fast(x).square().sum().backward()
    ref(x).square().sum().backward()
    torch.testing.assert_close(fast.weight.grad, ref.weight.grad, atol=1e-4, rtol=1e-5)


def test_depthwise_uses_the_matrix_form_on_small_maps_only(monkeypatch):
    calls = []
    real = torch.bmm
    monkeypatch.setattr(torch, "bmm", lambda *a: calls.append(1) or real(*a))
    conv = DepthwiseConv2d(4, 3, padding=1)
    conv(torch.randn(2, 4, 8, 8))
    assert calls, "an 8×8 map should use the matrix-product path"
    calls.clear()
    big = torch.randn(2, 4, 17, 17)  # 289 pixels > max_pixels
    y = conv(big)
    assert not calls
    torch.testing.assert_close(y, F.conv2d(big, conv.weight, padding=1, groups=4))
    mid = torch.randn(2, 4, 16, 16)  # undilated: oneDNN from 16×16 on; dilated: still the matrix form
    conv(mid)
    assert not calls
    DepthwiseConv2d(4, 3, padding=2, dilation=2)(mid)
    assert calls


def test_shift_matrices_cover_the_in_bounds_taps():
    S = shift_matrices(4, 4, 3, 1, 1, 1).view(9, 16, 16)
    # the centre tap is the identity; a corner output pixel sees 4 in-bounds taps
    torch.testing.assert_close(S[4], torch.eye(16))
    assert S[:, :, 0].sum().item() == 4
    assert S.sum().item() == 4 * 4 * 9 - 4 * 4 * 3 + 4  # 144 taps minus the 44 that hit padding


@pytest.mark.parametrize("C_in,C_out,H", [(8, 8, 8), (24, 8, 4), (5, 7, 3)])
def test_pointwise_matches_conv_in_both_memory_orders(C_in, C_out, H):
    torch.manual_seed(1)
    fast = PointwiseConv2d(C_in, C_out)
    ref = nn.Conv2d(C_in, C_out, 1, bias=False)
    ref.load_state_dict(fast.state_dict())
    x = torch.randn(4, C_in, H, H)
    _compare(fast, ref, x)
    _compare(fast, ref, x.contiguous(memory_format=torch.channels_last))
    channel_major = x.transpose(0, 1).contiguous().transpose(0, 1)
    _compare(fast, ref, channel_major)


@pytest.mark.parametrize("H,W", [(8, 8), (5, 7), (2, 2)])
@pytest.mark.parametrize("stride", [1, 2])
def test_pools_match_torch(H, W, stride):
    torch.manual_seed(2)
    x = torch.randn(3, 4, H, W)
    _compare(AvgPool3x3(stride), nn.AvgPool2d(3, stride, 1, count_include_pad=False), x)
    _compare(MaxPool3x3(stride), nn.MaxPool2d(3, stride, 1), x)
    _compare(AvgPool3x3(stride), nn.AvgPool2d(3, stride, 1, count_include_pad=False),
             x.transpose(0, 1).contiguous().transpose(0, 1))


@pytest.mark.parametrize("name", ["sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"])
@pytest.mark.parametrize("stride", [1, 2])
def test_darts_ops_match_the_native_kernels(name, stride):
    """The whole op (ReLU, depthwise, pointwise, BN …) with the fast path on and off."""
    torch.manual_seed(3)
    op = DARTS_OPS[name](8, stride, True)
    x = torch.randn(16, 8, 8, 8)
    fast = _compare(op, lambda t: _native(op, t), x)
    assert fast.shape == (16, 8, 8 // stride, 8 // stride)


def _native(op, x):
    saved = DepthwiseConv2d.max_pixels
    DepthwiseConv2d.max_pixels = 0
    try:
        return op(x)
    finally:
        DepthwiseConv2d.max_pixels = saved


def test_a_supernet_step_is_unchanged_beyond_float_noise():
    from cellprobe.nn.supernet import build_supernet

    torch.manual_seed(4)
    net = build_supernet("darts", C=8, num_classes=10, depth=3, in_channels=1)
    x, y = torch.randn(16, 1, 8, 8), torch.randint(0, 10, (16,))
    alpha = {ct: (1e-3 * torch.randn(net.n_edges, net.n_ops)).requires_grad_() for ct in net.cell_types}

    def loss_and_grads():
        net.zero_grad()
        for a in alpha.values():
            a.grad = None
        loss = F.cross_entropy(net(x, {k: v.softmax(-1) for k, v in alpha.items()}), y)
        loss.backward()
        return loss.detach(), [p.grad.clone() for p in net.parameters()], [a.grad.clone() for a in alpha.values()]

    fast = loss_and_grads()
    saved = DepthwiseConv2d.max_pixels
    DepthwiseConv2d.max_pixels = 0
    try:
        native = loss_and_grads()
    finally:
        DepthwiseConv2d.max_pixels = saved
    torch.testing.assert_close(fast[0], native[0], atol=1e-5, rtol=1e-5)
    for a, b in zip(fast[1] + fast[2], native[1] + native[2]):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-3)
