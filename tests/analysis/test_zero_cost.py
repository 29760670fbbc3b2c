import math

import numpy as np
import pytest
import torch
from torch import nn

from cellprobe.analysis.zero_cost import (
    JACOV_K,
    PROXIES,
    ProxyBatch,
    batch_proxies,
    epe_nas_score,
    jacov_score,
    l2_norm,
    nwot_score,
    proxy_batch,
    proxy_network,
    proxy_scores,
    representatives,
    synflow,
    zero_cost_table,
)
from cellprobe.cli import main
from cellprobe.data import load_split
from cellprobe.errors import CellprobeError
from cellprobe.nn import count_params
from cellprobe.spaces import NB201Genotype
from cellprobe.spaces.nb201 import benchmark_index, benchmark_order
from cellprobe.tables import SAMPLE_SET, ZERO_COST, read_frame, read_metadata, write_table

BEST = NB201Genotype.parse(
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|")
EMPTY = NB201Genotype(("none",) * 6)


@pytest.fixture(scope="module")
def digits(digits_hard):
    return {name: digits_hard / f"{name}.parquet" for name in ("train", "valid", "test")}


@pytest.fixture(scope="module")
def batch(digits):
    return proxy_batch(load_split(digits["train"]), 16, seed=0)


# -- the scores of matrices, by hand ------------------------------------------------------------------------


def test_jacov_score_by_hand():
    f = lambda lam: math.log(lam + JACOV_K) + 1 / (lam + JACOV_K)  # noqa: E731
    # zero-mean orthogonal rows: correlation matrix I, eigenvalues 1, 1
    assert jacov_score([[1.0, -1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -1.0]]) == pytest.approx(-2 * f(1.0))
    # perfectly correlated rows: eigenvalues 2, 0
    assert jacov_score([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]]) == pytest.approx(-(f(2.0) + f(0.0)))
    # a constant row counts as perfectly correlated; all-constant = the all-ones matrix, the floor
    assert jacov_score(np.zeros((3, 5))) == pytest.approx(-(f(3.0) + 2 * f(0.0)))
    assert jacov_score(np.zeros((3, 5))) < jacov_score(np.random.default_rng(0).normal(size=(3, 5)))
    with pytest.raises(ValueError):
        jacov_score([[1.0, np.nan], [0.0, 1.0]])


def test_nwot_score_by_hand():
    assert nwot_score([[2.0, 1.0], [1.0, 2.0]]) == pytest.approx(math.log(3.0))
    assert nwot_score([[2.0, 2.0], [2.0, 2.0]]) == 0.0  # singular: the bottom of the range
    assert nwot_score(np.diag([3.0, 4.0, 5.0])) == pytest.approx(math.log(60.0))


def _tiny_mlp():
    net = nn.Sequential(nn.Linear(2, 2, bias=False), nn.ReLU(), nn.Linear(2, 2))
    with torch.no_grad():
        net[0].weight.copy_(torch.eye(2))
    return net


def test_nwot_counts_agreeing_relu_units_by_hand():
    x = torch.tensor([[1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]])  # codes [1, 0], [0, 1], [1, 1]
    K = np.array([[2, 0, 1], [0, 2, 1], [1, 1, 2]], dtype=float)  # units on which two images agree
    scores = batch_proxies(_tiny_mlp(), x, torch.tensor([0, 1, 0]))
    assert scores["nwot"] == pytest.approx(math.log(np.linalg.det(K)))  # det = 4


def test_gradient_proxies_match_a_plain_backward_pass():
    torch.manual_seed(0)
    net, x, y = _tiny_mlp(), torch.randn(4, 2), torch.tensor([0, 1, 1, 0])
    scores = batch_proxies(net, x, y)
    nn.functional.cross_entropy(net(x), y).backward()
    layers = [net[0], net[2]]
    assert scores["grad_norm"] == pytest.approx(sum(float(m.weight.grad.norm()) for m in layers))
    assert scores["snip"] == pytest.approx(sum(float((m.weight.grad * m.weight.detach()).abs().sum()) for m in layers))


def test_grasp_plain_and_l2_norm_match_autograd_by_hand():
    torch.manual_seed(1)
    net, x, y = _tiny_mlp(), torch.randn(5, 2), torch.tensor([0, 1, 1, 0, 1])
    scores = batch_proxies(net, x, y)
    layers = [net[0], net[2]]
    names = [f"{i}.weight" for i in (0, 2)]
    params = dict(net.named_parameters())

    def loss_of(*ws):
        return nn.functional.cross_entropy(torch.func.functional_call(net, {**params, **dict(zip(names, ws))}, (x,)), y)

    ws = tuple(params[k].detach() for k in names)
    grads = torch.autograd.functional.jacobian(loss_of, ws)  # ∂L/∂W per layer
    _, hg = torch.autograd.functional.hvp(loss_of, ws, grads)  # H · g
    assert scores["grasp"] == pytest.approx(float(sum(-(w * h).sum() for w, h in zip(ws, hg))), rel=1e-5)
    assert scores["plain"] == pytest.approx(float(sum((w * gr).sum() for w, gr in zip(ws, grads))), rel=1e-5)
    assert l2_norm(net) == pytest.approx(sum(float(m.weight.detach().norm()) for m in layers))


