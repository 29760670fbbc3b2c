"""The weight-sharing supernets of the DARTS and NAS-Bench-201 spaces.

Every edge of every cell is a :class:`~cellprobe.nn.mixed.MixedOp` holding all ops of the space;
the search strategy (DARTS, SNAS/Gumbel, uniform one-shot, DARTS-PT, ...) owns α and only decides
the **edge weights** it passes to :meth:`Supernet.forward`. All cells of one type share those weights.

Edge layout, exposed as data (``(target, source)`` pairs, in weight-row order):

* DARTS, per cell type ``"normal"`` and ``"reduce"``: 14 edges, node by node — node 2 ← 0, 1;
  node 3 ← 0, 1, 2; node 4 ← 0..3; node 5 ← 0..4 (:func:`darts_edges`);
* NB201, one cell type ``"cell"``: the 6 edges of :data:`cellprobe.spaces.nb201.EDGES`.

``forward(x, weights, multipliers=None)``:

* ``weights[cell_type]``: ``[n_edges, n_ops]`` (one row of op weights per edge, shared by the batch)
  or ``[batch, n_edges, n_ops]`` (per-sample weights, e.g. per-sample Gumbel samples). Columns follow
  :attr:`Supernet.ops`. Edge ``e`` computes ``Σ_o w[e, o] · op_o(x)``.
* ``weights[f"{cell_type}_edges"]`` (optional): ``β`` of shape ``[n_edges]``; each node then sums its
  incoming edges weighted by the softmax of ``β`` over that node's edges (PC-DARTS edge
  normalisation). Absent: every edge has weight 1.
* ``multipliers[cell_type]`` (optional): ``[batch, n_edges, n_ops]``, multiplies each op's output per
  sample before the weighting. Created by the caller as ones with ``requires_grad=True``, its gradient
  after ``loss.backward()`` is, per sample, ``Σ_{c,h,w} ∂L/∂X_{e,o} · X_{e,o}`` summed over the cells of
  that type (``X_{e,o}`` the op's output): the edge cost of the wiring analysis. ``none`` costs exactly 0.

What is not computed (the result is the same; only some gradients differ, as stated):

* ``none`` never runs: its output is identically zero, so its contribution, its weight's gradient
  and its multiplier's gradient are exactly zero, as they would be if it ran;
* an op whose weight is exactly 0 for every sample does not run (cheap one-hot sampling and
  masking). The gradient with respect to such a weight is **not computed: it is 0**, not
  ``Σ ∂L/∂out · op(x)``. Weights from a softmax are never exactly 0, so DARTS/SNAS gradients are
  exact. Set :attr:`Supernet.skip_zero_weights` to ``False`` to run every op (straight-through
  estimators that need the gradient of unsampled ops);
* an edge whose normalised edge weight is exactly 0 (``β = -inf``) does not run.

With partial channels (``partial_channels=K > 1``, PC-DARTS) every mixed edge runs its ops on the
first ``C/K`` channels only; the rest bypass the ops (2×2 max pooling on stride-2 edges), followed by
a channel shuffle with ``K`` groups. An all-zero weight row then still passes the bypass channels, as
in PC-DARTS, so :func:`discretize` selects a sub-network exactly only with ``K = 1``.

Batch norms: DARTS builds the mixed ops and the cell preprocessing with ``affine=False`` and appends an
``affine=False`` BatchNorm to the two pooling ops, as the DARTS search model does; stem and classifier
as in the evaluation network. NB201 builds the cell ops with ``affine=False`` and
``track_running_stats=True`` by default (the benchmark's DARTS-V1 script passes
``--track_running_stats 1``); ``track_running_stats=False`` makes every cell BN use batch statistics
also in eval mode, which suits evaluating sub-networks with shared weights.

>>> import torch
>>> net = build_supernet("darts", C=8, num_classes=10, depth=5, in_channels=1)
>>> w = {ct: torch.softmax(torch.zeros(net.n_edges, net.n_ops), -1) for ct in net.cell_types}
>>> tuple(net(torch.randn(4, 1, 8, 8), w).shape)
(4, 10)
>>> from cellprobe.spaces import NB201Genotype
>>> g = NB201Genotype(("nor_conv_3x3",) * 6)
>>> nb = build_supernet("nb201", C=8, num_classes=10, depth=1, in_channels=1)
>>> genotype_from_weights(nb, discretize(nb, g)) == g
True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import torch
from torch import nn

from cellprobe.nn.darts_net import reduction_positions
from cellprobe.nn.mixed import NONE, MixedOp
from cellprobe.nn.nb201_net import ResNetBasicBlock
from cellprobe.nn.ops import DARTS_OPS, NB201_OPS, FactorizedReduce, ReLUConvBN
from cellprobe.nn.registry import SUPERNETS, register_supernet, supernet_class
from cellprobe.spaces.base import OpVocabulary
from cellprobe.spaces.darts import CELL_TYPES as DARTS_CELL_TYPES
from cellprobe.spaces.darts import DEFAULT_CONCAT, N_NODES, PRIMITIVES, DartsCell, DartsGenotype
from cellprobe.spaces.nb201 import EDGES as NB201_EDGES
from cellprobe.spaces.nb201 import OPS as NB201_PRIMITIVES
from cellprobe.spaces.nb201 import NB201Genotype

__all__ = [
    "darts_edges",
    "Supernet",
    "DartsSupernet",
    "NB201Supernet",
    "DartsSearchCell",
    "NB201SearchCell",
    "build_supernet",
    "discretize",
    "genotype_from_weights",
    "SUPERNET_SPACES",
]

_N_INPUTS = DEFAULT_CONCAT[0]  # a DARTS cell's two input nodes 0 and 1
_POOLS = frozenset({"max_pool_3x3", "avg_pool_3x3"})


def darts_edges() -> tuple[tuple[int, int], ...]:
    """The 14 ``(target, source)`` edges of a DARTS search cell, node by node.

    >>> darts_edges()[:5]
    ((2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
    """
    return tuple((t, s) for t in range(_N_INPUTS, _N_INPUTS + N_NODES) for s in range(t))


def _check_positive(**values) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _node_segments(edges: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int, int], ...]:
    """``(target, first, end)`` of each target node's contiguous run of edges."""
    segments: list[tuple[int, int, int]] = []
    for e, (target, _) in enumerate(edges):
        if segments and segments[-1][0] == target:
            segments[-1] = (target, segments[-1][1], e + 1)
        else:
            if any(t == target for t, _, _ in segments):
                raise ValueError("the edges of a node must be contiguous")
            segments.append((target, e, e + 1))
    return tuple(segments)


@dataclass(frozen=True, slots=True)
class _CellPlan:
    """What the cells of one type compute in one forward pass (built once, shared by those cells)."""

    weights: tuple[torch.Tensor, ...]  # per edge: [n_ops] or [batch, n_ops]
    multipliers: tuple[torch.Tensor, ...] | None  # per edge: [batch, n_ops]
    edge_weights: tuple[torch.Tensor, ...] | None  # per edge: a 0-dim normalised edge weight
    active: list[list[int]]  # per edge: indices of the ops to run
    edge_on: list[bool]  # per edge: whether the edge runs at all


class _SearchCellBase(nn.Module):
    """Runs the mixed edges of a cell node by node; subclasses prepare the inputs and read the output."""

    edges: tuple[tuple[int, int], ...]
    segments: tuple[tuple[int, int, int], ...]

    def _run_nodes(self, states: list[torch.Tensor], plan: _CellPlan, zero_like: torch.Tensor) -> list[torch.Tensor]:
        for target, first, end in self.segments:
            total = None
            for e in range(first, end):
                if not plan.edge_on[e]:
                    continue
                source = self.edges[e][1]
                multipliers = None if plan.multipliers is None else plan.multipliers[e]
                h = self.mixed[e](states[source], plan.weights[e], multipliers, plan.active[e])
                if plan.edge_weights is not None:
                    h = h * plan.edge_weights[e]
                total = h if total is None else total + h
            states.append(torch.zeros_like(zero_like) if total is None else total)
        return states


class DartsSearchCell(_SearchCellBase):
    """A DARTS search cell: preprocess both inputs, 14 mixed edges, concatenate nodes 2..5."""

    def __init__(
        self,
        cell_type: str,
        C_prev_prev: int,
        C_prev: int,
        C: int,
        reduction_prev: bool,
        partial_channels: int = 1,
    ):
        super().__init__()
        self.cell_type = cell_type
        self.reduction = cell_type == "reduce"
        if reduction_prev:
            self.preprocess0 = FactorizedReduce(C_prev_prev, C, 2, affine=False)
        else:
            self.preprocess0 = ReLUConvBN(C_prev_prev, C, 1, 1, 0, affine=False)
        self.preprocess1 = ReLUConvBN(C_prev, C, 1, 1, 0, affine=False)
        self.edges = darts_edges()
        self.segments = _node_segments(self.edges)
        strides = [2 if self.reduction and source < _N_INPUTS else 1 for _, source in self.edges]
        self.mixed = nn.ModuleList(
            MixedOp(PRIMITIVES, _darts_search_op(stride), C, stride, partial_channels) for stride in strides
        )
        self.multiplier = N_NODES

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, plan: _CellPlan) -> torch.Tensor:
        states = [self.preprocess0(s0), self.preprocess1(s1)]
        zero_like = states[1][:, :, ::2, ::2] if self.reduction else states[1]
        states = self._run_nodes(states, plan, zero_like)
        return torch.cat(states[_N_INPUTS:], dim=1)


def _darts_search_op(stride: int):
    """Factory ``(name, C) → module`` of DARTS search ops: ``affine=False``, pools followed by a BatchNorm."""

    def make(name: str, C: int) -> nn.Module:
        op = DARTS_OPS[name](C, stride, False)
        if name in _POOLS:
            op = nn.Sequential(op, nn.BatchNorm2d(C, affine=False))
        return op

    return make


class NB201SearchCell(_SearchCellBase):
    """An NB201 search cell: 6 mixed edges; node ``j`` sums its incoming edges; node 3 is the output."""

    def __init__(self, C: int, partial_channels: int = 1, track_running_stats: bool = True):
        super().__init__()
        self.cell_type = "cell"
        self.edges = tuple(NB201_EDGES)
        self.segments = _node_segments(self.edges)

        def make(name: str, channels: int) -> nn.Module:
            return NB201_OPS[name](channels, channels, 1, affine=False, track_running_stats=track_running_stats)

        self.mixed = nn.ModuleList(MixedOp(NB201_PRIMITIVES, make, C, 1, partial_channels) for _ in self.edges)

    def forward(self, x: torch.Tensor, plan: _CellPlan) -> torch.Tensor:
        return self._run_nodes([x], plan, x)[-1]


class Supernet(nn.Module):
    """Base of both supernets: the shared ``forward(x, weights, multipliers=None) → logits``.

    Attributes: :attr:`space`, :attr:`cell_types`, :attr:`edges` (``(target, source)`` pairs, one per
    weight row), :attr:`ops` (op names, one per weight column), :attr:`n_edges`, :attr:`n_ops`,
    :attr:`skip_zero_weights` (``True``: ops whose weight is exactly 0 for the whole batch do not run).
    Architecture parameters are not part of the supernet; :meth:`weight_parameters` gives every
    module parameter.
    """

    space: str
    cell_types: tuple[str, ...]
    edges: tuple[tuple[int, int], ...]
    ops: OpVocabulary
    #: Edges each node keeps when an architecture is selected (``None``: every edge is kept, with its op).
    inputs_per_node: int | None = None

    def __init__(self):
        super().__init__()
        self.skip_zero_weights = True

    @classmethod
    def build(cls, C: int, num_classes: int, depth: int, in_channels: int = 3, stem_multiplier: int | None = None,
              partial_channels: int = 1, **space_options) -> Supernet:
        """The supernet of this space (see :func:`build_supernet`)."""
        raise NotImplementedError

    @property
    def selectable_ops(self) -> list[int]:
        """Indices of the ops a selection may keep on an edge (``none`` only where edges are not chosen)."""
        return [o for o, name in enumerate(self.ops) if self.inputs_per_node is None or name != NONE]

    def discretize(self, genotype) -> dict[str, torch.Tensor]:
        """One-hot weights that make the supernet compute ``genotype``'s sub-network (:func:`discretize`)."""
        raise NotImplementedError

    def genotype_from_weights(self, rows: dict[str, list[list[float]]]):
        """The genotype the α-magnitude rule reads from per-cell-type weight rows (:func:`genotype_from_weights`)."""
        raise NotImplementedError

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    @property
    def n_ops(self) -> int:
        return len(self.ops)

    def weight_parameters(self) -> Iterator[nn.Parameter]:
        """Every parameter of the supernet (α lives with the search strategy, not here)."""
        return self.parameters()

    def forward(
        self,
        x: torch.Tensor,
        weights: Mapping[str, torch.Tensor],
        multipliers: Mapping[str, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """Logits of ``x`` under the edge weights ``weights`` (see the module docstring for keys and shapes)."""
        return self._forward(x, self._plans(weights, multipliers, x.shape[0]))

    def _forward(self, x: torch.Tensor, plans: dict[str, _CellPlan]) -> torch.Tensor:
        raise NotImplementedError

    # -- weights → per-cell-type plans ------------------------------------------------------------
    def _plans(self, weights, multipliers, batch: int) -> dict[str, _CellPlan]:
        if not isinstance(weights, Mapping):
            raise TypeError(f"weights must be a dict of tensors keyed by cell type, got {type(weights).__name__}")
        multipliers = {} if multipliers is None else multipliers
        edge_keys = {f"{ct}_edges": ct for ct in self.cell_types}
        unknown = set(weights) - set(self.cell_types) - set(edge_keys)
        if unknown:
            raise KeyError(f"unknown weight key(s) {sorted(unknown)}; expected {list(self.cell_types)} "
                           f"and optionally {list(edge_keys)}")
        unknown = set(multipliers) - set(self.cell_types)
        if unknown:
            raise KeyError(f"unknown multiplier key(s) {sorted(unknown)}; expected a subset of {list(self.cell_types)}")
        E, O = self.n_edges, self.n_ops
        none = self.ops.index(NONE)
        checked, flags = {}, []
        for ct in self.cell_types:
            if ct not in weights:
                raise KeyError(f"weights has no entry for cell type {ct!r}")
            w = weights[ct]
            if not torch.is_tensor(w) or not w.is_floating_point():
                raise TypeError(f"weights[{ct!r}] must be a floating-point tensor")
            if tuple(w.shape) != (E, O) and tuple(w.shape) != (batch, E, O):
                raise ValueError(f"weights[{ct!r}] must have shape [{E}, {O}] or [batch={batch}, {E}, {O}], "
                                 f"got {tuple(w.shape)}")
            m = multipliers.get(ct)
            if m is not None and tuple(m.shape) != (batch, E, O):
                raise ValueError(f"multipliers[{ct!r}] must have shape [batch={batch}, {E}, {O}], got {tuple(m.shape)}")
            beta = weights.get(f"{ct}_edges")
            edge_w = None
            if beta is not None:
                if tuple(beta.shape) != (E,):
                    raise ValueError(f"weights['{ct}_edges'] must have shape [{E}], got {tuple(beta.shape)}")
                edge_w = torch.cat([beta[first:end].softmax(0) for _, first, end in self._segments])
            checked[ct] = (w, m, edge_w)
            if self.skip_zero_weights:
                nonzero = w != 0
                flags.append((nonzero.any(0) if nonzero.dim() == 3 else nonzero).flatten())
            if edge_w is not None:
                flags.append(edge_w != 0)
        # One host transfer for every decision of this pass.
        values = torch.cat(flags).tolist() if flags else []
        pos = 0
        plans = {}
        computed = [o for o in range(O) if o != none]
        for ct in self.cell_types:
            w, m, edge_w = checked[ct]
            if self.skip_zero_weights:
                row = values[pos : pos + E * O]
                pos += E * O
                active = [[o for o in computed if row[e * O + o]] for e in range(E)]
            else:
                active = [computed] * E
            if edge_w is not None:
                edge_on = values[pos : pos + E]
                pos += E
            else:
                edge_on = [True] * E
            per_edge = w.unbind(-2)
            plans[ct] = _CellPlan(
                weights=per_edge,
                multipliers=None if m is None else m.unbind(1),
                edge_weights=None if edge_w is None else edge_w.unbind(0),
                active=active,
                edge_on=edge_on,
            )
        return plans


@register_supernet("darts")
class DartsSupernet(Supernet):
    """The DARTS search network: stem, ``depth`` search cells, global average pooling, linear classifier.

    Reduction cells sit at ``depth // 3`` and ``2 · depth // 3``.

    Mirrors :class:`~cellprobe.nn.darts_net.DartsNetwork` (stem to ``stem_multiplier · C`` channels,
    channels doubled at each reduction, each cell reading the two previous cells' outputs); each cell
    has 4 intermediate nodes over 14 mixed edges and concatenates all 4 (multiplier 4).
    """

    space = "darts"
    cell_types = DARTS_CELL_TYPES
    ops = PRIMITIVES
    inputs_per_node = 2

    def __init__(
        self,
        C: int,
        num_classes: int,
        depth: int,
        in_channels: int = 3,
        stem_multiplier: int = 3,
        partial_channels: int = 1,
    ):
        super().__init__()
        _check_positive(C=C, num_classes=num_classes, depth=depth, in_channels=in_channels,
                        stem_multiplier=stem_multiplier, partial_channels=partial_channels)
        _check_partial(C, partial_channels)
        self.edges = darts_edges()
        self._segments = _node_segments(self.edges)
        self.C, self.num_classes, self.depth = C, num_classes, depth
        self.partial_channels = partial_channels
        C_curr = stem_multiplier * C
        self.stem = nn.Sequential(nn.Conv2d(in_channels, C_curr, 3, padding=1, bias=False), nn.BatchNorm2d(C_curr))
        reductions = reduction_positions(depth)
        C_prev_prev, C_prev, C_curr = C_curr, C_curr, C
        reduction_prev = False
        self.cells = nn.ModuleList()
        for i in range(depth):
            reduction = i in reductions
            if reduction:
                C_curr *= 2
            cell = DartsSearchCell("reduce" if reduction else "normal", C_prev_prev, C_prev, C_curr, reduction_prev,
                                   partial_channels)
            self.cells.append(cell)
            reduction_prev = reduction
            C_prev_prev, C_prev = C_prev, cell.multiplier * C_curr
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(C_prev, num_classes)

    @classmethod
    def build(cls, C, num_classes, depth, in_channels=3, stem_multiplier=None, partial_channels=1, **options):
        return cls(C, num_classes, depth, in_channels, 3 if stem_multiplier is None else stem_multiplier,
                   partial_channels, **options)

    def discretize(self, genotype) -> dict[str, torch.Tensor]:
        if not isinstance(genotype, DartsGenotype):
            raise TypeError(f"a DARTS supernet needs a DartsGenotype, got {type(genotype).__name__}")
        index = {edge: e for e, edge in enumerate(self.edges)}
        out = {}
        for ct in self.cell_types:
            cell = genotype.cell(ct)
            if cell.concat != DEFAULT_CONCAT:
                raise ValueError(
                    f"{ct} cell concatenates nodes {list(cell.concat)}; a search cell always concatenates "
                    f"{list(DEFAULT_CONCAT)}, so this genotype has no exact sub-network in the supernet"
                )
            w = _zeros(self)
            for node in range(N_NODES):
                for op, source in cell.node_edges(node):
                    w[index[(node + _N_INPUTS, source)], self.ops.index(op)] = 1.0
            out[ct] = w
        return out

    def genotype_from_weights(self, rows: dict) -> DartsGenotype:
        candidates = [o for o, name in enumerate(self.ops) if name != NONE]
        cells = {}
        for ct in self.cell_types:
            W = rows[ct]
            gene = []
            for target, first, end in _node_segments(self.edges):
                sources = [self.edges[e][1] for e in range(first, end)]
                strength = {s: max(W[e][o] for o in candidates) for s, e in zip(sources, range(first, end))}
                chosen = sorted(sources, key=lambda s: -strength[s])[:2]
                for s in chosen:
                    e = first + sources.index(s)
                    gene.append((self.ops[_argmax(W[e], candidates)], s))
            cells[ct] = DartsCell(tuple(gene), DEFAULT_CONCAT, ct)
        return DartsGenotype(**cells)

    def _forward(self, x: torch.Tensor, plans: dict[str, _CellPlan]) -> torch.Tensor:
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1, plans[cell.cell_type])
        return self.classifier(torch.flatten(self.global_pooling(s1), 1))


@register_supernet("nb201")
class NB201Supernet(Supernet):
    """The NB201 search network: stem, three stages of ``depth`` search cells, BN-ReLU, pooling, linear.

    The stages run at ``C``, ``2C`` and ``4C`` channels, separated by ResNet basic blocks with stride 2.

    Mirrors :class:`~cellprobe.nn.nb201_net.NB201Network` with every cell replaced by an
    :class:`NB201SearchCell`; the ResNet reduction blocks are the evaluation network's.
    """

    space = "nb201"
    cell_types = ("cell",)
    ops = NB201_PRIMITIVES

    def __init__(
        self,
        C: int,
        num_classes: int,
        depth: int,
        in_channels: int = 3,
        partial_channels: int = 1,
        track_running_stats: bool = True,
    ):
        super().__init__()
        _check_positive(C=C, num_classes=num_classes, depth=depth, in_channels=in_channels,
                        partial_channels=partial_channels)
        _check_partial(C, partial_channels)
        self.edges = tuple(NB201_EDGES)
        self._segments = _node_segments(self.edges)
        self.C, self.num_classes, self.depth = C, num_classes, depth
        self.partial_channels = partial_channels
        self.stem = nn.Sequential(nn.Conv2d(in_channels, C, 3, padding=1, bias=False), nn.BatchNorm2d(C))
        blocks: list[nn.Module] = []
        C_prev = C
        for stage, C_stage in enumerate((C, 2 * C, 4 * C)):
            if stage > 0:
                blocks.append(ResNetBasicBlock(C_prev, C_stage))
            blocks.extend(NB201SearchCell(C_stage, partial_channels, track_running_stats) for _ in range(depth))
            C_prev = C_stage
        self.cells = nn.ModuleList(blocks)
        self.lastact = nn.Sequential(nn.BatchNorm2d(C_prev), nn.ReLU(inplace=False))
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(C_prev, num_classes)

    @classmethod
    def build(cls, C, num_classes, depth, in_channels=3, stem_multiplier=None, partial_channels=1, **options):
        if stem_multiplier not in (None, 1):
            raise ValueError(f"the NB201 stem has C channels: stem_multiplier must be None or 1, "
                             f"got {stem_multiplier!r}")
        return cls(C, num_classes, depth, in_channels, partial_channels, **options)

    def discretize(self, genotype) -> dict[str, torch.Tensor]:
        if not isinstance(genotype, NB201Genotype):
            raise TypeError(f"an NB201 supernet needs an NB201Genotype, got {type(genotype).__name__}")
        w = _zeros(self)
        for e, op in enumerate(genotype.ops):
            w[e, self.ops.index(op)] = 1.0
        return {"cell": w}

    def genotype_from_weights(self, rows: dict) -> NB201Genotype:
        return NB201Genotype(tuple(self.ops[_argmax(row, range(self.n_ops))] for row in rows["cell"]))

    def _forward(self, x: torch.Tensor, plans: dict[str, _CellPlan]) -> torch.Tensor:
        h = self.stem(x)
        plan = plans["cell"]
        for block in self.cells:
            h = block(h, plan) if isinstance(block, NB201SearchCell) else block(h)
        h = self.lastact(h)
        return self.classifier(torch.flatten(self.global_pooling(h), 1))


def _check_partial(C: int, partial_channels: int) -> None:
    if C % partial_channels:
        raise ValueError(
            f"partial channels: C={C} is not divisible by partial_channels={partial_channels}; "
            "every mixed edge sends C/partial_channels channels through its ops"
        )


def build_supernet(
    space: str,
    C: int,
    num_classes: int,
    depth: int,
    in_channels: int = 3,
    stem_multiplier: int | None = None,
    partial_channels: int = 1,
    **space_options,
) -> Supernet:
    """The supernet of ``space`` (``"darts"`` or ``"nb201"``: :data:`SUPERNETS`).

    ``depth`` is the number of cells for DARTS and the number of cells per stage for NB201.
    ``stem_multiplier`` is a DARTS option (default 3); NB201's stem has ``C`` channels, so only
    ``None`` or 1 is accepted there. ``space_options`` go to the class (NB201: ``track_running_stats``).
    """
    return supernet_class(space).build(C, num_classes, depth, in_channels, stem_multiplier, partial_channels,
                                       **space_options)


# -- genotypes ↔ edge weights -----------------------------------------------------------------------
def _reference(supernet: Supernet) -> torch.Tensor:
    """A tensor whose device and floating dtype new weight tensors should follow."""
    for p in supernet.parameters():
        if p.is_floating_point():
            return p
    return torch.empty(0)


def _zeros(supernet: Supernet) -> torch.Tensor:
    ref = _reference(supernet)
    return torch.zeros(supernet.n_edges, supernet.n_ops, dtype=ref.dtype, device=ref.device)


def discretize(supernet: Supernet, genotype: DartsGenotype | NB201Genotype) -> dict[str, torch.Tensor]:
    """One-hot weights ``{cell_type: [n_edges, n_ops]}`` that make ``supernet`` compute ``genotype``'s sub-network.

    DARTS: each node's two chosen edges get their op one-hot, every other edge an all-zero row (the
    concat must be nodes 2..5, the only concat a search cell computes). NB201: each edge its op.
    Tensors are on the supernet's device, in its dtype. With partial channels the unchosen edges still
    pass their bypass channels (see the module docstring).
    """
    return supernet.discretize(genotype)


def genotype_from_weights(supernet: Supernet, weights: Mapping[str, torch.Tensor]) -> DartsGenotype | NB201Genotype:
    """The genotype the α-magnitude rule reads from ``weights`` (``[n_edges, n_ops]`` per cell type).

    DARTS (as DARTS' ``genotype()``): for each node, the two incoming edges with the largest
    non-``none`` weight, strongest first (ties: lower source first), each with its largest non-``none``
    op (ties: the earlier op); concat 2..5. ``none`` is never chosen, so a genotype with ``none`` on a
    chosen edge does not round-trip through :func:`discretize`.
    NB201 (as NAS-Bench-201's DARTS ``genotype()``): each edge takes the argmax over **all** 5 ops,
    ``none`` included (ties: the earlier op).
    Per-sample ``[batch, n_edges, n_ops]`` weights are refused: reduce them first.
    """
    rows = {}
    for ct in supernet.cell_types:
        if ct not in weights:
            raise KeyError(f"weights has no entry for cell type {ct!r}")
        w = weights[ct]
        if tuple(w.shape) != (supernet.n_edges, supernet.n_ops):
            raise ValueError(f"weights[{ct!r}] must have shape [{supernet.n_edges}, {supernet.n_ops}], "
                             f"got {tuple(w.shape)}")
        rows[ct] = w.detach().to("cpu", torch.float64).tolist()
    return supernet.genotype_from_weights(rows)


#: Space name → supernet class (the registry's view).
SUPERNET_SPACES = SUPERNETS


def _argmax(row: list[float], indices) -> int:
    """The first index in ``indices`` with the largest ``row`` value."""
    best = None
    for i in indices:
        if best is None or row[i] > row[best]:
            best = i
    return best
