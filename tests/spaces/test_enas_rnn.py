"""The ENAS recurrent-cell space: string form, loose ends, isomorphism key, neighbours, controller decisions."""

import pytest

from cellprobe.errors import GenotypeError
from cellprobe.spaces import get_space
from cellprobe.spaces.enas_rnn import N_NODES, ENASRNNGenotype

CELL = "tanh|relu~0|relu~1|identity~1|tanh~2|sigmoid~3|tanh~4|identity~5|relu~6|sigmoid~7|tanh~8|relu~9"
CHAIN = "|".join(["tanh"] + [f"relu~{k - 1}" for k in range(1, N_NODES)])


def test_string_form_loose_ends_and_graph():
    g = ENASRNNGenotype.parse(CELL)
    assert g.to_str() == CELL and g.previous[:3] == (None, 0, 1) and g.activations[5] == "sigmoid"
    assert g.loose_ends == (10, 11)  # nodes 10 and 11 are read by no other node: the output averages them
    assert ENASRNNGenotype.parse(CHAIN).loose_ends == (N_NODES - 1,)
    graph = g.to_graph()
    assert graph.in_degree(0) == 0 and graph.out_degree(N_NODES + 1) == 0
    assert sorted(u for u, _ in graph.in_edges(N_NODES + 1)) == [11, 12]  # array numbering: node k is k + 1
    assert graph.edges[0, 1]["label"] == "tanh" and graph.edges[11, 13]["label"] == "avg"
    assert {d["label"] for _, d in g.to_graph("node").nodes(data=True)} == {"input", "output", "tanh", "relu",
                                                                            "identity", "sigmoid"}


def test_canonical_key_ignores_how_the_nodes_are_numbered():
    tail = "|".join(f"identity~{k - 1}" for k in range(4, N_NODES))
    a = ENASRNNGenotype.parse(f"tanh|relu~0|sigmoid~0|tanh~1|{tail}")
    b = ENASRNNGenotype.parse(f"tanh|sigmoid~0|relu~0|tanh~2|{tail}")  # nodes 1 and 2 swapped: the same function
    c = ENASRNNGenotype.parse(f"tanh|relu~0|sigmoid~0|tanh~2|{tail}")  # node 3 reads the sigmoid: another one
    assert a.arch_id != b.arch_id and a.canonical_key == b.canonical_key != c.canonical_key


@pytest.mark.parametrize("text, message", [
    ("", "empty enas-rnn cell string"),
    ("tanh|relu~0", "expected 12 nodes"),
    (CELL.replace("tanh|", "tanh~0|", 1), "node 0 'tanh~0' reads the input"),
    (CELL.replace("relu~1|identity~1", "relu~1|identity~3"), "node 3 must read an earlier node 0..2, got 3"),
    (CELL.replace("relu~0", "relu"), "node 1 'relu' must be activation~previous"),
    (CELL.replace("sigmoid~3", "gelu~3"), "unknown op 'gelu' at node 5"),
    (CELL.replace("relu~0", "relu~x"), "must be activation~previous"),
])
def test_malformed_strings_say_what_is_wrong(text, message):
    with pytest.raises(GenotypeError, match=message):
        ENASRNNGenotype.parse(text)


def test_neighbours_change_one_activation_or_one_input():
    g = ENASRNNGenotype.parse(CELL)
    edits = g.edits()
    assert len(edits) == 12 * 3 + sum(k - 1 for k in range(1, 12)) == get_space("enas-rnn").info()["neighbours_per_genotype"]
    assert sum(e.kind == "input" for e, _ in edits) == 55
    for edit, n in edits:
        changed = [k for k in range(N_NODES) if n.nodes[k] != g.nodes[k]]
        assert changed == [edit.edge]
        assert n.previous[edit.edge] == (edit.new if edit.kind == "input" else g.previous[edit.edge])


def test_controller_decisions_follow_enas_and_round_trip():
    space = get_space("enas-rnn")
    steps = space.decisions()
    assert len(steps) == 2 * N_NODES - 1 and [d.kind for d in steps[:3]] == ["op", "input", "op"]
    assert steps[1].choices == (1,) and steps[-2].choices == tuple(range(1, N_NODES))  # array numbering: node k is k + 1
    assert [d.node for d in steps[:3]] == [1, 2, 2]
    g = ENASRNNGenotype.parse(CELL)
    assert space.decode(space.encode(g)) == g
    with pytest.raises(GenotypeError, match="23 actions"):
        space.decode([0, 0])
    with pytest.raises(GenotypeError, match="cannot be disabled"):
        space.disable(g, "cell", 3)


def test_the_enas_controller_samples_this_space():
    import torch

    from cellprobe.search.controller import Controller

    controller = Controller("enas-rnn", hidden=16, seed=0)
    sample = controller.sample(64, torch.Generator().manual_seed(0))
    cells = controller.decode(sample.actions)
    assert sample.actions.shape == (64, 2 * N_NODES - 1) and all(isinstance(c, ENASRNNGenotype) for c in cells)
    assert torch.allclose(controller.log_prob(sample.actions), sample.log_prob)
    assert torch.equal(controller.encode(cells), sample.actions)
    assert len({c.nodes[5][1] for c in cells}) == 5  # node 5 reads each of nodes 0..4, never the raw input
