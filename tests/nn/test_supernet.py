"""The weight-sharing supernets: layout, forward/backward with every kind of edge weights, skipping of
zero-weight ops, sub-networks of genotypes, multiplier gradients (edge costs), partial channels and
edge normalisation. Small shapes only: everything runs on CPU in a few seconds."""

import random
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from cellprobe.nn.mixed import MixedOp, channel_shuffle
from cellprobe.nn.ops import DARTS_OPS, NB201_OPS
from cellprobe.nn.supernet import (
    DartsSupernet,
    NB201Supernet,
    Supernet,
    build_supernet,
    darts_edges,
    discretize,
    genotype_from_weights,
)
from cellprobe.spaces import DartsGenotype, NB201Genotype
from cellprobe.spaces.darts import PRIMITIVES
from cellprobe.spaces.nb201 import EDGES, OPS, all_genotypes

V2_LIKE = DartsGenotype.parse(
    "normal=sep_conv_3x3~0,sep_conv_3x3~1|sep_conv_3x3~0,sep_conv_3x3~1|sep_conv_3x3~1,skip_connect~0|"
    "skip_connect~0,dil_conv_3x3~2;reduce=max_pool_3x3~0,max_pool_3x3~1|skip_connect~2,max_pool_3x3~1|"
    "max_pool_3x3~0,skip_connect~2|skip_connect~2,max_pool_3x3~1"
)
MIXED = DartsGenotype.parse(
    "normal=dil_conv_5x5~1,avg_pool_3x3~0|sep_conv_5x5~2,none~0|max_pool_3x3~3,dil_conv_3x3~1|skip_connect~4,none~2;"
    "reduce=sep_conv_5x5~1,dil_conv_5x5~0|avg_pool_3x3~2,skip_connect~1|none~3,sep_conv_3x3~0|dil_conv_3x3~3,none~4"
)
NB201_CELL = NB201Genotype.parse(
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|"
)

# (space, constructor kwargs, input shape of one sample)
CONFIGS = {
    "darts": (dict(C=8, num_classes=10, depth=5, in_channels=1), (1, 8, 8)),
    "nb201": (dict(C=8, num_classes=10, depth=1, in_channels=1), (1, 8, 8)),
}


def _net(space: str, seed: int = 0, **overrides) -> Supernet:
    torch.manual_seed(seed)
    kwargs, _ = CONFIGS[space]
    return build_supernet(space, **{**kwargs, **overrides})


def _x(space: str, batch: int = 4, seed: int = 1) -> torch.Tensor:
    return torch.randn(batch, *CONFIGS[space][1], generator=torch.Generator().manual_seed(seed))


def _alpha(net: Supernet, seed: int = 2) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {ct: torch.randn(net.n_edges, net.n_ops, generator=g).requires_grad_() for ct in net.cell_types}


def _random_darts_genotype(rng: random.Random, with_none: bool = False) -> DartsGenotype:
    ops = list(PRIMITIVES) if with_none else [op for op in PRIMITIVES if op != "none"]
    cells = []
    for _ in range(2):
        edges = []
        for node in range(4):
            for inp in rng.sample(range(node + 2), 2):
                edges.append((rng.choice(ops), inp))
        cells.append(edges)
    return DartsGenotype.from_pairs(*cells)


def _op_call_counter(net: Supernet) -> tuple[dict, list]:
    """Forward hooks counting the calls of every op module, keyed by (cell type, edge, op name)."""
    counts, handles = {}, []
    for cell in net.cells:
        if not hasattr(cell, "mixed"):
            continue
        for e, mixed in enumerate(cell.mixed):
            for name, module in mixed.ops.items():
                key = (cell.cell_type, e, name)
                counts.setdefault(key, 0)

                def hook(module, inputs, output, key=key):
                    counts[key] += 1

                handles.append(module.register_forward_hook(hook))
    return counts, handles


# -- layout -------------------------------------------------------------------------------------------
def test_darts_edge_layout_is_node_by_node():
    edges = darts_edges()
    assert len(edges) == 14
    assert edges == ((2, 0), (2, 1), (3, 0), (3, 1), (3, 2), (4, 0), (4, 1), (4, 2), (4, 3),
                     (5, 0), (5, 1), (5, 2), (5, 3), (5, 4))


