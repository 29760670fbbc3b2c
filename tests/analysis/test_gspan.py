import itertools
import random
from collections import defaultdict

import networkx as nx
import pytest

from cellprobe.gspan import MiningError, Pattern, min_count, mine
from cellprobe.sampling import sample_architectures
from cellprobe.spaces.nb201 import benchmark_order


def graph(labels, edges):
    g = nx.DiGraph()
    g.add_nodes_from((v, {"label": lab}) for v, lab in labels.items())
    g.add_edges_from((s, t, {"label": lab}) for s, t, lab in edges)
    return g


NODES = {"i": "input", "a": "node", "b": "node"}
# Three graphs with the same undirected skeleton (input - node - node, two convs) but different directions.
CHAIN = graph(NODES, [("i", "a", "conv"), ("a", "b", "conv")])  # input -> a -> b
V_SHAPE = graph(NODES, [("i", "a", "conv"), ("b", "a", "conv")])  # input -> a <- b
TRIANGLE = graph(NODES, [("i", "a", "conv"), ("a", "b", "conv"), ("i", "b", "skip")])
GRAPHS = [CHAIN, V_SHAPE, TRIANGLE]

EXPECTED = {  # every connected subgraph of the three graphs, by hand, with the graphs that hold it
    "input,node;0>1:conv": {0, 1, 2},
    "node,node;0>1:conv": {0, 1, 2},
    "input,node,node;0>1:conv,1>2:conv": {0, 2},
    "input,node,node;0>1:conv,2>1:conv": {1},
    "input,node;0>1:skip": {2},
    "input,node,node;0>1:conv,0>2:skip": {2},
    "input,node,node;0>2:skip,1>2:conv": {2},
    "input,node,node;0>1:conv,0>2:skip,1>2:conv": {2},
}


def keyed(found):
    return {f.pattern.key: set(f.graphs) for f in found}


def test_finds_exactly_the_expected_patterns_on_a_hand_built_set():
    expected = {Pattern.parse(text).key: gids for text, gids in EXPECTED.items()}
    assert len(expected) == len(EXPECTED)
    assert keyed(mine(GRAPHS, min_support=0.3)) == expected
    # at 2 of 3 graphs: the chain counts twice; the V shape with the same skeleton does not add to it
    assert keyed(mine(GRAPHS, min_support=0.5)) == {k: v for k, v in expected.items() if len(v) >= 2}


def test_vertex_bounds():
    expected = {Pattern.parse(text).key: gids for text, gids in EXPECTED.items()}
    assert keyed(mine(GRAPHS, 0.3, max_vertices=2)) == {k: v for k, v in expected.items()
                                                         if Pattern.parse(k).n_vertices == 2}
    assert keyed(mine(GRAPHS, 0.3, min_vertices=3)) == {k: v for k, v in expected.items()
                                                         if Pattern.parse(k).n_vertices == 3}


def test_results_are_ordered_and_canonical():
    found = mine(GRAPHS, 0.3)
    assert [f.support_count for f in found] == sorted((f.support_count for f in found), reverse=True)
    assert all(f.pattern == f.pattern.canonical() for f in found)


def test_mining_prints_nothing(capsys):
    mine(GRAPHS, 0.3)
    assert capsys.readouterr().out == ""


def brute_force(graphs, count):
    """Every connected edge subset of every graph, by canonical key."""
    found = defaultdict(set)
    for gid, g in enumerate(graphs):
        edges = list(g.edges)
        for k in range(1, len(edges) + 1):
            for subset in itertools.combinations(edges, k):
                if nx.is_weakly_connected(g.edge_subgraph(subset)):
                    found[Pattern.from_graph(g, subset).key].add(gid)
    return {k: v for k, v in found.items() if len(v) >= count}


@pytest.mark.parametrize("space, encoding, n, support", [("nb201", "edge", 80, 0.05), ("nb201", "node", 12, 0.15),
                                                         ("darts", "edge", 25, 0.08)])
def test_agrees_with_brute_force_on_real_cells(space, encoding, n, support):
    if space == "nb201":
        graphs = [g.to_graph(encoding) for g in benchmark_order()[:n]]
    else:
        graphs = [g.normal.to_graph(encoding, output=False) for g in sample_architectures("uniform", n, seed=3)]
    found = mine(graphs, support)
    assert len(found) > 100 and max(f.pattern.n_edges for f in found) >= 3
    assert keyed(found) == brute_force(graphs, min_count(support, len(graphs)))
    # the support is the subgraph matcher's (non-induced, labels equal)
    for f in found[:: max(1, len(found) // 25)]:
        assert set(f.graphs) == {i for i, g in enumerate(graphs) if f.pattern.occurs_in(g)}


def test_canonical_form_ignores_vertex_numbering():
    p = Pattern.parse("input0,input1,node,node;0>2:skip_connect,1>2:sep_conv_3x3,2>3:skip_connect,0>3:dil_conv_3x3")
    rng = random.Random(0)
    for _ in range(20):
        perm = list(range(p.n_vertices))
        rng.shuffle(perm)
        labels = [None] * p.n_vertices
        for old, new in enumerate(perm):
            labels[new] = p.labels[old]
        q = Pattern(tuple(labels), tuple((perm[s], perm[t], lab) for s, t, lab in reversed(p.edges)))
        assert q.key == p.key
    assert Pattern.parse(p.key) == p.canonical()
    assert Pattern.parse("node,node;0>1:skip_connect").key != Pattern.parse("node,node;0>1:sep_conv_3x3").key


def test_node_encoding_patterns_round_trip():
    p = Pattern.parse("input0,sep_conv_3x3,node;0>1,1>2")
    assert p.to_str() == "input0,sep_conv_3x3,node;0>1,1>2" and p.edges[0][2] == ""


@pytest.mark.parametrize("text", [
    "node,node;0>0:skip",  # self-loop
    "node,node,node;0>1:skip",  # vertex 2 on no edge
    "node,node;0>1:skip,1>0:conv",  # two edges on one pair
    "node;0>1:skip",  # vertex out of range
    "node,node",  # no edges
    "node,no de;0>1:skip",  # space in a label
    "node,node;0-1:skip",
])
def test_malformed_patterns_are_refused(text):
    with pytest.raises(MiningError):
        Pattern.parse(text)


def test_bad_inputs_are_refused():
    with pytest.raises(MiningError, match="fraction"):
        mine(GRAPHS, 0)
    with pytest.raises(MiningError, match="fraction"):
        mine(GRAPHS, 1.5)
    with pytest.raises(MiningError, match="no graphs"):
        mine([], 0.5)
    with pytest.raises(MiningError, match="max_vertices"):
        mine(GRAPHS, 0.5, min_vertices=3, max_vertices=2)
    unlabelled = nx.DiGraph([(0, 1)])
    with pytest.raises(MiningError, match="label"):
        mine([unlabelled], 0.5)
    both_ways = graph({0: "node", 1: "node"}, [(0, 1, "a"), (1, 0, "b")])
    with pytest.raises(MiningError, match="at most one edge"):
        mine([both_ways], 0.5)


def test_min_count_rounds_up():
    assert min_count(0.05, 781) == 40 and min_count(0.05, 780) == 39 and min_count(0.01, 10) == 1
