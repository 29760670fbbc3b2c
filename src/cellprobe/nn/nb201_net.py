"""The NAS-Bench-201 network, built from a discrete :class:`NB201Genotype`.

Layout (the benchmark's training network): a 3×3 convolution stem to ``C`` channels, then three
stages of ``N`` copies of the cell at ``C``, ``2C`` and ``4C`` channels, separated by two ResNet basic
blocks with stride 2; then BatchNorm + ReLU, global average pooling and a linear classifier.

Every cell edge gets a module, ``none`` included (a :class:`~cellprobe.nn.ops.Zero`), so the module
tree is the same shape for every genotype; each node sums its incoming edges.

>>> import torch
>>> from cellprobe.spaces import NB201Genotype
>>> g = NB201Genotype.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|")
>>> net = NB201Network(g, C=8, N=1, num_classes=10, in_channels=1)
>>> tuple(net(torch.randn(2, 1, 8, 8)).shape)
(2, 10)
"""

from __future__ import annotations

import torch
from torch import nn

from cellprobe.nn.ops import NB201_OPS, ReLUConvBN
from cellprobe.nn.registry import NetworkFamily, register_network
from cellprobe.spaces.nb201 import EDGES, N_NODES, NB201Genotype

__all__ = ["NB201Network", "NB201Cell", "ResNetBasicBlock"]


class NB201Cell(nn.Module):
    """One NB201 cell: node ``j`` (1..3) sums ``op(node i)`` over its incoming edges ``i → j``; node 3 is the output."""

    def __init__(self, genotype: NB201Genotype, C: int):
        super().__init__()
        self.edges = EDGES
        self.ops = nn.ModuleList(NB201_OPS[op](C, C, 1) for op in genotype.ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for j in range(1, N_NODES):
            nodes.append(sum(op(nodes[i]) for op, (target, i) in zip(self.ops, self.edges) if target == j))
        return nodes[-1]


class ResNetBasicBlock(nn.Module):
    """Residual reduction between stages: two 3×3 ReLUConvBN (the first with stride 2) plus a shortcut.

    The shortcut is 2×2 average pooling with stride 2 followed by a bias-free 1×1 convolution.
    """

    def __init__(self, C_in: int, C_out: int):
        super().__init__()
        self.conv_a = ReLUConvBN(C_in, C_out, 3, 2, 1)
        self.conv_b = ReLUConvBN(C_out, C_out, 3, 1, 1)
        self.shortcut = nn.Sequential(
            nn.AvgPool2d(2, stride=2, padding=0),
            nn.Conv2d(C_in, C_out, 1, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


class NB201Network(nn.Module):
    """The NAS-Bench-201 network for ``genotype``.

    Same API as :class:`~cellprobe.nn.darts_net.DartsNetwork`: ``forward(x)`` gives logits,
    ``forward_with_aux(x)`` gives ``(logits, None)``; ``drop_path_prob`` exists (0, unused) so that
    trainers can treat both networks alike.
    """

    def __init__(self, genotype: NB201Genotype, C: int = 16, N: int = 5, num_classes: int = 10, in_channels: int = 3):
        super().__init__()
        if not isinstance(genotype, NB201Genotype):
            raise TypeError(f"NB201Network needs an NB201Genotype, got {type(genotype).__name__}")
        for name, value in (("C", C), ("N", N), ("num_classes", num_classes), ("in_channels", in_channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.genotype = genotype
        self.drop_path_prob = 0.0
        self.stem = nn.Sequential(nn.Conv2d(in_channels, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))
        blocks: list[nn.Module] = []
        C_prev = C
        for stage, C_stage in enumerate((C, 2 * C, 4 * C)):
            if stage > 0:
                blocks.append(ResNetBasicBlock(C_prev, C_stage))
            blocks.extend(NB201Cell(genotype, C_stage) for _ in range(N))
            C_prev = C_stage
        self.cells = nn.Sequential(*blocks)
        self.lastact = nn.Sequential(nn.BatchNorm2d(C_prev), nn.ReLU(inplace=False))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(C_prev, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.lastact(self.cells(self.stem(x)))
        return self.classifier(torch.flatten(self.global_pooling(x), 1))

    def forward_with_aux(self, x: torch.Tensor) -> tuple[torch.Tensor, None]:
        """``(logits, None)``: NB201 networks have no auxiliary head."""
        return self.forward(x), None


register_network(NetworkFamily("nb201", NB201Network, depth_name="N", per_edge_flops=True))
