import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cellprobe.benchmarks import nb201_table, read_nb201_csv, read_nb301_json, read_zero_cost_json
from cellprobe.errors import DataError, GenotypeError
from cellprobe.spaces import DartsGenotype
from cellprobe.tables import (NB201_BENCHMARK, NB301_BENCHMARK, ZERO_COST_BENCHMARK, ZERO_COST_PROXIES, read_frame,
                              write_table)


def csv_text(df: pd.DataFrame) -> io.StringIO:
    return io.StringIO(df.to_csv(index=False))


def test_full_table(nb201_csv, tmp_path):
    table = nb201_table(read_nb201_csv(csv_text(nb201_csv)))
    assert list(table.columns) == NB201_BENCHMARK.columns
    assert len(table) == 15_625 and table["index"].tolist() == list(range(15_625))
    assert table["canonical_key"].nunique() == 6_466
    assert (~table["reachable"]).sum() == 341
    assert table["arch_id"].is_unique
    path = write_table(table, tmp_path / "nb201.parquet", NB201_BENCHMARK)
    back = read_frame(path, NB201_BENCHMARK)
    pd.testing.assert_frame_equal(back, table, check_dtype=False)
    assert back["cifar10_test_acc"].max() == pytest.approx(94.3733, abs=1e-3)


def test_subset_in_any_order_is_accepted_and_sorted(nb201_csv):
    subset = nb201_csv.sample(50, random_state=0)
    table = nb201_table(read_nb201_csv(csv_text(subset)))
    assert table["index"].tolist() == sorted(subset["index"])


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda df: df.drop(columns="cifar100_test_acc"), "missing column(s) ['cifar100_test_acc']"),
        (lambda df: df.assign(cifar10_test_acc=["x"] + list(df.cifar10_test_acc[1:])), "row 2: column 'cifar10_test_acc' is not a number"),
        (lambda df: df.assign(cifar10_test_acc=[101.0] + list(df.cifar10_test_acc[1:])), "row 2: cifar10_test_acc = 101.0 is not a percentage"),
        (lambda df: df.assign(index=[1, 1] + list(df["index"][2:])), "index 1 appears more than once"),
        (lambda df: df.iloc[0:0], "no rows"),
    ],
)
def test_bad_csv_is_refused(nb201_csv, mutate, message):
    with pytest.raises(DataError) as info:
        read_nb201_csv(csv_text(mutate(nb201_csv.head(5).copy())))
    assert message in str(info.value)


