"""ENAS' shared-weight recurrent language model (Pham et al., 2018), the supernet of the ``enas-rnn`` space.

Every cell of the space runs on the same weights: an embedding, one matrix pair per *possible* edge of the
cell (node 0 from the step's input and the previous hidden state; node ``k`` from each earlier node ``j``),
and a decoder tied to the embedding. A node ``k`` reading ``s_j`` computes, as ENAS' highway cell,

    c = σ(W^c_{j,k} s_j),   s_k = c ⊙ f_k(W^h_{j,k} s_j) + (1 − c) ⊙ s_j

(node 0 reads ``x_t`` and ``h_{t−1}`` through two matrices, its carry is ``h_{t−1}``), and the next hidden state
is the average of the cell's loose ends, rescaled to a norm of at most ``max_hidden_norm`` (25, as the public
ENAS code: ReLU and identity chains would otherwise blow up over a window). A genotype selects the edges and activations; the same module then
trains on sampled cells and scores any cell by its perplexity. ENAS' regularisers that matter at this scale are
kept: weight tying, dropout on the embeddings and outputs, gradient clipping (the caller's), truncated
backpropagation through time (:func:`bptt_batches`).

>>> import torch
>>> from cellprobe.spaces.enas_rnn import ENASRNNGenotype
>>> model = SharedRNN(vocab_size=50, hidden=8)
>>> cell = ENASRNNGenotype.parse("tanh|relu~0|relu~1|identity~1|tanh~2|sigmoid~3|tanh~4|identity~5|relu~6|sigmoid~7|tanh~8|relu~9")
>>> logits, h = model(torch.zeros(5, 3, dtype=torch.long), model.init_hidden(3), cell)
>>> tuple(logits.shape), tuple(h.shape)
((5, 3, 50), (3, 8))
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

from cellprobe.spaces.enas_rnn import N_NODES

__all__ = ["ACTIVATIONS", "SharedRNN", "batchify", "bptt_batches", "train_epoch", "window_perplexity", "perplexity"]

#: The activations of the space, as functions.
ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "tanh": torch.tanh, "relu": F.relu, "identity": lambda x: x, "sigmoid": torch.sigmoid}


class SharedRNN(nn.Module):
    """The shared weights of every ``enas-rnn`` cell: embedding, per-edge highway matrices, tied decoder."""

    def __init__(self, vocab_size: int, hidden: int = 64, *, dropout: float = 0.2, init_range: float = 0.05,
                 max_hidden_norm: float = 25.0):
        super().__init__()
        if vocab_size < 2 or hidden < 1:
            raise ValueError(f"need a vocabulary of at least 2 and a hidden size of at least 1, got {vocab_size}, {hidden}")
        self.hidden, self.dropout, self.max_hidden_norm = int(hidden), float(dropout), float(max_hidden_norm)
        self.embed = nn.Embedding(vocab_size, hidden)
        self.w_x = nn.Linear(hidden, 2 * hidden, bias=False)
        self.w_h = nn.Linear(hidden, 2 * hidden, bias=False)
        #: edges[k - 1][j]: the matrices of the edge j → k (node k reading node j)
        self.edges = nn.ModuleList([nn.ModuleList([nn.Linear(hidden, 2 * hidden, bias=False) for _ in range(k)])
                                    for k in range(1, N_NODES)])
        self.decoder = nn.Linear(hidden, vocab_size)
        self.decoder.weight = self.embed.weight  # weight tying (Press & Wolf; Inan et al.), as ENAS
        for p in self.parameters():
            nn.init.uniform_(p, -init_range, init_range)

    def init_hidden(self, batch: int) -> torch.Tensor:
        return torch.zeros(batch, self.hidden, device=self.embed.weight.device)

    def _highway(self, projected: torch.Tensor, carry: torch.Tensor, act: str) -> torch.Tensor:
        c, h = projected.chunk(2, dim=-1)
        # c ⊙ f(h) + (1 − c) ⊙ carry in one kernel: the cell is a chain of small ops, each op's overhead counts
        return torch.lerp(carry, ACTIVATIONS[act](h), torch.sigmoid(c))

    def step(self, x: torch.Tensor, h: torch.Tensor, genotype, x_projected: torch.Tensor | None = None) -> torch.Tensor:
        """One time step of ``genotype``'s cell: the next hidden state from the input ``x`` and ``h``
        (``x_projected``: ``w_x(x)`` where the caller computed it for a whole window at once)."""
        x_projected = self.w_x(x) if x_projected is None else x_projected
        states = [self._highway(x_projected + self.w_h(h), h, genotype.nodes[0][0])]
        for k in range(1, N_NODES):
            act, j = genotype.nodes[k]
            states.append(self._highway(self.edges[k - 1][j](states[j]), states[j], act))
        out = torch.stack([states[k] for k in genotype.loose_ends]).mean(0)
        norm = out.norm(dim=-1, keepdim=True)
        return out * torch.clamp(self.max_hidden_norm / norm.clamp_min(1e-12), max=1.0)

    def forward(self, tokens: torch.Tensor, hidden: torch.Tensor, genotype) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits ``(T, B, vocab)`` of the next token at every position of ``tokens`` ``(T, B)``, and the last
        hidden state."""
        drop = self.dropout if self.training else 0.0
        x = F.dropout(self.embed(tokens), drop, self.training)
        x_projected = self.w_x(x)  # the input's projection for every step at once
        outputs = []
        for t in range(tokens.shape[0]):
            hidden = self.step(x[t], hidden, genotype, x_projected[t])
            outputs.append(hidden)
        out = F.dropout(torch.stack(outputs), drop, self.training)
        return self.decoder(out), hidden


