"""Array batches of genotypes: exact round trips, canonical order and neighbours identical to edits()."""

import numpy as np
import pytest

from cellprobe.spaces import DartsCell, DartsGenotype
from cellprobe.spaces import get_space
from cellprobe.spaces.arrays import ArchArrays, neighbour_arrays, to_arrays, to_genotypes
from cellprobe.spaces.darts import NEIGHBOUR_OPS
from cellprobe.spaces.nb201 import all_genotypes


def random_darts(rng, n, none_rate=0.15):
    """Random DARTS genotypes in random edge order, with some ``none`` edges and a few odd concat lists."""
    out = []
    for _ in range(n):
        cells = []
        for name in ("normal", "reduce"):
            edges = []
            for node in range(4):
                a, b = rng.choice(node + 2, size=2, replace=False)
                for inp in (a, b):
                    op = "none" if rng.random() < none_rate else NEIGHBOUR_OPS[rng.integers(len(NEIGHBOUR_OPS))]
                    edges.append((op, int(inp)))
            concat = (2, 3, 4, 5) if rng.random() < 0.8 else tuple(sorted(rng.choice([2, 3, 4, 5], 2, replace=False).tolist()))
            cells.append(DartsCell(tuple(edges), concat, name))
        out.append(DartsGenotype(*cells))
    return out


@pytest.fixture(scope="module")
def darts_batch():
    return random_darts(np.random.default_rng(0), 60)


def test_round_trip_is_exact(darts_batch):
    nb = all_genotypes()[::97]
    assert to_genotypes(to_arrays(nb)) == nb
    back = to_genotypes(to_arrays(darts_batch))
    assert [g.to_str() for g in back] == [g.to_str() for g in darts_batch]


def test_canonical_matches_the_genotypes(darts_batch):
    canon = to_genotypes(to_arrays(darts_batch).canonical())
    assert [g.to_str() for g in canon] == [g.canonical().to_str() for g in darts_batch]
    assert any(g.to_str() != g.canonical().to_str() for g in darts_batch)  # the test exercises a swap


@pytest.mark.parametrize("space", ["nb201", "darts"])
def test_neighbours_are_edits_in_order(space, darts_batch):
    genotypes = all_genotypes()[::211] if space == "nb201" else darts_batch
    found = neighbour_arrays(to_arrays(genotypes))
    expected = [(b, e, nb) for b, g in enumerate(genotypes) for e, nb in g.edits()]
    assert len(found.owner) == len(expected)
    assert found.owner.tolist() == [b for b, _, _ in expected]
    assert [get_space(space).cell_names[c] for c in found.cell] == [e.cell for _, e, _ in expected]
    assert found.edge.tolist() == [e.edge for _, e, _ in expected]
    assert ["op" if k == 0 else "input" for k in found.kind] == [e.kind for _, e, _ in expected]
    assert [g.to_str() for g in to_genotypes(found.arrays)] == [nb.to_str() for _, _, nb in expected]


def test_darts_neighbour_counts_follow_none_edges():
    g = DartsGenotype.parse(
        "normal=sep_conv_3x3~0,none~1|sep_conv_3x3~0,sep_conv_3x3~1|skip_connect~0,sep_conv_3x3~1|skip_connect~0,dil_conv_3x3~2;"
        "reduce=max_pool_3x3~0,max_pool_3x3~1|skip_connect~2,max_pool_3x3~1|max_pool_3x3~0,skip_connect~2|skip_connect~2,max_pool_3x3~1"
    )
    found = neighbour_arrays(to_arrays([g]))
    assert len(found.owner) == len(g.edits()) == 121  # 120 + the none edge's seventh op


def test_unique_groups_equal_architectures():
    nb = all_genotypes()[:50]
    batch = to_arrays(nb + nb[:10])
    distinct, inverse = batch.unique()
    assert len(distinct) == 50
    assert (inverse[50:] == inverse[:10]).all()
    assert to_genotypes(distinct.take(inverse)) == nb + nb[:10]


def test_shape_checks():
    with pytest.raises(ValueError, match="ops and inputs"):
        ArchArrays("nb201", np.zeros((2, 1, 5), dtype=np.int64), np.zeros((2, 1, 5), dtype=np.int64),
                   np.zeros((2, 1, 4), dtype=bool))


def test_unique_rows_agrees_with_numpy():
    from cellprobe.spaces.arrays import unique_rows

    rng = np.random.default_rng(1)
    for width, high in [(1, 3), (6, 5), (44, 8), (70, 200)]:
        rows = rng.integers(0, high, size=(500, width))
        rows[250:] = rows[rng.integers(0, 250, 250)]  # plenty of repeats
        first, inverse = unique_rows(rows)
        expected, index = np.unique(rows, axis=0, return_index=True)
        assert sorted(first.tolist()) == sorted(index.tolist())
        assert (np.diff(first) > 0).all()  # order of first appearance
        np.testing.assert_array_equal(rows[first][inverse], rows)