def test_supernets_expose_cell_types_edges_and_op_names():
    darts, nb201 = _net("darts"), _net("nb201")
    assert isinstance(darts, DartsSupernet) and isinstance(nb201, NB201Supernet)
    assert darts.cell_types == ("normal", "reduce") and nb201.cell_types == ("cell",)
    assert darts.edges == darts_edges() and nb201.edges == tuple(EDGES)
    assert tuple(darts.ops) == tuple(PRIMITIVES) and len(darts.ops) == 8
    assert tuple(nb201.ops) == tuple(OPS) and len(nb201.ops) == 5
    assert (darts.n_edges, darts.n_ops, nb201.n_edges, nb201.n_ops) == (14, 8, 6, 5)
    assert [c.cell_type for c in darts.cells] == ["normal", "reduce", "normal", "reduce", "normal"]
    assert list(darts.weight_parameters()) == list(darts.parameters())
    assert not hasattr(darts, "arch_parameters")


def test_reference_parameter_counts():
    # The DARTS search model at C=16, 8 layers logs "param size = 1.930618MB".
    net = build_supernet("darts", C=16, num_classes=10, depth=8)
    assert sum(p.numel() for p in net.parameters()) == 1930618


# -- forward / backward -------------------------------------------------------------------------------
@pytest.mark.parametrize("space", ["darts", "nb201"])
@pytest.mark.parametrize("per_sample", [False, True], ids=["shared", "per_sample"])
def test_forward_backward_with_softmax_weights(space, per_sample):
    net, x = _net(space), _x(space)
    alpha = _alpha(net)
    if per_sample:
        torch.manual_seed(3)
        weights = {ct: F.gumbel_softmax(a.expand(len(x), -1, -1), tau=1.0) for ct, a in alpha.items()}
        assert weights[net.cell_types[0]].shape == (len(x), net.n_edges, net.n_ops)
    else:
        weights = {ct: a.softmax(-1) for ct, a in alpha.items()}
    logits = net(x, weights)
    assert logits.shape == (len(x), 10)
    assert torch.isfinite(logits).all()
    F.cross_entropy(logits, torch.arange(len(x)) % 10).backward()
    for ct, a in alpha.items():
        assert a.grad is not None and torch.isfinite(a.grad).all() and a.grad.abs().sum() > 0, ct
    for name, p in net.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name


def test_per_sample_rows_act_per_sample():
    # Sample i under per-sample weights equals the batch evaluated under sample i's row (eval-mode BN).
    net, x = _net("nb201").eval(), _x("nb201", batch=3)
    w = torch.rand(3, 6, 5)
    per_sample = net(x, {"cell": w})
    for i in range(3):
        torch.testing.assert_close(per_sample[i], net(x, {"cell": w[i]})[i])


@pytest.mark.parametrize("space", ["darts", "nb201"])
def test_cifar_sized_inputs(space):
    torch.manual_seed(0)
    net = build_supernet(space, C=4, num_classes=10, depth=3 if space == "darts" else 1)
    weights = {ct: torch.full((net.n_edges, net.n_ops), 1.0 / net.n_ops) for ct in net.cell_types}
    logits = net(torch.randn(2, 3, 32, 32), weights)
    assert logits.shape == (2, 10) and torch.isfinite(logits).all()


@pytest.mark.parametrize("space", ["darts", "nb201"])
def test_channels_last_matches_nchw(space):
    net, x = _net(space, partial_channels=2), _x(space)
    weights = {ct: a.detach().softmax(-1) for ct, a in _alpha(net).items()}
    expected = net(x, weights)
    net_cl = net.to(memory_format=torch.channels_last)
    got = net_cl(x.to(memory_format=torch.channels_last), weights)
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)


def test_parameters_are_deterministic_for_a_seed():
    a, b, c = _net("darts", seed=7), _net("darts", seed=7), _net("darts", seed=8)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert sa.keys() == sb.keys()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert any(not torch.equal(sa[k], sc[k]) for k in sa)


