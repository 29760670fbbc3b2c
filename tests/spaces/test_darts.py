import itertools

import networkx as nx
import pytest

from cellprobe.errors import GenotypeError
from cellprobe.spaces import DartsCell, DartsGenotype
from cellprobe.spaces.darts import PRIMITIVES, count_cells, info

DARTS_V2_REPR = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
    "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], "
    "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), "
    "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])"
)


def test_primitives_are_the_darts_eight_in_reference_order():
    assert tuple(PRIMITIVES) == (
        "none", "max_pool_3x3", "avg_pool_3x3", "skip_connect",
        "sep_conv_3x3", "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5",
    )


def test_cell_counts():
    assert count_cells(with_none=False) == 1_037_664_180
    # brute force over one node's choices confirms the per-node factor the formula uses
    ops = PRIMITIVES.without("none")
    per_node = [len({frozenset(p) for p in itertools.permutations([(o, i) for o in ops for i in range(k + 2)], 2)
                     if p[0][1] != p[1][1]}) for k in range(4)]
    assert per_node == [49, 3 * 49, 6 * 49, 10 * 49]
    assert count_cells(with_none=True) == 3 * 64 * 6 * 64 * 10 * 64 * 64
    assert info()["genotypes_without_none"] == 1_037_664_180**2


def test_published_cells_parse_and_round_trip_both_forms(darts_cells):
    assert "DARTS_V2" in darts_cells and len(darts_cells) >= 10
    for name, g in darts_cells.items():
        assert DartsGenotype.parse(g.to_repr()) == g, name
        assert DartsGenotype.parse(g.to_str()) == g, name
        assert DartsGenotype.parse(g.to_repr()).to_repr() == g.to_repr()
        assert DartsGenotype.parse(g.to_str()).to_str() == g.to_str()
        assert "\n" not in g.to_str() and " " not in g.to_str()


def test_reference_repr_with_range_and_list_concat(darts_cells):
    g = DartsGenotype.parse(DARTS_V2_REPR)
    assert g == darts_cells["DARTS_V2"]
    with_range = DARTS_V2_REPR.replace("[2, 3, 4, 5]", "range(2, 6)")
    assert DartsGenotype.parse(with_range) == g
    assert "normal_concat=range(2, 6)" in g.to_repr()


def test_non_default_concat_round_trips():
    g = DartsGenotype.parse(DARTS_V2_REPR.replace("normal_concat=[2, 3, 4, 5]", "normal_concat=[3, 5]"))
    assert g.normal.concat == (3, 5)
    assert g.to_str().split(";")[0].endswith("@3,5")
    assert DartsGenotype.parse(g.to_str()) == g
    assert DartsGenotype.parse(g.to_repr()) == g


def test_canonical_id_ignores_edge_order_within_a_node(darts_cells):
    g = darts_cells["DARTS_V2"]
    edges = list(g.normal.edges)
    edges[0], edges[1] = edges[1], edges[0]
    swapped = DartsGenotype(DartsCell(tuple(edges), g.normal.concat), g.reduce)
    assert swapped != g  # the value keeps the order it was given in ...
    assert swapped.arch_id == g.arch_id  # ... identity does not depend on it
    assert swapped.canonical_key == g.canonical_key
    assert swapped.canonical() == g.canonical()


def test_canonical_id_distinguishes_different_cells(darts_cells):
    ids = {g.arch_id for g in darts_cells.values()}
    assert len(ids) == len(darts_cells)
    g = darts_cells["DARTS_V2"]
    swapped_cells = DartsGenotype(g.reduce, g.normal)
    assert swapped_cells.arch_id != g.arch_id


