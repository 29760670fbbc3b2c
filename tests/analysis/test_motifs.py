import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from cellprobe.analysis.motifs import (
    MotifError,
    connected_edge_sets,
    cell_graphs,
    enrichment_table,
    motif_id,
    motif_tables,
    subgraph_reference,
    support_counts,
    top_architectures,
)
from cellprobe.benchmarks import nb201_table, read_nb201_csv
from cellprobe.cli import main
from cellprobe.gspan import Pattern, mine
from cellprobe.sampling import SamplingError, contains_motif, sample_architectures, sample_with_motif, table_from_motifs
from cellprobe.spaces import DartsGenotype, NB201Genotype
from cellprobe.tables import MOTIF_OCCURRENCES, MOTIFS, NB201_BENCHMARK, SAMPLE_SET, read_frame, write_table

from tests.conftest import NB201_CSV, ROOT

RESIDUAL = Pattern.parse("input0,input1,node;0>2:skip_connect,1>2:skip_connect")


@pytest.fixture(scope="module")
def nb201():
    return nb201_table(read_nb201_csv(NB201_CSV))


@pytest.fixture(scope="module")
def nb201_top5(nb201):
    genotypes = [NB201Genotype.parse(s) for s in nb201["arch_str"]]
    top = top_architectures(genotypes, nb201["cifar10_test_acc"].to_numpy(), 0.05)
    motifs, occurrences = motif_tables(top, set_name="top5", min_support=0.05, reference_size=500, seed=0)
    return top, motifs, occurrences


@pytest.fixture(scope="module")
def planted():
    """80 DARTS architectures whose normal cell holds the residual motif, tested against uniform cells."""
    top = sample_with_motif(RESIDUAL, 80, seed=1, space="darts")
    return motif_tables(top, set_name="planted", min_support=0.2, reference_size=400, seed=0)


# -- cells as graphs --------------------------------------------------------------------------------------------


def test_cell_graphs_follow_the_cells_option():
    archs = sample_architectures("uniform", 3, seed=0)
    normal = cell_graphs(archs)
    assert [c.cell for c in normal] == ["normal"] * 3
    assert [c.arch_id for c in normal] == [g.arch_id for g in archs]
    both = cell_graphs(archs, cells="both")
    assert [c.cell for c in both] == ["normal", "reduce"] * 3
    labels = {d["label"] for c in both for _, d in c.graph.nodes(data=True)}
    assert labels == {"input0", "input1", "node"}  # no output node
    assert all(c.graph.number_of_edges() == 8 for c in both)
    nb = cell_graphs([NB201Genotype.parse("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|")])
    assert nb[0].cell == "cell" and nb[0].graph.number_of_edges() == 3
    with pytest.raises(MotifError, match="cells must be one of"):
        cell_graphs(archs, cells="cell")
    with pytest.raises(MotifError, match="one search space"):
        cell_graphs([*archs, NB201Genotype.parse(NB201_CHAIN_CELL)])


NB201_CHAIN_CELL = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|"


# -- over-representation -----------------------------------------------------------------------------------------


def test_a_planted_motif_is_detected(planted):
    motifs, occurrences = planted
    key = RESIDUAL.key
    rows = motifs[motifs["pattern"] == key].set_index("reference")
    assert set(rows.index) == {"random", "subgraphs"}
    assert (rows["support"] == 1.0).all() and (rows["support_count"] == 80).all()
    assert rows.loc["random", "rank"] == 1
    for reference in ("random", "subgraphs"):
        assert rows.loc[reference, "q_value"] < 1e-6
        assert rows.loc[reference, "enrichment"] > 3
        assert rows.loc[reference, "odds_ratio_low"] > 5
    mid = rows.loc["random", "motif_id"]
    assert mid == motif_id(RESIDUAL, space="darts", encoding="edge")
    assert len(occurrences[occurrences["motif_id"] == mid]) == 80


