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

Message passing over a batch is a few tensor products with the per-op adjacency ``A[b, op, target, source]``.

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
from cellprobe.spaces import get_space

__all__ = ["GatesPredictor", "GatesCellEncoder", "ACTIVATIONS", "output_reachable"]

#: Activations of the messages; each maps 0 to 0, which keeps unreached nodes at exactly zero.
ACTIVATIONS = {"elu": F.elu, "relu": F.relu, "tanh": torch.tanh, "silu": F.silu, "gelu": F.gelu}
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
    live = np.asarray(live_ops, dtype=bool)
    edges = encoding.adjacency[:, :, live].sum(axis=2) > 0  # (batch, cells, target, source)
    batch, cells, n_nodes, _ = edges.shape
    reached = np.zeros((batch, cells, n_nodes), dtype=bool)
    reached[:, :, : encoding.n_inputs] = True
    for j in range(encoding.n_inputs, n_nodes):
        reached[:, :, j] = (edges[:, :, j, :] & reached).any(axis=-1)
    return (reached & (encoding.output > 0)).any(axis=-1).all(axis=-1)


class GatesCellEncoder(nn.Module):
    """Op-gated message passing over one cell type; ``forward(A, output) -> (batch, node_dim)``.

    ``A``: ``(batch, ops, nodes, nodes)`` 0/1 adjacency per op (``A[b, o, j, i]``: edge ``i → j`` with
    op ``o``); ``output``: ``(batch, nodes)`` mask of the nodes the cell's output reads.
    ``op_kind``: per op, 0 = zero (dropped), 1 = gated message, 2 = identity (the source's embedding).
    """

    def __init__(self, n_ops: int, n_nodes: int, n_inputs: int, op_dim: int, node_dim: int, layers: int,
                 op_kind, activation: str = "elu", input_gate: bool = True):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; activations are: {', '.join(ACTIVATIONS)}")
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

    @staticmethod
    def _transform(h: torch.Tensor, message: nn.Linear, in_gates: torch.Tensor | None) -> torch.Tensor:
        """``(h * g_in[o]) @ W_x`` for every op, ``(batch, ops, k, dim)``; ``h @ W_x`` as ``(batch, 1, k, dim)``."""
        if in_gates is None:
            return message(h)[:, None]
        return message(h[:, None] * in_gates[None, :, None])

    def forward(self, A: torch.Tensor, output: torch.Tensor) -> torch.Tensor:
        batch, n_ops = A.shape[:2]
        gated = A * self.gated[None, :, None, None]
        identity = torch.einsum("boji,o->bji", A, self.identity)  # (batch, target, source)
        inputs = self.input_embedding.expand(batch, -1, -1)
        h_prev = None  # every node's embedding at the previous layer
        for layer, (gate, message) in enumerate(zip(self.gate, self.message)):
            out_gates = torch.sigmoid(gate(self.op_embedding))  # (ops, dim)
            in_gates = torch.sigmoid(self.in_gate[layer](self.op_embedding)) if self.in_gate is not None else None
            from_prev = self.previous[layer - 1](h_prev)[:, None] if h_prev is not None else None

            def send(h: torch.Tensor, start: int) -> torch.Tensor:
                """The activated messages of nodes ``start..start + k`` (``h``: ``(batch, k, dim)``), per op."""
                pre = self._transform(h, message, in_gates)
                if from_prev is not None:
                    pre = pre + from_prev[:, :, start:start + h.shape[1]]
                return self.act(pre).expand(-1, n_ops, -1, -1)

            values = [inputs]  # this layer's embeddings of the nodes computed so far
            sent = [send(inputs, 0)]  # each node's message is computed once and reused by every later node
            for j in range(self.n_inputs, self.n_nodes):
                pre = torch.cat(sent, dim=2)  # (batch, ops, j, dim)
                per_op = torch.einsum("boi,boid->bod", gated[:, :, j, :j], pre)  # messages summed per op
                h = (per_op * out_gates).sum(dim=1)
                h = h + torch.einsum("bi,bid->bd", identity[:, j, :j], torch.cat(values, dim=1))
                values.append(h[:, None])
                sent.append(send(h[:, None], j))
            h_prev = torch.cat(values, dim=1)
        return (h_prev * output[:, :, None]).sum(dim=1)


class _Gates(nn.Module):
    def __init__(self, space: str, op_dim: int, node_dim: int, layers: int, head: tuple[int, ...],
                 share_cells: bool, op_kind: list[int], activation: str, input_gate: bool):
        super().__init__()
        cells, n_ops, n_nodes, n_inputs = graph_shape(space)
        self.cells = cells
        self.encoders = nn.ModuleList(
            GatesCellEncoder(n_ops, n_nodes, n_inputs, op_dim, node_dim, layers, op_kind, activation, input_gate)
            for _ in range(1 if share_cells else cells)
        )
        self.head = mlp_layers(cells * node_dim, head)

    def forward(self, A: torch.Tensor, output: torch.Tensor) -> torch.Tensor:
        parts = [self.encoders[min(c, len(self.encoders) - 1)](A[:, c], output[:, c]) for c in range(self.cells)]
        return self.head(torch.cat(parts, dim=-1)).squeeze(-1)


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

    def _encode(self, genotypes: list) -> tuple[torch.Tensor, ...]:
        return self._tensors(graph(genotypes, self.space))

    @staticmethod
    def _tensors(encoded: GraphEncoding) -> tuple[torch.Tensor, ...]:
        return torch.from_numpy(encoded.adjacency), torch.from_numpy(encoded.output)

    def _alive(self, encoded: GraphEncoding) -> np.ndarray:
        return output_reachable(encoded, [k != _ZERO for k in self._op_kind()])

    # -- dead genotypes last ----------------------------------------------------------------------------
    def _fit(self, genotypes: list, y: np.ndarray) -> None:
        self.__dict__.pop("dead_score_", None)
        super()._fit(genotypes, y)
        encoded = graph(genotypes, self.space)
        scores = self._scores_of(self._tensors(encoded))
        alive = self._alive(encoded)
        self.dead_score_ = float((scores[alive] if alive.any() else scores).min() - 1.0)

    def _scores(self, genotypes: list) -> np.ndarray:
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