@pytest.mark.parametrize(
    "text, message",
    [
        (DARTS_V2_REPR.replace("'dil_conv_3x3', 2", "'conv_9x9', 2"), "unknown op 'conv_9x9' at normal cell edge 7"),
        (DARTS_V2_REPR.replace("('dil_conv_3x3', 2)", "('dil_conv_3x3', 5)"), "normal cell edge 7: input 5 out of range for node 5 (allowed 0..4)"),
        (DARTS_V2_REPR.replace("('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0)", "('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0)", 1), "normal cell node 2: both edges come from input 1"),
        (DARTS_V2_REPR.replace(", ('dil_conv_3x3', 2)]", "]"), "normal cell has 7 edges, expected 8"),
        (DARTS_V2_REPR.replace("reduce_concat=[2, 3, 4, 5]", "reduce_concat=[1, 2]"), "reduce cell: concat entry 1 is not an intermediate node"),
        (DARTS_V2_REPR.replace("reduce_concat=[2, 3, 4, 5]", "reduce_concat=[]"), "reduce cell: concat list is empty"),
        (DARTS_V2_REPR[:-1], "malformed Genotype(...) string"),
        (DARTS_V2_REPR.replace(", reduce_concat=[2, 3, 4, 5]", ""), "missing field(s): reduce_concat"),
        (DARTS_V2_REPR.replace("reduce_concat", "reduction_concat"), "unknown field 'reduction_concat'"),
        ("Genotype(normal=__import__('os'), normal_concat=[2], reduce=[], reduce_concat=[2])", "expected a list of ('op', input) pairs"),
        ("", "empty DARTS genotype string"),
        ("normal=sep_conv_3x3~0,sep_conv_3x3~1", "expected 'normal=...;reduce=...'"),
        ("normal=a~0;reduce=b~0", "normal cell has 1 nodes, expected 4"),
        ("normal=sep_conv_3x3~0|a~0,b~1|c~0,d~1|e~0,f~1;reduce=x", "normal cell node 2 has 1 edges, expected 2"),
        ("normal=sep_conv_3x3~0,sep_conv_3x3~x|a~0,b~1|c~0,d~1|e~0,f~1;reduce=x", "malformed edge 'sep_conv_3x3~x'"),
        ("reduce=a;normal=b", "should start with 'normal='"),
    ],
)
def test_malformed_genotypes_are_refused_precisely(text, message):
    with pytest.raises(GenotypeError) as info:
        DartsGenotype.parse(text)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_none_is_allowed_in_a_genotype(darts_cells):
    bananas = darts_cells["BANANAS"]
    assert ("none", 1) in bananas.reduce.edges
    assert DartsGenotype.parse(bananas.to_str()) == bananas


def test_darts_v2_has_120_distinct_valid_neighbours(darts_cells):
    g = darts_cells["DARTS_V2"]
    edits = g.edits()
    neighbours = [n for _, n in edits]
    assert len(neighbours) == 120
    ids = {n.arch_id for n in neighbours}
    assert len(ids) == 120 and g.arch_id not in ids
    for n in neighbours:
        assert DartsGenotype.parse(n.to_str()) == n  # re-validates
        assert "none" not in {op for cell in (n.normal, n.reduce) for op, _ in cell.edges}
    kinds = [e.kind for e, _ in edits]
    assert kinds.count("op") == 96 and kinds.count("input") == 24


def test_every_neighbour_differs_in_exactly_the_edited_edge(darts_cells):
    for g in darts_cells.values():
        for edit, n in g.edits():
            before, after = g.cell(edit.cell), n.cell(edit.cell)
            changed = [i for i in range(8) if before.edges[i] != after.edges[i]]
            assert changed == [edit.edge]
            other = "reduce" if edit.cell == "normal" else "normal"
            assert g.cell(other) == n.cell(other)
            op, inp = after.edges[edit.edge]
            assert (op if edit.kind == "op" else inp) == edit.new


def test_rewiring_alternatives_per_node(darts_cells):
    g = darts_cells["DARTS_V2"]
    per_node = {}
    for edit, _ in g.edits():
        if edit.kind == "input" and edit.cell == "normal":
            per_node[edit.edge // 2] = per_node.get(edit.edge // 2, 0) + 1
    # node k has k alternatives for each of its two edges
    assert per_node == {1: 2, 2: 4, 3: 6}


def test_edge_graph(darts_cells):
    g = darts_cells["DARTS_V2"].to_graph("normal")
    assert isinstance(g, nx.DiGraph) and nx.is_directed_acyclic_graph(g)
    assert g.nodes[0]["label"] == "input0" and g.nodes[1]["label"] == "input1"
    assert g.edges[0, 2]["label"] == "sep_conv_3x3"
    assert g.edges[2, 5]["label"] == "dil_conv_3x3"
    assert g.number_of_edges() == 8 + 4  # 8 op edges + 4 concat edges
    assert sorted(g.predecessors("output")) == [2, 3, 4, 5]


def test_graph_drops_none_edges_and_node_encoding(darts_cells):
    bananas = darts_cells["BANANAS"]
    edge_graph = bananas.to_graph("reduce", output=False)
    assert edge_graph.number_of_edges() == 7
    node_graph = bananas.to_graph("reduce", encoding="node", output=False)
    op_nodes = [n for n, d in node_graph.nodes(data=True) if isinstance(n, tuple)]
    assert len(op_nodes) == 7
    assert sorted(node_graph.nodes[n]["label"] for n in op_nodes) == sorted(
        op for op, _ in bananas.reduce.edges if op != "none"
    )
    with pytest.raises(ValueError):
        bananas.to_graph("reduce", encoding="matrix")
