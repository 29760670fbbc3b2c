"""The sampling strategies of the one supernet: MC samples per step and FairNAS' strict fairness."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cellprobe.nn.supernet import build_supernet
from cellprobe.search.loop import SearchSettings, search_step
from cellprobe.search.weighting import Fair, Uniform, make_weighting


def _net(space):
    torch.manual_seed(0)
    depth = 3 if space == "darts" else 1
    return build_supernet(space, C=4, num_classes=4, depth=depth, in_channels=1)


@pytest.mark.parametrize("method, paths", [("spos", 1), ("spos-mc3", 3), ("spos-mc5", 5)])
def test_mc_samples_draw_that_many_uniform_paths(method, paths):
    weighting = make_weighting(method)
    assert isinstance(weighting, Uniform) and not weighting.learns_alpha
    drawn = weighting.paths({}, _net("nb201"), torch.Generator().manual_seed(0), 0.0)
    assert len(drawn) == paths
    for weights in drawn:
        w = weights["cell"]
        assert torch.equal(w.sum(1), torch.ones(6)) and set(w.unique().tolist()) <= {0.0, 1.0}
    if paths > 1:
        assert not all(torch.equal(drawn[0]["cell"], w["cell"]) for w in drawn[1:])


@pytest.mark.parametrize("space, n_paths", [("nb201", 5), ("darts", 7)])
def test_fair_paths_give_every_edge_each_op_once(space, n_paths):
    net = _net(space)
    drawn = Fair().paths({}, net, torch.Generator().manual_seed(3), 0.0)
    assert len(drawn) == n_paths
    for ct in net.cell_types:
        stacked = torch.stack([w[ct] for w in drawn])  # paths × edges × ops
        if space == "nb201":  # fixed edges: each edge takes every op once over the five paths
            assert torch.equal(stacked.sum(0), torch.ones(6, 5))
        else:  # DARTS: each path is a genotype (two inputs per node), no `none`, every op once per edge slot
            none = net.ops.index("none")
            assert stacked[:, :, none].sum() == 0
            assert torch.equal(stacked.sum((1, 2)), torch.full((n_paths,), 8.0))
            assert torch.equal(stacked.sum((0, 1))[[i for i in range(8) if i != none]], torch.full((7,), 8.0))


def test_a_fair_step_trains_every_op_and_mc_averages_the_losses():
    net = _net("nb201")
    x, y = torch.randn(8, 1, 8, 8), torch.arange(8) % 4
    s = SearchSettings(method="fairnas", C=4, depth=1, batch_size=8)
    w_opt = torch.optim.SGD(net.parameters(), lr=0.0)  # lr 0: the step leaves the weights, we read the grads
    a_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.0)
    weighting = s.weighting()
    generator = torch.Generator().manual_seed(0)
    search_step(net, {}, weighting, s, w_opt, a_opt, (x, y), None, generator, 0.0, 0.0)
    convs = [p for name, p in net.named_parameters() if "cells" in name and p.dim() == 4]

    def trained():  # conv ops of the cells that got a gradient (an op on a path cut off by `none` gets none)
        return sum(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in convs)

    fair = trained()
    # one uniform path trains far fewer of the cells' conv ops in a step
    net.zero_grad(set_to_none=True)
    single = SearchSettings(method="spos", C=4, depth=1, batch_size=8)
    search_step(net, {}, single.weighting(), single, w_opt, a_opt, (x, y), None,
                torch.Generator().manual_seed(0), 0.0, 0.0)
    assert fair > trained() and fair >= len(convs) // 2
    # MC samples: the step's loss is the mean of its paths' losses on the batch
    mc = SearchSettings(method="spos-mc3", C=4, depth=1, batch_size=8)
    g = torch.Generator().manual_seed(5)
    drawn = mc.weighting().paths({}, net, torch.Generator().manual_seed(5), 0.0)
    with torch.no_grad():
        expected = float(np.mean([F.cross_entropy(net(x, w), y).item() for w in drawn]))
    loss, _ = search_step(net, {}, mc.weighting(), mc, w_opt, a_opt, (x, y), None, g, 0.0, 0.0)
    assert float(loss) == pytest.approx(expected, rel=1e-5)


def test_a_pool_draws_only_its_members_and_a_pooled_search_says_so(digits_hard_splits, tmp_path):
    from cellprobe.search.loop import SearchError, run_search
    from cellprobe.spaces.nb201 import benchmark_order
    from tests.conftest import first

    net = _net("nb201")
    pool = tuple(g for _, g in zip(range(3), benchmark_order()))
    weighting = Uniform(samples=5, pool=pool)
    drawn = weighting.paths({}, net, torch.Generator().manual_seed(0), 0.0)
    allowed = [net.discretize(g)["cell"] for g in pool]
    assert all(any(torch.equal(w["cell"], a) for a in allowed) for w in drawn)
    assert len({tuple(w["cell"].argmax(1).tolist()) for w in drawn}) > 1  # several members, not one
    splits = first(digits_hard_splits, train=64, valid=32)
    s = SearchSettings(method="spos", epochs=1, batch_size=32, C=4, depth=1, eval_batch_size=32)
    state = run_search("nb201", splits, s, 0, torch.device("cpu"), pool=pool, checkpoint=tmp_path / "ck.pt")
    assert state.pool == tuple(g.arch_id for g in pool) and state.tag["pool"] == list(state.pool)
    plain = run_search("nb201", splits, s, 0, torch.device("cpu"), checkpoint=tmp_path / "ck.pt")
    assert "pool" not in plain.tag  # the pooled checkpoint is another run's: not resumed
    assert not plain.trajectory.equals(state.trajectory) or not plain.history.equals(state.history)
    for method in ("darts-1st", "spos-deiso", "fairnas"):
        with pytest.raises(SearchError, match="needs a uniform one-shot method"):
            run_search("nb201", splits, SearchSettings(method=method, epochs=1, C=4, depth=1), 0,
                       torch.device("cpu"), pool=pool)