# -- zero weights are skipped ---------------------------------------------------------------------------
def _reference_darts(net: DartsSupernet, genotype: DartsGenotype, x: torch.Tensor) -> torch.Tensor:
    """The chosen sub-network, computed directly from the supernet's own op modules."""
    index = {edge: e for e, edge in enumerate(net.edges)}
    s0 = s1 = net.stem(x)
    for cell in net.cells:
        spec = genotype.cell(cell.cell_type)
        states = [cell.preprocess0(s0), cell.preprocess1(s1)]
        for node in range(4):
            total = 0
            for op, inp in spec.node_edges(node):
                mixed = cell.mixed[index[(node + 2, inp)]]
                if op != "none":
                    total = total + mixed.ops[op](states[inp])
            states.append(total)
        s0, s1 = s1, torch.cat(states[2:], dim=1)
    return net.classifier(torch.flatten(net.global_pooling(s1), 1))


def _reference_nb201(net: NB201Supernet, genotype: NB201Genotype, x: torch.Tensor) -> torch.Tensor:
    h = net.stem(x)
    for block in net.cells:
        if not hasattr(block, "mixed"):
            h = block(h)
            continue
        nodes = [h]
        for j in range(1, 4):
            total = torch.zeros_like(h)
            for e, ((target, source), op) in enumerate(zip(EDGES, genotype.ops)):
                if target == j and op != "none":
                    total = total + block.mixed[e].ops[op](nodes[source])
            nodes.append(total)
        h = nodes[-1]
    return net.classifier(torch.flatten(net.global_pooling(net.lastact(h)), 1))


@pytest.mark.parametrize(
    "space, genotype",
    [("darts", V2_LIKE), ("darts", MIXED), ("nb201", NB201_CELL), ("nb201", NB201Genotype(("none",) * 6))],
    ids=["darts-v2", "darts-with-none", "nb201", "nb201-all-none"],
)
def test_one_hot_weights_run_only_the_chosen_ops_and_compute_the_sub_network(space, genotype):
    net, x = _net(space), _x(space)
    weights = discretize(net, genotype)
    counts, handles = _op_call_counter(net)
    with torch.no_grad():
        got = net(x, weights)
    for h in handles:
        h.remove()
    expected_calls = {}
    if space == "darts":
        index = {edge: e for e, edge in enumerate(net.edges)}
        for cell in net.cells:
            for node in range(4):
                for op, inp in genotype.cell(cell.cell_type).node_edges(node):
                    if op != "none":
                        key = (cell.cell_type, index[(node + 2, inp)], op)
                        expected_calls[key] = expected_calls.get(key, 0) + 1
        reference = _reference_darts
    else:
        n_cells = sum(hasattr(b, "mixed") for b in net.cells)
        expected_calls = {("cell", e, op): n_cells for e, op in enumerate(genotype.ops) if op != "none"}
        reference = _reference_nb201
    assert {k: v for k, v in counts.items() if v} == expected_calls
    for mode in ("train", "eval"):
        net.train(mode == "train")
        with torch.no_grad():
            got, expected = net(x, weights), reference(net, genotype, x)
        torch.testing.assert_close(got, expected, rtol=1e-6, atol=1e-6)


def test_skipped_ops_get_no_weight_gradient_unless_skipping_is_off():
    net, x = _net("nb201"), _x("nb201")
    y = torch.arange(len(x)) % 10
    # Every node reaches the output, so every op of every edge has a non-zero true gradient.
    genotype = NB201Genotype.parse(
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"
    )
    one_hot = discretize(net, genotype)
    chosen = one_hot["cell"] != 0
    none = net.ops.index("none")

    def grad_and_loss():
        w = one_hot["cell"].clone().requires_grad_()
        loss = F.cross_entropy(net(x, {"cell": w}), y)
        loss.backward()
        return w.grad, loss.detach()

    net.eval()  # same BN statistics in both runs
    skipped_grad, skipped_loss = grad_and_loss()
    # Documented behaviour: the gradient w.r.t. a weight that is exactly 0 is not computed (it is 0).
    assert torch.all(skipped_grad[~chosen] == 0)
    assert torch.all(skipped_grad[chosen] != 0)

    net.skip_zero_weights = False
    full_grad, full_loss = grad_and_loss()
    torch.testing.assert_close(full_loss, skipped_loss)
    torch.testing.assert_close(full_grad[chosen], skipped_grad[chosen])
    others = ~chosen
    others[:, none] = False
    assert torch.all(full_grad[others] != 0)
    assert torch.all(full_grad[:, none] == 0)  # `none` never runs, and its true gradient is 0


