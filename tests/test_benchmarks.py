import io

import pandas as pd
import pytest

from cellprobe.benchmarks import nb201_table, read_nb201_csv
from cellprobe.errors import DataError
from cellprobe.tables import NB201_BENCHMARK, read_frame, write_table


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