def test_motifs_that_were_not_planted_are_not_detected(planted):
    motifs, _ = planted
    random_ref = motifs[motifs["reference"] == "random"]
    unrelated = random_ref[~random_ref["pattern"].str.contains("skip_connect")]
    assert len(unrelated) >= 10  # frequent enough to be mined, e.g. a sep_conv_3x3 edge from an input
    assert (unrelated["q_value"] >= 0.05).all()
    assert (unrelated["odds_ratio_low"] < 1).all()


def test_enrichment_statistics_on_known_counts():
    p = [RESIDUAL, Pattern.parse("node,node;0>1:skip_connect")]
    table = enrichment_table(p, [40, 10], 50, [10, 200], [100, 1000], "random")
    first = table.iloc[0]
    assert first["support"] == 0.8 and first["reference_incidence"] == 0.1 and first["enrichment"] == 8
    assert first["odds_ratio"] == pytest.approx(40 * 90 / (10 * 10))
    assert first["odds_ratio_low"] < first["odds_ratio"] < first["odds_ratio_high"]
    assert first["p_value"] < 1e-10 and table["rank"].tolist() == [1, 2]
    # BH over two tests: q = min(p_(i) * m / i) from the top
    p_sorted = np.sort(table["p_value"].to_numpy())
    assert table["q_value"].max() == pytest.approx(p_sorted[1])
    assert table.iloc[1]["enrichment"] == pytest.approx(1.0) and table.iloc[1]["p_value"] > 0.3
    zero = enrichment_table(p[:1], [5], 10, [0], [10], "random").iloc[0]
    assert zero["enrichment"] == np.inf and np.isfinite(zero["odds_ratio_high"])


def test_support_is_counted_by_the_matcher():
    g = NB201Genotype.parse(NB201_CHAIN_CELL).to_graph()
    chain = Pattern.parse("input,node,node;0>1:nor_conv_3x3,1>2:nor_conv_3x3")
    skip = Pattern.parse("input,output;0>1:skip_connect")
    reverse = Pattern.parse("input,node;1>0:nor_conv_3x3")
    assert support_counts([chain, skip, reverse], [g, g]).tolist() == [2, 2, 0]


def test_pruned_support_counts_equal_the_plain_matcher():
    mined_on = [c.graph for c in cell_graphs(sample_architectures("uniform", 20, seed=1), encoding="node")]
    others = [c.graph for c in cell_graphs(sample_architectures("uniform", 25, seed=2), encoding="node")]
    patterns = [f.pattern for f in mine(mined_on, 0.15)]
    assert len(patterns) > 50 and max(p.n_edges for p in patterns) >= 4
    plain = [sum(p.occurs_in(g) for g in others) for p in patterns]
    assert support_counts(patterns, others).tolist() == plain
    assert support_counts(patterns, mined_on).tolist() == [len(f.graphs) for f in mine(mined_on, 0.15)]


def test_connected_subgraphs_have_exactly_the_asked_size():
    g = sample_architectures("uniform", 1, seed=5)[0].normal.to_graph(output=False)
    for k in range(1, 9):
        sets = connected_edge_sets(g, k)
        assert all(len(s) == k == len(set(s)) for s in sets)
        brute = [s for s in itertools.combinations(sorted(g.edges), k)
                 if nx.is_weakly_connected(g.edge_subgraph(s))]
        assert len(sets) == len(brute) == len({frozenset(s) for s in sets})


def test_subgraph_reference_hit_rate():
    conv = NB201Genotype.parse("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|").to_graph()
    skip = NB201Genotype.parse("|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|").to_graph()
    hits = subgraph_reference([1], [conv, skip], 2000, seed=0)
    assert 0.45 < hits[1] / 2000 < 0.55  # a piece of one cell is in the other half the time
    assert subgraph_reference([1], [conv, skip], 2000, seed=0) == hits
    with pytest.raises(MotifError, match="2 edges"):
        subgraph_reference([2], [conv, skip], 10, seed=0)


# -- the real NB201 top 5% ---------------------------------------------------------------------------------------