def test_fisher_sums_the_channel_fisher_information_of_every_layer_output():
    torch.manual_seed(2)
    net = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 4, 2))
    x, y = torch.randn(6, 1, 4, 4), torch.tensor([0, 1, 0, 1, 1, 0])
    scores = batch_proxies(net, x, y)
    conv_out = net[0](x)
    conv_out.retain_grad()
    lin_out = net[3](net[2](net[1](conv_out)))
    lin_out.retain_grad()
    nn.functional.cross_entropy(lin_out, y).backward()
    # each channel's value counted once per weight of the channel (fan-in 1·3·3 and 3·4·4), as the zero-cost code
    expected = 9 * 0.5 * (conv_out.detach() * conv_out.grad).sum((2, 3)).pow(2).mean(0).sum() \
        + 48 * 0.5 * (lin_out.detach() * lin_out.grad).pow(2).mean(0).sum()
    assert scores["fisher"] == pytest.approx(float(expected), rel=1e-6)
    assert scores["fisher"] > 0


def test_epe_nas_score_by_class():
    k = JACOV_K
    rows = [[1.0, 2.0, 0.0], [2.0, 4.0, 0.1], [0.0, 1.0, -1.0], [1.0, 0.0, 3.0]]
    s0 = float(np.sum(np.log(np.abs(np.corrcoef(rows[:2])) + k)))
    s1 = float(np.sum(np.log(np.abs(np.corrcoef(rows[2:])) + k)))
    assert epe_nas_score(rows, [0, 0, 1, 1]) == pytest.approx(abs(s0 - s1))  # 2 |s0 - s1| / 2 classes
    assert epe_nas_score(rows, [0, 0, 0, 0]) == 0.0  # one class: nothing to compare
    assert epe_nas_score(rows, [0, 1, 0, 1]) != epe_nas_score(rows, [0, 0, 1, 1])  # labels matter
    with pytest.raises(ValueError, match="non-finite"):
        epe_nas_score([[np.nan, 1.0], [0.0, 1.0]], [0, 1])
    with pytest.raises(ValueError, match="N labels"):
        epe_nas_score(rows, [0, 1])


def test_synflow_by_hand_and_batch_norm_acts_as_identity():
    net = nn.Sequential(nn.Linear(2, 1, bias=False))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[-2.0, 3.0]]))
    assert synflow(net, (2,)) == pytest.approx(5.0)  # R = |w|·1 = 5, ∂R/∂w = 1
    assert net[0].weight[0, 0] == -2.0  # the network is not modified
    two = nn.Sequential(nn.Linear(2, 2, bias=False), nn.Linear(2, 1, bias=False))
    with torch.no_grad():
        two[0].weight.copy_(torch.tensor([[1.0, -1.0], [-1.0, 2.0]]))
        two[1].weight.copy_(torch.tensor([[1.0, -1.0]]))
    # |W1|·1 = (2, 3), so |W2| ⊙ ∂R/∂W2 sums to 5; ∂R/∂W1[i, j] = |W2|_i = 1, so |W1| ⊙ ∂R/∂W1 sums to 5
    assert synflow(two, (2,)) == pytest.approx(10.0)
    bn = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Linear(3, 1))
    before = synflow(bn, (2,))
    with torch.no_grad():
        bn[1].running_mean.fill_(5.0)
        bn[1].running_var.fill_(9.0)
    assert synflow(bn, (2,)) == before


# -- real networks ----------------------------------------------------------------------------------------------


def test_proxies_are_deterministic_finite_and_leave_the_network_alone(batch, darts_cells):
    cells = [BEST, benchmark_order()[7], darts_cells["DARTS_V2"], darts_cells["PDARTS"]]
    for g in cells:
        first = proxy_scores(g, batch, seed=3)
        assert list(first) == list(PROXIES)
        assert all(math.isfinite(v) for v in first.values()), (g, first)
        assert first == proxy_scores(g, batch, seed=3)
    assert proxy_scores(BEST, batch, seed=4)["grad_norm"] != proxy_scores(BEST, batch, seed=3)["grad_norm"]
    net = proxy_network(BEST, batch, seed=0)
    state = {k: v.clone() for k, v in net.state_dict().items()}
    net.eval()
    batch_proxies(net, batch.x, batch.y)
    synflow(net, batch.input_shape)
    assert not net.training and all(torch.equal(state[k], v) for k, v in net.state_dict().items())


