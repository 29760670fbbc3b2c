"""GATES: a graph-based architecture encoder with op-gated message passing (Ning et al., ECCV 2020).

Each cell is a DAG over a fixed node set (:func:`cellprobe.predictors.encoding.graph`). The cell inputs
hold learned embeddings; the other nodes are computed in topological order, so that information flows
through the whole cell within one layer. In layer ``l`` node ``j`` sums one message per incoming edge
``i → j`` carrying op ``o``:

    ``m_ij = sigmoid(E[o] @ W_gate^l) * act((sigmoid(E[o] @ W_in^l) * h_i^l) @ W_x^l + h_i^(l-1) @ W_prev^l)``

— the op embedding ``E[o]`` decides which features of the incoming information pass (GATES' gate,
``W_gate``) and, with ``input_gate=True``, which features enter the edge's transform (``W_in``: an
op-specific transform ``W_x diag(g_in[o])`` at the price of one more small matrix; ``input_gate=False``
gives GATES' plain ``sigmoid(E[o] @ W_gate) * act(h_i @ W_x)``). ``h_i^l`` is the source's embedding in
this layer (already computed), ``h_i^(l-1)`` in the previous one (absent in the first layer). Two op
semantics are built in, because they are exact:

* ``zero_ops`` (default ``none``) carry nothing: their edges are dropped;
* ``identity_ops`` (default ``skip_connect`` on NB201) pass the source's embedding unchanged, ``m_ij = h_i^l``.

There are no bias terms and ``act(0) = 0``, so a node that no input reaches has the zero embedding, and
cells that compute the same function up to the order of sums and identity edges (NB201 isomorphism
classes, for instance) get the same embedding. The cell embedding is the sum of the nodes its output
reads (NB201: node 3; DARTS: the concatenated intermediate nodes); an MLP head maps it to the score.
DARTS genotypes have two cells, encoded by one GNN per cell type (or one shared, ``share_cells=True``),
and their embeddings are concatenated.

With ``dead_last=True`` a genotype whose output no input reaches through non-zero edges (it computes a
constant: the 341 NB201 cells at 10 % accuracy) is scored one unit below the lowest score of the
training cells, whether or not the training set held such a cell.

Message passing over a batch runs node by node over edge lists (each edge's op and source node), one
product per edge, so a batch of thousands of neighbours costs a few milliseconds.

On NAS-Bench-201 (CIFAR-10 test accuracy, 78 uniformly drawn training cells, hinge loss, defaults) the
Kendall τ over all 15,625 cells is about 0.805 (12 training sets × 6 seeds); the identity skip and the
input gate each add about 0.01, ``dead_last`` about 0.005 (0.02 on the training sets without a dead cell).

>>> from cellprobe.spaces.nb201 import benchmark_order
>>> cells = benchmark_order()[:8]
>>> GatesPredictor("nb201", epochs=2).fit(cells, range(8)).predict(cells).shape
(8,)
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from cellprobe.predictors.base import TorchPredictor
from cellprobe.predictors.encoding import GraphEncoding, graph, graph_shape
from cellprobe.predictors.mlp import mlp_layers
from cellprobe.predictors.registry import register_predictor
from cellprobe.spaces import get_space
from cellprobe.spaces.arrays import edge_targets, unique_rows

__all__ = ["GatesPredictor", "GatesCellEncoder", "ACTIVATIONS", "output_reachable"]



def elu(x: torch.Tensor) -> torch.Tensor:
    """ELU (alpha 1) through ``exp``: torch's CPU ``elu``/``expm1`` are scalar loops, about 20× slower.

    Equal to :func:`torch.nn.functional.elu` within float32 rounding (``exp(x) - 1`` loses a few bits
    of relative precision for ``x`` near 0, absolute error below 1e-7).
    """
    return torch.where(x > 0, x, torch.exp(torch.clamp(x, max=0.0)) - 1.0)


#: Activations of the messages; each maps 0 to 0, which keeps unreached nodes at exactly zero.
ACTIVATIONS = {"elu": elu, "relu": F.relu, "tanh": torch.tanh, "silu": F.silu, "gelu": F.gelu}
_ZERO, _GATED, _IDENTITY = 0, 1, 2
#: Identity ops by space when ``identity_ops`` is not given. In the DARTS reduce cell ``skip_connect``
#: on an input edge is a strided FactorizedReduce, not an identity, so DARTS has none by default.
DEFAULT_IDENTITY_OPS = {"nb201": ("skip_connect",), "darts": ()}


def output_reachable(encoding: GraphEncoding, live_ops) -> np.ndarray:
    """Per genotype, whether the output of every cell is reached from a cell input through live-op edges.

    ``live_ops``: one boolean per op of the vocabulary (``False`` for the zero ops).

    >>> from cellprobe.spaces import NB201Genotype
    >>> dead = NB201Genotype.parse("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|")
    >>> output_reachable(graph([dead]), [False, True, True, True, True]).tolist()
    [False]
    """
    live = np.asarray(live_ops, dtype=bool)[encoding.ops]  # (batch, cells, edges)
    batch, cells, _ = encoding.ops.shape
    reached = np.zeros((batch, cells, encoding.n_nodes), dtype=bool)
    reached[:, :, : encoding.n_inputs] = True
    for e in np.argsort(encoding.targets, kind="stable"):  # edges into earlier nodes first
        source = np.take_along_axis(reached, encoding.sources[:, :, e, None], axis=2)[:, :, 0]
        reached[:, :, encoding.targets[e]] |= source & live[:, :, e]
    return (reached & (encoding.output > 0)).any(axis=-1).all(axis=-1)


class GatesCellEncoder(nn.Module):
    """Op-gated message passing over one cell type; ``forward(ops, sources, output) -> (batch, node_dim)``.

    ``ops``, ``sources``: ``(batch, edges)`` int64, the op and the source node of each edge, edge ``e``
    feeding node ``targets[e]`` (fixed per space); ``output``: ``(batch, nodes)`` mask of the nodes the
    cell's output reads. ``op_kind``: per op, 0 = zero (dropped), 1 = gated message, 2 = identity (the
    source's embedding).

    The messages are computed edge by edge (sparse): each edge costs one ``node_dim × node_dim``
    product whatever the vocabulary's size, the input gate being a per-edge scaling of the source's
    embedding before the shared transform, ``(h_i * g_in[o]) @ W_x``.
    """

    def __init__(self, n_ops: int, n_nodes: int, n_inputs: int, op_dim: int, node_dim: int, layers: int,
                 op_kind, activation: str = "elu", input_gate: bool = True, targets=None):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; activations are: {', '.join(ACTIVATIONS)}")
        if targets is None:
            raise ValueError("targets (the node each edge feeds) are required")
        self.n_nodes, self.n_inputs = n_nodes, n_inputs
        self.act = ACTIVATIONS[activation]
        self.input_embedding = nn.Parameter(torch.randn(n_inputs, node_dim))
        self.op_embedding = nn.Parameter(torch.randn(n_ops, op_dim))

        def linears(n_in, count):
            return nn.ModuleList(nn.Linear(n_in, node_dim, bias=False) for _ in range(count))

        self.gate = linears(op_dim, layers)
        self.in_gate = linears(op_dim, layers) if input_gate else None
        self.message = linears(node_dim, layers)
        self.previous = linears(node_dim, layers - 1)
        kind = torch.as_tensor(op_kind)
        self.register_buffer("gated", (kind == _GATED).float(), persistent=False)
        self.register_buffer("identity", (kind == _IDENTITY).float(), persistent=False)
        self.has_identity = bool((kind == _IDENTITY).any())
        targets = np.asarray(targets)
        if (targets < n_inputs).any() or (targets >= n_nodes).any():
            raise ValueError(f"edge targets {targets.tolist()} must be computed nodes {n_inputs}..{n_nodes - 1}")
        #: per computed node, the (first, last + 1) edges feeding it: edges are grouped by target
        self.spans = []
        for j in range(n_inputs, n_nodes):
            edges = np.flatnonzero(targets == j)
            if len(edges) and not (np.diff(edges) == 1).all():
                raise ValueError("the edges feeding one node must be consecutive")
            self.spans.append((int(edges[0]), int(edges[-1]) + 1) if len(edges) else (0, 0))

    def forward(self, ops: torch.Tensor, sources: torch.Tensor, output: torch.Tensor) -> torch.Tensor:
        batch = ops.shape[0]
        identity = self.identity[ops][..., None] if self.has_identity else None  # (batch, edges, 1)
        dim = self.input_embedding.shape[1]
        h_prev = None  # every node's embedding at the previous layer
        for layer, (gate, message) in enumerate(zip(self.gate, self.message)):
            out_gates = (torch.sigmoid(gate(self.op_embedding)) * self.gated[:, None])[ops]  # 0 off gated ops
            in_gates = torch.sigmoid(self.in_gate[layer](self.op_embedding))[ops] if self.in_gate is not None else None
            from_prev = self.previous[layer - 1](h_prev) if h_prev is not None else None  # (batch, nodes, dim)
            h = self.input_embedding.expand(batch, -1, -1)  # this layer's embeddings of the nodes computed so far
            for first, last in self.spans:
                if first == last:  # a node no edge feeds stays at zero
                    h = torch.cat([h, h.new_zeros(batch, 1, dim)], dim=1)
                    continue
                index = sources[:, first:last, None].expand(-1, -1, dim)
                source = torch.gather(h, 1, index)  # (batch, k, dim)
                x = source * in_gates[:, first:last] if in_gates is not None else source
                pre = message(x)
                if from_prev is not None:
                    pre = pre + torch.gather(from_prev, 1, index)
                m = self.act(pre) * out_gates[:, first:last]
                if identity is not None:
                    m = m + source * identity[:, first:last]
                h = torch.cat([h, m.sum(dim=1, keepdim=True)], dim=1)
            h_prev = h
        return (h_prev * output[:, :, None]).sum(dim=1)


class _Gates(nn.Module):
    def __init__(self, space: str, op_dim: int, node_dim: int, layers: int, head: tuple[int, ...],
                 share_cells: bool, op_kind: list[int], activation: str, input_gate: bool):
        super().__init__()
        cells, n_ops, n_nodes, n_inputs = graph_shape(space)
        self.cells = cells
        targets = edge_targets(space)
        self.encoders = nn.ModuleList(
            GatesCellEncoder(n_ops, n_nodes, n_inputs, op_dim, node_dim, layers, op_kind, activation, input_gate,
                             targets)
            for _ in range(1 if share_cells else cells)
        )
        self.head = mlp_layers(cells * node_dim, head)

    def embed(self, cell: int, ops: torch.Tensor, sources: torch.Tensor, output: torch.Tensor) -> torch.Tensor:
        """The embeddings ``(batch, node_dim)`` of cells of type ``cell`` (``ops``, ``sources``: ``(batch, edges)``)."""
        return self.encoders[min(cell, len(self.encoders) - 1)](ops, sources, output)

    def score(self, parts: list[torch.Tensor]) -> torch.Tensor:
        """The scores of genotypes from their cells' embeddings (one ``(batch, node_dim)`` per cell type)."""
        return self.head(torch.cat(parts, dim=-1)).squeeze(-1)

    def forward(self, ops: torch.Tensor, sources: torch.Tensor, output: torch.Tensor) -> torch.Tensor:
        return self.score([self.embed(c, ops[:, c], sources[:, c], output[:, c]) for c in range(self.cells)])


