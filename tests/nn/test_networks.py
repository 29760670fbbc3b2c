"""The discrete evaluation networks of both spaces: shapes, drop-path, auxiliary head, sizes and determinism.

Reference sizes (parameters exclude the auxiliary head; FLOPs are multiply-accumulates of one image):

* NAS-Bench-201, C=16, N=5, CIFAR-10: the benchmark's ``params`` range over its 15,625 cells is
  0.073306 M (cells without convolutions) to 1.531546 M (all ``nor_conv_3x3``), its ``flop`` range
  7.78305 M to 220.11969 M. Read in a third-party script that scanned the benchmark's
  ``NAS-Bench-201-v1_1-096897_cifar10-valid`` file, and in a third-party min/max table for NB201 CIFAR-10
  (``params: [0.073306, 1.531546]``, ``flops: [7.78305, 220.11969]``). The FLOP definition is AutoDL-Projects'
  ``xautodl/utils/flop_benchmark.py``: Conv2d + Linear multiply-accumulates including biases, pooling left out
  (its hooks count pools but ``compute_average_flops_cost`` does not sum them) — the definition of
  :func:`cellprobe.nn.count_flops`, so the FLOPs are asserted exactly.
* DARTS, C=36, layers=20, CIFAR-10: DARTS_V2 is 3.349342 M ("param size = 3.349342MB", the DARTS
  ``train.py`` log line, quoted in an annotated copy of that script); P-DARTS is 3,433,798 without and
  3,910,224 with the auxiliary head (quark0-style network counted in chenxin061/pdarts issue #7);
  DARTS-PT's ``darts_pt_s5_0`` carries the comment "2.85 (param size)" in ruocwang/darts-pt.
"""

import random

import pytest
import torch

from cellprobe.nn import (
    PRESETS,
    DartsNetwork,
    NB201Network,
    NetworkPreset,
    build_network,
    count_flops,
    count_params,
    summarize,
)
from cellprobe.spaces import DartsGenotype, NB201Genotype
from cellprobe.spaces.nb201 import all_genotypes


V2_LIKE = DartsGenotype.parse(
    "normal=sep_conv_3x3~0,sep_conv_3x3~1|sep_conv_3x3~0,sep_conv_3x3~1|sep_conv_3x3~1,skip_connect~0|"
    "skip_connect~0,dil_conv_3x3~2;reduce=max_pool_3x3~0,max_pool_3x3~1|skip_connect~2,max_pool_3x3~1|"
    "max_pool_3x3~0,skip_connect~2|skip_connect~2,max_pool_3x3~1"
)
WITH_NONE = DartsGenotype.parse(
    "normal=none~0,sep_conv_5x5~1|none~0,none~2|dil_conv_5x5~3,avg_pool_3x3~1|none~4,skip_connect~2@3,4,5;"
    "reduce=none~0,none~1|dil_conv_3x3~2,sep_conv_3x3~0|none~3,avg_pool_3x3~1|skip_connect~4,max_pool_3x3~0"
)
ALL_NONE = DartsGenotype.parse(";".join(f"{c}=" + "|".join(f"none~0,none~{k + 1}" for k in range(4)) for c in ("normal", "reduce")))

NB201_MIN = NB201Genotype(("none",) * 6)
NB201_MAX = NB201Genotype(("nor_conv_3x3",) * 6)
NB201_CASES = [
    NB201_MIN,
    NB201_MAX,
    NB201Genotype(("avg_pool_3x3",) * 6),
    NB201Genotype.parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"),
    NB201Genotype.parse("|nor_conv_1x1~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|"),
    *random.Random(0).sample(all_genotypes(), 3),
]


def _tiny_input(batch=2):
    return torch.randn(batch, 1, 8, 8, generator=torch.Generator().manual_seed(1))


def _check_logits(model, x, num_classes=10):
    for train in (True, False):
        model.train(train)
        logits, aux = model.forward_with_aux(x)
        assert tuple(logits.shape) == (x.shape[0], num_classes) and torch.isfinite(logits).all()
        assert aux is None


# -- forward passes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("genotype", [V2_LIKE, WITH_NONE, ALL_NONE], ids=["v2-like", "with-none", "all-none"])
def test_darts_network_tiny_forward(genotype):
    torch.manual_seed(0)
    model = DartsNetwork(genotype, C=8, num_classes=10, layers=3, in_channels=1)
    assert [cell.reduction for cell in model.cells] == [False, True, True]
    _check_logits(model, _tiny_input())
    # The concat list sets a cell's width: WITH_NONE's normal cell concatenates 3 nodes.
    assert model.cells[0].multiplier == len(genotype.normal.concat)