def test_wrong_index_or_bad_arch_is_refused(nb201_csv):
    df = nb201_csv.head(3).copy()
    df.loc[0, "index"] = 7
    with pytest.raises(DataError, match="has benchmark index 0, the file says 7"):
        nb201_table(read_nb201_csv(csv_text(df)))
    df = nb201_csv.head(3).copy()
    df.loc[1, "arch_str"] = "|bogus~0|+|none~0|none~1|+|none~0|none~1|none~2|"
    with pytest.raises(DataError, match="row 3: unknown op 'bogus'"):
        nb201_table(read_nb201_csv(csv_text(df)))


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_nb201_csv(tmp_path / "none.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="not a readable CSV file"):
        read_nb201_csv(empty)


# -- NAS-Bench-301 (NAS-Bench-Suite-Zero's file) -------------------------------------------------------------

NB301_JSON = Path(__file__).resolve().parents[1] / "data" / "benchmarks" / "zc_nasbench301.json"
_CELL = "[(0, 3), (1, 3), (0, 2), (2, 5), (1, 4), (0, 0), (3, 1), (4, 6)]"


def _nb301(tmp_path, entries) -> Path:
    path = tmp_path / "nb301.json"
    path.write_text(json.dumps({"cifar10": entries}))
    return path


def test_nb301_table_holds_all_725_architectures_as_darts_genotypes(tmp_path):
    table = read_nb301_json(NB301_JSON)
    assert len(table) == 725 and table["arch_id"].is_unique and table["arch_id"].is_monotonic_increasing
    assert table["cifar10_val_acc"].between(91, 95).all()
    for text in table["genotype"].head(20):
        g = DartsGenotype.parse(text)
        assert g.to_str() == text and "none" not in {op for cell in (g.normal, g.reduce) for op, _ in cell.edges}
    path = write_table(table, tmp_path / "nb301.parquet", NB301_BENCHMARK)
    pd.testing.assert_frame_equal(read_frame(path, NB301_BENCHMARK), table)


def test_nb301_pairs_are_input_then_op_index(tmp_path):
    arch = f"[{_CELL}, {_CELL}]"
    table = read_nb301_json(_nb301(tmp_path, {arch: {"idx": "7", "arch": arch, "val_accuracy": 93.5}}))
    g = DartsGenotype.parse(table["genotype"][0])
    assert g.normal.edges[:4] == (("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("skip_connect", 0), ("dil_conv_3x3", 2))
    assert g.normal.edges[-2:] == (("avg_pool_3x3", 3), ("dil_conv_5x5", 4)) and table["naslib_idx"][0] == 7


@pytest.mark.parametrize("entry, message", [
    ({"idx": "1", "arch": f"[{_CELL}]", "val_accuracy": 93.0}, "arch must be \\[normal cell, reduce cell\\]"),
    ({"idx": "1", "arch": f"[{_CELL}, [(0, 1)]]", "val_accuracy": 93.0}, "a cell must be 8"),
    ({"idx": "1", "arch": f"[{_CELL}, {_CELL.replace('(4, 6)', '(4, 7)')}]", "val_accuracy": 93.0}, "op index 7"),
    ({"idx": "1", "arch": f"[{_CELL}, {_CELL.replace('(4, 6)', '(5, 6)')}]", "val_accuracy": 93.0}, "input"),
    ({"idx": "1", "arch": f"[{_CELL}, {_CELL}]", "val_accuracy": 193.0}, "not a percentage"),
    ({"idx": "1", "arch": "[[(", "val_accuracy": 93.0}, "unreadable arch"),
    ({"arch": f"[{_CELL}, {_CELL}]", "val_accuracy": 93.0}, "needs idx, arch and val_accuracy"),
])
def test_bad_nb301_entries_are_refused(tmp_path, entry, message):
    with pytest.raises(DataError, match=message):
        read_nb301_json(_nb301(tmp_path, {"key": entry}))


def test_nb301_duplicates_missing_and_unreadable_files(tmp_path):
    arch = f"[{_CELL}, {_CELL}]"
    twice = {arch: {"idx": "1", "arch": arch, "val_accuracy": 93.0},
             "other": {"idx": "2", "arch": arch, "val_accuracy": 92.0}}
    with pytest.raises(DataError, match="the same genotype as architecture"):
        read_nb301_json(_nb301(tmp_path, twice))
    with pytest.raises(DataError, match="file not found"):
        read_nb301_json(tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(DataError, match="not a readable JSON file"):
        read_nb301_json(tmp_path / "bad.json")
    with pytest.raises(DataError, match="no 'cifar10' architectures"):
        read_nb301_json(_nb301(tmp_path, {}))


# -- NAS-Bench-Suite-Zero's proxy scores (the zero-cost reference) --------------------------------------------

NB201_ZC_JSON = NB301_JSON.with_name("zc_nasbench201.json")


def test_zero_cost_reference_of_nb201_joins_the_benchmark_table(tmp_path, nb201_csv):
    table = read_zero_cost_json(NB201_ZC_JSON, "nb201")
    assert len(table) == 725 and table["arch_id"].is_unique and set(table["space"]) == {"nb201"}
    bench = nb201_table(nb201_csv)
    joined = table.merge(bench, on="arch_id")
    assert len(joined) == 725  # NASLib's edge order decoded right: every cell is a benchmark cell
    assert joined["val_acc"].corr(joined["cifar10_test_acc"], method="spearman") > 0.95
    # the file misses one synflow score (null) and has one singular nwot kernel (-inf, which ranks)
    assert table["synflow"].isna().sum() == 1 and np.isneginf(table["nwot"]).sum() == 1
    path = write_table(table, tmp_path / "zc.parquet", ZERO_COST_BENCHMARK)
    pd.testing.assert_frame_equal(read_frame(path, ZERO_COST_BENCHMARK), table)


def test_zero_cost_reference_of_nb301_is_the_nb301_table():
    table = read_zero_cost_json(NB301_JSON, "darts")
    nb301 = read_nb301_json(NB301_JSON)
    assert table["arch_id"].tolist() == nb301["arch_id"].tolist()
    assert table["val_acc"].tolist() == nb301["cifar10_val_acc"].tolist()
    assert table[list(ZERO_COST_PROXIES)].notna().all().all()


def test_naslib_nb201_tuple_is_edges_from_node_1_first():
    g = read_zero_cost_json(NB201_ZC_JSON, "nb201")
    from cellprobe.spaces import get_space

    space = get_space("nb201")
    # (1->2), (1->3), (1->4), (2->3), (2->4), (3->4): the benchmark string |e0~0|+|e1~0|e3~1|+|e2~0|e4~1|e5~2|
    assert space.from_naslib((0, 1, 2, 3, 4, 0)).to_str() == \
        "|skip_connect~0|+|none~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|skip_connect~2|"
    assert len(g) == 725
    for bad, message in (((0, 1, 2), "6 op indices"), ((0, 1, 2, 3, 4, 5), "0..4"), ("abc", "6 op indices")):
        with pytest.raises(GenotypeError, match=message):
            space.from_naslib(bad)


def _zc_entry(arch, **scores):
    entry = {"idx": "1", "arch": arch, "val_accuracy": 90.0}
    entry.update({p: {"score": scores.get(p, 1.0), "time": 0.1} for p in ZERO_COST_PROXIES})
    return entry


@pytest.mark.parametrize("space, entry, message", [
    ("nb201", _zc_entry(f"[{_CELL}, {_CELL}]"), "6 op indices"),        # a DARTS arch read as NB201
    ("darts", _zc_entry("(0, 1, 2, 3, 4, 0)"), "arch must be \\[normal cell, reduce cell\\]"),
    ("nb201", _zc_entry("(0, 1, 2, 3, 4, 0)", grasp="high"), "unreadable grasp score"),
    ("nb201", {**_zc_entry("(0, 1, 2, 3, 4, 0)"), "val_accuracy": -3.0}, "not a percentage"),
])
def test_bad_zero_cost_reference_entries_are_refused(tmp_path, space, entry, message):
    path = tmp_path / "zc.json"
    path.write_text(json.dumps({"cifar10": {"key": entry}}))
    with pytest.raises(DataError, match=message):
        read_zero_cost_json(path, space)


def test_zero_cost_reference_duplicates_are_refused(tmp_path):
    path = tmp_path / "zc.json"
    path.write_text(json.dumps({"cifar10": {"a": _zc_entry("(0, 1, 2, 3, 4, 0)"), "b": _zc_entry([0, 1, 2, 3, 4, 0])}}))
    with pytest.raises(DataError, match="the same genotype as architecture a"):
        read_zero_cost_json(path, "nb201")