def test_mixed_op_alone_skips_zero_weights():
    op = MixedOp(OPS, lambda name, C: NB201_OPS[name](C, C, 1), C=4, stride=1)
    x = torch.randn(2, 4, 6, 6)
    calls = []
    for name, module in op.ops.items():
        module.register_forward_hook(lambda m, i, o, name=name: calls.append(name))
    out = op(x, torch.tensor([0.5, 0.0, 0.0, 1.0, 0.0]))
    assert calls == ["nor_conv_3x3"]
    torch.testing.assert_close(out, op.ops["nor_conv_3x3"](x))
    zero = op(x, torch.tensor([1.0, 0.0, 0.0, 0.0, 0.0]))
    assert zero.shape == x.shape and torch.count_nonzero(zero) == 0


# -- genotypes ↔ weights ---------------------------------------------------------------------------------
def test_darts_discretize_round_trips_in_canonical_form():
    net = _net("darts")
    rng = random.Random(0)
    for genotype in [V2_LIKE, *(_random_darts_genotype(rng) for _ in range(20))]:
        weights = discretize(net, genotype)
        for ct in net.cell_types:
            assert weights[ct].shape == (14, 8)
            assert weights[ct].sum() == 8 and (weights[ct].sum(1) <= 1).all()
        assert genotype_from_weights(net, weights).canonical_key == genotype.canonical_key


def test_nb201_discretize_round_trips_exactly():
    net = _net("nb201")
    for genotype in [NB201_CELL, *random.Random(0).sample(all_genotypes(), 30)]:
        weights = discretize(net, genotype)
        assert weights["cell"].shape == (6, 5)
        assert genotype_from_weights(net, weights) == genotype


def test_darts_magnitude_rule_ignores_none_and_ranks_edges():
    net = _net("darts")
    w = torch.zeros(14, 8)
    none = PRIMITIVES.index("none")
    w[:, none] = 10.0  # never chosen
    w[0, PRIMITIVES.index("sep_conv_3x3")] = 0.3  # node 2 <- 0
    w[1, PRIMITIVES.index("max_pool_3x3")] = 0.6  # node 2 <- 1
    w[4, PRIMITIVES.index("dil_conv_5x5")] = 0.9  # node 3 <- 2 is node 3's strongest
    w[2, PRIMITIVES.index("skip_connect")] = 0.1  # node 3 <- 0
    genotype = genotype_from_weights(net, {"normal": w, "reduce": w})
    assert genotype.normal.edges[:4] == (("max_pool_3x3", 1), ("sep_conv_3x3", 0), ("dil_conv_5x5", 2),
                                         ("skip_connect", 0))
    assert genotype.normal.concat == (2, 3, 4, 5)


def test_nb201_magnitude_rule_includes_none():
    net = _net("nb201")
    w = torch.zeros(6, 5)
    w[:, 0] = 1.0
    w[2, 3] = 2.0
    assert genotype_from_weights(net, {"cell": w}).ops == ("none", "none", "nor_conv_3x3", "none", "none", "none")


def test_discretize_refuses_what_the_supernet_cannot_compute():
    darts, nb201 = _net("darts"), _net("nb201")
    with pytest.raises(ValueError, match="concatenates"):
        discretize(darts, DartsGenotype.parse(V2_LIKE.to_str().replace(";", "@2,3,5;", 1)))
    with pytest.raises(TypeError):
        discretize(darts, NB201_CELL)
    with pytest.raises(TypeError):
        discretize(nb201, V2_LIKE)
    with pytest.raises(ValueError, match="shape"):
        genotype_from_weights(nb201, {"cell": torch.zeros(2, 6, 5)})