def test_nb201_top5_run_gives_q_values(nb201_top5, tmp_path):
    top, motifs, occurrences = nb201_top5
    assert len(top) == 781
    assert set(motifs["reference"]) == {"random", "subgraphs"}
    assert motifs["q_value"].between(0, 1).all() and (motifs["q_value"] >= motifs["p_value"]).all()
    assert (motifs["support_count"] >= 40).all()  # 5% of 781 cells, rounded up
    best = motifs[motifs["reference"] == "random"].sort_values("rank").iloc[0]
    assert best["q_value"] < 1e-10 and best["enrichment"] > 1
    # the occurrence table says where each motif is, and agrees with the support
    per_motif = occurrences.groupby("motif_id").size()
    counts = motifs.drop_duplicates("motif_id").set_index("motif_id")["support_count"]
    assert per_motif.reindex(counts.index).tolist() == counts.tolist()
    assert set(occurrences["arch_id"]) <= {g.arch_id for g in top}
    write_table(motifs, tmp_path / "m.parquet", MOTIFS)  # the tables fit their schemas
    write_table(occurrences, tmp_path / "o.parquet", MOTIF_OCCURRENCES)


def test_motif_tables_are_seeded(nb201_top5):
    top, motifs, _ = nb201_top5
    again, _ = motif_tables(top[:100], set_name="s", reference_size=200, seed=3)
    pd.testing.assert_frame_equal(again, motif_tables(top[:100], set_name="s", reference_size=200, seed=3)[0])
    other, _ = motif_tables(top[:100], set_name="s", reference_size=200, seed=4)
    assert not again["reference_count"].equals(other["reference_count"])


def test_every_mined_nb201_motif_can_be_sampled(nb201_top5):
    _, motifs, _ = nb201_top5
    for i, text in enumerate(motifs["pattern"].unique()):
        pattern = Pattern.parse(text)
        for g in sample_with_motif(pattern, 2, seed=i, space="nb201"):
            assert pattern.occurs_in(g.to_graph())


# -- motif-constrained sampling ----------------------------------------------------------------------------------


@pytest.mark.parametrize("space, encoding, cells, text", [
    ("darts", "edge", "normal", "input0,input1,node;0>2:skip_connect,1>2:skip_connect"),
    ("darts", "edge", "reduce", "input0,node,node;0>1:sep_conv_3x3,1>2:sep_conv_5x5,0>2:skip_connect"),
    ("darts", "edge", "both", "node,node,node;0>1:dil_conv_3x3,1>2:max_pool_3x3"),
    ("darts", "node", "normal", "input1,sep_conv_3x3;0>1"),  # an op whose target is not part of the motif
    ("darts", "node", "both", "node,skip_connect,node,sep_conv_5x5;0>1,1>2,3>2"),
    ("nb201", "edge", "cell", "input,node,output;0>1:nor_conv_3x3,1>2:nor_conv_3x3,0>2:skip_connect"),
    ("nb201", "node", "cell", "nor_conv_1x1,output;0>1"),
])
def test_sampled_architectures_contain_the_motif(space, encoding, cells, text):
    pattern = Pattern.parse(text)
    archs = sample_with_motif(pattern, 12, seed=7, space=space, encoding=encoding, cells=cells)
    assert len({g.arch_id for g in archs}) == 12
    holders = ["normal", "reduce"] if cells == "both" else [cells]
    for g in archs:
        for cell in holders:
            graph = g.to_graph(encoding) if space == "nb201" else g.to_graph(cell, encoding, output=False)
            assert pattern.occurs_in(graph)
        assert contains_motif(g, pattern, encoding=encoding, cells=cells)
    again = sample_with_motif(pattern, 12, seed=7, space=space, encoding=encoding, cells=cells)
    assert [g.arch_id for g in again] == [g.arch_id for g in archs]
    other = sample_with_motif(pattern, 12, seed=8, space=space, encoding=encoding, cells=cells)
    assert [g.arch_id for g in other] != [g.arch_id for g in archs]


def test_the_motif_is_placed_on_varying_nodes():
    archs = sample_with_motif(RESIDUAL, 40, seed=0, space="darts")
    nodes = {n for g in archs for n in range(4)
             if sorted(g.normal.node_edges(n)) == [("skip_connect", 0), ("skip_connect", 1)]}
    assert len(nodes) >= 3
    # the cells not holding the motif are unconstrained: the reduce cells rarely contain it
    assert sum(contains_motif(g, RESIDUAL, cells="reduce") for g in archs) < 20