def test_published_darts_cells_forward_tiny(darts_cells):
    assert len(darts_cells) >= 10
    x = _tiny_input()
    for name, genotype in darts_cells.items():
        torch.manual_seed(0)
        model = PRESETS["darts"]["tiny"].build(genotype)
        model.drop_path_prob = 0.2
        logits = model(x)
        assert tuple(logits.shape) == (2, 10) and torch.isfinite(logits).all(), name
        logits.sum().backward()


@pytest.mark.parametrize("genotype", NB201_CASES, ids=lambda g: g.to_str())
def test_nb201_network_tiny_forward(genotype):
    torch.manual_seed(0)
    model = NB201Network(genotype, C=8, N=1, num_classes=10, in_channels=1)
    assert len(model.cells) == 3 * 1 + 2
    assert all(len(cell.ops) == 6 for cell in model.cells if hasattr(cell, "ops"))  # none edges included
    assert model.drop_path_prob == 0
    _check_logits(model, _tiny_input())


def test_nb201_unreachable_cell_still_classifies():
    # All-none cells zero the features; the reductions' shortcuts still carry the input forward.
    model = NB201Network(NB201_MIN, C=8, N=1, in_channels=1).eval()
    assert torch.isfinite(model(_tiny_input())).all()


# -- auxiliary head and drop-path ------------------------------------------------------------------------------
def test_auxiliary_head_at_32x32():
    torch.manual_seed(0)
    model = DartsNetwork(V2_LIKE, C=8, num_classes=7, layers=5, auxiliary=True)
    x = torch.randn(2, 3, 32, 32)
    model.train()
    logits, aux = model.forward_with_aux(x)
    assert tuple(logits.shape) == (2, 7) and tuple(aux.shape) == (2, 7)
    assert tuple(model(x).shape) == (2, 7)  # forward() skips the head
    model.eval()
    assert model.forward_with_aux(x)[1] is None
    assert count_params(model, exclude_auxiliary=False) - count_params(model) == sum(
        p.numel() for p in model.auxiliary_head.parameters()
    )


def test_auxiliary_head_refuses_small_feature_maps():
    model = DartsNetwork(V2_LIKE, C=8, num_classes=10, layers=3, in_channels=1, auxiliary=True).train()
    with pytest.raises(ValueError, match="auxiliary head needs a feature map of at least 8x8"):
        model.forward_with_aux(_tiny_input())
    assert tuple(model(_tiny_input()).shape) == (2, 10)  # plain forward never runs the head


def test_no_auxiliary_head_unless_asked():
    assert DartsNetwork(V2_LIKE, C=8, num_classes=10, layers=3).auxiliary_head is None


def test_drop_path_changes_outputs_in_train_mode_only():
    torch.manual_seed(0)
    model = DartsNetwork(V2_LIKE, C=8, num_classes=10, layers=3, in_channels=1)
    x = torch.randn(16, 1, 8, 8)

    def run(prob, train):
        model.drop_path_prob = prob
        model.train(train)
        torch.manual_seed(123)
        with torch.no_grad():
            return model(x)

    assert not torch.allclose(run(0.0, True), run(0.5, True))
    assert torch.equal(run(0.0, True), run(0.0, True))
    assert torch.equal(run(0.0, False), run(0.5, False))


# -- sizes --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "genotype, params, flops",
    [(NB201_MIN, 73_306, 7_783_050), (NB201Genotype(("skip_connect",) * 6), 73_306, 7_783_050),
     (NB201_MAX, 1_531_546, 220_119_690)],
    ids=["all-none", "all-skip", "all-conv3x3"],
)
def test_nb201_sizes_match_the_benchmark(genotype, params, flops):
    model = build_network(genotype, "standard")
    assert count_params(model) == params
    assert count_flops(model, (3, 32, 32)) == flops
    s = summarize(genotype, "standard")
    assert (s["params_m"], s["flops_m"]) == (params / 1e6, flops / 1e6)


