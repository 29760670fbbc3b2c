"""One parametrised check over every registered op of both spaces, plus the registry and helper modules."""

import pytest
import torch
from torch import nn

from cellprobe.nn.ops import DARTS_OPS, NB201_OPS, FactorizedReduce, OpRegistry, ReLUConvBN
from cellprobe.spaces.darts import PRIMITIVES
from cellprobe.spaces.nb201 import OPS as NB201_NAMES

C = 4


def _check_forward_backward(op: nn.Module, name: str, x: torch.Tensor, expected_shape: tuple) -> None:
    out = op(x)
    assert tuple(out.shape) == expected_shape
    assert torch.isfinite(out).all()
    if name == "none":
        assert torch.count_nonzero(out) == 0
        assert not list(op.parameters())
    # A random projection: with a BatchNorm at the end, sum() or a sum of squares would have no gradient.
    (out * torch.randn_like(out)).sum().backward()
    for pname, p in op.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), pname
        assert p.grad.abs().sum() > 0, f"{name}: no gradient reaches {pname}"
    if name != "none":
        assert x.grad is not None and x.grad.abs().sum() > 0


def test_tables_hold_exactly_the_vocabularies_in_order():
    assert tuple(DARTS_OPS) == tuple(PRIMITIVES)
    assert tuple(NB201_OPS) == tuple(NB201_NAMES)


def test_registry_refuses_duplicates_and_unknown_names():
    reg = OpRegistry("demo")
    reg.register("a", lambda: nn.Identity())
    with pytest.raises(ValueError, match="already registered"):
        reg.register("a", lambda: nn.Identity())
    with pytest.raises(ValueError):
        reg.register("", lambda: nn.Identity())
    with pytest.raises(KeyError, match="unknown demo op 'b'"):
        reg["b"]
    with pytest.raises(RuntimeError, match="does not match"):
        reg.check_matches(["a", "b"])
    assert dict(reg).keys() == {"a"} and len(reg) == 1


@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("name", list(PRIMITIVES))
def test_darts_op(name, stride):
    torch.manual_seed(0)
    op = DARTS_OPS[name](C, stride, True)
    x = torch.randn(2, C, 8, 8, requires_grad=True)
    _check_forward_backward(op, name, x, (2, C, 8 // stride, 8 // stride))


@pytest.mark.parametrize(
    "c_in, c_out, stride", [(C, C, 1), (C, C, 2), (C, 2 * C, 1), (C, 2 * C, 2)], ids=["same", "s2", "wide", "wide-s2"]
)
@pytest.mark.parametrize("name", list(NB201_NAMES))
def test_nb201_op(name, c_in, c_out, stride):
    torch.manual_seed(0)
    op = NB201_OPS[name](c_in, c_out, stride)
    x = torch.randn(2, c_in, 8, 8, requires_grad=True)
    _check_forward_backward(op, name, x, (2, c_out, 8 // stride, 8 // stride))


def test_nb201_skip_is_identity_only_without_a_change():
    assert isinstance(NB201_OPS["skip_connect"](C, C, 1), nn.Identity)
    assert isinstance(NB201_OPS["skip_connect"](C, C, 2), FactorizedReduce)
    assert isinstance(NB201_OPS["skip_connect"](C, 2 * C, 1), FactorizedReduce)
    assert isinstance(DARTS_OPS["skip_connect"](C, 1, True), nn.Identity)
    assert isinstance(DARTS_OPS["skip_connect"](C, 2, True), FactorizedReduce)


def test_darts_op_structure():
    # Separable convolutions are two (ReLU, depthwise, pointwise, BN) blocks; the stride sits on the first.
    sep = DARTS_OPS["sep_conv_5x5"](C, 2, True)
    convs = [m for m in sep.modules() if isinstance(m, nn.Conv2d)]
    assert [(m.kernel_size, m.stride, m.groups) for m in convs] == [
        ((5, 5), (2, 2), C), ((1, 1), (1, 1), 1), ((5, 5), (1, 1), C), ((1, 1), (1, 1), 1)
    ]
    dil = DARTS_OPS["dil_conv_3x3"](C, 1, True)
    depthwise = next(m for m in dil.modules() if isinstance(m, nn.Conv2d))
    assert depthwise.dilation == (2, 2) and depthwise.groups == C and depthwise.padding == (2, 2)
    pool = DARTS_OPS["avg_pool_3x3"](C, 1, True)
    assert pool.count_include_pad is False and pool.padding == 1
    # affine=False (search-time) BatchNorms have no parameters.
    assert not list(DARTS_OPS["sep_conv_3x3"](C, 1, False)[3].parameters())


def test_factorized_reduce_shifts_the_second_half_and_handles_odd_sizes():
    fr = FactorizedReduce(C, 2 * C)
    assert fr.conv_a.out_channels + fr.conv_b.out_channels == 2 * C
    assert tuple(fr(torch.randn(2, C, 7, 7)).shape) == (2, 2 * C, 4, 4)
    fr.eval()
    # Only pixel (1, 1) set: conv_a (even positions) never sees it, conv_b (shifted by one) does.
    x = torch.zeros(1, C, 8, 8)
    x[:, :, 1, 1] = 1.0
    with torch.no_grad():
        raw_a, raw_b = fr.conv_a(torch.relu(x)), fr.conv_b(torch.relu(x)[:, :, 1:, 1:])
    assert torch.count_nonzero(raw_a) == 0 and torch.count_nonzero(raw_b[:, :, 0, 0]) > 0


def test_relu_conv_bn_order():
    block = ReLUConvBN(C, 2 * C, 3, 1, 1)
    assert [type(m) for m in block] == [nn.ReLU, nn.Conv2d, nn.BatchNorm2d]
    assert block[1].bias is None


@pytest.mark.parametrize("bad", [0, 3])
def test_bad_stride_is_refused(bad):
    with pytest.raises(ValueError, match="stride"):
        DARTS_OPS["sep_conv_3x3"](C, bad, True)
    with pytest.raises(ValueError, match="stride"):
        NB201_OPS["nor_conv_3x3"](C, C, bad)