@pytest.mark.parametrize("space, text, message", [
    ("darts", "input0,input1,node,node;0>3:skip_connect,1>3:skip_connect,2>3:skip_connect", "cannot occur"),
    ("darts", "input,node;0>1:skip_connect", "not a darts cell node"),
    ("darts", "input0,node;0>1:nor_conv_3x3", "not a darts op"),
    ("darts", "node,input0;0>1:skip_connect", "cannot occur"),  # an edge into a cell input
    ("nb201", "input,node,node,output;0>1:nor_conv_3x3,1>2:nor_conv_3x3,2>3:nor_conv_3x3,0>3:skip_connect",
     None),  # fits: checked below to be possible
])
def test_impossible_motifs_are_refused(space, text, message):
    if message is None:
        assert sample_with_motif(Pattern.parse(text), 3, seed=0, space=space)
        return
    with pytest.raises(SamplingError, match=message):
        sample_with_motif(Pattern.parse(text), 3, seed=0, space=space)


def test_too_few_cells_with_the_motif():
    every_edge = Pattern.parse("input,node,node,output;0>1:nor_conv_3x3,0>2:nor_conv_3x3,1>2:nor_conv_3x3,"
                               "0>3:nor_conv_3x3,1>3:nor_conv_3x3,2>3:nor_conv_3x3")
    assert len(sample_with_motif(every_edge, 1, seed=0, space="nb201")) == 1
    with pytest.raises(SamplingError, match="only 1 distinct"):
        sample_with_motif(every_edge, 2, seed=0, space="nb201")


def test_sample_set_from_a_motifs_table(planted, tmp_path):
    motifs, _ = planted
    table = table_from_motifs(motifs, 6, seed=2, rank=1)
    write_table(table, tmp_path / "s.parquet", SAMPLE_SET)
    assert table["sampler"].unique().tolist() == [f"motif/{motif_id(RESIDUAL, space='darts', encoding='edge')}"]
    assert all(contains_motif(DartsGenotype.parse(g), RESIDUAL) for g in table["genotype"])
    by_id = table_from_motifs(motifs, 6, seed=2, motif_id=table["sampler"].iloc[0].removeprefix("motif/"))
    pd.testing.assert_frame_equal(by_id, table)
    with pytest.raises(SamplingError, match="rank 100000"):
        table_from_motifs(motifs, 6, seed=2, rank=100000)


# -- CLI -------------------------------------------------------------------------------------------------------------


def test_cli_mines_and_samples(nb201, tmp_path, capsys):
    bench = tmp_path / "nb201.parquet"
    write_table(nb201.iloc[:1500], bench, NB201_BENCHMARK)
    m, o = tmp_path / "motifs" / "motifs.parquet", tmp_path / "motifs" / "occurrences.parquet"
    assert main(["motifs", "mine", "--benchmark", str(bench), "--top", "0.1", "--reference-size", "200",
                 "--max-vertices", "3", "--motifs", str(m), "--occurrences", str(o)]) == 0
    motifs = read_frame(m, MOTIFS)
    assert set(motifs["set"]) == {"top10"} and motifs["n_vertices"].max() <= 3 and len(motifs) > 0
    assert len(read_frame(o, MOTIF_OCCURRENCES)) == motifs.drop_duplicates("motif_id")["support_count"].sum()
    out = tmp_path / "sample.parquet"
    assert main(["sample", "--from-motifs", str(m), "--motif-rank", "2", "--size", "4", "--out", str(out)]) == 0
    sample = read_frame(out, SAMPLE_SET)
    pattern = Pattern.parse(motifs[(motifs["reference"] == "random") & (motifs["rank"] == 2)]["pattern"].iloc[0])
    assert len(sample) == 4 and all(pattern.occurs_in(NB201Genotype.parse(g).to_graph()) for g in sample["genotype"])