def test_darts_published_parameter_counts(darts_cells):
    standard = PRESETS["darts"]["standard"]
    v2 = standard.build(darts_cells["DARTS_V2"])
    assert v2.auxiliary_head is not None
    assert count_params(v2) == 3_349_342  # DARTS train.py: "param size = 3.349342MB"
    assert round(count_params(v2) / 1e6, 1) == 3.3  # DARTS paper, Table 1
    pdarts = standard.build(darts_cells["PDARTS"])
    assert (count_params(pdarts), count_params(pdarts, exclude_auxiliary=False)) == (3_433_798, 3_910_224)
    assert round(count_params(standard.build(darts_cells["DARTS_PT_s5_0"])) / 1e6, 2) == 2.85


def test_flop_counter_matches_hand_formula():
    conv = torch.nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=True)
    grouped = torch.nn.Conv2d(8, 8, 3, padding=1, groups=4, bias=False)
    linear = torch.nn.Linear(8 * 4 * 4, 5)
    model = torch.nn.Sequential(conv, grouped, torch.nn.Flatten(), linear).train()
    expected = (
        (4 * 4) * (3 * 3 * 3 * 8) + (4 * 4) * 8  # strided conv, output 4x4, with bias
        + (4 * 4) * (3 * 3 * (8 // 4) * 8)  # grouped conv: each output channel sees 2 input channels
        + 128 * 5 + 5  # linear with bias
    )
    assert count_flops(model, (3, 8, 8)) == expected
    assert model.training  # the flag is restored
    assert count_flops(torch.nn.Linear(6, 2, bias=False), (1, 1, 6)) == 12


# -- building -----------------------------------------------------------------------------------------------
def test_presets_and_builder():
    assert set(PRESETS) == {"darts", "nb201"} and set(PRESETS["nb201"]) == {"standard", "tiny"}
    assert set(PRESETS["darts"]) == {"standard", "tiny", "nb301"}
    std = PRESETS["darts"]["standard"]
    assert (std.C, std.layers, std.auxiliary, std.drop_path_prob, std.input_shape) == (36, 20, True, 0.2, (3, 32, 32))
    nb301 = PRESETS["darts"]["nb301"]  # NAS-Bench-301's training network, NAS-Bench-Suite-Zero's scores
    assert (nb301.C, nb301.layers, nb301.auxiliary, nb301.input_shape) == (32, 8, False, (3, 32, 32))
    tiny = PRESETS["nb201"]["tiny"]
    assert (tiny.C, tiny.N, tiny.input_shape, tiny.num_classes) == (8, 1, (1, 8, 8), 10)
    with pytest.raises(AttributeError):
        tiny.C = 4  # frozen

    g = NB201_CASES[3]
    assert isinstance(build_network(g, C=8, N=1, num_classes=3, in_channels=1), NB201Network)
    assert build_network(V2_LIKE, "tiny", num_classes=4).classifier.out_features == 4
    assert build_network(V2_LIKE, "standard", auxiliary=False).auxiliary_head is None
    with pytest.raises(TypeError, match="give a preset or"):
        build_network(V2_LIKE, C=8)
    with pytest.raises(ValueError, match="takes layers"):
        build_network(V2_LIKE, C=8, N=3, num_classes=10)
    with pytest.raises(ValueError, match="cannot build"):
        PRESETS["nb201"]["tiny"].build(V2_LIKE)
    with pytest.raises(ValueError):
        NetworkPreset("nb201", "bad", C=8, num_classes=10, in_channels=1, input_size=8, layers=3)
    with pytest.raises(TypeError):
        build_network("not a genotype", "tiny")
    with pytest.raises(TypeError):
        DartsNetwork(g, C=8, num_classes=10, layers=3)


def test_summary_fields():
    s = summarize(V2_LIKE, "tiny")
    assert s["space"] == "darts" and s["preset"] == "tiny" and s["input_shape"] == (1, 8, 8)
    assert s["params"] == s["params_with_aux"] and s["params_m"] == round(s["params"] / 1e6, 6)
    assert s["flops"] > 0 and s["depth"] == 3 and s["arch_id"] == V2_LIKE.arch_id


@pytest.mark.parametrize("genotype", [V2_LIKE, NB201_CASES[3]], ids=["darts", "nb201"])
def test_same_seed_same_initial_weights(genotype):
    def weights(seed):
        torch.manual_seed(seed)
        return build_network(genotype, "tiny").state_dict()

    a, b, c = weights(0), weights(0), weights(1)
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert any(not torch.equal(a[k], c[k]) for k in a if a[k].is_floating_point())
