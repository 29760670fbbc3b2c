import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cellprobe.errors import TableError
from cellprobe.tables import (
    NB201_BENCHMARK,
    SCHEMAS,
    TableSchema,
    get_schema,
    read_frame,
    read_metadata,
    read_table,
    register,
    write_table,
)

DEMO = TableSchema(
    "demo",
    2,
    (
        pa.field("arch_id", pa.string(), nullable=False),
        pa.field("epoch", pa.int32(), nullable=False),
        pa.field("acc", pa.float64(), nullable=True),
        pa.field("ok", pa.bool_(), nullable=False),
    ),
)


def frame(**overrides):
    data = {"arch_id": ["a", "b"], "epoch": [1, 2], "acc": [0.5, None], "ok": [True, False]}
    data.update(overrides)
    return pd.DataFrame(data)


def test_round_trip_with_types_and_metadata(tmp_path):
    path = write_table(frame(), tmp_path / "sub" / "t.parquet", DEMO, metadata={"seed": 3})
    table = read_table(path, DEMO)
    assert table.schema.field("epoch").type == pa.int32()
    assert table.column_names == DEMO.columns
    df = read_frame(path, DEMO)
    assert df["arch_id"].tolist() == ["a", "b"] and np.isnan(df["acc"][1])
    assert read_metadata(path) == {"seed": 3}


def test_columns_are_written_in_declared_order(tmp_path):
    path = write_table(frame()[["ok", "acc", "epoch", "arch_id"]], tmp_path / "t.parquet", DEMO)
    assert pq.read_schema(path).names == DEMO.columns


def test_identical_input_gives_identical_bytes(tmp_path):
    a = write_table(frame(), tmp_path / "a.parquet", DEMO, metadata={"seed": 1})
    b = write_table(frame(), tmp_path / "b.parquet", DEMO, metadata={"seed": 1})
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.parametrize(
    "df, message",
    [
        (frame().assign(extra=[1, 2]), "undeclared column(s) ['extra']"),
        (frame().drop(columns="ok"), "missing column(s) ['ok']"),
        (frame(epoch=["1", "2"]), "column 'epoch' has type"),
        (frame(epoch=[1.5, 2.0]), "column 'epoch' has type double"),
        (frame(ok=[1, 0]), "column 'ok' has type int64"),
        (frame(arch_id=["a", None]), "column 'arch_id' has 1 null value(s)"),
        (frame(epoch=[1, 2**40]), "column 'epoch' does not fit int32"),
    ],
)
def test_writer_refuses_bad_frames_and_writes_nothing(tmp_path, df, message):
    path = tmp_path / "t.parquet"
    with pytest.raises(TableError) as info:
        write_table(df, path, DEMO)
    assert message in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_ints_widen_to_declared_float(tmp_path):
    path = write_table(frame(acc=[1, 2]), tmp_path / "t.parquet", DEMO)
    assert read_frame(path, DEMO)["acc"].tolist() == [1.0, 2.0]


def test_empty_table_round_trips(tmp_path):
    empty = pd.DataFrame({c: [] for c in DEMO.columns})
    path = write_table(empty, tmp_path / "t.parquet", DEMO)
    assert read_table(path, DEMO).num_rows == 0


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = write_table(frame(), tmp_path / "t.parquet", DEMO)
    before = path.read_bytes()

    def broken_write(table, where, **kwargs):
        with open(where, "wb") as fh:
            fh.write(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", broken_write)
    with pytest.raises(OSError, match="disk full"):
        write_table(frame(epoch=[5, 6]), path, DEMO)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.parquet"]


def test_interrupted_first_write_leaves_no_file(tmp_path, monkeypatch):
    def interrupted(table, where, **kwargs):
        with open(where, "wb") as fh:
            fh.write(b"PAR1")
        raise KeyboardInterrupt

    monkeypatch.setattr(pq, "write_table", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_table(frame(), tmp_path / "t.parquet", DEMO)
    assert list(tmp_path.iterdir()) == []


def test_reader_reports_missing_file(tmp_path):
    with pytest.raises(TableError, match="file not found"):
        read_table(tmp_path / "nope.parquet", DEMO)


def test_reader_reports_corrupt_file(tmp_path):
    path = tmp_path / "t.parquet"
    path.write_bytes(b"this is not parquet at all")
    with pytest.raises(TableError, match="not a readable Parquet file"):
        read_table(path, DEMO)
    good = write_table(frame(), tmp_path / "g.parquet", DEMO)
    data = good.read_bytes()
    good.write_bytes(data[: len(data) // 2])
    with pytest.raises(TableError, match="not a readable Parquet file"):
        read_table(good, DEMO)


def test_reader_reports_foreign_parquet(tmp_path):
    path = tmp_path / "t.parquet"
    frame().to_parquet(path)
    with pytest.raises(TableError, match="not a cellprobe table"):
        read_table(path, DEMO)


def test_reader_reports_other_table_and_old_version(tmp_path):
    path = write_table(frame(), tmp_path / "t.parquet", DEMO)
    with pytest.raises(TableError, match="holds table 'demo' v2, expected 'nb201_benchmark'"):
        read_table(path, NB201_BENCHMARK)
    newer = TableSchema("demo", 3, DEMO.fields)
    with pytest.raises(TableError, match="written under 'demo' v2, this cellprobe reads v3"):
        read_table(path, newer)


def test_reader_reports_retyped_or_extra_columns(tmp_path):
    path = tmp_path / "t.parquet"
    table = pa.table(
        {"arch_id": ["a", "b"], "epoch": pa.array([1, 2], pa.int64()), "acc": [0.5, None], "ok": [True, False]}
    )
    pq.write_table(table.replace_schema_metadata(DEMO.arrow_schema().metadata), path)
    with pytest.raises(TableError, match="column 'epoch' is int64, schema declares int32"):
        read_table(path, DEMO)
    table = write_table(frame(), tmp_path / "ok.parquet", DEMO)
    extra = pq.read_table(table).append_column("x", pa.array([1, 2]))
    pq.write_table(extra, path)
    with pytest.raises(TableError, match=r"undeclared column\(s\) \['x'\]"):
        read_table(path, DEMO)


def test_registry_refuses_duplicates():
    assert get_schema("nb201_benchmark") is NB201_BENCHMARK is SCHEMAS["nb201_benchmark"]
    with pytest.raises(ValueError, match="already registered"):
        register(TableSchema("nb201_benchmark", 1, NB201_BENCHMARK.fields))
    with pytest.raises(TableError, match="unknown table schema"):
        get_schema("nope")
    with pytest.raises(ValueError, match="declares a column twice"):
        TableSchema("twice", 1, (pa.field("a", pa.int8()), pa.field("a", pa.int8())))


def test_write_is_via_rename(tmp_path, monkeypatch):
    calls = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (calls.append((a, b)), real_replace(a, b)))
    path = write_table(frame(), tmp_path / "t.parquet", DEMO)
    assert len(calls) == 1 and str(calls[0][1]) == str(path) and str(calls[0][0]) != str(path)
