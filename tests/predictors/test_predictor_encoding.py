"""Encodings: shapes, contents, and invariance to the order of a DARTS node's two edges."""

import numpy as np
import pytest

from cellprobe.predictors.encoding import graph, graph_shape, onehot, onehot_size, space_of, token_shape, tokens
from cellprobe.sampling import sample_architectures
from cellprobe.spaces import DartsCell, DartsGenotype, NB201Genotype

NB201_BEST = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


def _genotypes(space, n=6):
    return sample_architectures("uniform" if space == "darts" else "nb201", n, seed=3)


def swapped(genotype: DartsGenotype, node: int = 2) -> DartsGenotype:
    """The same genotype with the two edges of one node written the other way round (both cells)."""

    def swap(cell):
        edges = list(cell.edges)
        edges[2 * node], edges[2 * node + 1] = edges[2 * node + 1], edges[2 * node]
        return DartsCell(tuple(edges), cell.concat, cell.name)

    return DartsGenotype(swap(genotype.normal), swap(genotype.reduce))


@pytest.mark.parametrize("space", ["nb201", "darts"])
def test_shapes_and_contents(space):
    gs = _genotypes(space)
    flat = onehot(gs)
    assert flat.shape == (len(gs), onehot_size(space)) and flat.dtype == np.float32
    # one op per edge (+ one input per DARTS edge)
    assert (flat.sum(axis=1) == (6 if space == "nb201" else 32)).all()
    vocabulary, length = token_shape(space)
    tok = tokens(gs)
    assert tok.shape == (len(gs), length) and tok.min() >= 0 and tok.max() < vocabulary
    enc = graph(gs)
    cells, n_ops, n_nodes, n_inputs = graph_shape(space)
    assert enc.adjacency.shape == (len(gs), cells, n_ops, n_nodes, n_nodes) and len(enc) == len(gs)
    assert (enc.adjacency.sum(axis=(2, 3, 4)) == (6 if space == "nb201" else 8)).all()
    # DAG in topological order: edges only go from lower to higher nodes, never into a cell input
    assert not np.triu(enc.adjacency.sum(axis=(0, 1, 2))).any()
    assert not enc.adjacency[..., :n_inputs, :].any()
    assert enc.output.shape == (len(gs), cells, n_nodes) and not enc.output[..., :n_inputs].any()


def test_nb201_values():
    g = NB201Genotype.parse(NB201_BEST)
    assert onehot([g]).reshape(6, 5).argmax(axis=1).tolist() == [3, 3, 3, 1, 3, 3]
    assert tokens([g]).tolist() == [[3, 8, 13, 16, 23, 28]]
    enc = graph([g])
    assert enc.adjacency[0, 0, 1, 3, 0] == 1  # skip_connect 0 -> 3
    assert enc.output[0, 0].tolist() == [0, 0, 0, 1]


def test_darts_values(darts_cells):
    g = darts_cells["DARTS_V2"]
    enc = graph([g])
    canonical = g.canonical()
    for c, name in enumerate(["normal", "reduce"]):
        for e, (op, inp) in enumerate(canonical.cell(name).edges):
            assert enc.adjacency[0, c, g.ops.index(op), e // 2 + 2, inp] == 1
        assert enc.output[0, c].nonzero()[0].tolist() == list(canonical.cell(name).concat)


def test_darts_edge_order_does_not_matter(darts_cells):
    genotypes = list(darts_cells.values()) + _genotypes("darts", 10)
    for g in genotypes:
        for node in range(4):
            other = swapped(g, node)
            assert other.to_str() != g.to_str()
            assert other.arch_id == g.arch_id
            np.testing.assert_array_equal(onehot([g]), onehot([other]))
            np.testing.assert_array_equal(tokens([g]), tokens([other]))
            np.testing.assert_array_equal(graph([g]).adjacency, graph([other]).adjacency)


def test_space_checks():
    with pytest.raises(ValueError, match="empty"):
        onehot([])
    assert onehot([], "nb201").shape == (0, 30)
    with pytest.raises(ValueError, match="one space"):
        space_of(_genotypes("nb201", 1) + _genotypes("darts", 1))
    with pytest.raises(ValueError, match="one space"):
        onehot(_genotypes("nb201", 1), "darts")
