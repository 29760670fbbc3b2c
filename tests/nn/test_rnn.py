"""ENAS' shared-weight recurrent LM: shapes, tying, which weights a cell uses, training lowers perplexity."""

import numpy as np
import pytest
import torch

from cellprobe.nn.rnn import SharedRNN, batchify, bptt_batches, perplexity, train_epoch
from cellprobe.sampling import get_sampler
from cellprobe.spaces.enas_rnn import N_NODES, ENASRNNGenotype

CHAIN = ENASRNNGenotype.parse("|".join(["tanh"] + [f"relu~{k - 1}" for k in range(1, N_NODES)]))


def test_batches_and_windows():
    streams = batchify(torch.arange(103), 4)
    assert streams.shape == (25, 4) and streams[:, 1].tolist() == list(range(25, 50))
    windows = list(bptt_batches(streams, 10))
    assert [w[0].shape[0] for w in windows] == [10, 10, 4]
    assert torch.equal(windows[0][1][:-1], windows[0][0][1:])  # targets are the inputs shifted by one
    with pytest.raises(ValueError, match="cannot fill"):
        batchify(torch.arange(5), 4)


def test_a_cell_uses_only_its_own_edges_and_the_decoder_is_tied():
    torch.manual_seed(0)
    model = SharedRNN(30, hidden=6)
    assert model.decoder.weight is model.embed.weight
    logits, _ = model(torch.randint(0, 30, (4, 2)), model.init_hidden(2), CHAIN)
    logits.sum().backward()
    used = {(k, k - 1) for k in range(1, N_NODES)}
    for k in range(1, N_NODES):
        for j in range(k):
            grad = model.edges[k - 1][j].weight.grad
            assert (grad is not None and grad.abs().sum() > 0) == ((k, j) in used), (k, j)


def test_the_output_averages_the_loose_ends():
    torch.manual_seed(0)
    model = SharedRNN(10, hidden=5).eval()
    star = ENASRNNGenotype(tuple([("tanh", None)] + [("identity", 0)] * (N_NODES - 1)))  # 11 loose ends
    x, h = torch.randn(3, 5), torch.randn(3, 5)
    s0 = model._highway(model.w_x(x) + model.w_h(h), h, "tanh")
    expected = torch.stack([model._highway(model.edges[k - 1][0](s0), s0, "identity") for k in range(1, N_NODES)]).mean(0)
    assert star.loose_ends == tuple(range(1, N_NODES))
    torch.testing.assert_close(model.step(x, h, star), expected)


def test_shared_training_lowers_perplexity_deterministically():
    tokens = torch.tensor(np.tile(np.arange(12), 60))  # a periodic text: learnable
    streams = batchify(tokens, 4)
    draw = get_sampler("enas-rnn").draw
    cells = [draw(np.random.default_rng(seed)) for seed in (1, 2, 3)]  # cells the training need not have drawn

    def run():
        torch.manual_seed(0)
        rng = np.random.default_rng(0)
        model = SharedRNN(12, hidden=16, dropout=0.0, init_range=0.1)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        before = [perplexity(model, streams, c, bptt=20) for c in cells]
        losses = [train_epoch(model, streams, optimizer, lambda: draw(rng), bptt=20, grad_clip=5.0) for _ in range(8)]
        return before, losses, [perplexity(model, streams, c, bptt=20) for c in cells]

    before, losses, after = run()
    assert before == pytest.approx([12] * 3, rel=0.1)  # at initialisation every token is about equally likely
    assert max(after) < 0.6 * min(before)  # the shared weights rank any cell's next token better
    assert run() == (before, losses, after)  # seeded: the same numbers