def test_proxy_network_and_sizes(batch):
    net = proxy_network(BEST, batch, "tiny", seed=0)
    assert net.classifier.out_features == 10 and net.stem[0].in_channels == 1
    scores = proxy_scores(BEST, batch)
    assert scores["params"] == count_params(net)
    skip_only = proxy_scores(NB201Genotype(("skip_connect",) * 6), batch)
    assert skip_only["params"] < scores["params"] and skip_only["flops"] < scores["flops"]


def test_a_cell_that_ignores_its_input_gets_the_floor(batch):
    scores = proxy_scores(EMPTY, batch)
    assert scores["synflow"] == 0.0 and scores["nwot"] == 0.0 and scores["grad_norm"] >= 0.0
    assert scores["jacov"] == pytest.approx(jacov_score(np.zeros((len(batch), 64))))
    assert proxy_scores(BEST, batch)["nwot"] > 0.0


def test_proxy_batch_is_seeded_and_checked(digits):
    split = load_split(digits["train"])
    assert proxy_batch(split, 8, seed=1).indices == proxy_batch(split, 8, seed=1).indices
    assert proxy_batch(split, 8, seed=1).indices != proxy_batch(split, 8, seed=2).indices
    for bad in (1, len(split) + 1, 2.5):
        with pytest.raises(CellprobeError, match="batch size"):
            proxy_batch(split, bad)
    with pytest.raises(ValueError, match="labels"):
        ProxyBatch(torch.zeros(2, 1, 8, 8), torch.tensor([0, 5]), num_classes=3)


def _isomorphic_pair():
    seen = {}
    for g in benchmark_order():
        if g.reachable and g.canonical_key in seen and seen[g.canonical_key].ops != g.ops:
            return seen[g.canonical_key], g
        seen.setdefault(g.canonical_key, g)
    raise AssertionError("no isomorphic pair")


def test_dedupe_scores_one_network_per_isomorphism_class(batch, tmp_path):
    a, b = _isomorphic_pair()
    reps = representatives([b, a])
    assert reps[a.arch_id] == reps[b.arch_id] == min((a, b), key=benchmark_index)
    plain = zero_cost_table([a, b, BEST], batch, seed=0)
    assert plain.loc[0, "grad_norm"] != plain.loc[1, "grad_norm"]  # different initialisations
    deduped = zero_cost_table([a, b, BEST], batch, seed=0, dedupe=True)
    assert deduped.loc[0, list(PROXIES)].tolist() == deduped.loc[1, list(PROXIES)].tolist()
    assert deduped["computed_for"].nunique() == 2
    write_table(deduped, tmp_path / "zc.parquet", ZERO_COST)  # the declared schema takes the table as it is
    with pytest.raises(CellprobeError, match="several spaces"):
        zero_cost_table([a, *_one_darts_genotype()], batch)


def _one_darts_genotype():
    from cellprobe.sampling import sample_architectures

    return sample_architectures("uniform", 1, seed=0)


# -- CLI --------------------------------------------------------------------------------------------------------


def test_zero_cost_command(digits, tmp_path):
    sample = tmp_path / "s.parquet"
    assert main(["sample", "--sampler", "uniform", "--size", "2", "--seed", "1", "--out", str(sample)]) == 0
    out = tmp_path / "zc.parquet"
    assert main(["evaluators", "zero-cost", "--space", "darts", "--split", str(digits["train"]),
                 "--sample", str(sample), "--batch-size", "8", "--out", str(out)]) == 0
    table = read_frame(out, ZERO_COST)
    assert len(table) == 2 and set(table["arch_id"]) == set(read_frame(sample, SAMPLE_SET)["arch_id"])
    assert (table["batch_size"] == 8).all() and (table["dataset"] == "digits-hard").all()
    assert len(read_metadata(out)["indices"]) == 8
    out2 = tmp_path / "zc2.parquet"
    assert main(["evaluators", "zero-cost", "--space", "nb201", "--split", str(digits["train"]), "--archs", "3",
                 "--batch-size", "8", "--out", str(out2)]) == 0
    assert len(read_frame(out2, ZERO_COST)) == 3


@pytest.mark.parametrize("args, message", [
    (["--space", "darts", "--archs", "all"], "the darts space is too large"),
    (["--space", "nb201", "--archs", "lots"], "archs must be 'all' or a positive number"),
    (["--space", "nb201"], "exactly one of archs"),
    (["--space", "nb201", "--archs", "2", "--batch-size", "1"], "batch size"),
    (["--space", "nb201", "--archs", "2", "--sampler", "uniform"], "draws darts architectures"),
    (["--space", "nb201", "--archs", "2", "--preset", "huge"], "unknown nb201 preset"),
])
def test_zero_cost_command_bad_input(digits, tmp_path, capsys, args, message):
    out = tmp_path / "zc.parquet"
    assert main(["evaluators", "zero-cost", "--split", str(digits["train"]), *args, "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cellprobe: error: ") and message in err[0]
    assert not out.exists()