@register_predictor
class GatesPredictor(TorchPredictor):
    """GATES on the graph encoding.

    ``op_dim``: op embedding size; ``node_dim``: node embedding size; ``layers``: stacked message-passing
    layers; ``head``: hidden widths of the MLP head; ``activation``: of the messages (see
    :data:`ACTIVATIONS`); ``input_gate``: gate the features entering each edge's transform too;
    ``share_cells``: one GNN for the DARTS normal and reduce cells (ignored on
    NB201); ``zero_ops``: ops whose edges carry nothing; ``identity_ops``: ops that pass their source's
    embedding unchanged (``None``: the space's default, :data:`DEFAULT_IDENTITY_OPS`); ``dead_last``: score
    genotypes whose output no input reaches below every training cell. Training settings as in
    :class:`TorchPredictor`; the defaults were tuned for 78 NB201 training cells with the hinge loss.
    """

    name = "gates"

    def __init__(
        self,
        space: str,
        loss: str = "hinge",
        seed: int = 0,
        *,
        op_dim: int = 32,
        node_dim: int = 64,
        layers: int = 1,
        head: tuple[int, ...] = (200, 200, 200),
        activation: str = "elu",
        input_gate: bool = True,
        share_cells: bool = False,
        zero_ops: tuple[str, ...] = ("none",),
        identity_ops: tuple[str, ...] | None = None,
        dead_last: bool = True,
        **training,
    ):
        training.setdefault("lr", 3e-3)
        super().__init__(space, loss, seed, **training)
        self.op_dim = int(op_dim)
        self.node_dim = int(node_dim)
        self.layers = int(layers)
        self.head = tuple(int(h) for h in head)
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; activations are: {', '.join(ACTIVATIONS)}")
        self.activation = activation
        self.input_gate = bool(input_gate)
        self.share_cells = bool(share_cells)
        vocabulary = get_space(self.space).ops
        self.zero_ops = tuple(vocabulary.check(op, where="zero_ops") for op in zero_ops)
        self.identity_ops = (
            None if identity_ops is None else tuple(vocabulary.check(op, where="identity_ops") for op in identity_ops)
        )
        both = set(self.zero_ops) & set(self._identity_ops())
        if both:
            raise ValueError(f"ops {sorted(both)} are listed as both zero and identity ops")
        self.dead_last = bool(dead_last)
        if self.layers < 1:
            raise ValueError(f"layers must be >= 1, got {layers}")

    def _identity_ops(self) -> tuple[str, ...]:
        return DEFAULT_IDENTITY_OPS[self.space] if self.identity_ops is None else self.identity_ops

    def _op_kind(self) -> list[int]:
        identity = self._identity_ops()
        return [
            _ZERO if op in self.zero_ops else _IDENTITY if op in identity else _GATED
            for op in get_space(self.space).ops
        ]

    def _build_module(self) -> nn.Module:
        return _Gates(self.space, self.op_dim, self.node_dim, self.layers, self.head, self.share_cells,
                      self._op_kind(), self.activation, self.input_gate)

    def _encode(self, genotypes) -> tuple[torch.Tensor, ...]:
        return self._tensors(graph(genotypes, self.space))

    @staticmethod
    def _tensors(encoded: GraphEncoding) -> tuple[torch.Tensor, ...]:
        return torch.from_numpy(encoded.ops), torch.from_numpy(encoded.sources), torch.from_numpy(encoded.output)

    def _alive(self, encoded: GraphEncoding) -> np.ndarray:
        return output_reachable(encoded, [k != _ZERO for k in self._op_kind()])

    # -- dead genotypes last ----------------------------------------------------------------------------
    def _fit(self, genotypes, y: np.ndarray) -> None:
        self.__dict__.pop("dead_score_", None)
        super()._fit(genotypes, y)
        encoded = graph(genotypes, self.space)
        scores = self._scores_of(self._tensors(encoded))
        alive = self._alive(encoded)
        self.dead_score_ = float((scores[alive] if alive.any() else scores).min() - 1.0)

    def _score_chunk(self, chunk: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """Scores of one chunk, each of its distinct cells encoded once.

        Batches of neighbours repeat cells: a DARTS neighbour changes one of its two cells, so half of
        a chunk's cell encodings would recompute its owner's other cell.
        """
        device = torch.device(self.device)
        module = self.module_
        ops, sources, output = chunk
        parts = []
        for c in range(module.cells):
            if len(ops) < 64:  # too few to repeat cells often enough to pay for finding them
                parts.append(module.embed(c, *(t[:, c].to(device) for t in chunk)))
                continue
            first, inverse = unique_rows(torch.cat([ops[:, c], sources[:, c], output[:, c].long()], dim=1).numpy())
            first, inverse = torch.from_numpy(first), torch.from_numpy(inverse)
            cells = (t[first, c].to(device) for t in chunk)
            parts.append(module.embed(c, *cells)[inverse.to(device)])
        return module.score(parts)

    def _scores(self, genotypes) -> np.ndarray:
        encoded = graph(genotypes, self.space)  # encoded once: for the network and for the dead-cell check
        scores = self._scores_of(self._tensors(encoded))
        if self.dead_last and hasattr(self, "dead_score_"):
            scores[~self._alive(encoded)] = self.dead_score_
        return scores

    def _state(self) -> dict:
        return {**super()._state(), "dead_score": self.dead_score_}

    def _set_state(self, state: dict) -> None:
        super()._set_state(state)
        self.dead_score_ = float(state["dead_score"])
