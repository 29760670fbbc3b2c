"""The DARTS evaluation network for CIFAR-sized inputs, built from a discrete :class:`DartsGenotype`.

Layout (the DARTS paper's CIFAR network): a 3×3 convolution stem to ``stem_multiplier · C``
channels, then ``layers`` cells. The cells at positions ``layers // 3`` and ``2 · layers // 3`` are
reduction cells (genotype's ``reduce`` cell, channels doubled, resolution halved); all others are
normal cells. Each cell reads the outputs of the two previous cells, so a cell after a reduction
preprocesses its older input with a :class:`~cellprobe.nn.ops.FactorizedReduce`. Global average
pooling and a linear layer give the logits. An optional auxiliary head reads the output of the cell
at ``2 · layers // 3`` (the second reduction) during training.

>>> import torch
>>> from cellprobe.spaces import DartsGenotype
>>> g = DartsGenotype.parse("normal=sep_conv_3x3~0,sep_conv_3x3~1|sep_conv_3x3~0,sep_conv_3x3~1|"
...     "sep_conv_3x3~1,skip_connect~0|skip_connect~0,dil_conv_3x3~2;reduce=max_pool_3x3~0,max_pool_3x3~1|"
...     "skip_connect~2,max_pool_3x3~1|max_pool_3x3~0,skip_connect~2|skip_connect~2,max_pool_3x3~1")
>>> net = DartsNetwork(g, C=8, num_classes=10, layers=3, in_channels=1)
>>> tuple(net(torch.randn(2, 1, 8, 8)).shape)
(2, 10)
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import torch
from torch import nn

from cellprobe.nn.ops import DARTS_OPS, FactorizedReduce, Identity, ReLUConvBN
from cellprobe.nn.registry import NetworkFamily, register_network
from cellprobe.spaces.darts import DartsCell, DartsGenotype

__all__ = ["DartsNetwork", "DartsEvalCell", "AuxiliaryHead", "drop_path", "reduction_positions", "edge_flops_counter"]


def reduction_positions(layers: int) -> tuple[int, ...]:
    """Indices of the reduction cells in a network of ``layers`` cells (one index if both coincide)."""
    return tuple(sorted({layers // 3, 2 * layers // 3}))


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def drop_path(x: torch.Tensor, drop_prob: float) -> torch.Tensor:
    """Zero whole samples of ``x`` with probability ``drop_prob``; scale the kept ones by ``1 / keep``."""
    if drop_prob <= 0.0:
        return x
    keep = 1.0 - drop_prob
    mask = torch.empty(x.shape[0], 1, 1, 1, device=x.device, dtype=x.dtype).bernoulli_(keep)
    return x / keep * mask


class DartsEvalCell(nn.Module):
    """One discrete DARTS cell: preprocess both inputs, apply the genotype's 8 ops, concat the chosen nodes."""

    def __init__(self, cell: DartsCell, C_prev_prev: int, C_prev: int, C: int, reduction: bool, reduction_prev: bool):
        super().__init__()
        self.reduction = reduction
        if reduction_prev:
            self.preprocess0 = FactorizedReduce(C_prev_prev, C, 2)
        else:
            self.preprocess0 = ReLUConvBN(C_prev_prev, C, 1, 1, 0)
        self.preprocess1 = ReLUConvBN(C_prev, C, 1, 1, 0)
        self.inputs = tuple(inp for _, inp in cell.edges)
        self.concat = tuple(cell.concat)
        self.ops = nn.ModuleList(
            DARTS_OPS[op](C, 2 if reduction and inp < 2 else 1, True) for op, inp in cell.edges
        )
        self.multiplier = len(self.concat)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, drop_prob: float = 0.0) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        for node in range(len(self.ops) // 2):
            total = 0
            for e in (2 * node, 2 * node + 1):
                op = self.ops[e]
                h = op(states[self.inputs[e]])
                if self.training and drop_prob > 0.0 and not isinstance(op, Identity):
                    h = drop_path(h, drop_prob)
                total = total + h
            states.append(total)
        return torch.cat([states[i] for i in self.concat], dim=1)


class AuxiliaryHead(nn.Module):
    """The DARTS auxiliary classifier, designed for the 8×8 feature map after the second reduction.

    ReLU, 5×5 average pooling with stride 3 (8×8 → 2×2), 1×1 convolution to 128 channels, BatchNorm,
    ReLU, 2×2 convolution to 768 channels, BatchNorm, ReLU, linear classifier. Feature maps larger than
    8×8 are averaged to 1×1 before the classifier; smaller ones raise a :class:`ValueError`.
    """

    MIN_SIZE = 8

    def __init__(self, C: int, num_classes: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.AvgPool2d(5, stride=3, padding=0, count_include_pad=False),
            nn.Conv2d(C, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=False),
            nn.Conv2d(128, 768, 2, bias=False),
            nn.BatchNorm2d(768),
            nn.ReLU(inplace=False),
        )
        self.classifier = nn.Linear(768, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        if min(h, w) < self.MIN_SIZE:
            raise ValueError(
                f"the auxiliary head needs a feature map of at least {self.MIN_SIZE}x{self.MIN_SIZE} after the "
                f"second reduction (e.g. 32x32 inputs), got {h}x{w}; build the network with auxiliary=False"
            )
        x = self.features(x)
        if x.shape[-2:] != (1, 1):
            x = nn.functional.adaptive_avg_pool2d(x, 1)
        return self.classifier(torch.flatten(x, 1))


class DartsNetwork(nn.Module):
    """The DARTS CIFAR evaluation network for ``genotype``.

    ``drop_path_prob`` is a plain attribute (0 at construction): trainers set it each epoch; it only
    acts in training mode, on every edge that is not an identity ``skip_connect``.
    ``forward(x)`` returns logits; ``forward_with_aux(x)`` returns ``(logits, aux_logits)`` where
    ``aux_logits`` is ``None`` unless the network has an auxiliary head and is in training mode.
    """

    def __init__(
        self,
        genotype: DartsGenotype,
        C: int,
        num_classes: int,
        layers: int,
        in_channels: int = 3,
        auxiliary: bool = False,
        stem_multiplier: int = 3,
    ):
        super().__init__()
        if not isinstance(genotype, DartsGenotype):
            raise TypeError(f"DartsNetwork needs a DartsGenotype, got {type(genotype).__name__}")
        _check_positive(C=C, num_classes=num_classes, layers=layers, in_channels=in_channels,
                        stem_multiplier=stem_multiplier)
        self.genotype = genotype
        self.layers = layers
        self.drop_path_prob = 0.0

        C_curr = stem_multiplier * C
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, C_curr, 3, padding=1, bias=False),
            nn.BatchNorm2d(C_curr),
        )
        reductions = reduction_positions(layers)
        self.aux_position = 2 * layers // 3
        C_prev_prev, C_prev, C_curr = C_curr, C_curr, C
        reduction_prev = False
        self.cells = nn.ModuleList()
        C_aux = None
        for i in range(layers):
            reduction = i in reductions
            if reduction:
                C_curr *= 2
            cell = DartsEvalCell(
                genotype.reduce if reduction else genotype.normal, C_prev_prev, C_prev, C_curr, reduction, reduction_prev
            )
            self.cells.append(cell)
            reduction_prev = reduction
            C_prev_prev, C_prev = C_prev, cell.multiplier * C_curr
            if i == self.aux_position:
                C_aux = C_prev
        self.auxiliary_head = AuxiliaryHead(C_aux, num_classes) if auxiliary else None
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(C_prev, num_classes)

    def forward_with_aux(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(logits, aux_logits)``; ``aux_logits`` only with an auxiliary head in training mode, else ``None``."""
        return self._run(x, with_aux=self.auxiliary_head is not None and self.training)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._run(x, with_aux=False)[0]

    def _run(self, x: torch.Tensor, with_aux: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        aux_logits = None
        s0 = s1 = self.stem(x)
        for i, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, self.drop_path_prob)
            if with_aux and i == self.aux_position:
                aux_logits = self.auxiliary_head(s1)
        logits = self.classifier(torch.flatten(self.global_pooling(s1), 1))
        return logits, aux_logits


def edge_flops_counter(build: Callable[[DartsGenotype], DartsNetwork], input_shape: tuple[int, int, int],
                       count: Callable[[nn.Module, tuple[int, int, int]], int]) -> Callable[[DartsGenotype], int]:
    """``genotype → FLOPs`` of DARTS networks of one size, counted edge by edge instead of net by net.

    A DARTS network's FLOPs are those of its genotype-independent parts (stem, preprocessing, classifier,
    auxiliary head), which depend only on the cells' concat lists, plus one cost per edge: its op at its
    cell's channels and resolution, with stride 2 where a reduction cell's edge reads one of the cell's
    inputs. One network per pair of concat lists is built and counted with ``count`` (the first genotype
    of that pair); its edges' costs are subtracted to give the base, and every genotype is the base plus
    its own edges' costs, each op counted once per (channels, resolution, stride). Equal to ``count`` on
    each genotype's own network (``tests/nn/test_profile.py`` checks it), at a small fraction of the time.
    """
    from cellprobe.nn.ops import DARTS_OPS

    @cache
    def op_cost(op: str, C: int, H: int, W: int, stride: int) -> int:
        return count(DARTS_OPS[op](C, stride, True), (C, H, W))

    def edges_cost(genotype: DartsGenotype, cells: tuple) -> int:
        total = 0
        for C, H, W, reduction in cells:
            for op, inp in (genotype.reduce if reduction else genotype.normal).edges:
                if reduction and inp >= 2:  # an intermediate node: already at the halved resolution
                    total += op_cost(op, C, -(-H // 2), -(-W // 2), 1)
                else:
                    total += op_cost(op, C, H, W, 2 if reduction else 1)
        return total

    bases: dict[tuple, tuple[int, tuple]] = {}  # concat pair -> (base FLOPs, (C, H, W, reduction) per cell)

    def flops(genotype: DartsGenotype) -> int:
        key = (genotype.normal.concat, genotype.reduce.concat)
        if key not in bases:
            network = build(genotype)
            shapes: list[tuple[int, int, int]] = []
            hooks = [cell.preprocess1.register_forward_hook(lambda m, i, out: shapes.append(tuple(out.shape[1:])))
                     for cell in network.cells]
            try:
                total = count(network, input_shape)
            finally:
                for hook in hooks:
                    hook.remove()
            cells = tuple((C, H, W, cell.reduction) for (C, H, W), cell in zip(shapes, network.cells))
            bases[key] = (total - edges_cost(genotype, cells), cells)
        base, cells = bases[key]
        return base + edges_cost(genotype, cells)

    return flops


register_network(NetworkFamily("darts", DartsNetwork, depth_name="layers", auxiliary=True,
                               flops_counter=edge_flops_counter))
