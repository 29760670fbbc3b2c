"""One parametrised check over every registered search space."""

import networkx as nx
import pytest

from cellprobe.spaces import SPACES, get_space

EXAMPLES = {
    "darts": "normal=sep_conv_3x3~0,sep_conv_3x3~1|sep_conv_3x3~0,sep_conv_3x3~1|sep_conv_3x3~1,skip_connect~0|"
    "skip_connect~0,dil_conv_3x3~2;reduce=max_pool_3x3~0,max_pool_3x3~1|skip_connect~2,max_pool_3x3~1|"
    "max_pool_3x3~0,skip_connect~2|skip_connect~2,max_pool_3x3~1",
    "nb201": "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
    "enas-rnn": "tanh|relu~0|relu~1|identity~1|tanh~2|sigmoid~3|tanh~4|identity~5|relu~6|sigmoid~7|tanh~8|relu~9",
}


def test_every_space_has_an_example():
    assert set(EXAMPLES) == set(SPACES)


@pytest.mark.parametrize("name", sorted(SPACES))
def test_space_contract(name):
    space = get_space(name)
    assert space.name == name and len(set(space.ops)) == len(space.ops)
    assert ("none" in space.ops) == space.can_disable  # cutting an edge sets it to none
    info = space.info()
    assert info["space"] == name and info["ops"] == list(space.ops)

    g = space.parse(EXAMPLES[name])
    assert g.space == name
    assert space.parse(g.to_str()) == g and str(g) == g.to_str()
    assert g.arch_id.startswith(f"{name}-") and len(g.arch_id) == len(name) + 17
    assert hash(g) == hash(space.parse(EXAMPLES[name]))  # frozen values: usable as dict keys

    edits = g.edits()
    assert len(edits) == info["neighbours_per_genotype"]
    assert len({n.arch_id for _, n in edits}) == len(edits)
    for edit, n in edits:
        assert type(n) is type(g) and n.arch_id != g.arch_id
        assert edit.kind in ("op", "input")

    graph = g.to_graph()
    assert isinstance(graph, nx.DiGraph) and nx.is_directed_acyclic_graph(graph)
    assert all("label" in d for _, _, d in graph.edges(data=True))
    assert all("label" in d for _, d in graph.nodes(data=True))


@pytest.mark.parametrize("name", sorted(SPACES))
def test_space_object_knows_its_structure(name):
    """What the Space object says agrees with the genotypes themselves (the facts every stage asks it)."""
    import numpy as np

    from cellprobe.sampling import get_sampler, sample_architectures
    from cellprobe.spaces.arrays import neighbour_arrays, to_arrays, to_genotypes

    space = get_space(name)
    assert get_sampler(space.default_sampler).space == name
    if space.class_sampler:
        assert space.isomorphism_classes and get_sampler(space.class_sampler).space == name
    genotypes = sample_architectures(space.default_sampler, 12, seed=3)
    batch = to_arrays(genotypes)
    cells, edges, nodes, inputs = space.array_shape
    assert batch.ops.shape == (12, cells, edges) and batch.concat.shape == (12, cells, nodes)
    assert to_genotypes(batch) == genotypes
    assert to_genotypes(neighbour_arrays(batch).arrays) == [n for g in genotypes for n in g.neighbours()]
    targets = space.edge_targets()
    assert targets.shape == (edges,) and (targets >= inputs).all() and (np.diff(targets) >= 0).all()
    for g in genotypes:
        assert [c for c, _ in space.cells(g)] == list(space.cell_names)
        cell, edge = space.cell_names[-1], edges - 1
        if space.can_disable:
            disabled = space.disable(g, cell, edge)
            assert to_arrays([disabled]).ops[0, -1, -1] == space.op_index["none"]
        for c in space.cell_names:
            labels = {d["label"] for _, d in space.cell_graph(g, c).nodes(data=True)}
            assert labels <= set(space.graph_nodes)
    rows = [space.encode(g) for g in genotypes]  # the uniform samplers draw only the controller's ops
    assert all(len(r) == len(space.decisions()) for r in rows)
    assert [space.decode(r) for r in rows] == genotypes