# -- multipliers: edge costs ------------------------------------------------------------------------------
@pytest.mark.parametrize("space, depth, weights_kind",
                         [("nb201", 1, "softmax"), ("darts", 3, "softmax"), ("darts", 3, "per_sample")])
def test_multiplier_gradient_is_the_edge_cost(space, depth, weights_kind):
    torch.manual_seed(0)
    net = build_supernet(space, C=4, num_classes=10, depth=depth, in_channels=1)
    x, y = torch.randn(3, 1, 8, 8), torch.tensor([1, 2, 3])
    if weights_kind == "softmax":
        weights = {ct: torch.randn(net.n_edges, net.n_ops).softmax(-1) for ct in net.cell_types}
    else:
        weights = {ct: torch.rand(3, net.n_edges, net.n_ops) for ct in net.cell_types}
    multipliers = {ct: torch.ones(3, net.n_edges, net.n_ops, requires_grad=True) for ct in net.cell_types}

    outputs = []  # (cell type, edge, op index, op output X_{e,o})
    handles = []
    for cell in net.cells:
        for e, mixed in enumerate(getattr(cell, "mixed", [])):
            for name, module in mixed.ops.items():
                def hook(module, inputs, output, key=(cell.cell_type, e, net.ops.index(name))):
                    X = output.clone()  # a tensor of its own: an identity op returns its input
                    X.retain_grad()
                    outputs.append((*key, X))
                    return X
                handles.append(module.register_forward_hook(hook))
    loss = F.cross_entropy(net(x, weights, multipliers), y, reduction="sum")
    loss.backward()
    for h in handles:
        h.remove()

    none = net.ops.index("none")
    for ct in net.cell_types:
        brute = torch.zeros(3, net.n_edges, net.n_ops)
        for cell_type, e, o, X in outputs:
            if cell_type == ct:
                brute[:, e, o] += (X.grad * X).sum(dim=(1, 2, 3))
        torch.testing.assert_close(multipliers[ct].grad, brute, rtol=1e-4, atol=1e-7)
        assert torch.all(multipliers[ct].grad[:, :, none] == 0)
        assert multipliers[ct].grad.abs().sum() > 0


def test_every_op_with_a_non_zero_weight_runs_with_multipliers():
    net, x = _net("nb201"), _x("nb201")
    w = torch.rand(6, 5)
    w[1, 2] = 0.0
    counts, _ = _op_call_counter(net)
    net(x, {"cell": w}, {"cell": torch.ones(len(x), 6, 5, requires_grad=True)})
    ran = {(e, name) for (_, e, name), n in counts.items() if n}
    assert ran == {(e, name) for e in range(6) for name in OPS if name != "none"} - {(1, OPS[2])}


# -- partial channels and edge normalisation ----------------------------------------------------------------
@pytest.mark.parametrize("space", ["darts", "nb201"])
@pytest.mark.parametrize("K", [2, 4])
def test_partial_channels_forward_backward(space, K):
    net, x = _net(space, partial_channels=K), _x(space)
    alpha = _alpha(net)
    beta = {f"{ct}_edges": torch.zeros(net.n_edges, requires_grad=True) for ct in net.cell_types}
    logits = net(x, {**{ct: a.softmax(-1) for ct, a in alpha.items()}, **beta})
    assert logits.shape == (len(x), 10) and torch.isfinite(logits).all()
    F.cross_entropy(logits, torch.arange(len(x)) % 10).backward()
    for t in [*alpha.values(), *beta.values()]:
        assert t.grad is not None and torch.isfinite(t.grad).all() and t.grad.abs().sum() > 0
    mixed = net.cells[0].mixed[0]
    assert mixed.op_channels == 8 // K
    conv = mixed.ops["nor_conv_3x3" if space == "nb201" else "sep_conv_3x3"]
    assert next(conv.parameters()).shape[0] == 8 // K


