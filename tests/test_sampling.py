from collections import Counter

import pytest

from cellprobe.sampling import SAMPLERS, SamplingError, sample_architectures, sample_table
from cellprobe.spaces import get_space
from cellprobe.tables import SAMPLE_SET, read_frame, write_table


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_every_sampler_gives_distinct_valid_architectures(name):
    archs = sample_architectures(name, 30, seed=1)
    assert len(archs) == 30 and len({g.arch_id for g in archs}) == 30
    space = get_space(SAMPLERS[name].space)
    for g in archs:
        assert space.parse(g.to_str()) == g


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_samplers_are_seeded(name):
    a = [g.arch_id for g in sample_architectures(name, 10, seed=3)]
    assert a == [g.arch_id for g in sample_architectures(name, 10, seed=3)]
    assert a != [g.arch_id for g in sample_architectures(name, 10, seed=4)]


def _ops(g):
    return [op for cell in (g.normal, g.reduce) for op, _ in cell.edges]


def test_prim_uses_only_its_three_ops():
    ops = Counter(op for g in sample_architectures("prim", 50, 0) for op in _ops(g))
    assert set(ops) == {"skip_connect", "sep_conv_3x3", "sep_conv_5x5"}


@pytest.mark.parametrize("name, other_ops", [("skip", None), ("primskip", {"sep_conv_3x3", "sep_conv_5x5"})])
def test_skip_constraint_residual_first_node(name, other_ops):
    archs = sample_architectures(name, 50, 0)
    for g in archs:
        for cell in (g.normal, g.reduce):
            assert cell.edges[:2] == (("skip_connect", 0), ("skip_connect", 1))
            if other_ops:
                assert {op for op, _ in cell.edges[2:]} <= other_ops
    if other_ops is None:  # later nodes use the whole non-none vocabulary
        seen = {op for g in archs for cell in (g.normal, g.reduce) for op, _ in cell.edges[2:]}
        assert seen == set(get_space("darts").ops) - {"none"}


def test_uniform_wiring_covers_every_input():
    archs = sample_architectures("uniform", 200, 0)
    inputs_of_last_node = Counter(inp for g in archs for _, inp in g.normal.edges[6:])
    assert set(inputs_of_last_node) == {0, 1, 2, 3, 4}
    ops = Counter(op for g in archs for op in _ops(g))
    assert "none" not in ops and len(ops) == 7
    assert max(ops.values()) / min(ops.values()) < 1.5


def test_nb201_iso_draws_one_cell_per_class():
    archs = sample_architectures("nb201-iso", 500, 0)
    assert len({g.canonical_key for g in archs}) == 500


def test_nb201_reachable_draws_only_cells_whose_output_is_reachable():
    from cellprobe.spaces.nb201 import benchmark_order

    archs = sample_architectures("nb201-reachable", 400, 0)
    assert all(g.reachable for g in archs) and len({g.arch_id for g in archs}) == 400
    unreachable = sum(not g.reachable for g in sample_architectures("nb201", 400, 0))
    assert unreachable > 0  # the plain sampler does draw them (about 2%)
    assert sum(g.reachable for g in benchmark_order()) == 15_284  # the sampler's population


@pytest.mark.parametrize(
    "args, message",
    [
        (("uniform", 0, 0), "sample size must be a positive integer, got 0"),
        (("nope", 3, 0), "unknown sampler 'nope'"),
        (("nb201-iso", 7000, 0), "can produce only 6,466 distinct architectures"),
    ],
)
def test_bad_requests(args, message):
    with pytest.raises(SamplingError) as info:
        sample_architectures(*args)
    assert message in str(info.value)


def test_sample_table_round_trip(tmp_path):
    table = sample_table("skip", 5, 7)
    path = write_table(table, tmp_path / "s.parquet", SAMPLE_SET)
    back = read_frame(path, SAMPLE_SET)
    assert back["sampler"].unique().tolist() == ["skip"] and back["seed"].unique().tolist() == [7]
    assert back["arch_id"].is_unique and set(back["space"]) == {"darts"}
