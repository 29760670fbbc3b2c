import networkx as nx
import pytest

from cellprobe.errors import GenotypeError
from cellprobe.spaces import NB201Genotype, get_space, parse_genotype
from cellprobe.spaces.nb201 import OPS, all_genotypes, benchmark_index, benchmark_order, info

BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"


def test_enumeration_matches_the_benchmark_index_order(nb201_csv):
    order = benchmark_order()
    assert len(order) == 15_625 == len(nb201_csv)
    assert [g.to_str() for g in order] == nb201_csv.sort_values("index")["arch_str"].tolist()
    assert benchmark_index(NB201Genotype.parse(nb201_csv.loc[123, "arch_str"])) == nb201_csv.loc[123, "index"]


def test_all_genotypes_are_distinct():
    cells = all_genotypes()
    assert len({g.arch_id for g in cells}) == len(cells) == 5**6


def test_isomorphism_classes():
    assert info()["isomorphism_classes"] == 6_466


def test_isomorphic_cells_have_near_identical_accuracy(nb201_csv):
    keys = nb201_csv["arch_str"].map(lambda s: NB201Genotype.parse(s).canonical_key)
    within = nb201_csv.groupby(keys)["cifar10_test_acc"].std(ddof=0)
    sizes = keys.value_counts()
    multi = within[sizes[within.index] > 1]
    assert multi.mean() < 0.5 < nb201_csv["cifar10_test_acc"].std()


@pytest.mark.parametrize(
    "a, b",
    [
        # skip_connect is identity: node 1 = x, so edge 1->3 behaves like 0->3
        ("|skip_connect~0|+|none~0|none~1|+|none~0|nor_conv_3x3~1|none~2|",
         "|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|"),
        # node 1 = x, so conv(x) + pool(node 1) and pool(x) + conv(node 1) are one sum
        ("|skip_connect~0|+|none~0|none~1|+|nor_conv_3x3~0|avg_pool_3x3~1|none~2|",
         "|skip_connect~0|+|none~0|none~1|+|avg_pool_3x3~0|nor_conv_3x3~1|none~2|"),
    ],
)
def test_canonical_key_identifies_isomorphic_cells(a, b):
    assert NB201Genotype.parse(a).canonical_key == NB201Genotype.parse(b).canonical_key
    assert NB201Genotype.parse(a).arch_id != NB201Genotype.parse(b).arch_id


def test_canonical_key_separates_different_functions():
    conv = NB201Genotype.parse("|none~0|+|none~0|none~1|+|nor_conv_3x3~0|none~1|none~2|")
    pool = NB201Genotype.parse("|none~0|+|none~0|none~1|+|avg_pool_3x3~0|none~1|none~2|")
    assert conv.canonical_key != pool.canonical_key


def test_unreachable_cells_are_341_and_all_at_chance(nb201_csv):
    assert info()["unreachable"] == 341
    reachable = nb201_csv["arch_str"].map(lambda s: NB201Genotype.parse(s).reachable)
    unreachable = nb201_csv[~reachable]
    assert len(unreachable) == 341
    assert unreachable["cifar10_test_acc"].between(9.9, 10.1).all()
    # and the reachable ones are all above chance
    assert (nb201_csv[reachable]["cifar10_test_acc"] > 10.1).all()


def test_24_op_change_neighbours():
    g = NB201Genotype.parse(BEST)
    edits = g.edits()
    assert len(edits) == 24
    assert len({n.arch_id for _, n in edits}) == 24
    for edit, n in edits:
        assert sum(a != b for a, b in zip(g.ops, n.ops)) == 1
        assert n.ops[edit.edge] == edit.new and g.ops[edit.edge] == edit.old


def test_string_round_trip_and_graph():
    g = NB201Genotype.parse(BEST)
    assert g.to_str() == BEST and str(g) == BEST
    graph = g.to_graph()
    assert isinstance(graph, nx.DiGraph)
    assert graph.edges[2, 3]["label"] == "nor_conv_1x1"
    assert graph.nodes[0]["label"] == "input" and graph.nodes[3]["label"] == "output"
    sparse = NB201Genotype.parse("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|")
    assert sparse.to_graph().number_of_edges() == 2
    assert sparse.to_graph("node").number_of_nodes() == 4 + 2


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty NB201 arch string"),
        ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|", "expected 3 nodes separated by '+', got 2"),
        ("|conv_7x7~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|", "unknown op 'conv_7x7' at edge 0->1"),
        ("|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|", "should be op~0"),
        ("|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|", "node 2 needs 2 incoming edge(s), got 1"),
        ("nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|", "must be written |op~src|"),
    ],
)
def test_malformed_arch_strings_are_refused_precisely(text, message):
    with pytest.raises(GenotypeError) as info_:
        NB201Genotype.parse(text)
    assert message in str(info_.value)


def test_values_are_validated_on_construction():
    with pytest.raises(GenotypeError, match="6 edges, got 5"):
        NB201Genotype(("none",) * 5)
    with pytest.raises(GenotypeError, match="unknown op"):
        NB201Genotype(("none",) * 5 + ("sep_conv_3x3",))


def test_space_registry():
    assert tuple(get_space("nb201").ops) == tuple(OPS)
    assert parse_genotype("nb201", BEST) == NB201Genotype.parse(BEST)
    with pytest.raises(GenotypeError, match="unknown search space 'nasbench101'"):
        get_space("nasbench101")