def batchify(tokens: torch.Tensor, batch: int) -> torch.Tensor:
    """A token stream as ``batch`` parallel streams, ``(T, batch)``; the remainder is dropped."""
    n = tokens.numel() // batch
    if n < 2:
        raise ValueError(f"{tokens.numel()} tokens cannot fill {batch} streams of at least 2")
    return tokens[: n * batch].view(batch, n).t().contiguous()


def bptt_batches(streams: torch.Tensor, bptt: int, limit: int | None = None):
    """``(inputs, targets)`` windows of at most ``bptt`` steps over ``streams`` ``(T, B)``, in order (the first
    ``limit`` of them, if given)."""
    for i, start in enumerate(range(0, streams.shape[0] - 1, bptt)):
        if limit is not None and i >= limit:
            return
        length = min(bptt, streams.shape[0] - 1 - start)
        yield streams[start : start + length], streams[start + 1 : start + 1 + length]


def train_epoch(model: SharedRNN, streams: torch.Tensor, optimizer, sample: Callable[[], object], *,
                bptt: int = 35, grad_clip: float = 0.25, max_batches: int | None = None) -> float:
    """One pass of the shared weights over ``streams``, a cell drawn by ``sample()`` per window (ENAS' shared
    training step); the hidden state is carried over windows and detached. Returns the mean training loss."""
    model.train()
    hidden = model.init_hidden(streams.shape[1])
    total, count = 0.0, 0
    for inputs, targets in bptt_batches(streams, bptt, max_batches):
        logits, hidden = model(inputs, hidden.detach(), sample())
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        total += float(loss.detach()) * targets.numel()
        count += targets.numel()
    return total / max(count, 1)


@torch.no_grad()
def window_perplexity(model: SharedRNN, windows, genotype) -> float:
    """``exp`` of the mean next-token cross-entropy of ``genotype`` over consecutive ``(inputs, targets)``
    windows (evaluation mode; the hidden state starts at zero and is carried from window to window)."""
    model.eval()
    hidden = None
    total, count = 0.0, 0
    for inputs, targets in windows:
        if hidden is None:
            hidden = model.init_hidden(inputs.shape[1])
        logits, hidden = model(inputs, hidden, genotype)
        total += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="sum"))
        count += targets.numel()
    return math.exp(total / max(count, 1))


def perplexity(model: SharedRNN, streams: torch.Tensor, genotype, *, bptt: int = 35,
               max_batches: int | None = None) -> float:
    """``exp`` of the mean next-token cross-entropy of ``genotype`` on ``streams`` (evaluation mode)."""
    return window_perplexity(model, bptt_batches(streams, bptt, max_batches), genotype)