def test_partial_channels_must_divide_C():
    with pytest.raises(ValueError, match="divisible"):
        build_supernet("darts", C=6, num_classes=10, depth=2, partial_channels=4)
    with pytest.raises(ValueError, match="divisible"):
        build_supernet("nb201", C=6, num_classes=10, depth=1, partial_channels=4)


def test_partial_channels_bypass_and_shuffle():
    # With only `none` weighted, a PC edge outputs the shuffled bypass channels (pooled on stride 2).
    x = torch.randn(2, 8, 6, 6)
    for stride in (1, 2):
        op = MixedOp(PRIMITIVES, lambda name, C: DARTS_OPS[name](C, stride, False), C=8, stride=stride,
                     partial_channels=4)
        out = op(x, torch.eye(8)[0])
        rest = x[:, 2:] if stride == 1 else F.max_pool2d(x[:, 2:], 2, 2, ceil_mode=True)
        expected = channel_shuffle(torch.cat([torch.zeros_like(rest[:, :2]), rest], 1), 4)
        torch.testing.assert_close(out, expected)
    assert channel_shuffle(torch.arange(8.0).view(1, 8, 1, 1), 4).flatten().tolist() == [0, 2, 4, 6, 1, 3, 5, 7]
    y = torch.randn(2, 8, 3, 5)
    torch.testing.assert_close(channel_shuffle(y.to(memory_format=torch.channels_last), 2), channel_shuffle(y, 2))


def test_edge_normalisation_key_is_honoured():
    net, x = _net("nb201"), _x("nb201")
    net.eval()
    w = torch.rand(6, 5)
    with torch.no_grad():
        plain = net(x, {"cell": w})
        uniform = net(x, {"cell": w, "cell_edges": torch.zeros(6)})
        # Node 2 keeps only 2<-0, node 3 only 3<-1: the others get softmax weight exactly 0 and do not run.
        beta = torch.tensor([0.0, 0.0, -float("inf"), -float("inf"), 0.0, -float("inf")])
        masked = net(x, {"cell": w, "cell_edges": beta})
        rows_dropped = w.clone()
        rows_dropped[[2, 3, 5]] = 0.0
        expected = net(x, {"cell": rows_dropped})
    assert not torch.allclose(plain, uniform)
    torch.testing.assert_close(masked, expected)


def test_bad_weights_are_refused():
    net, x = _net("darts"), _x("darts")
    ok = torch.full((14, 8), 1 / 8)
    with pytest.raises(KeyError, match="reduce"):
        net(x, {"normal": ok})
    with pytest.raises(KeyError, match="unknown weight key"):
        net(x, {"normal": ok, "reduce": ok, "normal_betas": torch.zeros(14)})
    with pytest.raises(ValueError, match="shape"):
        net(x, {"normal": ok, "reduce": torch.zeros(6, 5)})
    with pytest.raises(ValueError, match="shape"):
        net(x, {"normal": ok, "reduce": ok, "reduce_edges": torch.zeros(6)})
    with pytest.raises(ValueError, match="multipliers"):
        net(x, {"normal": ok, "reduce": ok}, {"normal": torch.ones(14, 8)})
    with pytest.raises(ValueError, match="unknown space"):
        build_supernet("nasnet", C=8, num_classes=10, depth=2)
    with pytest.raises(ValueError, match="stem_multiplier"):
        build_supernet("nb201", C=8, num_classes=10, depth=1, stem_multiplier=3)


def test_modules_never_pick_a_device():
    src = Path(__file__).resolve().parents[2] / "src" / "cellprobe" / "nn"
    for name in ("supernet.py", "mixed.py"):
        assert ".cuda(" not in (src / name).read_text()


def test_nb201_cell_batch_norms_can_skip_running_statistics():
    net = _net("nb201", track_running_stats=False).eval()
    cell_bns = [m for cell in net.cells if hasattr(cell, "mixed") for m in cell.modules()
                if isinstance(m, torch.nn.BatchNorm2d)]
    assert cell_bns and all(m.running_mean is None and not m.affine for m in cell_bns)
    logits = net(_x("nb201"), {"cell": torch.full((6, 5), 0.2)})
    assert torch.isfinite(logits).all()