@pytest.mark.parametrize("extra, message", [
    (["--benchmark", "{missing}"], "file not found"),
    (["--benchmark", "{wrong}"], "expected 'nb201_benchmark'"),
    ([], "exactly one ground truth"),
    (["--benchmark", "{bench}", "--min-support", "0"], "min support"),
    (["--benchmark", "{bench}", "--top", "1.5"], "top fraction"),
    (["--benchmark", "{bench}", "--cells", "normal"], "cells must be one of"),
    (["--benchmark", "{bench}", "--reference-sampler", "uniform"], "draws darts architectures"),
    (["--benchmark", "{bench}", "--column", "valid_acc"], "no benchmark table has the column 'valid_acc'"),
])
def test_cli_bad_input_is_one_error_line(nb201, tmp_path, capsys, extra, message):
    paths = {"missing": tmp_path / "missing.parquet", "wrong": tmp_path / "wrong.parquet",
             "bench": tmp_path / "nb201.parquet"}
    write_table(nb201.iloc[:200], paths["bench"], NB201_BENCHMARK)
    write_table(pd.DataFrame({"arch_id": ["a"], "space": ["nb201"], "genotype": ["g"], "sampler": ["s"],
                              "seed": [0]}), paths["wrong"], SAMPLE_SET)
    args = [a.format(**paths) for a in extra]
    m, o = tmp_path / "m.parquet", tmp_path / "o.parquet"
    assert main(["motifs", "mine", *args, "--motifs", str(m), "--occurrences", str(o)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("cellprobe: error:") and message in err[0]
    assert not m.exists() and not o.exists()


def test_cli_mines_trained_darts_architectures(tmp_path):
    from cellprobe.tables import TRAIN_RESULT

    archs = sample_with_motif(RESIDUAL, 10, seed=3, space="darts") + sample_architectures("uniform", 30, seed=4)
    rng = np.random.default_rng(0)
    acc = np.r_[rng.uniform(80, 90, 10), rng.uniform(60, 70, 30)]  # the residual cells are the best
    rows = pd.DataFrame({
        "sample": "s", "arch_id": [g.arch_id for g in archs], "space": "darts", "genotype": [g.to_str() for g in archs],
        "sampler": "uniform", "dataset": "digits", "seed": 0, "epochs": 1, "train_acc": acc, "train_loss": 1.0,
        "valid_acc": acc, "valid_loss": 1.0, "test_acc": acc, "test_loss": 1.0, "params_m": 0.1, "flops_m": 1.0,
        "device": "cpu"})
    write_table(rows, tmp_path / "train.parquet", TRAIN_RESULT)
    m, o = tmp_path / "m.parquet", tmp_path / "o.parquet"
    assert main(["motifs", "mine", "--train", str(tmp_path / "train.parquet"), "--top", "0.25", "--cells", "both",
                 "--min-support", "0.4", "--reference-size", "100", "--set", "best", "--motifs", str(m),
                 "--occurrences", str(o)]) == 0
    motifs = read_frame(m, MOTIFS)
    assert set(motifs["cells"]) == {"both"} and set(motifs["set"]) == {"best"}
    assert (motifs["n_cells"] == 20).all()  # 10 architectures, two cells each
    occurrences = read_frame(o, MOTIF_OCCURRENCES)
    mid = motif_id(RESIDUAL, space="darts", encoding="edge")
    assert set(occurrences[occurrences["motif_id"] == mid]["cell"]) >= {"normal"}


def test_report_section(planted):
    from cellprobe.report.motifs_section import motifs_section

    motifs, occurrences = planted
    known = ROOT / "data" / "benchmarks" / "darts_known_cells.json"
    section = motifs_section(motifs, occurrences, known, top_k=3)
    assert section.id == "motifs" and section.body.count("<svg") == 2
    assert "published cells" in section.body and "/11 (" in section.body  # 11 published DARTS-space cells
    assert "darts planted" in section.summary and "input0,input1,node" in section.summary
    assert motifs_section(motifs, occurrences, known, top_k=3).body == section.body  # deterministic
