"""One parametrised check over every registered search space."""

import networkx as nx
import pytest

from cellprobe.spaces import SPACES, get_space

EXAMPLES = {
    "darts": "normal=sep_conv_3x3~0,sep_conv_3x3~1|sep_conv_3x3~0,sep_conv_3x3~1|sep_conv_3x3~1,skip_connect~0|"
    "skip_connect~0,dil_conv_3x3~2;reduce=max_pool_3x3~0,max_pool_3x3~1|skip_connect~2,max_pool_3x3~1|"
    "max_pool_3x3~0,skip_connect~2|skip_connect~2,max_pool_3x3~1",
    "nb201": "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|",
}


def test_every_space_has_an_example():
    assert set(EXAMPLES) == set(SPACES)


@pytest.mark.parametrize("name", sorted(SPACES))
def test_space_contract(name):
    space = get_space(name)
    assert space.name == name and len(set(space.ops)) == len(space.ops) and "none" in space.ops
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
